const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Prismatic-style global id: base64 of `TypeName:uuid`, e.g. `Q3VzdG9tZXI6…` for a Customer. */
export function encodeGlobalId(typeName: string, id: string): string {
  return Buffer.from(`${typeName}:${id}`, 'utf8').toString('base64');
}

export function decodeGlobalId(globalId: string): { typeName: string; id: string } | null {
  if (typeof globalId !== 'string' || globalId.length > 200) return null;
  const text = Buffer.from(globalId, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return null;
  const typeName = text.slice(0, colon);
  const id = text.slice(colon + 1);
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(typeName) || !UUID.test(id)) return null;
  return { typeName, id: id.toLowerCase() };
}

import { InvalidInputError } from '../../domain/errors';
import { decodeGlobalId } from '../../lib/global-id';

export function invalidIdError(field: string, value: unknown, typeName?: string) {
  const expected = typeName ? `${/^[AEIOU]/.test(typeName) ? 'an' : 'a'} ${typeName} id` : 'a global id';
  return new InvalidInputError([{ field, messages: [`"${String(value)}" is not ${expected}.`] }]);
}

/** Decodes a global id of one type into its uuid; an id of another type is an input error naming the field. */
export function idOf(typeName: string, globalId: string, field = 'id'): string {
  const decoded = decodeGlobalId(globalId);
  if (!decoded || decoded.typeName !== typeName) throw invalidIdError(field, globalId, typeName);
  return decoded.id;
}

/** Prismatic clients send `""` for "none" (`importIntegration(integrationId: "")`), so an empty id is no id. */
export function optionalIdOf(typeName: string, globalId: string | number | null | undefined, field: string): string | null {
  return globalId == null || globalId === '' ? null : idOf(typeName, String(globalId), field);
}

/** An id that names an integration either directly or by one of its published versions (Prismatic's versions are integrations). */
export function integrationOrVersionIdOf(globalId: string | number, field: string): { integrationId: string | null; integrationVersionId: string | null } {
  const decoded = decodeGlobalId(String(globalId));
  if (decoded?.typeName === 'IntegrationVersion') return { integrationId: null, integrationVersionId: decoded.id };
  return { integrationId: idOf('Integration', String(globalId), field), integrationVersionId: null };
}

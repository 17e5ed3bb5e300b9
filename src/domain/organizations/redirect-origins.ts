import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { organizations } from '../../db/tables';
import { requireOrgAdmin, type Actor } from '../actor';
import { FieldErrors } from '../errors';
import { getOrganization, type Organization } from './organizations';

/** `scheme://host[:port]` of an http(s) URL, or null when the text is not one. */
export function originOf(text: string): string | null {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : null;
  } catch {
    return null;
  }
}

/** Where the OAuth 2.0 callback may send a browser back to: the vendor's own UI origins, nothing else. */
export async function setAllowedRedirectOrigins(db: DbOrTx, actor: Actor, origins: readonly string[]): Promise<Organization> {
  requireOrgAdmin(actor, 'change the allowed redirect origins');
  const errors = new FieldErrors();
  origins.forEach((origin) => {
    if (originOf(origin) !== origin)
      errors.add('allowedRedirectOrigins', `"${origin}" is not an origin: write scheme://host[:port], without path or trailing slash.`);
  });
  errors.throwIfAny();
  await db
    .update(organizations)
    .set({ allowedRedirectOrigins: [...new Set(origins)] })
    .where(eq(organizations.id, actor.orgId));
  return getOrganization(db, actor);
}

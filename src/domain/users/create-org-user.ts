import type { Db } from '../../db/client';
import { uniqueViolation } from '../../db/errors';
import { users } from '../../db/tables';
import { issueApiToken } from '../auth/api-tokens';
import { requireOrgAdmin, type Actor } from '../actor';
import { FieldErrors, invalid } from '../errors';
import type { User } from './users';

export const ORG_USER_ROLES = ['admin', 'member'] as const;
export type OrgUserRole = (typeof ORG_USER_ROLES)[number];

/**
 * Adds an admin or member to the actor's organization with a first API token (the only way such a user
 * can call the API: there are no passwords). The token's plain value exists only in the return value.
 */
export async function createOrgUser(db: Db, actor: Actor, input: { email: string; name?: string; role: string; tokenName?: string }) {
  requireOrgAdmin(actor, 'create users');
  const errors = new FieldErrors();
  const email = input.email?.trim() ?? '';
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) errors.add('email', 'Must be an email address.');
  if (!(ORG_USER_ROLES as readonly string[]).includes(input.role)) errors.add('role', `Must be one of ${ORG_USER_ROLES.join(', ')}.`);
  errors.throwIfAny();
  try {
    return await db.transaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({ orgId: actor.orgId, role: input.role as OrgUserRole, name: input.name?.trim() || email, email })
        .returning();
      const { token, record } = await issueApiToken(tx, { orgId: actor.orgId, userId: user!.id, name: input.tokenName ?? 'first token' });
      return { user: user as User, token, tokenRecord: record };
    });
  } catch (error) {
    if (uniqueViolation(error) === 'users_org_email_key') throw invalid('email', 'A user with this email already exists in this organization.');
    throw error;
  }
}

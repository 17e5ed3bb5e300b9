import type { Db } from '../../db/client';
import { issueApiToken } from '../auth/api-tokens';
import type { Actor } from '../actor';
import { ORGANIZATION_ROLES } from './roles';
import { createOrganizationUser, type NewUser } from './user-admin';

/** The roles an organization user may have, as the CLI's `--role` names them. */
export const ORG_USER_ROLES = ORGANIZATION_ROLES.map((role) => role.key);

/**
 * Adds an admin or member to the actor's organization with a first API token (the only way such a user
 * can call the API: there are no passwords). The token's plain value exists only in the return value.
 */
export async function createOrgUser(db: Db, actor: Actor, input: NewUser & { tokenName?: string }) {
  return db.transaction(async (tx) => {
    const user = await createOrganizationUser(tx, actor, input);
    const { token, record } = await issueApiToken(tx, { orgId: actor.orgId, userId: user.id, name: input.tokenName ?? 'first token' });
    return { user, token, tokenRecord: record };
  });
}

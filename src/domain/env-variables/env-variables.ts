import { randomUUID } from 'node:crypto';
import { and, asc, eq, ilike, inArray, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { uniqueViolation } from '../../db/errors';
import { escapeLike } from '../../db/like';
import { selectPage } from '../../db/page';
import { envVariables, type EnvValueType } from '../../db/tables';
import type { DataKeySource, KeyOwner, SecretSlot, Vault } from '../../vault/vault';
import { requireOrgAdmin, requireOrgUser, type Actor } from '../actor';
import { FieldErrors, InvalidInputError, NotFoundError } from '../errors';
import type { Page, PageResult } from '../pagination';
import { checkEnvName, checkEnvValue } from './validate';

export type EnvVariable = typeof envVariables.$inferSelect;
export type EnvVariableFilter = { name?: string | null; nameIcontains?: string | null };
export type CreateEnvVariableInput = { name: string; value: string; valueType: EnvValueType; isSecret?: boolean | null };
export type UpdateEnvVariableInput = { name?: string | null; value?: string | null; valueType?: EnvValueType | null; isSecret?: boolean | null };

/** The organization's data key seals every value; the slot binds it to this variable. */
export const envOwner = (orgId: string): KeyOwner => ({ orgId, customerId: null });
export const envSlot = (id: string): SecretSlot => ({ record: id, field: 'value' });

/*
 * Env variables are the vendor's: organization users read them, admins write them, customer users neither
 * (one holds every customer's connector auth ids). Another organization's variable reads as missing.
 */

export const getEnvVariable = (db: DbOrTx, actor: Actor, id: string) => findOne(db, actor, eq(envVariables.id, id));

export const getEnvVariableByName = (db: DbOrTx, actor: Actor, name: string) => findOne(db, actor, eq(envVariables.name, name));

async function findOne(db: DbOrTx, actor: Actor, match: SQL): Promise<EnvVariable> {
  requireOrgUser(actor, 'read env variables');
  const [row] = await db
    .select()
    .from(envVariables)
    .where(and(eq(envVariables.orgId, actor.orgId), match));
  if (!row) throw new NotFoundError();
  return row;
}

/** Loads many by id for dataloaders; ids the actor may not see are absent. */
export async function getEnvVariablesByIds(db: DbOrTx, actor: Actor, ids: readonly string[]): Promise<EnvVariable[]> {
  requireOrgUser(actor, 'read env variables');
  if (ids.length === 0) return [];
  return db
    .select()
    .from(envVariables)
    .where(and(eq(envVariables.orgId, actor.orgId), inArray(envVariables.id, [...ids])));
}

export async function listEnvVariables(db: DbOrTx, actor: Actor, filter: EnvVariableFilter, page: Page): Promise<PageResult<EnvVariable>> {
  requireOrgUser(actor, 'read env variables');
  const conditions: SQL[] = [eq(envVariables.orgId, actor.orgId)];
  if (filter.name != null) conditions.push(eq(envVariables.name, filter.name));
  if (filter.nameIcontains != null) conditions.push(ilike(envVariables.name, `%${escapeLike(filter.nameIcontains)}%`));
  return selectPage(db, envVariables, and(...conditions), { sort: [], columns: {}, fallback: [asc(envVariables.name)], page });
}

/** Which of `names` exist in the actor's organization (definition checks warn about the others). */
export async function existingEnvVariableNames(db: DbOrTx, actor: Actor, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const rows = await db
    .select({ name: envVariables.name })
    .from(envVariables)
    .where(and(eq(envVariables.orgId, actor.orgId), inArray(envVariables.name, [...names])));
  return new Set(rows.map((row) => row.name));
}

/** What a response shows: the value of a non-secret variable; a secret one only says that it has a value. */
export async function shownEnvValues(vault: Vault, keys: DataKeySource, rows: readonly EnvVariable[]): Promise<(string | null)[]> {
  const shown = rows.filter((row) => !row.isSecret);
  const opened = await vault.openMany(
    null,
    shown.map((row) => ({ owner: envOwner(row.orgId), slot: envSlot(row.id), sealed: row.value })),
    keys,
  );
  const byId = new Map(shown.map((row, i) => [row.id, opened[i] ?? null]));
  return rows.map((row) => byId.get(row.id) ?? null);
}

export async function createEnvVariable(db: DbOrTx, vault: Vault, actor: Actor, input: CreateEnvVariableInput): Promise<EnvVariable> {
  requireOrgAdmin(actor, 'create env variables');
  const errors = new FieldErrors();
  checkEnvName(input.name, errors);
  checkEnvValue(input.value, input.valueType, errors);
  errors.throwIfAny();
  const id = randomUUID();
  try {
    return await db.transaction(async (tx) => {
      const value = await vault.seal(tx, envOwner(actor.orgId), envSlot(id), input.value);
      const [row] = await tx
        .insert(envVariables)
        .values({ id, orgId: actor.orgId, name: input.name, valueType: input.valueType, isSecret: input.isSecret ?? false, value })
        .returning();
      return row!;
    });
  } catch (error) {
    throw duplicateName(error, input.name);
  }
}

/**
 * Changes what is given. A new valueType needs the value it applies to, and a secret becomes readable only
 * with a new value: turning `isSecret` off must not reveal the secret that was stored under it.
 */
export async function updateEnvVariable(db: DbOrTx, vault: Vault, actor: Actor, id: string, input: UpdateEnvVariableInput): Promise<EnvVariable> {
  const existing = await getEnvVariable(db, actor, id);
  requireOrgAdmin(actor, 'update env variables');
  const errors = new FieldErrors();
  if (input.name != null) checkEnvName(input.name, errors);
  const valueType = input.valueType ?? existing.valueType;
  if (input.value != null) checkEnvValue(input.value, valueType, errors);
  else if (valueType !== existing.valueType) errors.add('value', 'Give the value together with a new valueType.');
  if (existing.isSecret && input.isSecret === false && input.value == null) {
    errors.add('isSecret', 'A secret becomes readable only with a new value: give value too.');
  }
  errors.throwIfAny();
  try {
    return await db.transaction(async (tx) => {
      const value = input.value != null ? await vault.seal(tx, envOwner(actor.orgId), envSlot(id), input.value) : existing.value;
      const [row] = await tx
        .update(envVariables)
        .set({ name: input.name ?? existing.name, valueType, isSecret: input.isSecret ?? existing.isSecret, value, updatedAt: new Date() })
        .where(and(eq(envVariables.orgId, actor.orgId), eq(envVariables.id, id)))
        .returning();
      if (!row) throw new NotFoundError();
      return row;
    });
  } catch (error) {
    throw duplicateName(error, input.name ?? existing.name);
  }
}

export async function deleteEnvVariable(db: DbOrTx, actor: Actor, id: string): Promise<EnvVariable> {
  const existing = await getEnvVariable(db, actor, id);
  requireOrgAdmin(actor, 'delete env variables');
  await db.delete(envVariables).where(and(eq(envVariables.orgId, actor.orgId), eq(envVariables.id, id)));
  return existing;
}

/** Concurrent creates of one name leave one row; the other gets the same error as a sequential duplicate. */
function duplicateName(error: unknown, name: string): unknown {
  if (uniqueViolation(error) !== 'env_variables_org_name_key') return error;
  return new InvalidInputError([{ field: 'name', messages: [`An env variable named "${name}" already exists in this organization.`] }]);
}

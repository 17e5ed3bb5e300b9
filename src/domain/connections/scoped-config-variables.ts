import { and, asc, eq, ilike, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { uniqueViolation } from '../../db/errors';
import { scopedConfigVariables, type ManagedBy, type VariableScope } from '../../db/tables';
import type { Vault } from '../../vault/vault';
import { isOrgUser, requireOrgAdmin, type Actor } from '../actor';
import { oauth2TypeOf } from '../components';
import { findConnection, getConnection, type ConnectionRecord } from '../components/registry';
import { escapeLike } from '../../db/like';
import { selectPage } from '../../db/page';
import { getCustomer } from '../customers/customers';
import { FieldErrors, InvalidInputError, NotFoundError } from '../errors';
import type { Page, PageResult, Sort } from '../pagination';
import { caseFold, checkExpressions, isSecret, type InputExpression, type InputScope } from './input-expressions';
import { secretDestinationProblems } from './secret-destinations';
import { checkUserAuthentication, type UserAuthenticationInput } from '../user-authentications/settings';

export type ScopedConfigVariable = typeof scopedConfigVariables.$inferSelect;
export type ScopedConfigVariableSortField = 'KEY' | 'CREATED_AT' | 'UPDATED_AT' | 'STATUS' | 'COMPONENT_LABEL' | 'LAST_CONFIGURED_AT';
export type ScopedConfigVariableFilter = {
  stableKey?: string | null;
  key?: string | null;
  keyIcontains?: string | null;
  managedBy?: string | null;
  variableScope?: string | null;
  ids?: string[] | null;
  customerId?: string | null;
  componentKeys?: string[] | null;
};

const STABLE_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Org users see every reusable connection of their organization. Customer users see only customer-activated
 * ones offered to all customers or to their own; organization-activated connections are invisible to them.
 */
export function visibleScopedConfigVariables(actor: Actor): SQL {
  const inOrg = eq(scopedConfigVariables.orgId, actor.orgId);
  if (isOrgUser(actor)) return inOrg;
  return and(
    inOrg,
    eq(scopedConfigVariables.managedBy, 'customer'),
    or(isNull(scopedConfigVariables.customerId), eq(scopedConfigVariables.customerId, actor.customerId!)),
  )!;
}

export async function getScopedConfigVariable(db: DbOrTx, actor: Actor, id: string): Promise<ScopedConfigVariable> {
  const [row] = await db
    .select()
    .from(scopedConfigVariables)
    .where(and(visibleScopedConfigVariables(actor), eq(scopedConfigVariables.id, id)));
  if (!row) throw new NotFoundError();
  return row;
}

export async function getScopedConfigVariablesByIds(db: DbOrTx, actor: Actor, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(scopedConfigVariables)
    .where(and(visibleScopedConfigVariables(actor), inArray(scopedConfigVariables.id, [...ids])));
}

/** The reusable connection an integration names by stable key, in this tenant (null when there is none). */
export async function findByStableKey(db: DbOrTx, actor: Actor, stableKey: string): Promise<ScopedConfigVariable | null> {
  const [row] = await db
    .select()
    .from(scopedConfigVariables)
    .where(and(visibleScopedConfigVariables(actor), eq(scopedConfigVariables.stableKey, stableKey)));
  return row ?? null;
}

const sortColumns = {
  KEY: scopedConfigVariables.key,
  CREATED_AT: scopedConfigVariables.createdAt,
  UPDATED_AT: scopedConfigVariables.updatedAt,
  LAST_CONFIGURED_AT: scopedConfigVariables.updatedAt,
  STATUS: scopedConfigVariables.createdAt,
  COMPONENT_LABEL: scopedConfigVariables.componentKey,
} satisfies Record<ScopedConfigVariableSortField, unknown>;

export async function listScopedConfigVariables(
  db: DbOrTx,
  actor: Actor,
  filter: ScopedConfigVariableFilter,
  sort: Sort<ScopedConfigVariableSortField>[],
  page: Page,
): Promise<PageResult<ScopedConfigVariable>> {
  const c = scopedConfigVariables;
  const conditions: (SQL | undefined)[] = [visibleScopedConfigVariables(actor)];
  if (filter.stableKey != null) conditions.push(eq(c.stableKey, filter.stableKey));
  if (filter.key != null) conditions.push(eq(c.key, filter.key));
  if (filter.keyIcontains != null) conditions.push(ilike(c.key, `%${escapeLike(filter.keyIcontains)}%`));
  if (filter.managedBy != null) conditions.push(eq(c.managedBy, filter.managedBy.toLowerCase() as ManagedBy));
  if (filter.variableScope != null) conditions.push(eq(c.variableScope, filter.variableScope.toLowerCase() as VariableScope));
  if (filter.ids != null) conditions.push(filter.ids.length ? inArray(c.id, filter.ids) : sql`false`);
  if (filter.customerId != null) conditions.push(eq(c.customerId, filter.customerId));
  if (filter.componentKeys != null) conditions.push(inArray(c.componentKey, filter.componentKeys.length ? filter.componentKeys : ['']));
  return selectPage(db, c, and(...conditions), { sort, columns: sortColumns, fallback: [asc(c.createdAt)], page });
}

export type CreateScopedConfigVariableInput = {
  key: string;
  stableKey: string;
  variableScope: string;
  managedBy?: string | null;
  connectionId: string | null;
  customerId?: string | null;
  description?: string | null;
  inputs?: readonly InputExpression[] | null;
  userAuthentication?: UserAuthenticationInput | null;
};

/**
 * Which inputs are global (set here, once) and which per customer. An org-scoped connection is all global;
 * otherwise an input is global when its meta says `"inputScope": "org"` or it is given a value here.
 */
function scopesFor(connection: ConnectionRecord, variableScope: VariableScope, expressions: readonly InputExpression[]) {
  const scopes: Record<string, InputScope> = {};
  for (const input of connection.definition.inputs) {
    const expression = expressions.find((e) => e.name === input.key);
    const declared = caseFold(metaScope(expression?.meta), ['org', 'customer'] as const);
    scopes[input.key] = variableScope === 'org' ? 'org' : (declared ?? (expression?.value != null ? 'org' : 'customer'));
  }
  return scopes;
}

function metaScope(meta: string | null | undefined): string | undefined {
  try {
    return (JSON.parse(meta ?? '{}') as { inputScope?: string }).inputScope;
  } catch {
    return undefined;
  }
}

export async function createScopedConfigVariable(
  db: DbOrTx,
  vault: Vault,
  actor: Actor,
  input: CreateScopedConfigVariableInput,
): Promise<ScopedConfigVariable> {
  requireOrgAdmin(actor, 'create connections');
  const errors = new FieldErrors();
  if (!input.key?.trim()) errors.add('key', 'This field is required.');
  else if (input.key.length > 255) errors.add('key', 'Must be at most 255 characters.');
  if (!input.stableKey) errors.add('stableKey', 'This field is required: it matches this connection across tenants.');
  else if (!STABLE_KEY.test(input.stableKey)) errors.add('stableKey', 'Use letters, digits, ".", "_" and "-" (at most 100), starting with a letter or digit.');
  const variableScope = caseFold(input.variableScope, ['customer', 'org'] as const);
  if (!variableScope) errors.add('variableScope', 'Must be "customer" or "org".');
  const managedBy = input.managedBy == null ? 'org' : caseFold(input.managedBy, ['org', 'customer'] as const);
  if (!managedBy) errors.add('managedBy', 'Must be "org" or "customer".');
  if (managedBy === 'customer' && variableScope === 'org')
    errors.add('variableScope', 'Customer-activated connections hold per-customer values: use "customer".');
  if (input.customerId && managedBy !== 'customer') errors.add('customer', 'Only customer-activated connections belong to one customer.');

  let connection: ConnectionRecord | null = null;
  if (!input.connectionId) errors.add('connection', 'This field is required.');
  else connection = await getConnection(db, actor, input.connectionId).catch(notFoundAs(errors, 'connection'));
  if (connection && managedBy === 'org' && oauth2TypeOf(connection.definition)) {
    errors.add(
      'connection',
      `Organization-activated connections must be non-OAuth 2.0: "${connection.component.key}/${connection.key}" uses OAuth 2.0. Use managedBy "customer" instead.`,
    );
  }
  if (input.customerId) await getCustomer(db, actor, input.customerId).catch(notFoundAs(errors, 'customer'));
  if (errors.size > 0 || !connection || !variableScope) throw new InvalidInputError(errors.list());

  const given = checkExpressions(input.inputs ?? [], connection.definition, errors, { field: 'inputs', allowed: () => null });
  const scopes = scopesFor(connection, variableScope, input.inputs ?? []);
  for (const field of connection.definition.inputs) {
    if (scopes[field.key] === 'org' && !given.has(field.key) && field.required && field.default == null) {
      errors.add('inputs', `Input "${field.key}" is global and required: give it a value (global values cannot be changed later).`);
    }
  }
  for (const problem of secretDestinationProblems(connection.definition, scopes, managedBy!)) errors.add('inputs', problem);
  const userAuthentication = checkUserAuthentication(input.userAuthentication, userAuthSupport(connection), errors, 'userAuthentication');
  errors.throwIfAny();

  const conn = connection;
  return insertUnique(() =>
    db.transaction(async (tx) => {
      const [row] = await tx
        .insert(scopedConfigVariables)
        .values({
          orgId: actor.orgId,
          key: input.key.trim(),
          stableKey: input.stableKey,
          description: input.description ?? null,
          variableScope,
          managedBy: managedBy!,
          componentKey: conn.component.key,
          connectionKey: conn.key,
          customerId: input.customerId ?? null,
          inputScopes: scopes,
          globalValues: {},
          userAuthentication,
        })
        .returning();
      const globalValues = await sealValues(tx, vault, actor.orgId, row!.id, given);
      const [withValues] = await tx.update(scopedConfigVariables).set({ globalValues }).where(eq(scopedConfigVariables.id, row!.id)).returning();
      return withValues!;
    }),
  );
}

export async function sealValues(
  db: DbOrTx,
  vault: Vault,
  orgId: string,
  recordId: string,
  values: ReturnType<typeof checkExpressions>,
  customerId: string | null = null,
) {
  const names = [...values.keys()];
  const sealed = await vault.sealMany(
    db,
    { orgId, customerId },
    names.map((name) => ({ slot: { record: recordId, field: name }, plaintext: values.get(name)!.value })),
  );
  return Object.fromEntries(names.map((name, i) => [name, sealed[i]!]));
}

export type UpdateScopedConfigVariableInput = {
  key?: string | null;
  description?: string | null;
  inputs?: readonly InputExpression[] | null;
  defaultForComponent?: boolean | null;
  userAuthentication?: UserAuthenticationInput | null;
};

export async function updateScopedConfigVariable(
  db: DbOrTx,
  vault: Vault,
  actor: Actor,
  id: string,
  input: UpdateScopedConfigVariableInput,
): Promise<ScopedConfigVariable> {
  const existing = await getScopedConfigVariable(db, actor, id);
  requireOrgAdmin(actor, 'update connections');
  const connection = await connectionOf(db, actor, existing);
  const errors = new FieldErrors();
  if (input.key !== undefined && !input.key?.trim()) errors.add('key', 'This field is required.');
  const given = checkExpressions(input.inputs ?? [], connection.definition, errors, {
    field: 'inputs',
    allowed: (field) =>
      existing.inputScopes[field.key] === 'customer' ? `Input "${field.key}" is set per customer (createCustomerConfigVariable), not on the connection.` : null,
  });
  // A set global secret refuses every value, equal or not: answering "unchanged" for the right one would let
  // an admin confirm a guess of a write-once secret. Other set values are shown anyway; resending one is fine.
  const setSecrets = [...given.values()].filter(({ field }) => isSecret(field) && field.key in existing.globalValues);
  for (const { field } of setSecrets) {
    errors.add('inputs', `Input "${field.key}" is a global secret and already set; global values cannot be changed.`);
    given.delete(field.key);
  }
  const shownNames = [...given.keys()].filter((name) => name in existing.globalValues);
  const owner = { orgId: existing.orgId, customerId: null };
  const current = await vault.openMany(
    db,
    shownNames.map((field) => ({ owner, slot: { record: existing.id, field }, sealed: existing.globalValues[field]! })),
  );
  shownNames.forEach((name, i) => {
    if (current[i] !== given.get(name)!.value) errors.add('inputs', `Input "${name}" is global and already set; global values cannot be changed.`);
    given.delete(name);
  });
  const userAuthentication = checkUserAuthentication(input.userAuthentication, userAuthSupport(connection), errors, 'userAuthentication');
  errors.throwIfAny();

  return db.transaction(async (tx) => {
    const added = await sealValues(tx, vault, existing.orgId, existing.id, given);
    const [row] = await tx
      .update(scopedConfigVariables)
      .set({
        key: input.key?.trim() ?? existing.key,
        description: input.description !== undefined ? input.description : existing.description,
        defaultForComponent: input.defaultForComponent ?? existing.defaultForComponent,
        userAuthentication: userAuthentication ?? existing.userAuthentication,
        globalValues: { ...existing.globalValues, ...added },
        updatedAt: new Date(),
      })
      .where(and(eq(scopedConfigVariables.orgId, actor.orgId), eq(scopedConfigVariables.id, existing.id)))
      .returning();
    return row!;
  });
}

export async function deleteScopedConfigVariable(db: DbOrTx, actor: Actor, id: string): Promise<ScopedConfigVariable> {
  const existing = await getScopedConfigVariable(db, actor, id);
  requireOrgAdmin(actor, 'delete connections');
  await db.delete(scopedConfigVariables).where(and(eq(scopedConfigVariables.orgId, actor.orgId), eq(scopedConfigVariables.id, existing.id)));
  return existing;
}

const userAuthSupport = (connection: ConnectionRecord) => ({
  label: `${connection.component.key}/${connection.key}`,
  supports: connection.definition.supportsUserAuthentication,
});

/** The component connection a reusable connection was created from. */
export async function connectionOf(db: DbOrTx, actor: Actor, scv: ScopedConfigVariable): Promise<ConnectionRecord> {
  const connection = await findConnection(db, actor, scv.componentKey, scv.connectionKey);
  if (!connection) throw new Error(`connection ${scv.componentKey}/${scv.connectionKey} of ${scv.id} no longer exists`);
  return connection;
}

export function notFoundAs(errors: FieldErrors, field: string) {
  return (error: unknown): null => {
    if (error instanceof NotFoundError) {
      errors.add(field, 'Record not found.');
      return null;
    }
    if (error instanceof InvalidInputError) {
      for (const e of error.fieldErrors) errors.add(field, e.messages.join(' '));
      return null;
    }
    throw error;
  };
}

async function insertUnique<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (uniqueViolation(error) === 'scoped_config_variables_org_stable_key') {
      throw new InvalidInputError([{ field: 'stableKey', messages: ['A connection with this stable key already exists.'] }]);
    }
    throw error;
  }
}

import { randomUUID } from 'node:crypto';
import { and, asc, count, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { uniqueViolation } from '../../db/errors';
import { customerConfigVariables, customers, scopedConfigVariables } from '../../db/tables';
import type { DataKeyRow, Vault } from '../../vault/vault';
import { isOrgUser, requireAdmin, type Actor } from '../actor';
import type { ConnectionDefinition, InputFieldDefinition } from '../components';
import { visibleCustomers, type Customer } from '../customers/customers';
import { FieldErrors, ForbiddenError, InvalidInputError, NotFoundError } from '../errors';
import { rowsToFetch, uncountedPage, type Page, type PageResult } from '../pagination';
import { checkExpressions, type InputExpression } from './input-expressions';
import { insertCustomerConfigVariable, lookUpProvisioning } from './provisioning-statements';
import { secretDestinationProblems } from './secret-destinations';
import { connectionOf, getScopedConfigVariable, sealValues, visibleScopedConfigVariables, type ScopedConfigVariable } from './scoped-config-variables';

export type CustomerConfigVariable = typeof customerConfigVariables.$inferSelect;
export type CustomerConfigVariableFilter = { scopedConfigVariableId?: string | null; customerId?: string | null; isTest?: boolean | null };

const ccv = customerConfigVariables;

/** Org users see all values; customer users only their own customer's values for customer-activated connections. */
function visible(actor: Actor): SQL {
  const inOrg = eq(ccv.orgId, actor.orgId);
  if (isOrgUser(actor)) return inOrg;
  const customerActivated = sql`exists (select 1 from ${scopedConfigVariables} s where s.id = ${ccv.scopedConfigVariableId} and s.managed_by = 'customer')`;
  return and(inOrg, eq(ccv.customerId, actor.customerId!), customerActivated)!;
}

function filterConditions(actor: Actor, filter: CustomerConfigVariableFilter): SQL {
  const conditions: (SQL | undefined)[] = [visible(actor)];
  if (filter.scopedConfigVariableId != null) conditions.push(eq(ccv.scopedConfigVariableId, filter.scopedConfigVariableId));
  if (filter.customerId != null) conditions.push(eq(ccv.customerId, filter.customerId));
  if (filter.isTest != null) conditions.push(eq(ccv.isTest, filter.isTest));
  return and(...conditions)!;
}

export async function getCustomerConfigVariable(db: DbOrTx, actor: Actor, id: string): Promise<CustomerConfigVariable> {
  const [row] = await db
    .select()
    .from(ccv)
    .where(and(visible(actor), eq(ccv.id, id)));
  if (!row) throw new NotFoundError();
  return row;
}

export async function getCustomerConfigVariablesByIds(db: DbOrTx, actor: Actor, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(ccv)
    .where(and(visible(actor), inArray(ccv.id, [...ids])));
}

const pageOrder = [asc(ccv.createdAt), asc(ccv.id)];

/** A listed value with its customer and connection when the list was asked to join them (null: not visible). */
export type CustomerConfigVariableWithParents = CustomerConfigVariable & {
  parents?: { customer: Customer | null; scopedConfigVariable: ScopedConfigVariable | null };
};

/**
 * One page of values. `withParents` joins each value's customer and connection into the page's own statement
 * (each under the same visibility rule as its own lookup), so a page shown with both costs one statement.
 */
export async function listCustomerConfigVariables(
  db: DbOrTx,
  actor: Actor,
  filter: CustomerConfigVariableFilter,
  page: Page,
  withParents = false,
): Promise<PageResult<CustomerConfigVariableWithParents>> {
  const where = filterConditions(actor, filter);
  const rows: Promise<CustomerConfigVariableWithParents[]> = withParents
    ? db
        .select({ row: ccv, customer: customers, scopedConfigVariable: scopedConfigVariables })
        .from(ccv)
        .leftJoin(customers, and(visibleCustomers(actor), eq(customers.id, ccv.customerId)))
        .leftJoin(scopedConfigVariables, and(visibleScopedConfigVariables(actor), eq(scopedConfigVariables.id, ccv.scopedConfigVariableId)))
        .where(where)
        .orderBy(...pageOrder)
        .limit(rowsToFetch(page))
        .offset(page.offset)
        .then((joined) => joined.map(({ row, ...parents }) => ({ ...row, parents })))
    : db
        .select()
        .from(ccv)
        .where(where)
        .orderBy(...pageOrder)
        .limit(rowsToFetch(page))
        .offset(page.offset);
  if (page.countTotal === false) return uncountedPage(page, await rows);
  const [pageRows, [total]] = await Promise.all([rows, db.select({ n: count() }).from(ccv).where(where)]);
  return { rows: pageRows, totalCount: total?.n ?? 0 };
}

/**
 * One page of values for each of many reusable connections in a single statement: a LATERAL top-N per
 * connection reads only each page's rows through customer_config_variables_scoped_page_idx, so a list of
 * connections with their nested values costs the same number of queries at any page or table size. The
 * totals (a second statement, run alongside) only when the page asks for them.
 */
export async function listCustomerConfigVariablesPerParent(
  db: DbOrTx,
  actor: Actor,
  parentIds: readonly string[],
  filter: CustomerConfigVariableFilter,
  page: Page,
): Promise<Map<string, PageResult<CustomerConfigVariable>>> {
  const parents = scopedConfigVariables;
  const perParent = db
    .select()
    .from(ccv)
    .where(and(filterConditions(actor, filter), eq(ccv.scopedConfigVariableId, parents.id)))
    .orderBy(...pageOrder)
    .limit(rowsToFetch(page))
    .offset(page.offset)
    .as('page');
  const columns = Object.fromEntries(Object.keys(getTableColumns(ccv)).map((key) => [key, perParent[key as keyof typeof perParent]])) as {
    [K in keyof CustomerConfigVariable]: (typeof perParent)[K];
  };
  const [rows, totals] = await Promise.all([
    db
      .select({ parent: parents.id, row: columns })
      .from(parents)
      .crossJoinLateral(perParent)
      .where(inArray(parents.id, [...parentIds]))
      .orderBy(parents.id, perParent.createdAt, perParent.id),
    page.countTotal === false
      ? null
      : db
          .select({ parent: ccv.scopedConfigVariableId, n: count() })
          .from(ccv)
          .where(and(filterConditions(actor, filter), inArray(ccv.scopedConfigVariableId, [...parentIds])))
          .groupBy(ccv.scopedConfigVariableId),
  ]);
  const fetched = new Map<string, CustomerConfigVariable[]>(parentIds.map((id) => [id, []]));
  for (const { parent, row } of rows) fetched.get(parent)?.push(row as CustomerConfigVariable);
  const counted = new Map(totals?.map((t) => [t.parent, t.n]));
  return new Map([...fetched].map(([id, list]) => [id, totals ? { rows: list, totalCount: counted.get(id) ?? 0 } : uncountedPage(page, list)]));
}

/** The inputs a customer (or the test credentials) supplies: the per-customer ones; all of them for tests of a global connection. */
export function suppliedInputs(scv: ScopedConfigVariable, fields: InputFieldDefinition[], isTest: boolean) {
  return fields.filter((field) => scv.inputScopes[field.key] === 'customer' || (isTest && scv.variableScope === 'org'));
}

export type CreateCustomerConfigVariableInput = {
  scopedConfigVariableId: string | null;
  customerId: string | null;
  isTest: boolean;
  inputs: readonly InputExpression[];
  key?: string | null;
};

export async function createCustomerConfigVariable(
  db: DbOrTx,
  vault: Vault,
  actor: Actor,
  input: CreateCustomerConfigVariableInput,
): Promise<CustomerConfigVariable> {
  const errors = new FieldErrors();
  if (!input.scopedConfigVariableId) errors.add('scopedConfigVariable', 'This field is required.');
  if (input.isTest && input.customerId) errors.add('customer', 'Test credentials belong to no customer: leave customer out.');
  if (!input.isTest && !input.customerId) errors.add('customer', 'This field is required (or set isTest for test credentials).');
  const found = input.scopedConfigVariableId ? await lookUpProvisioning(db, actor, input.scopedConfigVariableId, input.customerId) : null;
  if (input.scopedConfigVariableId && !found?.scv) errors.add('scopedConfigVariable', 'Record not found.');
  if (input.customerId && !found?.customer) errors.add('customer', 'Record not found.');
  const scv = found?.scv;
  if (!scv || errors.size > 0) throw new InvalidInputError(errors.list());

  authorizeWrite(actor, scv, input.customerId, input.isTest);
  if (!input.isTest && scv.variableScope === 'org') {
    errors.add('scopedConfigVariable', 'This connection is global: its values are set on the connection itself, not per customer.');
  }
  if (!input.isTest && scv.customerId && scv.customerId !== input.customerId) {
    errors.add('customer', 'This connection belongs to another customer.');
  }
  const connection = await connectionOf(db, actor, scv);
  const supplied = suppliedInputs(scv, connection.definition.inputs, input.isTest);
  const values = checkExpressions(input.inputs, connection.definition, errors, {
    field: 'inputs',
    allowed: (field) => (supplied.includes(field) ? null : `Input "${field.key}" is global: it is set once on the connection, not per customer.`),
  });
  for (const field of supplied) {
    if (field.required && field.default == null && !values.has(field.key)) errors.add('inputs', `Input "${field.key}" is required.`);
  }
  refuseUnsafeDestinations(scv, connection.definition, values, errors);
  errors.throwIfAny();

  try {
    // The id is chosen here because the sealed values are bound to it: one insert, already with its values
    // (and the owner's first data key when it has none yet).
    const id = randomUUID();
    const owner = { orgId: actor.orgId, customerId: input.customerId };
    const names = [...values.keys()];
    const store = (dataKey: DataKeyRow | null) => {
      const sealingKey = vault.sealingKey(owner, dataKey);
      const sealed = vault.sealWith(
        sealingKey,
        owner,
        names.map((name) => ({ slot: { record: id, field: name }, plaintext: values.get(name)!.value })),
      );
      const row = { id, orgId: actor.orgId, scopedConfigVariableId: scv.id, customerId: input.customerId, isTest: input.isTest, key: input.key ?? null };
      return insertCustomerConfigVariable(db, { ...row, values: Object.fromEntries(names.map((name, i) => [name, sealed[i]!])) }, sealingKey);
    };
    // Null: another writer stored the owner's first data key meanwhile; sealed again with that one.
    const row = (await store(found.dataKey)) ?? (await store((await lookUpProvisioning(db, actor, scv.id, input.customerId)).dataKey));
    if (!row) throw new Error(`the data key of ${input.customerId ?? 'the organization'} vanished while a value was stored`);
    return row;
  } catch (error) {
    const constraint = uniqueViolation(error);
    if (constraint === 'customer_config_variables_customer_key') {
      throw new InvalidInputError([{ field: 'customer', messages: ['This customer already has values for this connection; update them instead.'] }]);
    }
    if (constraint === 'customer_config_variables_test_key') {
      throw new InvalidInputError([{ field: 'isTest', messages: ['This connection already has test credentials; update them instead.'] }]);
    }
    throw error;
  }
}

export type UpdateCustomerConfigVariableInput = { inputs?: readonly InputExpression[] | null; key?: string | null };

/** Replaces the given inputs' values; inputs not named keep theirs. */
export async function updateCustomerConfigVariable(
  db: DbOrTx,
  vault: Vault,
  actor: Actor,
  id: string,
  input: UpdateCustomerConfigVariableInput,
): Promise<CustomerConfigVariable> {
  const existing = await getCustomerConfigVariable(db, actor, id);
  const scv = await getScopedConfigVariable(db, actor, existing.scopedConfigVariableId);
  authorizeWrite(actor, scv, existing.customerId, existing.isTest);
  const connection = await connectionOf(db, actor, scv);
  const supplied = suppliedInputs(scv, connection.definition.inputs, existing.isTest);
  const errors = new FieldErrors();
  const values = checkExpressions(input.inputs ?? [], connection.definition, errors, {
    field: 'inputs',
    allowed: (field) => (supplied.includes(field) ? null : `Input "${field.key}" is global: it is set once on the connection, not per customer.`),
  });
  refuseUnsafeDestinations(scv, connection.definition, values, errors);
  errors.throwIfAny();
  return db.transaction(async (tx) => {
    const sealed = await sealValues(tx, vault, existing.orgId, existing.id, values, existing.customerId);
    const [row] = await tx
      .update(ccv)
      .set({
        values: { ...existing.values, ...sealed },
        key: input.key !== undefined ? input.key : existing.key,
        lastConfiguredAt: values.size > 0 ? new Date() : existing.lastConfiguredAt,
        updatedAt: new Date(),
      })
      .where(and(eq(ccv.orgId, actor.orgId), eq(ccv.id, existing.id)))
      .returning();
    return row!;
  });
}

export async function deleteCustomerConfigVariable(db: DbOrTx, actor: Actor, id: string): Promise<CustomerConfigVariable> {
  const existing = await getCustomerConfigVariable(db, actor, id);
  const scv = await getScopedConfigVariable(db, actor, existing.scopedConfigVariableId);
  authorizeWrite(actor, scv, existing.customerId, existing.isTest);
  await db.delete(ccv).where(and(eq(ccv.orgId, actor.orgId), eq(ccv.id, existing.id)));
  return existing;
}

/**
 * Connections configured before the rule of secret-destinations.ts existed may still pair a global secret
 * with a per-customer destination: their customer values may not set the destination.
 */
function refuseUnsafeDestinations(scv: ScopedConfigVariable, connection: ConnectionDefinition, values: ReadonlyMap<string, unknown>, errors: FieldErrors) {
  // A destination input this write does not set is not judged here.
  const setHere = (key: string) => values.has(key) || !connection.destination.inputs.includes(key);
  const scopes = Object.fromEntries(Object.entries(scv.inputScopes).map(([key, scope]) => [key, setHere(key) ? scope : ('org' as const)]));
  for (const problem of secretDestinationProblems(connection, scopes, scv.managedBy)) errors.add('inputs', problem);
}

/** Organization admins write any values; customer admins only their own customer's values of customer-activated connections. */
function authorizeWrite(actor: Actor, scv: ScopedConfigVariable, customerId: string | null, isTest: boolean) {
  requireAdmin(actor, 'change connection values');
  if (isOrgUser(actor)) return;
  if (isTest || scv.managedBy !== 'customer' || customerId !== actor.customerId) throw new ForbiddenError('change these connection values');
}

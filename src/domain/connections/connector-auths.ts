import { and, asc, eq, inArray, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { selectPage } from '../../db/page';
import { connectorAuths } from '../../db/tables';
import { decodeGlobalId } from '../../lib/global-id';
import type { Vault } from '../../vault/vault';
import { isOrgUser, requireAdmin, type Actor } from '../actor';
import type { ConnectionDefinition } from '../components';
import { findConnection, getComponent, getConnection, type ConnectionRecord } from '../components/registry';
import { getCustomer } from '../customers/customers';
import { FieldErrors, ForbiddenError, invalid, InvalidInputError, NotFoundError } from '../errors';
import type { Page, PageResult } from '../pagination';
import { checkExpressions, isSecret, type InputExpression } from './input-expressions';
import { notFoundAs, sealValues } from './scoped-config-variables';

export type ConnectorAuth = typeof connectorAuths.$inferSelect;
export type ConnectorAuthFilter = { customerId?: string | null; componentId?: string | null; name?: string | null };

export const CONNECTOR_AUTH_TYPE = 'ConnectorAuth';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Org users see every auth of the organization; customer users only their own customer's. */
function visible(actor: Actor): SQL {
  const inOrg = eq(connectorAuths.orgId, actor.orgId);
  return isOrgUser(actor) ? inOrg : and(inOrg, eq(connectorAuths.customerId, actor.customerId!))!;
}

export async function getConnectorAuth(db: DbOrTx, actor: Actor, id: string): Promise<ConnectorAuth> {
  const [row] = await db
    .select()
    .from(connectorAuths)
    .where(and(visible(actor), eq(connectorAuths.id, id)));
  if (!row) throw new NotFoundError();
  return row;
}

export async function getConnectorAuthsByIds(db: DbOrTx, actor: Actor, ids: readonly string[]): Promise<ConnectorAuth[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(connectorAuths)
    .where(and(visible(actor), inArray(connectorAuths.id, [...ids])));
}

export async function listConnectorAuths(db: DbOrTx, actor: Actor, filter: ConnectorAuthFilter, page: Page): Promise<PageResult<ConnectorAuth>> {
  const c = connectorAuths;
  const conditions: (SQL | undefined)[] = [visible(actor)];
  if (filter.customerId != null) conditions.push(eq(c.customerId, filter.customerId));
  if (filter.componentId != null) {
    const component = await getComponent(db, actor, filter.componentId).catch((error: unknown) => {
      throw error instanceof NotFoundError ? invalid('component', 'Record not found.') : error;
    });
    conditions.push(eq(c.componentKey, component.key));
  }
  if (filter.name != null) conditions.push(eq(c.name, filter.name));
  return selectPage(db, c, and(...conditions), { sort: [], columns: {}, fallback: [asc(c.createdAt)], page });
}

/**
 * The auth a run's `auth` expression names, within the run's organization: a ConnectorAuth global id or its
 * raw uuid (vendors store either). Anything else, and another organization's id, is simply not found.
 */
export async function findConnectorAuthForRun(db: DbOrTx, orgId: string, givenId: string): Promise<ConnectorAuth | null> {
  // A global id pasted unencoded into a query string has its "+" turned into a space by form decoding.
  const text = givenId.trim().replaceAll(' ', '+');
  const decoded = decodeGlobalId(text);
  const id = decoded?.typeName === CONNECTOR_AUTH_TYPE ? decoded.id : UUID.test(text) ? text.toLowerCase() : null;
  if (!id) return null;
  const [row] = await db
    .select()
    .from(connectorAuths)
    .where(and(eq(connectorAuths.orgId, orgId), eq(connectorAuths.id, id)));
  return row ?? null;
}

/** The component connection an auth was created for; gone when its private component was deleted. */
export async function connectionOfAuth(db: DbOrTx, actor: Actor, auth: ConnectorAuth): Promise<ConnectionRecord | null> {
  return findConnection(db, actor, auth.componentKey, auth.connectionKey);
}

export type CreateConnectorAuthInput = {
  connectionId: string | null;
  name: string;
  customerId: string | null;
  inputs: readonly InputExpression[];
};

export async function createConnectorAuth(db: DbOrTx, vault: Vault, actor: Actor, input: CreateConnectorAuthInput): Promise<ConnectorAuth> {
  // A customer user's auths are always their own customer's.
  const customerId = input.customerId ?? (isOrgUser(actor) ? null : actor.customerId);
  authorizeWrite(actor, customerId);
  const errors = new FieldErrors();
  const name = checkName(input.name, errors);
  if (customerId) await getCustomer(db, actor, customerId).catch(notFoundAs(errors, 'customer'));
  let connection: ConnectionRecord | null = null;
  if (!input.connectionId) errors.add('connection', 'This field is required.');
  else connection = await getConnection(db, actor, input.connectionId).catch(notFoundAs(errors, 'connection'));
  if (!connection) throw new InvalidInputError(errors.list());

  const values = checkExpressions(input.inputs, connection.definition, errors, { field: 'inputs', allowed: () => null });
  for (const field of connection.definition.inputs) {
    if (field.required && field.default == null && !values.has(field.key)) errors.add('inputs', `Input "${field.key}" is required.`);
  }
  errors.throwIfAny();

  const conn = connection;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(connectorAuths)
      .values({ orgId: actor.orgId, customerId, name, componentKey: conn.component.key, connectionKey: conn.key, values: {} })
      .returning();
    const sealed = await sealValues(tx, vault, actor.orgId, row!.id, values, customerId);
    const [withValues] = await tx.update(connectorAuths).set({ values: sealed }).where(eq(connectorAuths.id, row!.id)).returning();
    return withValues!;
  });
}

export type UpdateConnectorAuthInput = { name?: string | null; inputs?: readonly InputExpression[] | null };

/** Rotates the given inputs' values (inputs not named keep theirs) and renames. */
export async function updateConnectorAuth(db: DbOrTx, vault: Vault, actor: Actor, id: string, input: UpdateConnectorAuthInput): Promise<ConnectorAuth> {
  const existing = await getConnectorAuth(db, actor, id);
  authorizeWrite(actor, existing.customerId);
  const connection = await connectionOfAuth(db, actor, existing);
  const errors = new FieldErrors();
  const name = input.name == null ? existing.name : checkName(input.name, errors);
  if (!connection)
    throw new InvalidInputError([{ field: 'inputs', messages: [`Connection "${existing.componentKey}/${existing.connectionKey}" no longer exists.`] }]);
  const values = checkExpressions(input.inputs ?? [], connection.definition, errors, { field: 'inputs', allowed: () => null });
  for (const problem of redirectedSecrets(connection.definition, values)) errors.add('inputs', problem);
  errors.throwIfAny();
  return db.transaction(async (tx) => {
    const sealed = await sealValues(tx, vault, existing.orgId, existing.id, values, existing.customerId);
    const [row] = await tx
      .update(connectorAuths)
      .set({ name, values: { ...existing.values, ...sealed }, updatedAt: new Date() })
      .where(and(eq(connectorAuths.orgId, actor.orgId), eq(connectorAuths.id, existing.id)))
      .returning();
    return row!;
  });
}

export async function deleteConnectorAuth(db: DbOrTx, actor: Actor, id: string): Promise<ConnectorAuth> {
  const existing = await getConnectorAuth(db, actor, id);
  authorizeWrite(actor, existing.customerId);
  await db.delete(connectorAuths).where(and(eq(connectorAuths.orgId, actor.orgId), eq(connectorAuths.id, existing.id)));
  return existing;
}

function checkName(name: string, errors: FieldErrors): string {
  const trimmed = name.trim();
  if (!trimmed) errors.add('name', 'This field is required.');
  else if (trimmed.length > 255) errors.add('name', 'Must be at most 255 characters.');
  return trimmed;
}

/**
 * Whoever sets a secret also controls where it is sent: a rotation that moves the destination (a base URL,
 * a subdomain) must give the secrets anew, so nobody sends a secret somebody else typed to a host of theirs.
 */
function redirectedSecrets(connection: ConnectionDefinition, values: ReadonlyMap<string, unknown>): string[] {
  const moved = connection.destination.inputs.filter((key) => values.has(key));
  if (moved.length === 0) return [];
  const missing = connection.inputs.filter((input) => isSecret(input) && !values.has(input.key));
  return missing.map((secret) => `Input "${moved.join('", "')}" decides where "${secret.key}" is sent: give "${secret.key}" again in the same update.`);
}

/** Organization admins write any auth; customer admins only their own customer's; members only read. */
function authorizeWrite(actor: Actor, customerId: string | null) {
  requireAdmin(actor, 'change connector auths');
  if (isOrgUser(actor)) return;
  if (customerId !== actor.customerId) throw new ForbiddenError("change another customer's connector auths");
}

import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { integrations } from '../../db/tables';
import { requireOrgAdmin, type Actor } from '../actor';
import { FieldErrors, invalid, InvalidInputError, NotFoundError } from '../errors';
import type { Vault } from '../../vault/vault';
import type { InstanceConfigVariableInput } from '../instances/config-values';
import { updateInstanceConfigVariables } from '../instances/instances';
import { ensureSystemInstance } from '../instances/system-instances';
import { ownerToSet } from './integration-owner';
import { getIntegration, type Integration } from './integrations';

/*
 * Prismatic's designer flow: an integration is created by name first and gets its flows later
 * (importIntegration with its id). Its draft definition has no flows until then, so it cannot be published.
 */

export type IntegrationFields = {
  name?: string | null;
  description?: string | null;
  customerId?: string | null;
  avatarUrl?: string | null;
  /** Values for the test (system) instance, merged like updateInstanceConfigVariables (prism always sends the list, often empty). */
  testConfigVariables?: readonly InstanceConfigVariableInput[];
};

const MAX_NAME = 255;
const MAX_DESCRIPTION = 4000;
const MAX_URL = 2048;

function validateFields(input: IntegrationFields, { creating }: { creating: boolean }): FieldErrors {
  const errors = new FieldErrors();
  if (creating || input.name !== undefined) {
    if (input.name == null || input.name.trim() === '') errors.add('name', 'This field is required.');
    else if (input.name.length > MAX_NAME) errors.add('name', `Must be at most ${MAX_NAME} characters.`);
  }
  if (input.description != null && input.description.length > MAX_DESCRIPTION) {
    errors.add('description', `Must be at most ${MAX_DESCRIPTION} characters.`);
  }
  if (input.avatarUrl != null && input.avatarUrl !== '') {
    if (input.avatarUrl.length > MAX_URL) errors.add('avatarUrl', `Must be at most ${MAX_URL} characters.`);
    else if (!/^(https?:\/\/[^\s]+|\/[^\s]*)$/i.test(input.avatarUrl)) errors.add('avatarUrl', 'Must be an http(s) URL or a path starting with "/".');
  }
  return errors;
}

export async function createIntegration(db: DbOrTx, vault: Vault, actor: Actor, input: IntegrationFields): Promise<Integration> {
  requireOrgAdmin(actor, 'create integrations');
  const errors = validateFields(input, { creating: true });
  const customerId = await ownerToSet(db, actor, input.customerId, errors);
  errors.throwIfAny();
  const name = input.name!.trim();
  const description = input.description ?? null;
  const definition = { name, ...(description ? { description } : {}), flows: [] };
  return insertWithSystemInstance(db, vault, { orgId: actor.orgId, name, description, customerId, definition });
}

/**
 * A copy of the parent's draft under a new name and a new stable key, so importing either one's definition
 * later never replaces the other. Versions and instances stay with the parent: the fork starts unpublished.
 * It belongs to the parent's customer, if any: a copy of one customer's integration is still built for them.
 */
export async function forkIntegration(db: DbOrTx, vault: Vault, actor: Actor, parentId: string, input: IntegrationFields): Promise<Integration> {
  const parent = await getIntegration(db, actor, parentId);
  requireOrgAdmin(actor, 'fork integrations');
  validateFields(input, { creating: true }).throwIfAny();
  const name = input.name!.trim();
  const description = input.description === undefined ? parent.description : input.description;
  const stableKey = randomUUID();
  const definition = { ...parent.definition, name, stableKey };
  if (description) definition.description = description;
  else delete definition.description;
  return insertWithSystemInstance(db, vault, { orgId: actor.orgId, name, description, stableKey, customerId: parent.customerId, definition });
}

/** Every integration has its test (system) instance from the start. */
async function insertWithSystemInstance(db: DbOrTx, vault: Vault, values: typeof integrations.$inferInsert): Promise<Integration> {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(integrations).values(values).returning();
    await ensureSystemInstance(tx, vault, row!);
    return row!;
  });
}

/**
 * Renames or redescribes an integration (its draft definition says the same, so the next publish and export
 * carry it), or changes its avatar. Its customer stays: instances, test values and synced copies were made
 * for that owner, so moving it is refused; `customer` may only repeat the current one.
 */
export async function updateIntegration(db: DbOrTx, vault: Vault, actor: Actor, id: string, input: IntegrationFields): Promise<Integration> {
  const existing = await getIntegration(db, actor, id);
  requireOrgAdmin(actor, 'update integrations');
  const errors = validateFields(input, { creating: false });
  if (input.customerId != null && input.customerId !== existing.customerId) {
    const found = await ownerToSet(db, actor, input.customerId, errors);
    if (found) errors.add('customer', "An integration's customer cannot change: create an integration for that customer and import this definition into it.");
  }
  errors.throwIfAny();
  const name = input.name?.trim() ?? existing.name;
  const description = input.description === undefined ? existing.description : input.description;
  // "" clears the avatar, as null does: prism and scripts send empty strings for "none".
  const avatarUrl = input.avatarUrl === undefined ? existing.avatarUrl : input.avatarUrl || null;
  const definition = { ...existing.definition, name };
  if (description) definition.description = description;
  else delete definition.description;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(integrations)
      .set({ name, description, avatarUrl, definition, updatedAt: new Date() })
      .where(and(eq(integrations.orgId, actor.orgId), eq(integrations.id, id)))
      .returning();
    if (!row) throw new NotFoundError();
    if (input.testConfigVariables?.length) await setTestConfigVariables(tx, vault, actor, row, input.testConfigVariables);
    return row;
  });
}

/** Sets values of the test (system) instance; a refused value rolls back the whole update and names `testConfigVariables`. */
async function setTestConfigVariables(db: DbOrTx, vault: Vault, actor: Actor, integration: Integration, values: readonly InstanceConfigVariableInput[]) {
  const testInstance = await ensureSystemInstance(db, vault, integration);
  try {
    await updateInstanceConfigVariables(db, vault, actor, testInstance.id, { configVariables: values });
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new InvalidInputError(error.fieldErrors.map((e) => (e.field === 'configVariables' ? { ...e, field: 'testConfigVariables' } : e)));
  }
}

/** Publishing a draft without flows would deploy nothing; say what to do instead. */
export function requireFlows(integration: Integration) {
  if (integration.definition.flows.length === 0) {
    throw invalid('id', 'This integration has no flows yet: import a definition into it (importIntegration with integrationId), then publish.');
  }
}

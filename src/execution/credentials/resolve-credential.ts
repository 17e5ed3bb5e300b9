import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { customerConfigVariables, oauth2Tokens, userAuthentications, users, type SealedInputs } from '../../db/tables';
import type { Actor } from '../../domain/actor';
import { withInputDefaults } from '../../domain/components';
import { findConnection, type ConnectionRecord } from '../../domain/components/registry';
import { connectionOfAuth, findConnectorAuthForRun } from '../../domain/connections/connector-auths';
import { findByStableKey } from '../../domain/connections/scoped-config-variables';
import { secretDestinationProblems } from '../../domain/connections/secret-destinations';
import type { ConnectionConfigVar, IntegrationDefinition } from '../../domain/integrations/definition';
import { inlineSlot, inlineTokenHolderId } from '../../domain/instances';
import { inlineConnectionRef, scopedConnectionRef } from '../../domain/user-authentications/connection-refs';
import type { DataKeySource, KeyOwner, SealedItem, SecretSlot, Vault } from '../../vault/vault';
import type { RunCredentialRows } from './run-credentials';
import type { Customer, Instance } from '../engine/run-context';
import { chooseCredential, type CredentialChoice, type CredentialFacts } from './choose-credential';

/** Where the values of a chosen credential live, still sealed. */
type SealedSource = { owner: KeyOwner; values: SealedInputs; slot: (inputName: string) => SecretSlot }[];

export type CredentialPlan = {
  choice: CredentialChoice;
  connection: ConnectionRecord | null;
  sealed: SealedSource;
  /** Rule 2 applied: the user and connection a pause waits for (also when their token fails mid-run). */
  userAuthentication?: { userId: string; connectionRef: string };
};

/** A credential opened for one step; it exists only in memory while the step runs. */
export type DecryptedCredential = { id: string; inputs: Record<string, string> };

export type ResolveInput = {
  db: Db;
  actor: Actor;
  definition: IntegrationDefinition;
  instance: Instance | null;
  /** For a test run (no instance): the integration's test (system) instance, whose own connection values are its test credentials. */
  testInstance?: Instance | null;
  customer: Customer | null;
  /** The step's `auth` expression, rendered (a ConnectorAuth id; empty still counts), when the step has one. */
  dynamicAuth: { rawId: string; stepName: string; componentKey: string } | null;
  /** The run's acting user (none for schedules and fan-outs) and whether they are present. */
  actingUser: { id: string; interactive: boolean } | null;
  /** A run's credential rows read with its claim; without them (explainCredential) they are read here. */
  preloaded?: RunCredentialRows;
};

/**
 * Gathers the facts for one step's connection and applies the resolution rules (choose-credential.ts);
 * reads no secret. `openCredential` then decrypts exactly the chosen values.
 */
export async function planCredential(input: ResolveInput, connectionVarKey: string): Promise<CredentialPlan> {
  const { db, actor, definition, instance, customer } = input;
  // Rule 1 always wins, even over a binding that would work: the step's binding is not even looked at.
  if (input.dynamicAuth) return planDynamicAuth(input, input.dynamicAuth);
  const configVar = definition.requiredConfigVars?.find((cv) => cv.key === connectionVarKey && cv.dataType === 'connection') as ConnectionConfigVar | undefined;
  const base: CredentialFacts = {
    connectionLabel: connectionVarKey,
    customerLabel: customer?.name ?? null,
    isTestRun: !instance,
  };
  const fail = (reason: string): CredentialPlan => ({ choice: { outcome: 'fail', rule: 5, reason }, connection: null, sealed: [] });
  if (!configVar) return fail(`The flow uses connection "${connectionVarKey}", which the integration does not declare.`);

  if (configVar.useScopedConfigVar) {
    const scv = input.preloaded
      ? (input.preloaded.scoped.find((row) => row.stableKey === configVar.useScopedConfigVar) ?? null)
      : await findByStableKey(db, actor, configVar.useScopedConfigVar);
    if (!scv) return fail(`Connection "${connectionVarKey}" refers to stable key "${configVar.useScopedConfigVar}", which does not exist in this tenant.`);
    const connection = await findConnection(db, actor, scv.componentKey, scv.connectionKey);
    // A connection saved before the rule may still let customers choose where the organization's secret goes:
    // refused here too, so such stored values are never used (the fix is to make the destination global).
    const [unsafe] = connection && instance ? secretDestinationProblems(connection.definition, scv.inputScopes, scv.managedBy) : [];
    if (unsafe) return fail(`Connection "${connectionVarKey}" cannot be used until an admin changes it: ${unsafe}`);
    const ownSlot = (record: string) => (field: string) => ({ record, field });
    const global = { owner: { orgId: scv.orgId, customerId: null }, values: scv.globalValues, slot: ownSlot(scv.id) };
    type Ccv = typeof customerConfigVariables.$inferSelect;
    const ccvFor = async (where: ReturnType<typeof eq>, matches: (row: Ccv) => boolean): Promise<Ccv | null> =>
      input.preloaded
        ? (input.preloaded.customerValues.find((row) => row.scopedConfigVariableId === scv.id && matches(row)) ?? null)
        : ((
            await db
              .select()
              .from(customerConfigVariables)
              .where(and(eq(customerConfigVariables.scopedConfigVariableId, scv.id), where))
          )[0] ?? null);
    const customerValues =
      instance && scv.variableScope === 'customer'
        ? await ccvFor(eq(customerConfigVariables.customerId, instance.customerId), (row) => row.customerId === instance.customerId)
        : null;
    const testValues = !instance ? await ccvFor(eq(customerConfigVariables.isTest, true), (row) => row.isTest) : null;
    const connectionRef = scopedConnectionRef(scv.id);
    const userAuth =
      scv.userAuthentication?.enabled && input.actingUser ? await userAuthFacts(db, connectionRef, input.actingUser, instance?.customerId ?? null) : null;
    const choice = chooseCredential({
      ...base,
      userAuth: userAuth ? { enabled: true, ...userAuth.facts, policy: scv.userAuthentication!.nonInteractivePolicy } : undefined,
      instanceBinding: instance
        ? { kind: 'scoped', scopedConfigVariableId: scv.id, customerConfigVariableId: scv.variableScope === 'org' ? scv.id : (customerValues?.id ?? null) }
        : null,
      testCredential: testValues
        ? { customerConfigVariableId: testValues.id }
        : scv.variableScope === 'org' && !instance
          ? { customerConfigVariableId: scv.id }
          : null,
    });
    // A user's authentication takes its client inputs (client id, token URL) from the connection like the connector user's.
    const chosen =
      choice.outcome === 'use'
        ? choice.source === 'TEST_CREDENTIAL' || (!instance && choice.source === 'USER_AUTHENTICATION')
          ? testValues
          : customerValues
        : null;
    const own = chosen ? [{ owner: { orgId: chosen.orgId, customerId: chosen.customerId }, values: chosen.values, slot: ownSlot(chosen.id) }] : [];
    const waitFor = userAuth ? { userAuthentication: { userId: input.actingUser!.id, connectionRef } } : {};
    return { choice, connection, sealed: choice.outcome === 'use' ? [global, ...own] : [], ...waitFor };
  }

  const connection = configVar.connection ? await findConnection(db, actor, configVar.connection.component, configVar.connection.key) : null;
  if (!connection) return fail(`Connection "${connectionVarKey}" names a component connection that does not exist.`);
  // A test run's inline connection is the test instance's: rule 4 takes its values as the test credentials.
  const holder = instance ?? input.testInstance ?? null;
  const bound = holder?.configValues[configVar.key];
  const values = bound?.kind === 'inline' ? bound.values : {};
  const complete = connection.definition.inputs.every((field) => !field.required || field.default != null || values[field.key]);
  const testHolder = !instance && holder && bound?.kind === 'inline' && complete ? holder : null;
  // Rule 2 on an inline connection needs an instance: its values are the client inputs of every user's flow.
  const settings = instance && bound?.kind === 'inline' ? configVar.userAuthentication : undefined;
  const connectionRef = instance ? inlineConnectionRef(instance.id, configVar.key) : '';
  const userAuth = settings?.enabled && input.actingUser ? await userAuthFacts(db, connectionRef, input.actingUser, instance!.customerId) : null;
  const choice = chooseCredential({
    ...base,
    userAuth: userAuth ? { enabled: true, ...userAuth.facts, policy: settings!.nonInteractivePolicy } : undefined,
    instanceBinding:
      instance && bound?.kind === 'inline' ? { kind: 'inline', instanceConfigVariableId: inlineTokenHolderId(instance.id, configVar.key), complete } : null,
    testCredential: testHolder ? { customerConfigVariableId: inlineTokenHolderId(testHolder.id, configVar.key) } : null,
  });
  const sealed =
    holder && (instance || testHolder) && choice.outcome === 'use'
      ? [{ owner: { orgId: holder.orgId, customerId: holder.customerId }, values, slot: (name: string) => inlineSlot(holder.id, configVar.key, name) }]
      : [];
  const waitFor = userAuth ? { userAuthentication: { userId: input.actingUser!.id, connectionRef } } : {};
  return { choice, connection, sealed, ...waitFor };
}

/**
 * Rule 2's facts for one acting user on one connection: their authentication counts when it has tokens not
 * marked NEEDS_REAUTHENTICATION, and only within their own customer (an organization user's serves any run).
 */
async function userAuthFacts(db: Db, connectionRef: string, actingUser: { id: string; interactive: boolean }, runCustomerId: string | null) {
  const [row] = await db
    .select({ id: userAuthentications.id, customerId: userAuthentications.customerId, authStatus: oauth2Tokens.authStatus, userName: users.name })
    .from(users)
    .leftJoin(userAuthentications, and(eq(userAuthentications.userId, users.id), eq(userAuthentications.connectionRef, connectionRef)))
    .leftJoin(oauth2Tokens, eq(oauth2Tokens.holderId, sql`${userAuthentications.id}::text`))
    .where(eq(users.id, actingUser.id));
  const usable = row?.id && row.authStatus && row.authStatus !== 'NEEDS_REAUTHENTICATION' && (row.customerId === null || row.customerId === runCustomerId);
  return {
    facts: {
      actingUserId: actingUser.id,
      actingUserName: row?.userName ?? actingUser.id,
      credential: usable ? { id: row.id! } : null,
      interactive: actingUser.interactive,
    },
  };
}

/** A rendered `auth` expression as an id: strings or numbers (Locoia's ids are numeric); anything else names no auth. */
export function authIdOf(rendered: unknown): string {
  return typeof rendered === 'string' || typeof rendered === 'number' ? String(rendered) : '';
}

async function planDynamicAuth(input: ResolveInput, dynamicAuth: NonNullable<ResolveInput['dynamicAuth']>): Promise<CredentialPlan> {
  const { db, actor, instance, customer } = input;
  const auth = dynamicAuth.rawId.trim() ? await findConnectorAuthForRun(db, actor.orgId, dynamicAuth.rawId) : null;
  const choice = chooseCredential({
    connectionLabel: dynamicAuth.stepName,
    customerLabel: customer?.name ?? null,
    isTestRun: !instance,
    dynamicAuth: {
      requested: true,
      stepName: dynamicAuth.stepName,
      found: auth && { id: auth.id, componentKey: auth.componentKey, customerId: auth.customerId },
      expectedComponentKey: dynamicAuth.componentKey,
      runCustomerId: customer?.id ?? instance?.customerId ?? null,
      rawId: dynamicAuth.rawId,
    },
  });
  if (choice.outcome !== 'use' || !auth) return { choice, connection: null, sealed: [] };
  const connection = await connectionOfAuth(db, actor, auth);
  if (!connection) {
    const reason = `Connector auth ${auth.id} (the auth of step '${dynamicAuth.stepName}') is for connection "${auth.componentKey}/${auth.connectionKey}", which no longer exists.`;
    return { choice: { outcome: 'fail', rule: 1, reason }, connection: null, sealed: [] };
  }
  const owner = { orgId: auth.orgId, customerId: auth.customerId };
  return { choice, connection, sealed: [{ owner, values: auth.values, slot: (field: string) => ({ record: auth.id, field }) }] };
}

/** Decrypts the chosen values (later sources override earlier ones) and fills in input defaults. */
export async function openCredential(db: Db, vault: Vault, plan: CredentialPlan, keys?: DataKeySource): Promise<DecryptedCredential> {
  if (plan.choice.outcome !== 'use' || !plan.connection) throw new Error('only a usable credential can be opened');
  const items: (SealedItem & { name: string })[] = plan.sealed.flatMap((source) =>
    Object.entries(source.values).map(([name, sealed]) => ({
      name,
      owner: source.owner,
      slot: source.slot(name),
      sealed,
    })),
  );
  const opened = await vault.openMany(db, items, keys);
  const values: Record<string, string> = {};
  items.forEach((item, i) => {
    const value = opened[i];
    if (value == null) throw new Error(`a stored value of connection "${plan.choice.outcome === 'use' ? plan.choice.credentialId : ''}" cannot be decrypted`);
    values[item.name] = value;
  });
  return { id: plan.choice.credentialId, inputs: withInputDefaults(plan.connection.definition.inputs, values) };
}

import { and, eq, inArray, or } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { customerConfigVariables, customers, oauth2Tokens, scopedConfigVariables, type ConfigVariableValue } from '../../db/tables';
import type { Actor } from '../actor';
import { missingRequiredInputs, oauth2TypeOf } from '../components';
import { findConnection, type ConnectionRecord } from '../components/registry';
import type { ScopedConfigVariable } from '../connections/scoped-config-variables';
import type { ConfigVar, ConnectionConfigVar, IntegrationDefinition } from '../integrations/definition';
import { inlineTokenHolderId } from './config-values';
import type { Instance } from './instances';

/*
 * Whether an instance has everything its flows need, and if not, what exactly is missing. The API shows
 * it (configState), and the engine and explainCredential reuse the same list, so all three agree.
 */

export type InstanceConfigState = 'FULLY_CONFIGURED' | 'NEEDS_INSTANCE_CONFIGURATION';
export type ConfigVariableStatus = 'ACTIVE' | 'PENDING';

export type ConfigProblem =
  | { kind: 'missing-value'; key: string; message: string }
  | { kind: 'missing-inputs'; key: string; inputs: string[]; message: string }
  | { kind: 'unknown-connection'; key: string; component: string; connection: string; message: string }
  | { kind: 'needs-authorization'; key: string; message: string }
  | { kind: 'missing-scoped-connection'; key: string; stableKey: string; message: string }
  | { kind: 'missing-customer-values'; key: string; stableKey: string; scopedConfigVariableId: string; customerId: string; message: string };

export type ConfigVariableReport = {
  configVar: ConfigVar;
  stored: ConfigVariableValue | null;
  status: ConfigVariableStatus;
  /** The value flows see for a plain config var (given, else the default); null for connections. */
  value: string | null;
  /** For a connection that uses an organization's connection: the one with its stable key in this tenant. */
  scopedConfigVariable: ScopedConfigVariable | null;
  /** …and the customer's values for it (null for a global connection, or when they are missing). */
  customerConfigVariableId: string | null;
  /** For an inline connection: its connection type. */
  connection: ConnectionRecord | null;
};

export type InstanceConfigReport = { state: InstanceConfigState; missing: ConfigProblem[]; variables: ConfigVariableReport[] };

/** Everything the report needs, loaded beforehand; `reportConfig` itself does no I/O. */
export type ConfigFacts = {
  definition: IntegrationDefinition;
  configValues: Readonly<Record<string, ConfigVariableValue>>;
  customer: { id: string; name: string };
  /** The test (system) instance: its reusable connections take their test values, not a customer's. */
  forTestRuns?: boolean;
  scopedByStableKey: ReadonlyMap<string, ScopedConfigVariable>;
  /** The customer's CustomerConfigVariable id per ScopedConfigVariable id. */
  customerValuesByScopedId: ReadonlyMap<string, string>;
  /** Inline connection types by `component/key`; null when the tenant no longer has one. */
  connections: ReadonlyMap<string, ConnectionRecord | null>;
  /** Whether the instance holds tokens for its inline OAuth 2.0 authorization-code connection with this config var key. */
  isAuthorized: (configVarKey: string) => boolean;
};

export const connectionRefKey = (component: string, key: string) => `${component}/${key}`;

export function reportConfig(facts: ConfigFacts): InstanceConfigReport {
  const missing: ConfigProblem[] = [];
  const variables = (facts.definition.requiredConfigVars ?? []).map((configVar): ConfigVariableReport => {
    const stored = facts.configValues[configVar.key] ?? null;
    const report: ConfigVariableReport = {
      configVar,
      stored,
      status: 'ACTIVE',
      value: null,
      scopedConfigVariable: null,
      customerConfigVariableId: null,
      connection: null,
    };
    const problem = problemOf(configVar, stored, facts, report);
    if (problem) {
      missing.push(problem);
      report.status = 'PENDING';
    }
    return report;
  });
  return { state: missing.length === 0 ? 'FULLY_CONFIGURED' : 'NEEDS_INSTANCE_CONFIGURATION', missing, variables };
}

function problemOf(configVar: ConfigVar, stored: ConfigVariableValue | null, facts: ConfigFacts, report: ConfigVariableReport): ConfigProblem | null {
  const key = configVar.key;
  if (configVar.dataType !== 'connection') {
    report.value = stored?.kind === 'value' ? stored.value : (configVar.defaultValue ?? null);
    return report.value === null ? { kind: 'missing-value', key, message: `Config variable "${key}" has no value and no default.` } : null;
  }

  if (configVar.useScopedConfigVar !== undefined) {
    const stableKey = configVar.useScopedConfigVar;
    const scoped = facts.scopedByStableKey.get(stableKey) ?? null;
    report.scopedConfigVariable = scoped;
    if (!scoped) {
      return {
        kind: 'missing-scoped-connection',
        key,
        stableKey,
        message: `Connection "${key}" uses the organization's connection with stable key "${stableKey}", which does not exist in this tenant.`,
      };
    }
    if (scoped.variableScope === 'org') return null;
    report.customerConfigVariableId = facts.customerValuesByScopedId.get(scoped.id) ?? null;
    if (report.customerConfigVariableId) return null;
    const lacking = facts.forTestRuns
      ? 'no test values yet: create them with createCustomerConfigVariable(isTest: true).'
      : `no values for customer "${facts.customer.name}" yet: create them with createCustomerConfigVariable.`;
    return {
      kind: 'missing-customer-values',
      key,
      stableKey,
      scopedConfigVariableId: scoped.id,
      customerId: facts.customer.id,
      message: `Connection "${key}" uses the organization's connection "${scoped.key}" (stable key "${stableKey}"), which has ${lacking}`,
    };
  }

  const ref = configVar.connection!;
  const connection = facts.connections.get(connectionRefKey(ref.component, ref.key)) ?? null;
  report.connection = connection;
  if (!connection) {
    return {
      kind: 'unknown-connection',
      key,
      component: ref.component,
      connection: ref.key,
      message: `Connection "${key}" uses connection "${ref.key}" of component "${ref.component}", which does not exist in this tenant.`,
    };
  }
  // Presence is enough: empty values are never stored, and secrets are not opened to check them.
  const present = Object.fromEntries(Object.keys(stored?.kind === 'inline' ? stored.values : {}).map((name) => [name, 'set']));
  const inputs = missingRequiredInputs(connection.definition.inputs, present);
  if (inputs.length > 0) {
    return { kind: 'missing-inputs', key, inputs, message: `Connection "${key}" is missing required inputs: ${inputs.join(', ')}.` };
  }
  if (!needsOwnAuthorization(configVar, connection) || facts.isAuthorized(key)) return null;
  return {
    kind: 'needs-authorization',
    key,
    message: `Connection "${key}" is not authorized: send the browser to its authorizeUrl (or use startOAuth2Authorization).`,
  };
}

/**
 * An inline authorization-code connection runs on tokens the instance gets by authorizing it; its client
 * inputs alone run nothing. With user authentications each user authorizes their own, and the instance's
 * tokens are only a fallback, so then it needs none of its own.
 */
function needsOwnAuthorization(configVar: ConnectionConfigVar, connection: ConnectionRecord): boolean {
  return oauth2TypeOf(connection.definition) === 'AUTHORIZATION_CODE' && !configVar.userAuthentication?.enabled;
}

/**
 * Reports for many instances in a few statements: the reusable connections they name, the customers'
 * values for them and the customers' names. Reads by organization, not by the caller's visibility: a
 * customer user sees their instance's state even though organization-activated connections are hidden
 * from them (the report carries no secret).
 */
export async function configReportsOf(
  db: DbOrTx,
  actor: Actor,
  items: readonly { instance: Instance; definition: IntegrationDefinition }[],
): Promise<InstanceConfigReport[]> {
  if (items.length === 0) return [];
  const orgId = items[0]!.instance.orgId;
  const configVars = items.flatMap((item) => item.definition.requiredConfigVars ?? []);
  const stableKeys = [...new Set(configVars.flatMap((v) => (v.dataType === 'connection' && v.useScopedConfigVar !== undefined ? [v.useScopedConfigVar] : [])))];
  const customerIds = [...new Set(items.map((item) => item.instance.customerId))];

  const [scoped, customerRows] = await Promise.all([
    stableKeys.length
      ? db
          .select()
          .from(scopedConfigVariables)
          .where(and(eq(scopedConfigVariables.orgId, orgId), inArray(scopedConfigVariables.stableKey, stableKeys)))
      : Promise.resolve([]),
    db
      .select({ id: customers.id, name: customers.name })
      .from(customers)
      .where(and(eq(customers.orgId, orgId), inArray(customers.id, customerIds))),
  ]);
  // A test instance's values for reusable connections are their test values (customer null, isTest).
  const withTestValues = items.some((item) => item.instance.isSystem);
  const customerValues = scoped.length
    ? await db
        .select({
          id: customerConfigVariables.id,
          scopedId: customerConfigVariables.scopedConfigVariableId,
          customerId: customerConfigVariables.customerId,
          isTest: customerConfigVariables.isTest,
        })
        .from(customerConfigVariables)
        .where(
          and(
            eq(customerConfigVariables.orgId, orgId),
            inArray(
              customerConfigVariables.scopedConfigVariableId,
              scoped.map((s) => s.id),
            ),
            or(
              and(eq(customerConfigVariables.isTest, false), inArray(customerConfigVariables.customerId, customerIds)),
              withTestValues ? eq(customerConfigVariables.isTest, true) : undefined,
            ),
          ),
        )
    : [];

  const connections = new Map<string, ConnectionRecord | null>();
  for (const configVar of configVars) {
    if (configVar.dataType !== 'connection' || !configVar.connection) continue;
    const refKey = connectionRefKey(configVar.connection.component, configVar.connection.key);
    if (!connections.has(refKey)) connections.set(refKey, await findConnection(db, actor, configVar.connection.component, configVar.connection.key));
  }

  const authorized = await authorizedInlineHolders(db, orgId, items, connections);
  const scopedByStableKey = new Map(scoped.map((s) => [s.stableKey, s]));
  return items.map(({ instance, definition }) =>
    reportConfig({
      definition,
      configValues: instance.configValues,
      customer: customerRows.find((c) => c.id === instance.customerId) ?? { id: instance.customerId, name: instance.customerId },
      scopedByStableKey,
      forTestRuns: instance.isSystem,
      customerValuesByScopedId: new Map(
        customerValues.filter((v) => (instance.isSystem ? v.isTest : !v.isTest && v.customerId === instance.customerId)).map((v) => [v.scopedId, v.id]),
      ),
      connections,
      isAuthorized: (configVarKey) => authorized.has(inlineTokenHolderId(instance.id, configVarKey)),
    }),
  );
}

/** The token holder ids among these instances' inline authorization-code connections that hold tokens, in one statement. */
async function authorizedInlineHolders(
  db: DbOrTx,
  orgId: string,
  items: readonly { instance: Instance; definition: IntegrationDefinition }[],
  connections: ReadonlyMap<string, ConnectionRecord | null>,
): Promise<Set<string>> {
  const holderIds = items.flatMap(({ instance, definition }) =>
    (definition.requiredConfigVars ?? []).flatMap((configVar) => {
      if (configVar.dataType !== 'connection' || !configVar.connection || instance.configValues[configVar.key]?.kind !== 'inline') return [];
      const connection = connections.get(connectionRefKey(configVar.connection.component, configVar.connection.key));
      return connection && needsOwnAuthorization(configVar, connection) ? [inlineTokenHolderId(instance.id, configVar.key)] : [];
    }),
  );
  if (holderIds.length === 0) return new Set();
  const rows = await db
    .select({ holderId: oauth2Tokens.holderId })
    .from(oauth2Tokens)
    .where(and(eq(oauth2Tokens.orgId, orgId), inArray(oauth2Tokens.holderId, holderIds)));
  return new Set(rows.map((row) => row.holderId));
}

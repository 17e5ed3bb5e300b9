/**
 * The credential-resolution rule order of DESIGN.md ("Credential resolution"), as one pure function over
 * facts the caller has already loaded for this organization. The engine and `explainCredential` both call
 * it, so a run and its explanation can never disagree. Reasons are shown to vendors: ids and labels only,
 * never a secret.
 */

import type { UserAuthPolicy } from '../../domain/user-authentications/settings';

export interface CredentialFacts {
  connectionLabel: string;
  customerLabel: string | null;
  isTestRun: boolean;
  dynamicAuth?: {
    requested: boolean;
    /** The step whose `auth` expression asked: every rule-1 message names it. */
    stepName: string;
    /** The connector auth loaded by id within the caller's organization; another org's is `null`. */
    found?: { id: string; componentKey: string; customerId: string | null } | null;
    /** The component of the step's action. */
    expectedComponentKey: string;
    /** The run's customer; null for runs without one (designer test runs), which may use any auth of the org. */
    runCustomerId: string | null;
    /** What the step's auth expression produced, as given. */
    rawId?: string;
  };
  userAuth?: {
    enabled: boolean;
    actingUserId: string | null;
    /** How messages name the user (their name); the id follows it. */
    actingUserName?: string;
    /** `null` when the user never authenticated or the last refresh failed. */
    credential?: { id: string } | null;
    interactive: boolean;
    policy: UserAuthPolicy;
  };
  instanceBinding?:
    | { kind: 'scoped'; scopedConfigVariableId: string; customerConfigVariableId: string | null }
    | { kind: 'inline'; instanceConfigVariableId: string; complete: boolean }
    | null;
  testCredential?: { customerConfigVariableId: string } | null;
}

export type CredentialSource =
  'DYNAMIC_AUTH' | 'USER_AUTHENTICATION' | 'CONNECTOR_USER_FALLBACK' | 'INSTANCE_SCOPED_CONNECTION' | 'INSTANCE_INLINE_CONNECTION' | 'TEST_CREDENTIAL';

export type CredentialChoice =
  | {
      outcome: 'use';
      source: CredentialSource;
      credentialId: string;
      rule: 1 | 2 | 3 | 4;
      reason: string;
      warnings: string[];
    }
  | { outcome: 'pause'; rule: 2; reason: string }
  | { outcome: 'fail'; rule: 1 | 2 | 5; reason: string };

type UseChoice = Extract<CredentialChoice, { outcome: 'use' }>;
type FailChoice = Extract<CredentialChoice, { outcome: 'fail' }>;

export function chooseCredential(facts: CredentialFacts): CredentialChoice {
  const connection = quote(facts.connectionLabel);

  // Rule 1: an explicit per-run auth id is the caller's intent; silently using another credential
  // would act on the wrong customer's account, so there is no fallback.
  if (facts.dynamicAuth?.requested) return chooseDynamicAuth(facts.dynamicAuth);

  // Rule 2 applies only to runs with an acting user (a schedule has none).
  const userAuth = facts.userAuth;
  if (userAuth?.enabled && userAuth.actingUserId !== null) {
    return chooseUserAuth({ ...userAuth, actingUserId: userAuth.actingUserId }, facts, connection);
  }

  return chooseConnectorUser(facts, connection);
}

function chooseUserAuth(
  userAuth: NonNullable<CredentialFacts['userAuth']> & { actingUserId: string },
  facts: CredentialFacts,
  connection: string,
): CredentialChoice {
  const user = userAuth.actingUserName ? `${quote(userAuth.actingUserName)} (${quote(userAuth.actingUserId)})` : quote(userAuth.actingUserId);
  if (userAuth.credential) {
    return use('USER_AUTHENTICATION', userAuth.credential.id, 2, `The authentication of user ${user} for connection ${connection} was used.`);
  }
  const missing = `User ${user} has no working authentication for connection ${connection}`;
  // Someone is present in an interactive run, so asking them beats any fallback.
  if (userAuth.interactive) {
    return { outcome: 'pause', rule: 2, reason: `${missing}; the run is interactive, so it waits until the user authenticates.` };
  }
  const policy = `the connection's non-interactive policy ${userAuth.policy}`;
  switch (userAuth.policy) {
    case 'PAUSE_UNTIL_AUTHENTICATED':
      return {
        outcome: 'pause',
        rule: 2,
        reason: `${missing}; ${policy} pauses the run until the user authenticates.`,
      };
    case 'END_WITH_ERROR':
      return {
        outcome: 'fail',
        rule: 2,
        reason: `${missing}, and ${policy} ends the run with an error.`,
      };
    case 'FALLBACK_TO_CONNECTOR_USER':
    case 'FALLBACK_WITH_WARNING': {
      const fallback = chooseConnectorUser(facts, connection);
      if (fallback.outcome === 'fail') {
        return {
          ...fallback,
          reason: `${missing}, and ${policy} falls back to the connector user, who has none either: ${fallback.reason}`,
        };
      }
      const warnings = userAuth.policy === 'FALLBACK_WITH_WARNING' ? [`${missing}; the step ran with the connector user's credential instead.`] : [];
      return {
        ...fallback,
        source: 'CONNECTOR_USER_FALLBACK',
        reason: `${missing}; ${policy} fell back to the connector user. ${fallback.reason}`,
        warnings,
      };
    }
  }
}

function chooseDynamicAuth(dynamicAuth: NonNullable<CredentialFacts['dynamicAuth']>): CredentialChoice {
  const step = quote(dynamicAuth.stepName);
  const rawId = dynamicAuth.rawId?.trim() ? quote(dynamicAuth.rawId) : undefined;
  const fail = (reason: string): FailChoice => ({ outcome: 'fail', rule: 1, reason });
  const { found } = dynamicAuth;
  if (!rawId) return fail(`The auth expression of step ${step} produced no connector auth id.`);
  // Same words for "no such id" and "another organization's id": no existence oracle.
  if (!found) return fail(`Connector auth ${rawId} (the auth of step ${step}) was not found.`);
  // A customer's credential acts on that customer's account: another customer's run must never use it.
  if (found.customerId !== null && dynamicAuth.runCustomerId !== null && found.customerId !== dynamicAuth.runCustomerId) {
    return fail(`Connector auth ${rawId} (the auth of step ${step}) belongs to another customer than this run's.`);
  }
  if (found.componentKey !== dynamicAuth.expectedComponentKey) {
    return fail(
      `Connector auth ${rawId} (the auth of step ${step}) is for component ${quote(found.componentKey)}, ` +
        `but the step's action needs component ${quote(dynamicAuth.expectedComponentKey)}.`,
    );
  }
  return use('DYNAMIC_AUTH', found.id, 1, `Connector auth ${found.id} was chosen by the auth expression of step ${step}.`);
}

/** Rules 3–5: the credential the vendor set up for this customer (or for testing). */
function chooseConnectorUser(facts: CredentialFacts, connection: string): UseChoice | FailChoice {
  const binding = facts.instanceBinding ?? null;
  const customer = facts.customerLabel === null ? null : quote(facts.customerLabel);
  const missing: string[] = [];

  if (binding?.kind === 'scoped') {
    if (binding.customerConfigVariableId !== null) {
      return use(
        'INSTANCE_SCOPED_CONNECTION',
        binding.customerConfigVariableId,
        3,
        `The instance's connection ${connection} uses the value set for customer ${customer ?? '(none)'}.`,
      );
    }
    missing.push(
      customer === null
        ? `Connection ${connection} needs a customer's value, but this run has no customer`
        : `Connection ${connection} has no value for customer ${customer}`,
    );
  } else if (binding?.kind === 'inline') {
    if (binding.complete) {
      return use('INSTANCE_INLINE_CONNECTION', binding.instanceConfigVariableId, 3, `The instance's own values for connection ${connection} were used.`);
    }
    missing.push(`Connection ${connection} on this instance is missing required values`);
  }

  // Rule 4: designer test runs have no customer of their own, so a binding that yields nothing
  // falls through to the test values instead of failing.
  if (facts.isTestRun) {
    if (facts.testCredential) {
      return use(
        'TEST_CREDENTIAL',
        facts.testCredential.customerConfigVariableId,
        4,
        `This is a test run, so the test credentials of connection ${connection} were used.`,
      );
    }
    missing.push(`Connection ${connection} has no test credentials for test runs`);
  }

  // Rule 5: say exactly what is missing, so the vendor knows which value to set.
  if (missing.length === 0) {
    missing.push(
      customer === null
        ? `Connection ${connection} has no credential: the run has no instance binding for it`
        : `Connection ${connection} has no credential for customer ${customer}: the instance does not bind it`,
    );
  }
  return { outcome: 'fail', rule: 5, reason: `${missing.join('; ')}.` };
}

function use(source: CredentialSource, credentialId: string, rule: UseChoice['rule'], reason: string): UseChoice {
  return { outcome: 'use', source, credentialId, rule, reason, warnings: [] };
}

function quote(label: string): string {
  return `'${printable(label)}'`;
}

/** Ids and labels may come from a webhook's query string: keep messages one short line. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  const oneLine = text.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return oneLine.length > 100 ? `${oneLine.slice(0, 100)}…` : oneLine;
}

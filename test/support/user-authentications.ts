import { userAuthentications } from '../../src/db/tables';
import { storeGrant } from '../../src/domain/oauth2/tokens';
import type { UserAuthPolicy } from '../../src/domain/user-authentications/settings';
import { inlineConnectionRef, scopedConnectionRef } from '../../src/domain/user-authentications/connection-refs';
import type { App } from '../../src/http/app';
import type { FakeOAuthServer } from '../fakes/fake-oauth-server';
import { connectionId, createScoped } from './connections';
import { gql, type Harness } from './harness';
import { fakeProviderInputs } from './oauth2';

// User authentications (seed 002).

export const RUN_FLOW = `mutation($input: RunFlowInput!) { runFlow(input: $input) { execution { id status } errors { field messages } } }`;

export const EXECUTION_WITH_WAIT = `query($id: ID!) {
  executionResult(id: $id) {
    id status error result interactive warnings actingUser { id } waitingForUser { id } waitingForConnection { id }
    stepResults { nodes { stepName status output credentialSource credentialId credentialRule credentialReason warnings } }
  }
}`;

/** Polls until the run ends or waits for an authentication (bounded: 20 s). */
export async function awaitSettled(app: App, token: string, executionId: string) {
  for (let i = 0; i < 400; i++) {
    const execution = (await gql(app, EXECUTION_WITH_WAIT, { id: executionId }, token)).data?.executionResult;
    if (execution && ['SUCCEEDED', 'FAILED', 'AUTHENTICATION_NEEDED'].includes(execution.status)) return execution;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`execution ${executionId} did not settle within 20 s`);
}

/**
 * A user's authentication on a reusable connection whose tokens are a real grant of the fake provider for
 * `subject`, as if the user had gone through the callback; `revoked` withdraws it at the provider and lets
 * the access token expire, so the next use fails to refresh (NEEDS_REAUTHENTICATION).
 */
export async function seedUserAuthentication(
  h: Harness,
  oauth: FakeOAuthServer,
  user: { orgId: string; userId: string; customerId: string | null },
  /** A reusable connection's uuid, or an instance's inline connection. */
  connection: string | { instanceId: string; configVariableKey: string },
  opts: { subject: string; revoked?: boolean; expiresInMs?: number },
) {
  const names =
    typeof connection === 'string'
      ? { connectionRef: scopedConnectionRef(connection), scopedConfigVariableId: connection }
      : { connectionRef: inlineConnectionRef(connection.instanceId, connection.configVariableKey), ...connection };
  const [row] = await h.database.db
    .insert(userAuthentications)
    .values({ ...user, ...names })
    .returning();
  const granted = oauth.issueTokens({ subject: opts.subject, scope: 'read write' });
  if (opts.revoked) oauth.revoke(granted.refresh_token);
  await storeGrant(
    h.database.db,
    h.vault,
    { kind: 'USER_AUTHENTICATION', holderId: row!.id, owner: { orgId: user.orgId, customerId: user.customerId } },
    {
      accessToken: granted.access_token,
      refreshToken: granted.refresh_token,
      expiresAt: new Date(Date.now() + (opts.expiresInMs ?? (opts.revoked ? -60_000 : 3_600_000))),
      scopes: ['read', 'write'],
    },
  );
  return { ...row!, granted };
}

/**
 * The flow `me` of the user-authentication tests: optionally a first step without credential (POST
 * `recordUrl`, which the fake counts), then `Me`, a GET of `trigger.body.url` on the reusable connection.
 */
export const userAuthFlowDefinition = (stableKey: string, recordUrl?: string) => `
name: ${stableKey}
stableKey: ${stableKey}
requiredConfigVars:
  - key: Provider
    dataType: connection
    useScopedConfigVar: ${stableKey}
${userAuthFlows(recordUrl)}`;

/** The same flow on an inline http OAuth 2.0 connection `Provider` whose definition enables user authentications. */
export const inlineUserAuthFlowDefinition = (stableKey: string, nonInteractivePolicy: string, recordUrl?: string) => `
name: ${stableKey}
stableKey: ${stableKey}
requiredConfigVars:
  - key: Provider
    dataType: connection
    connection: { component: http, key: oauth2-authorization-code }
    userAuthentication: { enabled: true, nonInteractivePolicy: ${nonInteractivePolicy} }
${userAuthFlows(recordUrl)}`;

const userAuthFlows = (recordUrl?: string) => `flows:
  - name: Who am I
    stableKey: me
    trigger: { type: webhook }
    steps:${
      recordUrl
        ? `
      - name: Record
        action: { component: http, key: http-request }
        inputs: { method: POST, url: "${recordUrl}" }`
        : ''
    }
      - name: Me
        action: { component: http, key: http-request }
        connection: Provider
        inputs: { method: GET, url: "{{ trigger.body.url }}" }
`;

export type UserState = 'none' | 'revoked' | 'working';
export type RunMode = 'interactive' | 'non-interactive';

/** What seed 002 and DESIGN.md rule 2 say a run of the flow `me` ends with. */
export function expectedRuleTwo(policy: UserAuthPolicy, state: UserState, mode: RunMode) {
  if (state === 'working') return { status: 'SUCCEEDED', source: 'USER_AUTHENTICATION', caller: 'user', warnings: 0 } as const;
  if (mode === 'interactive' || policy === 'PAUSE_UNTIL_AUTHENTICATED')
    return { status: 'AUTHENTICATION_NEEDED', source: null, caller: null, warnings: 0 } as const;
  if (policy === 'END_WITH_ERROR') return { status: 'FAILED', source: null, caller: null, warnings: 0 } as const;
  return { status: 'SUCCEEDED', source: 'CONNECTOR_USER_FALLBACK', caller: 'connector-user', warnings: policy === 'FALLBACK_WITH_WARNING' ? 1 : 0 } as const;
}

/** A customer-activated http OAuth 2.0 connection at the fake provider, with user authentications enabled. */
export async function createUserAuthConnection(app: App, token: string, oauth: FakeOAuthServer, stableKey: string, nonInteractivePolicy: string) {
  return createScoped(app, token, {
    key: 'Provider',
    stableKey,
    variableScope: 'customer',
    managedBy: 'customer',
    connection: await connectionId(app, token, 'http', 'oauth2-authorization-code'),
    inputs: fakeProviderInputs(oauth),
    userAuthentication: { enabled: true, nonInteractivePolicy },
  });
}

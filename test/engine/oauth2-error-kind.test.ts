import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeOAuthServer } from '../fakes/fake-oauth-server';
import type { Harness } from '../support/harness';
import { awaitEnd, postWebhook } from '../support/integrations';
import { authorizedConnectorAuth, deployWithFakeProvider } from '../support/oauth2';
import { type SeededOrg } from '../support/seed';
import { startOAuth2Testbed, type OAuth2Testbed } from '../support/oauth2-testbed';

const DEFINITION = `
name: Reconnect on auth failure
stableKey: reconnect-on-auth-failure
requiredConfigVars:
  - key: Provider
    dataType: connection
    connection: { component: http, key: oauth2-authorization-code }
flows:
  - name: Who am I
    stableKey: me
    trigger: { type: webhook }
    steps:
      - name: Me
        action: { component: http, key: http-request }
        connection: Provider
        auth: "{{ trigger.body.authId }}"
        inputs: { method: GET, url: "{{ trigger.body.url }}" }
        onError: continue
      - name: Check
        type: branch
        branches:
          - name: Reconnect
            condition: "{{ steps['Me'].error.kind == 'AUTH_NEEDS_REAUTHENTICATION' }}"
            steps:
              - name: Ask to reconnect
                type: set-variables
                variables: { path: reconnect, why: "{{ steps['Me'].error.message }}" }
        else:
          - name: Carry on
            type: set-variables
            variables: { path: normal, who: "{{ steps['Me'].results.sub }}" }
`;

let bed: OAuth2Testbed;
let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
let webhook: string;

beforeAll(async () => {
  bed = await startOAuth2Testbed();
  ({ h, org, oauth } = bed);
  webhook = (await deployWithFakeProvider(h, org, oauth, DEFINITION, 'Reconnect')).webhooks.me!;
});
afterAll(async () => {
  await bed.close();
});

const stepNamed = (execution: { stepResults: { nodes: { stepName: string }[] } }, name: string) =>
  execution.stepResults.nodes.find((s) => s.stepName === name) as Record<string, unknown> | undefined;

describe("a step's credential failure as data a flow acts on", () => {
  it('invalid_grant: the step records AUTH_NEEDS_REAUTHENTICATION, the run continues and the branch takes the reconnect path', async () => {
    const auth = await authorizedConnectorAuth(h, org, oauth, { expiresInMs: -1_000 });
    oauth.revoke(auth.refreshToken);
    const ended = await awaitEnd(h.app, org.adminToken, (await postWebhook(h.app, webhook, { authId: auth.authId, url: oauth.resourceUrl })).executionId!);

    expect(ended.status).toBe('SUCCEEDED');
    expect(stepNamed(ended, 'Me')).toMatchObject({
      status: 'FAILED',
      errorKind: 'AUTH_NEEDS_REAUTHENTICATION',
      error: expect.stringContaining('invalid_grant'),
    });
    expect(stepNamed(ended, 'Ask to reconnect')).toMatchObject({
      status: 'SUCCEEDED',
      output: { path: 'reconnect', why: expect.stringContaining('NEEDS_REAUTHENTICATION') },
    });
    expect(stepNamed(ended, 'Carry on')).toBeUndefined();
  });

  it('a working credential: no error kind, the else path reads the results', async () => {
    const auth = await authorizedConnectorAuth(h, org, oauth, { expiresInMs: 3_600_000 });
    const ended = await awaitEnd(h.app, org.adminToken, (await postWebhook(h.app, webhook, { authId: auth.authId, url: oauth.resourceUrl })).executionId!);

    expect(ended.status).toBe('SUCCEEDED');
    expect(stepNamed(ended, 'Me')).toMatchObject({ status: 'SUCCEEDED', errorKind: null });
    expect(stepNamed(ended, 'Carry on')).toMatchObject({ output: { path: 'normal', who: 'user-1' } });
    expect(stepNamed(ended, 'Ask to reconnect')).toBeUndefined();
  });

  it('a transient token endpoint failure is AUTH_TRANSIENT, which this flow does not treat as reconnect', async () => {
    const auth = await authorizedConnectorAuth(h, org, oauth, { expiresInMs: -1_000 });
    oauth.failNext(1, 'server_error');
    const ended = await awaitEnd(h.app, org.adminToken, (await postWebhook(h.app, webhook, { authId: auth.authId, url: oauth.resourceUrl })).executionId!);

    expect(stepNamed(ended, 'Me')).toMatchObject({ status: 'FAILED', errorKind: 'AUTH_TRANSIENT' });
    expect(stepNamed(ended, 'Carry on')).toMatchObject({ output: { path: 'normal', who: null } });
  });
});

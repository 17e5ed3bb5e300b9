import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { startFakeOAuthServer, type FakeOAuthServer } from '../fakes/fake-oauth-server';
import { createHarness, type Harness } from '../support/harness';
import { deployInstance, importAndPublish } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { awaitSettled, createUserAuthConnection, userAuthFlowDefinition, RUN_FLOW } from '../support/user-authentications';
import { listeningUrl, runCli, untilLogged, type CliProcess } from '../server/reliability-process';

// A paused run survives a restart of the server process and finishes once its user
// authenticates through the real callback over HTTP; step 1 ran once in total.

let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
let api: FakeApi;
let serve: CliProcess | undefined;
const port = String(40000 + Math.floor(Math.random() * 20000));

const startServe = async () => {
  serve = runCli(['serve'], {
    DATABASE_URL: inject('databaseUrl'),
    TENANTFLOW_MASTER_KEY: inject('masterKey'),
    PORT: port,
    EGRESS_ALLOW: '127.0.0.1,localhost',
    WORKER_CONCURRENCY: '2',
  });
  const url = await listeningUrl(serve, 60_000);
  await untilLogged(serve, 'worker started', 60_000);
  return url;
};
const stopServe = async () => {
  serve!.child.kill('SIGTERM');
  expect(await serve!.exited).toBe(0);
};

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  oauth = await startFakeOAuthServer();
  api = await startFakeApi();
  api.on('POST /step-one', { status: 200, json: { recorded: true } });
});
afterAll(async () => {
  if (serve?.child.exitCode === null) serve.child.kill('SIGKILL');
  await api.close();
  await oauth.close();
  await h.close();
});

it('a paused run resumes after a restart when its user authenticates through the callback over HTTP', async () => {
  const stableKey = `ua-restart-${org.orgId.slice(0, 6)}`;
  const scv = await createUserAuthConnection(h.app, org.adminToken, oauth, stableKey, 'PAUSE_UNTIL_AUTHENTICATED');
  const customerId = (await seedCustomer(h.database.db, org.admin)).id;
  const integration = await importAndPublish(h.app, org.adminToken, userAuthFlowDefinition(stableKey, `${api.url}/step-one`));
  const instance = await deployInstance(h.app, org.adminToken, {
    integration: integration.id,
    customer: encodeGlobalId('Customer', customerId),
    name: stableKey,
  });
  const user = await org.customerUser(customerId);

  let url = await startServe();
  const input = {
    instance: instance.id,
    flow: 'me',
    payload: JSON.stringify({ url: oauth.resourceUrl }),
    actingUser: encodeGlobalId('User', user.actor.userId),
  };
  const started = await fetch(`${url}/api`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
    body: JSON.stringify({ query: RUN_FLOW, variables: { input } }),
  });
  const run = ((await started.json()) as { data: { runFlow: { execution: { id: string } } } }).data.runFlow.execution.id;
  expect((await awaitSettled(h.app, org.adminToken, run)).status).toBe('AUTHENTICATION_NEEDED');
  await stopServe();

  url = await startServe();
  const start = await fetch(`${url}/api`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
    body: JSON.stringify({
      query: `mutation($input: StartUserAuthenticationInput!) { startUserAuthentication(input: $input) { authorization { authorizeUrl } errors { field messages } } }`,
      variables: { input: { connection: scv.id } },
    }),
  });
  const authorizeUrl = ((await start.json()) as { data: { startUserAuthentication: { authorization: { authorizeUrl: string } } } }).data.startUserAuthentication
    .authorization.authorizeUrl;
  // The browser: the provider consents and redirects to the server's own /oauth2/callback, over real HTTP.
  const provider = await fetch(`${authorizeUrl}&login_hint=restart-user`, { redirect: 'manual' });
  const callbackUrl = provider.headers.get('location')!;
  expect(callbackUrl.startsWith(`${url}/oauth2/callback`)).toBe(true);
  expect((await fetch(callbackUrl, { redirect: 'manual' })).status).toBe(200);

  const ended = await awaitSettled(h.app, org.adminToken, run);
  expect(ended.status).toBe('SUCCEEDED');
  expect(ended.stepResults.nodes.find((s: { stepName: string }) => s.stepName === 'Me')).toMatchObject({
    credentialSource: 'USER_AUTHENTICATION',
    output: { sub: 'restart-user' },
  });
  expect(api.requestsTo('POST /step-one')).toHaveLength(1);
  await stopServe();
}, 120_000);

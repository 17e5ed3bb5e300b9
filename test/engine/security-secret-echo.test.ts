import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { connectionId, createScoped } from '../support/connections';
import { createConnectorAuth } from '../support/connector-auths';
import { createHarness, gql, type Harness } from '../support/harness';
import { awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { capturedLogLines } from '../support/log-capture';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

/*
 * Finding 4: an upstream API that echoes the key ("invalid api key sk_…") had it stored in step results,
 * run logs, the execution's error and result, and the synchronous webhook's answer, where customer users
 * (and an unauthenticated caller) read an organization's secret. Finding 5: secrets in a URL's path or user
 * info appeared in step errors. Nothing derived from a run may carry a secret of the credentials it used.
 */

const CANARY = `sk_canary/${randomUUID().replaceAll('-', '')}+x`;
const BOT_TOKEN = `bot-canary-${randomUUID().replaceAll('-', '')}`;
const USERINFO_SECRET = `userinfo-canary-${randomUUID().replaceAll('-', '')}`;
// In a connector auth chosen per call by the webhook's query string (seed 000).
const AUTH_CANARY = `auth-canary-${randomUUID().replaceAll('-', '')}`;
// Secret env variables: a STRING one read as `env.EchoToken`, a JSON one read by bare name.
const ENV_CANARY = `env-canary/${randomUUID().replaceAll('-', '')}+y`;
const ENV_JSON_CANARY = `env-json-canary-${randomUUID().replaceAll('-', '')}`;
const forms = (secret: string) => [
  secret,
  encodeURIComponent(secret),
  Buffer.from(secret).toString('base64').replace(/=+$/, ''),
  Buffer.from(secret).toString('base64url'),
];
const CREDENTIAL_FORMS = [...forms(CANARY), ...forms(BOT_TOKEN), ...forms(AUTH_CANARY), ...forms(ENV_CANARY), ...forms(ENV_JSON_CANARY)];
// The user info secret is typed into a plain config variable (stored as text on purpose): only its
// appearance in what the run produces is checked.
const ALL_FORMS = [...CREDENTIAL_FORMS, USERINFO_SECRET];

const echo = (secret: string) => `invalid api key ${secret} (${encodeURIComponent(secret)}, ${Buffer.from(secret).toString('base64')})`;

const BOT_COMPONENT = `
key: echo-bot
label: Echo bot
connections:
  - key: bot-token
    label: Bot token
    authKind: api_key_query
    inputs:
      - { key: token, label: Token, type: password, required: true }
      - { key: baseUrl, label: Base URL, type: STRING, required: true }
    baseUrl: "{{ connection.baseUrl }}"
    apply:
      query:
        key: "{{ connection.token }}"
actions:
  - key: send
    label: Send
    request: { method: POST, url: "/bot{{ connection.token }}/sendMessage", body: { text: hi } }
`;

const DEFINITION = `
name: Secret echo
stableKey: secret-echo
requiredConfigVars:
  - key: Acme
    dataType: connection
    useScopedConfigVar: echo-org-global
  - key: Bot
    dataType: connection
    connection: { component: echo-bot, key: bot-token }
  - key: Open URL
    dataType: string
flows:
  - name: Echo ok
    stableKey: echo-ok
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Create record
        action: { component: acme-api, key: create-record }
        connection: Acme
        inputs: { name: "{{ trigger.body.name }}" }
  - name: Echo error
    stableKey: echo-error
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Get account
        action: { component: acme-api, key: get-account }
        connection: Acme
  - name: Bot path
    stableKey: bot-path
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Send
        action: { component: echo-bot, key: send }
        connection: Bot
  - name: Auth ok
    stableKey: auth-ok
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Create record
        action: { component: acme-api, key: create-record }
        auth: "{{ trigger.query.acme_auth_id }}"
        inputs: { name: "{{ trigger.body.name }}" }
  - name: Auth error
    stableKey: auth-error
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Get account
        action: { component: acme-api, key: get-account }
        auth: "{{ trigger.query.acme_auth_id }}"
  - name: User info
    stableKey: user-info
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Call
        action: { component: http, key: http-request }
        inputs: { method: GET, url: "{{ configVars['Open URL'] }}" }
  - name: Env secrets
    stableKey: env-secrets
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Copy
        type: set-variables
        variables: { token: "{{ env.EchoToken }}", nested: "{{ EchoJson }}" }
      - name: Send env
        action: { component: acme-api, key: create-record }
        connection: Acme
        inputs: { name: "{{ variables.token }}", description: "{{ EchoJson.inner.key }}" }
`;

let h: Harness;
let org: SeededOrg;
let api: FakeApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let customerToken: string;
const webhookAnswers: unknown[] = [];
const executionIds: string[] = [];

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  api = await startFakeApi({ idempotency: false });
  api.on('POST /records', (request) => ({
    status: 201,
    headers: { 'x-echo-key': request.headers['x-api-key'] ?? '' },
    json: { id: 'rec-1', message: echo(request.headers['x-api-key'] ?? ''), headers: request.headers, body: request.json },
  }));
  api.on('GET /account', (request) => ({
    status: 401,
    headers: { 'x-echo-key': request.headers['x-api-key'] ?? '' },
    body: echo(request.headers['x-api-key'] ?? ''),
  }));
  api.setDefault((request) => ({ status: 404, body: `no route for ${request.path}?${request.rawQuery}` }));
  worker = await startTestWorker();

  const imported = await gql(
    h.app,
    `mutation($d: String!) { importComponent(input: { definition: $d }) { errors { field messages } } }`,
    { d: BOT_COMPONENT },
    org.adminToken,
  );
  expect(imported.data.importComponent.errors).toEqual([]);
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  await createScoped(h.app, org.adminToken, {
    key: 'Acme (org-global)',
    stableKey: 'echo-org-global',
    variableScope: 'org',
    connection: acme,
    inputs: [
      { name: 'apiKey', type: 'value', value: CANARY },
      { name: 'baseUrl', type: 'value', value: api.url },
    ],
  });
  for (const input of [
    { name: 'EchoToken', valueType: 'STRING', value: ENV_CANARY, isSecret: true },
    { name: 'EchoJson', valueType: 'JSON', value: JSON.stringify({ inner: { key: ENV_JSON_CANARY } }), isSecret: true },
  ]) {
    const created = await gql(
      h.app,
      `mutation($input: CreateEnvVariableInput!) { createEnvVariable(input: $input) { envVariable { value hasValue } errors { field messages } } }`,
      { input },
      org.adminToken,
    );
    expect(created.data.createEnvVariable).toEqual({ envVariable: { value: null, hasValue: true }, errors: [] });
  }
  const integration = await importAndPublish(h.app, org.adminToken, DEFINITION);
  const customer = await seedCustomer(h.database.db, org.admin);
  customerToken = (await org.customerUser(customer.id)).token;
  const openUrl = new URL('/open', api.url);
  openUrl.username = 'user';
  openUrl.password = USERINFO_SECRET;
  const instance = await deployInstance(h.app, org.adminToken, {
    integration: integration.id,
    customer: encodeGlobalId('Customer', customer.id),
    name: 'Echo',
    configVariables: [
      {
        key: 'Bot',
        values: JSON.stringify([
          { name: 'token', type: 'value', value: BOT_TOKEN },
          { name: 'baseUrl', type: 'value', value: api.url },
        ]),
      },
      { key: 'Open URL', value: openUrl.href },
    ],
  });
  const authId = await createConnectorAuth(h.app, org.adminToken, {
    connection: acme,
    name: 'Echoed auth',
    customer: encodeGlobalId('Customer', customer.id),
    inputs: [
      { name: 'apiKey', type: 'value', value: AUTH_CANARY },
      { name: 'baseUrl', type: 'value', value: api.url },
    ],
  });
  const withAuth = (flow: string) => `${instance.webhooks[flow]!}?${new URLSearchParams({ acme_auth_id: authId })}`;
  for (const url of ['echo-ok', 'echo-error', 'bot-path', 'user-info', 'env-secrets']
    .map((flow) => instance.webhooks[flow]!)
    .concat([withAuth('auth-ok'), withAuth('auth-error')])) {
    const answer = await postWebhook(h.app, url, { name: 'Ada' });
    webhookAnswers.push({ status: answer.status, body: answer.body });
    executionIds.push(answer.executionId!);
  }
});
afterAll(async () => {
  await worker.stop();
  await api.close();
  await h.close();
});

function expectNoSecret(text: string) {
  for (const form of ALL_FORMS) expect(text).not.toContain(form);
}

const LIST = `{ executionResults(first: 100) { nodes { id status error result
  stepResults { nodes { stepName status error output warnings credentialReason } }
  logs { nodes { severity message stepName } } } } }`;

describe('secrets echoed by an upstream API', () => {
  it('really reached the upstream and came back (the test is not vacuous)', () => {
    expect(api.requestsTo('POST /records')[0]?.headers['x-api-key']).toBe(CANARY);
    expect(api.requestsTo('GET /account')[0]?.headers['x-api-key']).toBe(CANARY);
    expect(api.requests.some((r) => r.path === `/bot${BOT_TOKEN}/sendMessage`)).toBe(true);
    expect(api.requestsTo('POST /records').map((r) => r.headers['x-api-key'])).toEqual([CANARY, CANARY, AUTH_CANARY]);
    expect(api.requestsTo('GET /account')[1]?.headers['x-api-key']).toBe(AUTH_CANARY);
    expect(api.requestsTo('POST /records').some((r) => r.bodyText.includes(ENV_CANARY) && r.bodyText.includes(ENV_JSON_CANARY))).toBe(true);
  });

  it('are redacted in the synchronous webhook answers, success and failure', () => {
    const text = JSON.stringify(webhookAnswers);
    expectNoSecret(text);
    expect(webhookAnswers.map((a) => (a as { status: number }).status)).toEqual([200, 500, 500, 500, 200, 200, 500]);
    expect(text).toContain('invalid api key [redacted]');
  });

  it('are redacted in executionResults, step results and logs, for the org admin and a customer user', async () => {
    for (const token of [org.adminToken, customerToken]) {
      const res = await gql(h.app, LIST, {}, token);
      const nodes = res.data.executionResults.nodes;
      expect(nodes.map((n: { id: string }) => n.id).sort()).toEqual([...executionIds].sort());
      const text = JSON.stringify(res);
      expectNoSecret(text);
      expect(text).toContain('[redacted]');
    }
  });

  it('are redacted from URLs in step errors: a secret path segment, and user info', async () => {
    const bot = await awaitEnd(h.app, org.adminToken, executionIds[2]!);
    expect(bot.stepResults.nodes[0].error).toContain(`HTTP 404 from POST http://127.0.0.1:${new URL(api.url).port}/[redacted]/sendMessage`);
    const userInfo = await awaitEnd(h.app, org.adminToken, executionIds[3]!);
    expect(userInfo.stepResults.nodes[0].status).toBe('FAILED');
    expect(userInfo.stepResults.nodes[0].error).toContain(`http://127.0.0.1:${new URL(api.url).port}/open`);
    expect(userInfo.stepResults.nodes[0].error).not.toContain('user:');
  });

  it('never reach an operator log line', () => {
    expectNoSecret(capturedLogLines.join('\n'));
  });

  it('are stored in no table of the database', async () => {
    const tables = await h.database.db.execute(
      sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
    );
    expect(tables.rows.length).toBeGreaterThan(5);
    const found: string[] = [];
    for (const { table_name } of tables.rows as { table_name: string }[]) {
      for (const form of CREDENTIAL_FORMS) {
        const rows = await h.database.db.execute(sql`select count(*)::int as n from ${sql.identifier(table_name)} t where t::text like ${`%${form}%`}`);
        if ((rows.rows[0] as { n: number }).n > 0) found.push(`${table_name}: ${form}`);
      }
    }
    expect(found).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApi, type FakeApi, type RecordedRequest } from '../fakes/fake-api';
import { createHarness, gql, type Harness } from '../support/harness';
import { awaitEnd, postWebhook } from '../support/integrations';
import { seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';
import { acmeInstance } from '../support/worker-reliability';

/*
 * Seed 000 step 2b: an env variable maps customers to their values, `set-variables` reads it, a loop named
 * `oneClient` walks the dictionary and an action step per iteration sends that customer's value. Webhook
 * triggers stand in for the schedule (same run path, no waiting for a tick).
 */

const CREATE_ENV = `mutation($input: CreateEnvVariableInput!) { createEnvVariable(input: $input) { envVariable { id } errors { field messages } } }`;

/** A loop flow over `source` (a template), each iteration posting `oneClient.some_value` with the loop key as description. */
const loopFlow = (stableKey: string, source: string, onError: string) => `  - name: ${stableKey}
    stableKey: ${stableKey}
    trigger: { type: webhook }
    steps:
      - name: Define variables
        type: set-variables
        variables:
          dic1: "${source}"
      - name: For each client
        type: loop
        items: "{{ variables.dic1 }}"
        itemName: oneClient
${onError ? `        onError: ${onError}\n` : ''}        steps:
          - name: Call client
            action: { component: acme-api, key: create-record }
            connection: Acme
            inputs:
              name: "{{ oneClient.some_value }}"
              description: "{{ loop.key }}"
`;

const FLOWS =
  loopFlow('bare-continue', '{{ FlowNameAuthenticationIds }}', 'continue') +
  loopFlow('env-fail', '{{ env.FlowNameAuthenticationIds }}', '') +
  loopFlow('env-missing', '{{ env.NotCreatedYet }}', 'continue') +
  loopFlow('env-slow', '{{ env.SlowClients }}', 'continue');

const CLIENTS = {
  client_a: { some_value: 'value-of-a', zendesk_auth_id: 'za' },
  client_b: { some_value: 'value-of-b', zendesk_auth_id: 'zb' },
  client_c: { some_value: 'value-of-c', zendesk_auth_id: 'zc' },
};

let h: Harness;
let org: SeededOrg;
let api: FakeApi;
let webhooks: Record<string, string>;

const bodyOf = (r: RecordedRequest) => r.json as { name: string; description: string };
/** The requests of one run: each run's iterations are told apart by a fresh value per test. */
const sentFor = (prefix: string) =>
  api
    .requestsTo('POST /records')
    .map(bodyOf)
    .filter((b) => b.name.startsWith(prefix));

async function createEnv(name: string, value: unknown) {
  const res = await gql(h.app, CREATE_ENV, { input: { name, valueType: 'JSON', value: JSON.stringify(value) } }, org.adminToken);
  expect(res.data.createEnvVariable.errors).toEqual([]);
  return res.data.createEnvVariable.envVariable.id as string;
}

async function setEnv(id: string, value: unknown) {
  const res = await gql(
    h.app,
    `mutation($input: UpdateEnvVariableInput!) { updateEnvVariable(input: $input) { errors { field messages } } }`,
    { input: { id, value: JSON.stringify(value) } },
    org.adminToken,
  );
  expect(res.data.updateEnvVariable.errors).toEqual([]);
}

/** The clients with `prefix` on every value, so a test finds its own requests. */
const clientsWith = (prefix: string) =>
  Object.fromEntries(Object.entries(CLIENTS).map(([key, client]) => [key, { ...client, some_value: `${prefix}-${client.some_value}` }]));

let envId: string;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  api = await startFakeApi();
  api.on('POST /records', (request) => {
    // The fake refuses client_b's value: a 400 is not retried, so the iteration fails at once.
    const { name } = bodyOf(request);
    return name.endsWith('value-of-b') && !name.startsWith('ok') ? { status: 400, json: { error: 'bad client' } } : { status: 201, json: { echoed: name } };
  });
  webhooks = (await acmeInstance(h, org, api, 'env-loop', FLOWS)).webhooks;
  envId = await createEnv('FlowNameAuthenticationIds', clientsWith('ok'));
});
afterAll(async () => {
  await api.close();
  await h.close();
});

describe('with a worker', () => {
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  beforeAll(async () => {
    worker = await startTestWorker();
  });
  afterAll(async () => worker.stop());

  it("iterates the env dictionary read by bare name: each iteration sends that customer's value", async () => {
    await setEnv(envId, clientsWith('ok'));
    const started = await postWebhook(h.app, webhooks['bare-continue']!, {});
    const execution = await awaitEnd(h.app, org.adminToken, started.executionId!);
    expect(execution.status).toBe('SUCCEEDED');
    expect(sentFor('ok-')).toEqual(Object.entries(CLIENTS).map(([key, c]) => ({ name: `ok-${c.some_value}`, description: key })));
    const loop = execution.stepResults.nodes.find((s: { stepName: string; iteration: string }) => s.stepName === 'For each client' && s.iteration === '');
    expect(loop.output.map((o: { key: string; status: string }) => [o.key, o.status])).toEqual([
      ['client_a', 'SUCCEEDED'],
      ['client_b', 'SUCCEEDED'],
      ['client_c', 'SUCCEEDED'],
    ]);
    expect(loop.output[0].output).toEqual({ echoed: 'ok-value-of-a' });
  });

  it('onError continue: a failed iteration is recorded, the others run, the run succeeds with a WARN naming the key', async () => {
    await setEnv(envId, clientsWith('cont'));
    const started = await postWebhook(h.app, webhooks['bare-continue']!, {});
    const execution = await awaitEnd(h.app, org.adminToken, started.executionId!);
    expect(execution.status).toBe('SUCCEEDED');
    expect(sentFor('cont-').map((b) => b.description)).toEqual(['client_a', 'client_b', 'client_c']);
    const loopRows = execution.stepResults.nodes.filter((s: { stepName: string }) => s.stepName === 'For each client');
    const perIteration = Object.fromEntries(loopRows.filter((s: { iteration: string }) => s.iteration !== '').map((s: any) => [s.iteration, s.status]));
    expect(perIteration).toEqual({ 'For each client[0]/': 'SUCCEEDED', 'For each client[1]/': 'FAILED', 'For each client[2]/': 'SUCCEEDED' });
    const whole = loopRows.find((s: { iteration: string }) => s.iteration === '');
    expect(whole.status).toBe('SUCCEEDED');
    expect(whole.output[1]).toMatchObject({ index: 1, key: 'client_b', status: 'FAILED', output: null });
    expect(whole.output[1].error).toContain('400');
    const warning = 'Loop "For each client": 1 of 3 iterations failed and were continued (onError: continue): "client_b"';
    expect(whole.warnings).toEqual([warning]);
    expect(execution.logs.nodes).toContainEqual({ severity: 'WARN', message: warning, stepName: 'For each client' });
  });

  it('onError fail (the default): the failed iteration ends the run and later iterations do not run', async () => {
    await setEnv(envId, clientsWith('fail'));
    const started = await postWebhook(h.app, webhooks['env-fail']!, {});
    const execution = await awaitEnd(h.app, org.adminToken, started.executionId!);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toMatch(/^Step "Call client" failed: .*400/);
    expect(sentFor('fail-').map((b) => b.description)).toEqual(['client_a', 'client_b']);
    const whole = execution.stepResults.nodes.find((s: { stepName: string; iteration: string }) => s.stepName === 'For each client' && s.iteration === '');
    expect(whole.status).toBe('FAILED');
    expect(whole.error).toMatch(/^Iteration "client_b" failed: Step "Call client" failed/);
  });

  it('a step reading an env variable the organization lacks fails naming it, and sends nothing', async () => {
    const before = api.requests.length;
    const started = await postWebhook(h.app, webhooks['env-missing']!, {});
    const execution = await awaitEnd(h.app, org.adminToken, started.executionId!);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Step "Define variables" failed: env variable "NotCreatedYet" does not exist in this organization');
    expect(execution.logs.nodes).toContainEqual({ severity: 'ERROR', message: execution.error, stepName: 'Define variables' });
    expect(api.requests.length).toBe(before);
  });

  it("never reads another organization's env variable of the same name", async () => {
    const other = await seedOrg(h.database.db);
    const res = await gql(
      h.app,
      CREATE_ENV,
      { input: { name: 'NotCreatedYet', valueType: 'JSON', value: '{"x":{"some_value":"foreign"}}' } },
      other.adminToken,
    );
    expect(res.data.createEnvVariable.errors).toEqual([]);
    const started = await postWebhook(h.app, webhooks['env-missing']!, {});
    const execution = await awaitEnd(h.app, org.adminToken, started.executionId!);
    expect(execution.error).toBe('Step "Define variables" failed: env variable "NotCreatedYet" does not exist in this organization');
    expect(sentFor('foreign')).toEqual([]);
  });
});

it('a run handed back mid-loop resumes without repeating finished iterations or the failed-and-continued one', async () => {
  const release = { resolve: () => {} };
  const slowArrived = new Promise<void>((resolve) => (release.resolve = resolve));
  api.on('POST /records', async (request) => {
    const { name } = bodyOf(request);
    if (name === 'slow-value-of-c') {
      release.resolve();
      await new Promise((r) => setTimeout(r, 800));
    }
    return name.endsWith('value-of-b') ? { status: 400, json: { error: 'bad client' } } : { status: 201, json: { echoed: name } };
  });
  await createEnv('SlowClients', { ...clientsWith('slow'), client_d: { some_value: 'slow-value-of-d' } });
  const first = await startTestWorker({ shutdownDrainMs: 5_000 });
  const started = await postWebhook(h.app, webhooks['env-slow']!, {});
  await slowArrived;
  await first.stop();
  const second = await startTestWorker();
  try {
    const execution = await awaitEnd(h.app, org.adminToken, started.executionId!);
    expect(execution.status).toBe('SUCCEEDED');
    // client_b failed (continued) before the handback; client_c finished during the drain: neither is sent again.
    expect(sentFor('slow-').map((b) => b.description)).toEqual(['client_a', 'client_b', 'client_c', 'client_d']);
    expect(execution.logs.nodes.map((l: { message: string }) => l.message)).toContain('Resumed by another worker (claim 2); finished steps are not run again');
    const whole = execution.stepResults.nodes.find((s: { stepName: string; iteration: string }) => s.stepName === 'For each client' && s.iteration === '');
    expect(whole.output.map((o: { key: string; status: string }) => `${o.key}:${o.status}`)).toEqual([
      'client_a:SUCCEEDED',
      'client_b:FAILED',
      'client_c:SUCCEEDED',
      'client_d:SUCCEEDED',
    ]);
  } finally {
    await second.stop();
  }
}, 30_000);

/**
 * What an OAuth 2.0 authorization-code credential costs a run (target: ratio ≥ 0.9). One flow, one step
 * (`http/http-request` GET to a fake API on 127.0.0.1), whose credential is the webhook body's connector
 * auth id (rule 1): either an `http/oauth2-authorization-code` auth holding a fresh access token (stored as
 * the callback stores it, valid for an hour: no refresh; the token is read and opened per step) or an
 * `http/api-key-header` auth. Same organization, instance, worker (production engine settings) and fake.
 * 7 rounds × 2 credentials × 200 webhook executions, 16 in flight, the order alternating each round.
 * Executions/s = 200 ÷ (last `ended_at` − first POST sent). The figure judged is the paired ratio: the
 * median over rounds of OAuth2 ÷ API key in the same round. Fails on wrong answers (an execution not
 * SUCCEEDED, the fake not receiving each call with the credential's header) and on a ratio below 0.9.
 */
import pg from 'pg';
import { storeGrant } from '../src/domain/oauth2/tokens';
import { createCustomer } from '../src/domain/customers/customers';
import { decodeGlobalId, encodeGlobalId } from '../src/lib/global-id';
import { startFakeApi } from '../test/fakes/fake-api';
import { BenchmarkFailure, deployIntegration, fmt, gqlData, median, runPool, seedOrganization, table, type BenchEnv } from './support';

const EXECUTIONS = 200;
const WARMUP = 50;
const IN_FLIGHT = 16;
const ROUNDS = 7;
const POLL_MS = 50;
const DEADLINE_MS = 120_000;
const GOAL = 0.9;
const API_KEY = 'ak_bench_oauth2_baseline_0123456789';
const ACCESS_TOKEN = 'at_bench_oauth2_fresh_0123456789abcdef';

const DEFINITION = `
name: OAuth2 bench
stableKey: bench-oauth2
flows:
  - name: Call
    stableKey: call
    trigger: { type: webhook }
    steps:
      - name: Call
        action: { component: http, key: http-request }
        auth: "{{ trigger.body.authId }}"
        inputs: { method: GET, url: "{{ trigger.body.url }}" }
`;

type Credential = 'oauth2' | 'apiKey';

export async function run(env: BenchEnv) {
  const org = await seedOrganization(env, 'bench-oauth2');
  const api = env.api.url;
  const fake = await startFakeApi({ idempotency: false });
  const seen = { oauth2: 0, apiKey: 0, wrong: 0 };
  fake.on('GET /data', (request) => {
    if (request.headers.authorization === `Bearer ${ACCESS_TOKEN}`) seen.oauth2 += 1;
    else if (request.headers['x-api-key'] === API_KEY) seen.apiKey += 1;
    else seen.wrong += 1;
    return { status: 200, json: { id: 'record-1', name: 'Bench record' } };
  });
  const poller = new pg.Pool({ connectionString: env.databaseUrl, max: 1 });
  poller.on('error', () => {});
  const worker = await env.startWorker();
  try {
    const connections = await gqlData(api, org.token, `{ components(key: "http") { nodes { connections { nodes { id key } } } } }`);
    const connectionId = (key: string) => connections.components.nodes[0].connections.nodes.find((c: { key: string }) => c.key === key).id as string;
    const createAuth = async (connectionKey: string, inputs: { name: string; value: string }[]) => {
      const res = await gqlData(
        api,
        org.token,
        `mutation($input: CreateConnectorAuthInput!) { createConnectorAuth(input: $input) { connectorAuth { id } errors { field messages } } }`,
        { input: { connection: connectionId(connectionKey), name: connectionKey, inputs: inputs.map((i) => ({ ...i, type: 'value' })) } },
      );
      const id = res.createConnectorAuth.connectorAuth?.id as string | undefined;
      if (!id) throw new BenchmarkFailure(`createConnectorAuth: ${JSON.stringify(res)}`);
      return id;
    };
    const authIds: Record<Credential, string> = {
      apiKey: await createAuth('api-key-header', [
        { name: 'headerName', value: 'x-api-key' },
        { name: 'apiKey', value: API_KEY },
      ]),
      oauth2: await createAuth('oauth2-authorization-code', [
        { name: 'authorizeUrl', value: `${fake.url}/authorize` },
        { name: 'tokenUrl', value: `${fake.url}/token` },
        { name: 'clientId', value: 'bench-client' },
        { name: 'clientSecret', value: 'bench-client-secret' },
      ]),
    };
    await storeGrant(
      env.database.db,
      env.vault,
      { kind: 'CONNECTOR_AUTH', holderId: decodeGlobalId(authIds.oauth2)!.id, owner: { orgId: org.orgId, customerId: null } },
      { accessToken: ACCESS_TOKEN, refreshToken: 'rt_bench_unused', expiresAt: new Date(Date.now() + 3_600_000), scopes: [] },
    );
    const customer = encodeGlobalId(
      'Customer',
      (await createCustomer(env.database.db, org.admin, { name: 'OAuth2 bench customer', externalId: 'bench-oauth2-1' })).id,
    );
    const webhookPath = await deployIntegration(env, org, DEFINITION, customer, 'call');

    const fire = async (credential: Credential) => {
      const sentAt = Date.now();
      const response = await fetch(`${api}${webhookPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ authId: authIds[credential], url: `${fake.url}/data` }),
        signal: AbortSignal.timeout(60_000),
      });
      const header = response.headers.get('prismatic-executionid');
      const executionId = header ? decodeGlobalId(header)?.id : undefined;
      if (response.status !== 202 || !executionId) throw new BenchmarkFailure(`webhook answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
      await response.text();
      return { executionId, sentAt };
    };
    const awaitEnded = async (ids: string[]) => {
      const deadline = Date.now() + DEADLINE_MS;
      for (;;) {
        const { rows } = await poller.query<{ status: string; ended_at: Date }>(
          `select status, ended_at from executions where id = any($1::uuid[]) and status in ('SUCCEEDED', 'FAILED')`,
          [ids],
        );
        if (rows.length === ids.length) {
          const failed = rows.filter((r) => r.status !== 'SUCCEEDED').length;
          if (failed > 0) throw new BenchmarkFailure(`${failed} of ${ids.length} executions failed`);
          return Math.max(...rows.map((r) => r.ended_at.getTime()));
        }
        if (Date.now() > deadline) throw new BenchmarkFailure(`executions did not end within ${DEADLINE_MS / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    };
    const round = async (credential: Credential, count: number) => {
      const sent = await runPool(count, IN_FLIGHT, () => fire(credential));
      const lastEnded = await awaitEnded(sent.map((s) => s.executionId));
      return count / ((lastEnded - sent[0]!.sentAt) / 1000);
    };

    for (const credential of ['oauth2', 'apiKey'] as const) await round(credential, WARMUP);
    const rates: Record<Credential, number[]> = { oauth2: [], apiKey: [] };
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order: Credential[] = r % 2 === 0 ? ['oauth2', 'apiKey'] : ['apiKey', 'oauth2'];
      const rate: Partial<Record<Credential, number>> = {};
      for (const credential of order) rate[credential] = await round(credential, EXECUTIONS);
      rates.oauth2.push(rate.oauth2!);
      rates.apiKey.push(rate.apiKey!);
      ratios.push(rate.oauth2! / rate.apiKey!);
    }
    const expected = (WARMUP + ROUNDS * EXECUTIONS) as number;
    if (seen.oauth2 !== expected || seen.apiKey !== expected || seen.wrong !== 0) {
      throw new BenchmarkFailure(`the fake saw ${JSON.stringify(seen)}, expected ${expected} calls per credential`);
    }

    console.log(
      table(
        ['credential', 'median executions/s', 'rounds (executions/s)'],
        (['oauth2', 'apiKey'] as const).map((c) => [
          c === 'oauth2' ? 'OAuth2 authorization code (fresh token)' : 'API key header',
          fmt(median(rates[c])),
          rates[c].map((v) => fmt(v, 0)).join(' / '),
        ]),
      ),
    );
    const paired = median(ratios);
    console.log(
      `paired ratio OAuth2 ÷ API key (median of ${ROUNDS} rounds): ${fmt(paired, 3)} (rounds: ${ratios.map((v) => fmt(v, 2)).join(', ')}); goal ≥ ${GOAL}`,
    );
    if (paired < GOAL) throw new BenchmarkFailure(`OAuth2 runs at ${fmt(paired, 3)} of the API key's rate, below ${GOAL}`);
  } finally {
    await worker.stop();
    await poller.end();
    await fake.close();
  }
}

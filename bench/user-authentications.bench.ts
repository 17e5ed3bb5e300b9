/**
 * User authentications: 1,000 runs paused for one user (AUTHENTICATION_NEEDED, policy
 * PAUSE_UNTIL_AUTHENTICATED) resume when that user authenticates, versus 1,000 fresh webhook runs of the
 * same one-step flow, in the same run, on the same worker (production engine settings, WORKER_CONCURRENCY 16).
 *
 * Setup (not measured): a customer-activated http OAuth 2.0 authorization-code connection with user
 * authentications enabled whose provider is the fake OAuth server on 127.0.0.1; the customer's own
 * authorization (the connector user) and one customer user; the flow `me` (one step: GET the fake's /me
 * with the connection). The paused runs are inserted as the engine leaves them (status, waiting user and
 * connection, no job).
 *
 * Resume: the user's grant is stored and `resumeWaitingRuns` called, exactly what GET /oauth2/callback does
 * after the token exchange. Total = last `ended_at` − that moment. Every run must have SUCCEEDED with
 * USER_AUTHENTICATION. Fresh: 1,000 POSTs to the flow's webhook, 16 in flight (no acting user: the
 * connector user's credential); total = last `ended_at` − first POST.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { eq } from 'drizzle-orm';
import { executions, instances, userAuthentications, users } from '../src/db/tables';
import { resumeWaitingRuns } from '../src/domain/executions/authentication-waits';
import { storeGrant } from '../src/domain/oauth2/tokens';
import { scopedConnectionRef } from '../src/domain/user-authentications/connection-refs';
import { createCustomer } from '../src/domain/customers/customers';
import { decodeGlobalId, encodeGlobalId } from '../src/lib/global-id';
import { startFakeOAuthServer } from '../test/fakes/fake-oauth-server';
import { fakeProviderInputs } from '../test/support/oauth2';
import { userAuthFlowDefinition } from '../test/support/user-authentications';
import { BenchmarkFailure, fmt, gqlData, runPool, seedOrganization, table, type BenchEnv } from './support';

const RUNS = 1_000;
const IN_FLIGHT = 16;
const DEADLINE_MS = 300_000;
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

export async function run(env: BenchEnv) {
  const oauth = await startFakeOAuthServer();
  const poller = new pg.Pool({ connectionString: env.databaseUrl, max: 1 });
  poller.on('error', () => {});
  try {
    const org = await seedOrganization(env, 'bench-user-auth');
    const target = await setUp(env, org, oauth);
    const worker = await env.startWorker({ config: { workerConcurrency: IN_FLIGHT } });

    // 1,000 runs waiting for the user, as the engine leaves them.
    const connectionRef = scopedConnectionRef(target.scvId);
    const trigger = { body: { url: oauth.resourceUrl }, query: {}, headers: {} };
    const paused = await env.database.db
      .insert(executions)
      .values(
        Array.from({ length: RUNS }, () => ({
          orgId: org.orgId,
          integrationId: target.integrationId,
          versionId: target.versionId,
          instanceId: target.instanceId,
          customerId: target.customerId,
          actingUserId: target.userId,
          flowStableKey: 'me',
          invokeType: 'API' as const,
          trigger,
          status: 'AUTHENTICATION_NEEDED' as const,
          waitingUserId: target.userId,
          waitingConnectionRef: connectionRef,
          waitingUntil: new Date(Date.now() + 3_600_000),
        })),
      )
      .returning({ id: executions.id });

    // The user authenticates: what the callback does after the token exchange.
    const [auth] = await env.database.db
      .insert(userAuthentications)
      .values({ orgId: org.orgId, userId: target.userId, customerId: target.customerId, connectionRef, scopedConfigVariableId: target.scvId })
      .returning();
    const grant = oauth.issueTokens({ subject: 'bench-user', scope: 'read write' });
    const resumeStarted = Date.now();
    await storeGrant(
      env.database.db,
      env.vault,
      { kind: 'USER_AUTHENTICATION', holderId: auth!.id, owner: { orgId: org.orgId, customerId: target.customerId } },
      { accessToken: grant.access_token, refreshToken: grant.refresh_token, expiresAt: new Date(Date.now() + 3_600_000), scopes: ['read', 'write'] },
    );
    const resumed = await resumeWaitingRuns(env.database.db, auth!.id);
    if (resumed !== RUNS) throw new BenchmarkFailure(`resumed ${resumed} of ${RUNS}`);
    const resumeEnd = await lastEnd(
      poller,
      paused.map((p) => p.id),
      'USER_AUTHENTICATION',
    );
    const resumeMs = resumeEnd - resumeStarted;

    const freshStarted = Date.now();
    const sent = await runPool(RUNS, IN_FLIGHT, async () => {
      const response = await fetch(`${env.api.url}${target.webhookPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: oauth.resourceUrl }),
        signal: AbortSignal.timeout(60_000),
      });
      if (response.status >= 300) throw new BenchmarkFailure(`webhook answered ${response.status}`);
      await response.arrayBuffer();
      return response.headers.get('prismatic-executionid')!;
    });
    const freshEnd = await lastEnd(
      poller,
      sent.map((id) => decodeGlobalId(id)?.id ?? id),
      'INSTANCE_SCOPED_CONNECTION',
    );
    const freshMs = freshEnd - freshStarted;
    await worker.stop();

    console.log(
      table(
        ['runs', `total for ${fmt(RUNS, 0)}`, 'runs/s'],
        [
          ['paused, resumed when the user authenticates', `${fmt(resumeMs / 1000, 2)} s`, fmt(RUNS / (resumeMs / 1000))],
          [`fresh webhook runs, ${IN_FLIGHT} in flight`, `${fmt(freshMs / 1000, 2)} s`, fmt(RUNS / (freshMs / 1000))],
        ],
      ),
    );
    console.log(`Ratio resumed runs/s ÷ fresh runs/s: ${fmt(freshMs / resumeMs, 3)}`);
  } finally {
    await poller.end();
    await oauth.close();
  }
}

/** Waits until every execution ended; all must have SUCCEEDED with `source`. Returns the last ended_at (ms). */
async function lastEnd(poller: pg.Pool, ids: string[], source: string): Promise<number> {
  for (const until = Date.now() + DEADLINE_MS; Date.now() < until; await sleep(100)) {
    const { rows } = await poller.query<{ open: string; last: Date | null; bad: string }>(
      `select count(*) filter (where ended_at is null) as open, max(ended_at) as last,
              count(*) filter (where status <> 'SUCCEEDED') as bad
         from executions where id = any($1::uuid[])`,
      [ids],
    );
    const row = rows[0]!;
    if (Number(row.open) > 0) continue;
    if (Number(row.bad) > 0) throw new BenchmarkFailure(`${row.bad} runs did not succeed`);
    const { rows: sources } = await poller.query<{ n: string }>(
      `select count(distinct execution_id) as n from step_results where execution_id = any($1::uuid[]) and credential_source = $2`,
      [ids, source],
    );
    if (Number(sources[0]!.n) !== ids.length) throw new BenchmarkFailure(`only ${sources[0]!.n} of ${ids.length} runs used ${source}`);
    return row.last!.getTime();
  }
  throw new BenchmarkFailure(`runs did not end within ${DEADLINE_MS / 1000} s`);
}

/** The connection, flow and instance, set up over the API as a vendor would; the customer user in the database. */
async function setUp(env: BenchEnv, org: Awaited<ReturnType<typeof seedOrganization>>, oauth: Awaited<ReturnType<typeof startFakeOAuthServer>>) {
  const api = env.api.url;
  const stableKey = `bench-user-auth-${randomUUID().slice(0, 8)}`;
  const components = await gqlData(api, org.token, `query { components(key: "http") { nodes { connections { nodes { id key } } } } }`);
  const connection = components.components.nodes[0]?.connections.nodes.find((c: { key: string }) => c.key === 'oauth2-authorization-code')?.id;
  const scv = await gqlData(
    api,
    org.token,
    `mutation($input: CreateScopedConfigVariableInput!) { createScopedConfigVariable(input: $input) { scopedConfigVariable { id } errors { field messages } } }`,
    {
      input: {
        key: 'Provider',
        stableKey,
        variableScope: 'customer',
        managedBy: 'customer',
        connection,
        inputs: fakeProviderInputs(oauth),
        userAuthentication: { enabled: true, nonInteractivePolicy: 'PAUSE_UNTIL_AUTHENTICATED' },
      },
    },
  );
  const scvId = scv.createScopedConfigVariable.scopedConfigVariable?.id as string | undefined;
  if (!scvId) throw new BenchmarkFailure(`createScopedConfigVariable: ${JSON.stringify(scv)}`);
  const customerId = (await createCustomer(env.database.db, org.admin, { name: 'Bench customer', externalId: `bench-${stableKey}` })).id;
  const customer = encodeGlobalId('Customer', customerId);
  const ccv = await gqlData(
    api,
    org.token,
    `mutation($input: CreateCustomerConfigVariableInput!) { createCustomerConfigVariable(input: $input) { customerConfigVariable { id } errors { field messages } } }`,
    { input: { scopedConfigVariable: scvId, customer, inputs: [] } },
  );
  const ccvId = decodeGlobalId(ccv.createCustomerConfigVariable.customerConfigVariable?.id ?? '')?.id;
  if (!ccvId) throw new BenchmarkFailure(`createCustomerConfigVariable: ${JSON.stringify(ccv)}`);
  const connectorGrant = oauth.issueTokens({ subject: 'connector-user', scope: 'read write' });
  await storeGrant(
    env.database.db,
    env.vault,
    { kind: 'CUSTOMER_CONFIG_VARIABLE', holderId: ccvId, owner: { orgId: org.orgId, customerId } },
    {
      accessToken: connectorGrant.access_token,
      refreshToken: connectorGrant.refresh_token,
      expiresAt: new Date(Date.now() + 3_600_000),
      scopes: ['read', 'write'],
    },
  );
  const imported = await gqlData(
    api,
    org.token,
    `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } errors { field messages } } }`,
    {
      d: userAuthFlowDefinition(stableKey),
    },
  );
  const integration = imported.importIntegration.integration?.id as string;
  await gqlData(api, org.token, `mutation($id: ID!) { publishIntegration(input: { id: $id }) { errors { field messages } } }`, { id: integration });
  const instance = await gqlData(
    api,
    org.token,
    `mutation($input: CreateInstanceInput!) { createInstance(input: $input) { instance { id } errors { field messages } } }`,
    {
      input: { integration, customer, name: 'Bench instance', configVariables: [] },
    },
  );
  const instanceGlobalId = instance.createInstance.instance?.id as string;
  const deployed = await gqlData(
    api,
    org.token,
    `mutation($id: ID!) { deployInstance(input: { id: $id }) { instance { flowConfigs { nodes { webhookUrl } } } errors { field messages } } }`,
    { id: instanceGlobalId },
  );
  const webhookUrl = deployed.deployInstance.instance?.flowConfigs.nodes[0]?.webhookUrl as string | undefined;
  if (!webhookUrl) throw new BenchmarkFailure(`deployInstance: ${JSON.stringify(deployed)}`);
  const user = await createCustomerUser(env, org.orgId, customerId);
  const instanceId = decodeGlobalId(instanceGlobalId)!.id;
  const [deployedRow] = await env.database.db.select({ versionId: instances.deployedVersionId }).from(instances).where(eq(instances.id, instanceId));
  return {
    scvId: decodeGlobalId(scvId)!.id,
    customerId,
    integrationId: decodeGlobalId(integration)!.id,
    instanceId,
    versionId: deployedRow!.versionId,
    userId: user,
    webhookPath: new URL(webhookUrl).pathname,
  };
}

async function createCustomerUser(env: BenchEnv, orgId: string, customerId: string): Promise<string> {
  const [user] = await env.database.db.insert(users).values({ orgId, customerId, role: 'customer_admin', name: 'Bench user' }).returning({ id: users.id });
  return user!.id;
}

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/client';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { embeddedDatabaseUrl, listeningUrl, runCli, untilLogged, type CliProcess } from '../server/reliability-process';
import { seedOrg } from '../support/seed';
import { buildSource, createTargetSecrets, integrationDefinition, SYNC_SECRETS, type Call } from '../support/sync-source';
import { CREATE_CCV } from '../support/connections';

// Two real tenants ("us" and "eu": two `serve` processes, two data dirs, two embedded
// PostgreSQL servers on distinct ports, two master keys), synced through the `tenantflow sync` CLI.

type Tenant = { name: string; dataDir: string; pgPort: number; serve: CliProcess; url: string; token: string; call: Call };

const basePort = 40000 + Math.floor(Math.random() * 20000);
const tenants: Tenant[] = [];
let api: FakeApi;

async function startTenant(name: string, pgPort: number): Promise<Tenant> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `tenantflow-sync-${name}-`));
  const env = {
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(pgPort),
    PORT: '0',
    TENANT_NAME: name,
    TENANTFLOW_MASTER_KEY: randomBytes(32).toString('base64'),
    EGRESS_ALLOW: '127.0.0.1',
  };
  const serve = runCli(['serve'], env, { detached: true });
  const tenant = { name, dataDir, pgPort, serve } as Tenant;
  tenants.push(tenant);
  tenant.url = await listeningUrl(serve, 90_000);
  await untilLogged(serve, 'worker started', 90_000);
  // The organization and its admin token come straight from the tenant's database, as an operator's
  // `tenantflow token create` would; everything else goes through the API.
  const database = connectDatabase(embeddedDatabaseUrl(dataDir, pgPort), { max: 2 });
  try {
    tenant.token = (await seedOrg(database.db, `${name}-org`)).adminToken;
  } finally {
    await database.close();
  }
  tenant.call = async (query, variables = {}) => {
    const response = await fetch(`${tenant.url}/api`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: unknown[] };
  };
  return tenant;
}

/** `tenantflow sync <command> --from us --to eu` as a script runs it: no terminal, tokens in env variables. */
async function sync(command: 'plan' | 'apply', us: Tenant, eu: Tenant, extra: string[] = []) {
  const args = [
    'sync',
    command,
    '--from',
    us.url,
    '--to',
    eu.url,
    '--from-token-env',
    'US_TOKEN',
    '--to-token-env',
    'EU_TOKEN',
    '--include-customers',
    ...extra,
  ];
  const cli = runCli(args, { US_TOKEN: us.token, EU_TOKEN: eu.token });
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

async function runWebhook(tenant: Tenant, instanceId: string, name: string) {
  const res = await tenant.call(`query($id: ID!) { instance(id: $id) { flowConfigs { nodes { webhookUrl flow { stableKey } } } } }`, { id: instanceId });
  const flow = res.data.instance.flowConfigs.nodes.find((n: { flow: { stableKey: string } }) => n.flow.stableKey === 'create-record');
  const response = await fetch(`${tenant.url}${new URL(flow.webhookUrl).pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const executionId = response.headers.get('prismatic-executionid');
  for (let attempt = 0; attempt < 200; attempt++) {
    const result = await tenant.call(`query($id: ID!) { executionResult(id: $id) { status error } }`, { id: executionId });
    const status = result.data?.executionResult?.status;
    if (status === 'SUCCEEDED' || status === 'FAILED') return result.data.executionResult;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`execution ${executionId} did not finish`);
}

beforeAll(async () => {
  api = await startFakeApi({ idempotency: true });
  api.on('POST /records', { status: 201, json: { ok: true } });
}, 10_000);

afterAll(async () => {
  for (const tenant of tenants) {
    process.kill(-tenant.serve.child.pid!, 'SIGTERM');
    await Promise.race([tenant.serve.exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    const pidFile = path.join(tenant.dataDir, 'postgres', 'postmaster.pid');
    if (fs.existsSync(pidFile)) process.kill(Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGKILL');
    fs.rmSync(tenant.dataDir, { recursive: true, force: true });
  }
  await api?.close();
}, 60_000);

it('syncs us → eu through the CLI: every create, eu runs with its own values, then 0 changes, then exactly the changed flow', async () => {
  const [us, eu] = await Promise.all([startTenant('us', basePort), startTenant('eu', basePort + 1)]);
  await buildSource(us.call, { acmeBaseUrl: api.url, customers: 2 });
  await createTargetSecrets(eu.call, api.url);

  const planned = await sync('plan', us, eu, ['--json']);
  expect(planned.code).toBe(0);
  const plan = JSON.parse(planned.stdout) as { changes: number; items: { kind: string; key: string; action: string }[]; problems: unknown[] };
  expect(plan.problems).toEqual([]);
  expect(plan.items.filter((i) => i.action === 'CREATE').map((i) => `${i.kind} ${i.key}`)).toEqual([
    'ENV_VARIABLE REGION',
    'CONNECTION acme-per-customer',
    'INTEGRATION acme-records',
    'CUSTOMER cust-1',
    'CUSTOMER cust-2',
    'INSTANCE cust-1/acme-records/Acme records',
    'INSTANCE cust-2/acme-records/Acme records',
  ]);
  // The secrets eu holds itself are matched, not copied.
  expect(plan.items.filter((i) => i.action === 'UNCHANGED').map((i) => i.key)).toEqual(['API_TOKEN', 'acme-global']);

  const applied = await sync('apply', us, eu, ['--yes']);
  expect(applied.stderr).toContain('Applying 7 change(s)');
  expect(applied.stdout).toContain('Applied 7 change(s).');
  expect(applied.code).toBe(0);

  // eu's own per-customer values, set after the sync: its instance calls the fake API with them.
  const scoped = await eu.call(`{ scopedConfigVariables(stableKey: "acme-per-customer") { nodes { id } } }`);
  const customers = await eu.call(`{ customers(externalId: "cust-1") { nodes { id } } }`);
  const values = await eu.call(CREATE_CCV, {
    input: {
      scopedConfigVariable: scoped.data.scopedConfigVariables.nodes[0].id,
      customer: customers.data.customers.nodes[0].id,
      inputs: [{ name: 'apiKey', type: 'value', value: 'eu-own-key-1' }],
    },
  });
  expect(values.data.createCustomerConfigVariable.errors).toEqual([]);
  const instance = await eu.call(`{ instances(customer: "${customers.data.customers.nodes[0].id}") { nodes { id } } }`);
  const instanceId = instance.data.instances.nodes[0].id;
  await eu.call(`mutation($input: UpdateInstanceConfigVariablesInput!) { updateInstanceConfigVariables(input: $input) { errors { field messages } } }`, {
    input: {
      id: instanceId,
      configVariables: [{ key: 'Zendesk', values: JSON.stringify([{ name: 'apiToken', type: 'value', value: 'eu-zendesk-token' }]) }],
    },
  });
  // With its own secret set in eu, the instance is deployable: the next sync deploys it (cust-2's still waits).
  const deploying = await sync('apply', us, eu, ['--yes']);
  expect(deploying.code).toBe(0);
  expect(deploying.stdout).toContain('Applied 1 change(s).');
  expect(await runWebhook(eu, instanceId, 'from-eu')).toMatchObject({ status: 'SUCCEEDED' });
  const call = api.requestsTo('POST /records').find((r) => (r.json as { name?: string }).name === 'from-eu')!;
  expect(call.headers['x-api-key']).toBe('eu-own-key-1');
  expect((call.json as { description: string }).description).toBe('us region-1');
  for (const secret of Object.values(SYNC_SECRETS)) expect(JSON.stringify(call)).not.toContain(secret);

  const second = await sync('apply', us, eu, ['--yes']);
  expect(second.code).toBe(0);
  expect(second.stdout).toContain('Nothing to do.');

  // A changed flow in us is that update in the next plan (and the redeploy of the deployed instance that runs it).
  const integration = await us.call(`mutation($d: String!) { importIntegration(input: { definition: $d }) { errors { field messages } } }`, {
    d: integrationDefinition('Create one record'),
  });
  expect(integration.data.importIntegration.errors).toEqual([]);
  const next = await sync('plan', us, eu);
  expect(next.code).toBe(0);
  const changedLines = next.stdout.split('\n').filter((line) => /^\s+[+~!] /.test(line));
  expect(changedLines.map((line) => line.trim().replace(/\s+/g, ' '))).toEqual([
    '~ integration acme-records flows.create-record',
    '~ instance cust-1/acme-records/Acme records deploy',
  ]);

  // Without --yes and without a terminal, apply refuses and changes nothing.
  const refused = await sync('apply', us, eu);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('pass --yes');
  // A bundle file whose plan has a blocking problem: exit 2, the problem named, nothing applied.
  const blockedFile = path.join(eu.dataDir, 'blocked.yaml');
  fs.writeFileSync(blockedFile, 'bundleVersion: 1\ncustomers:\n  - { externalId: "", name: Nameless Ltd }\n');
  const blocked = await sync('apply', { ...us, url: blockedFile }, eu, ['--yes']);
  expect(blocked.code).toBe(2);
  expect(blocked.stdout).toContain('MISSING_STABLE_KEY  customer "Nameless Ltd": Customer "Nameless Ltd" has no externalId');
  const flows = await eu.call(`{ integrations(stableKey: "acme-records") { nodes { versionNumber flows { nodes { name } } } } }`);
  expect(flows.data.integrations.nodes).toEqual([{ versionNumber: 1, flows: { nodes: [{ name: 'Create record' }, { name: 'Tickets' }] } }]);
}, 240_000);

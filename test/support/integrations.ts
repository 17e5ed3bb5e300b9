import { randomUUID } from 'node:crypto';
import type { App } from '../../src/http/app';
import { gql } from './harness';

async function must<T>(app: App, token: string, query: string, variables: Record<string, unknown>, pick: (data: any) => any): Promise<T> {
  const res = await gql(app, query, variables, token);
  const payload = res.data ? pick(res.data) : null;
  if (!payload || (payload.errors && payload.errors.length > 0)) throw new Error(`${query.slice(0, 60)}… failed: ${JSON.stringify(res)}`);
  return payload;
}

// Integration versions, forks and test URLs
/** A definition with one webhook flow (stable key `hook`) whose step would call a host that never resolves. */
export const hookDefinition = ({ name, stableKey = randomUUID(), description }: { name: string; stableKey?: string; description?: string }) => `name: ${name}
${description ? `description: ${description}\n` : ''}stableKey: ${stableKey}
flows:
  - name: Hook
    stableKey: hook
    trigger: { type: webhook }
    steps:
      - { name: Forward, action: { component: http, key: http-request }, inputs: { url: "https://orders.example.invalid/in" } }
`;

/** Imports and publishes a definition; returns the integration id and its flows' ids by stable key. */
export async function importAndPublish(app: App, token: string, definition: string) {
  const imported = await must<{ integration: { id: string } }>(
    app,
    token,
    `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } errors { field messages } } }`,
    { d: definition },
    (d) => d.importIntegration,
  );
  const id = imported.integration.id;
  await must(
    app,
    token,
    `mutation($id: ID!) { publishIntegration(input: { id: $id }) { integration { id } errors { field messages } } }`,
    { id },
    (d) => d.publishIntegration,
  );
  const flows = await gql(app, `query($id: ID!) { integration(id: $id) { flows { nodes { id stableKey } } } }`, { id }, token);
  const flowIds = Object.fromEntries(flows.data.integration.flows.nodes.map((f: { id: string; stableKey: string }) => [f.stableKey, f.id]));
  return { id, flowIds: flowIds as Record<string, string> };
}

/** Creates and deploys an instance for a customer; returns its id and webhook URLs by flow stable key. */
export async function deployInstance(app: App, token: string, input: { integration: string; customer: string; name: string; configVariables?: unknown[] }) {
  const created = await must<{ instance: { id: string } }>(
    app,
    token,
    `mutation($input: CreateInstanceInput!) { createInstance(input: $input) { instance { id } errors { field messages } } }`,
    { input: { configVariables: [], ...input } },
    (d) => d.createInstance,
  );
  const id = created.instance.id;
  const deployed = await must<{ instance: { flowConfigs: { nodes: { webhookUrl: string; flow: { stableKey: string } }[] } } }>(
    app,
    token,
    `mutation($id: ID!) { deployInstance(input: { id: $id }) { instance { flowConfigs { nodes { webhookUrl flow { stableKey } } } } errors { field messages } } }`,
    { id },
    (d) => d.deployInstance,
  );
  const webhooks = Object.fromEntries(deployed.instance.flowConfigs.nodes.map((c) => [c.flow.stableKey, c.webhookUrl]));
  return { id, webhooks: webhooks as Record<string, string> };
}

export const EXECUTION = `query($id: ID!) {
  executionResult(id: $id) {
    id status error result retryCount
    stepResults { nodes { stepName iteration status error errorKind attempts output credentialSource credentialId credentialRule credentialReason warnings } }
    logs { nodes { severity message stepName } }
  }
}`;

/** Polls an execution until it ends (bounded: 20 s), through the public API. */
export async function awaitEnd(app: App, token: string, executionId: string) {
  for (let i = 0; i < 400; i++) {
    const res = await gql(app, EXECUTION, { id: executionId }, token);
    const execution = res.data?.executionResult;
    if (execution && (execution.status === 'SUCCEEDED' || execution.status === 'FAILED')) return execution;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`execution ${executionId} did not end within 20 s`);
}

/** POSTs to a webhook URL through the app (the URL's host is ignored; path and query are kept). */
export async function postWebhook(app: App, webhookUrl: string, body: unknown, headers: Record<string, string> = {}) {
  const { pathname, search } = new URL(webhookUrl);
  const response = await app.fetch(`http://127.0.0.1${pathname}${search}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, executionId: response.headers.get('prismatic-executionid'), body: await response.json() };
}

/**
 * An integration with one webhook flow (stable key `create`) whose one step, "Create record", posts
 * `{ name: trigger.body.name }` with the acme-api connection named by `connectionStableKey`.
 */
export const acmeRecordDefinition = (opts: { stableKey: string; connectionStableKey: string; extraFlows?: string }) => `
name: ${opts.stableKey}
stableKey: ${opts.stableKey}
requiredConfigVars:
  - key: Acme
    dataType: connection
    useScopedConfigVar: ${opts.connectionStableKey}
flows:
  - name: Create
    stableKey: create
    trigger: { type: webhook }
    steps:
      - name: Create record
        action: { component: acme-api, key: create-record }
        connection: Acme
        inputs:
          name: "{{ trigger.body.name }}"
${opts.extraFlows ?? ''}`;

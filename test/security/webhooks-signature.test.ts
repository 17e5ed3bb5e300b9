import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedOrg, type SeededOrg } from '../support/seed';
import { deployReceivers } from './webhooks-setup';

const SET = `mutation($input: SetInstanceFlowConfigSignatureInput!) {
  setInstanceFlowConfigSignature(input: $input) { signatureSecret instanceFlowConfig { id hasSignatureSecret } errors { field messages } }
}`;
const FLOW_CONFIGS = `query($id: ID!) { instance(id: $id) { flowConfigs { nodes { id hasSignatureSecret webhookUrl } } } }`;

let h: Harness;
let org: SeededOrg;
let path: string;
let flowConfigId: string;
let secret: string;

const sign = (body: string, key: string, t = Math.floor(Date.now() / 1000)) => `t=${t},v1=${createHmac('sha256', key).update(`${t}.${body}`).digest('hex')}`;

const post = (body: string, headers: Record<string, string> = {}) =>
  h.app.fetch(`http://127.0.0.1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  const deployed = await deployReceivers(h, org);
  path = deployed.paths[0]!;
  const read = await gql(h.app, FLOW_CONFIGS, { id: deployed.instanceIds[0] }, org.adminToken);
  flowConfigId = read.data.instance.flowConfigs.nodes[0].id;
  expect(read.data.instance.flowConfigs.nodes[0].hasSignatureSecret).toBe(false);
  const set = await gql(h.app, SET, { input: { id: flowConfigId, required: true } }, org.adminToken);
  expect(set.data.setInstanceFlowConfigSignature.errors).toEqual([]);
  secret = set.data.setInstanceFlowConfigSignature.signatureSecret;
});
afterAll(() => h.close());

describe('signed webhooks', () => {
  it('show the secret once, then only hasSignatureSecret; members cannot set it', async () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const read = await gql(
      h.app,
      `query($id: ID!) { node(id: $id) { ... on InstanceFlowConfig { hasSignatureSecret } } }`,
      { id: flowConfigId },
      org.adminToken,
    );
    expect(read.data.node).toEqual({ hasSignatureSecret: true });
    const [row] = await h.database.db
      .execute<{ text: string }>(
        `select row_to_json(c)::text as text from instance_flow_configs c where signature_secret is not null and org_id = '${org.orgId}'`,
      )
      .then((r) => r.rows);
    expect(row!.text).not.toContain(secret);
    const member = await gql(h.app, SET, { input: { id: flowConfigId, required: false } }, org.memberToken);
    expect(member.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('accept a good signature', async () => {
    const body = '{"name":"signed"}';
    const response = await post(body, { 'x-signature': sign(body, secret) });
    expect(response.status).toBe(202);
  });

  it.each([
    ['missing', () => ({}), 'This webhook requires a signed call'],
    ['made with another secret', (body: string) => ({ 'x-signature': sign(body, 'whsec_wrong') }), 'does not match'],
    ['for another body', () => ({ 'x-signature': sign('{"name":"other"}', secret) }), 'does not match'],
    ['malformed', () => ({ 'x-signature': 'v1=abc' }), 'malformed'],
    ['stale (10 minutes old)', (body: string) => ({ 'x-signature': sign(body, secret, Math.floor(Date.now() / 1000) - 600) }), 'more than 300 seconds'],
  ])('refuse a signature that is %s with 401', async (_label, headers, message) => {
    const body = '{"name":"refused"}';
    const response = await post(body, headers(body));
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toContain(message);
  });

  it('refuse a replay of an accepted call', async () => {
    const body = '{"name":"once"}';
    const signature = sign(body, secret);
    expect((await post(body, { 'x-signature': signature })).status).toBe(202);
    const replay = await post(body, { 'x-signature': signature });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual({ error: 'This signed call was already received: sign each call anew.' });
  });

  it('rotate: the old secret stops working; turning it off accepts unsigned calls', async () => {
    const rotated = await gql(h.app, SET, { input: { id: flowConfigId, required: true } }, org.adminToken);
    const next = rotated.data.setInstanceFlowConfigSignature.signatureSecret;
    expect(next).not.toBe(secret);
    const body = '{"name":"rotated"}';
    expect((await post(body, { 'x-signature': sign(body, secret) })).status).toBe(401);
    expect((await post(body, { 'x-signature': sign(body, next) })).status).toBe(202);
    const off = await gql(h.app, SET, { input: { id: flowConfigId, required: false } }, org.adminToken);
    expect(off.data.setInstanceFlowConfigSignature).toEqual({
      signatureSecret: null,
      instanceFlowConfig: { id: flowConfigId, hasSignatureSecret: false },
      errors: [],
    });
    expect((await post(body)).status).toBe(202);
    secret = next;
  });
});

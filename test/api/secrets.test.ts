import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectorAuths, customerConfigVariables, customers } from '../../src/db/tables';
import { encodeGlobalId } from '../../src/lib/global-id';
import { masterKeyFrom } from '../../src/vault/master-key';
import { Vault } from '../../src/vault/vault';
import { CREATE_CCV, connectionId, createCustomerValues, createScoped } from '../support/connections';
import { CREATE_CONNECTOR_AUTH } from '../support/connector-auths';
import { createHarness, gql, type Harness } from '../support/harness';
import { capturedLogLines } from '../support/log-capture';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

const CANARY = `canary-${randomUUID()}`;
const responses: string[] = [];
let h: Harness;
let org: SeededOrg;

/** Every response of this file goes through here, so the canary search covers all of them. */
async function call(query: string, variables: Record<string, unknown>, token = org.adminToken) {
  const res = await gql(h.app, query, variables, token);
  responses.push(JSON.stringify(res));
  return res;
}

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
});
afterAll(() => h.close());

const uuidOf = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1]!;

describe('secret values', () => {
  it('never come back: PASSWORD inputs answer value null and hasValue true; other inputs show their value', async () => {
    const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
    const scv = await createScoped(h.app, org.adminToken, { key: 'Canary', stableKey: 'canary-conn', variableScope: 'customer', connection: acme });
    const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
    const created = await call(CREATE_CCV, {
      input: {
        scopedConfigVariable: scv.id,
        customer,
        inputs: [
          { name: 'apiKey', type: 'value', value: CANARY },
          { name: 'baseUrl', type: 'value', value: 'http://127.0.0.1:1' },
        ],
      },
    });
    expect(created.data.createCustomerConfigVariable.customerConfigVariable.inputs.nodes).toEqual([
      { name: 'apiKey', value: null, hasValue: true },
      { name: 'baseUrl', value: 'http://127.0.0.1:1', hasValue: true },
    ]);
    const id = created.data.createCustomerConfigVariable.customerConfigVariable.id;
    await call(`query($id: ID!) { customerConfigVariable(id: $id) { inputs { nodes { name value hasValue meta } } } }`, { id });
    await call(
      `query { scopedConfigVariables(stableKey: "canary-conn") { nodes { inputs { nodes { name value } } customerConfigVariables { nodes { inputs { nodes { value } } } } } } }`,
      {},
    );
    // Failed writes that carry the secret must not echo it either.
    await call(CREATE_CCV, { input: { scopedConfigVariable: scv.id, customer, inputs: [{ name: 'apiKey', type: 'value', value: CANARY }] } });
    await call(CREATE_CCV, { input: { scopedConfigVariable: scv.id, customer, inputs: [{ name: CANARY, type: 'value', value: CANARY }] } });
    await call(
      `mutation($id: ID!, $v: String) { updateCustomerConfigVariable(input: { id: $id, inputs: [{ name: "apiKey", type: "template", value: $v }] }) { errors { field messages } } }`,
      { id, v: CANARY },
    );
    await call(
      `mutation($id: ID!, $v: String) { updateCustomerConfigVariable(input: { id: $id, inputs: [{ name: "apiKey", type: "value", value: $v }] }) { customerConfigVariable { id } } }`,
      { id, v: CANARY },
      org.memberToken,
    );

    const stored = await h.database.db
      .select()
      .from(customerConfigVariables)
      .where(eq(customerConfigVariables.id, uuidOf(id)));
    expect(JSON.stringify(stored)).not.toContain(CANARY);
  });

  it('never come back from connector auths either: created, read, listed, rotated, refused', async () => {
    const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
    const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
    const inputs = [
      { name: 'apiKey', type: 'value', value: CANARY },
      { name: 'baseUrl', type: 'value', value: 'http://127.0.0.1:1' },
    ];
    const created = await call(CREATE_CONNECTOR_AUTH, { input: { connection: acme, name: 'Canary auth', customer, inputs } });
    const auth = created.data.createConnectorAuth.connectorAuth;
    expect(auth.inputs.nodes).toEqual([
      { name: 'apiKey', value: null, hasValue: true },
      { name: 'baseUrl', value: 'http://127.0.0.1:1', hasValue: true },
    ]);
    await call(`query($id: ID!) { connectorAuth(id: $id) { inputs { nodes { name value hasValue meta } } } }`, { id: auth.id });
    await call(`query { connectorAuths { nodes { name inputs { nodes { value } } } } }`, {}, org.memberToken);
    await call(CREATE_CONNECTOR_AUTH, { input: { connection: acme, name: 'Canary', inputs: [{ name: 'apiKey', type: 'template', value: CANARY }] } });
    await call(CREATE_CONNECTOR_AUTH, { input: { connection: acme, name: 'Canary', inputs: [{ name: CANARY, type: 'value', value: CANARY }] } });
    await call(CREATE_CONNECTOR_AUTH, { input: { connection: acme, name: 'Canary', inputs } }, org.memberToken);
    const UPDATE = `mutation($id: ID!, $v: String) { updateConnectorAuth(input: { id: $id, inputs: [{ name: "apiKey", type: "value", value: $v }] }) { connectorAuth { id inputs { nodes { value } } } errors { field messages } } }`;
    await call(UPDATE, { id: auth.id, v: `${CANARY}-rotated` });
    await call(UPDATE, { id: auth.id, v: CANARY }, org.memberToken);
    await call(
      `mutation($id: ID!, $v: String) { updateConnectorAuth(input: { id: $id, inputs: [{ name: "baseUrl", type: "value", value: $v }] }) { errors { field messages } } }`,
      { id: auth.id, v: CANARY },
    );

    const stored = await h.database.db.select().from(connectorAuths);
    expect(JSON.stringify(stored)).not.toContain(CANARY.slice(7));
  });

  it('a canary secret appears in no response and no log line', () => {
    expect(responses.length).toBeGreaterThan(5);
    const leaks = [...responses, ...capturedLogLines].filter((text) => text.includes(CANARY.slice(7)));
    // The only permitted echo is the unknown input *name* the caller sent, which is not a stored value.
    expect(leaks.filter((text) => !text.includes(`Unknown input \\"${CANARY}\\"`))).toEqual([]);
  });
});

describe('the vault', () => {
  it("makes a deleted customer's values unreadable, even from a copy taken before", async () => {
    const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
    const scv = await createScoped(h.app, org.adminToken, { key: 'Deleted', stableKey: 'deleted-customer', variableScope: 'customer', connection: acme });
    const customer = await seedCustomer(h.database.db, org.admin);
    const ccv = await createCustomerValues(h.app, org.adminToken, {
      scopedConfigVariable: scv.id,
      customer: encodeGlobalId('Customer', customer.id),
      inputs: [{ name: 'apiKey', type: 'value', value: 'doomed-secret' }],
    });
    const [row] = await h.database.db
      .select()
      .from(customerConfigVariables)
      .where(eq(customerConfigVariables.id, uuidOf(ccv.id)));
    const owner = { orgId: org.orgId, customerId: customer.id };
    const slot = { record: row!.id, field: 'apiKey' };
    expect(await h.vault.open(h.database.db, owner, slot, row!.values.apiKey!)).toBe('doomed-secret');

    await h.database.db.delete(customers).where(eq(customers.id, customer.id));
    await expect(h.vault.open(h.database.db, owner, slot, row!.values.apiKey!)).rejects.toThrow('cannot be decrypted');
  });

  it('refuses a ciphertext copied onto another record, field or organization', async () => {
    const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
    const scv = await createScoped(h.app, org.adminToken, { key: 'Copy', stableKey: 'copy-test', variableScope: 'customer', connection: acme });
    const customer = await seedCustomer(h.database.db, org.admin);
    const make = async (value: string, c = customer.id) =>
      (
        await createCustomerValues(h.app, org.adminToken, {
          scopedConfigVariable: scv.id,
          customer: encodeGlobalId('Customer', c),
          inputs: [
            { name: 'apiKey', type: 'value', value },
            { name: 'baseUrl', type: 'value', value: 'x' },
          ],
        })
      ).id;
    const a = uuidOf(await make('secret-a'));
    const [rowA] = await h.database.db.select().from(customerConfigVariables).where(eq(customerConfigVariables.id, a));
    const owner = { orgId: org.orgId, customerId: customer.id };
    const sealed = rowA!.values.apiKey!;
    await expect(h.vault.open(h.database.db, owner, { record: randomUUID(), field: 'apiKey' }, sealed)).rejects.toThrow();
    await expect(h.vault.open(h.database.db, owner, { record: a, field: 'baseUrl' }, sealed)).rejects.toThrow();
    await expect(h.vault.open(h.database.db, { ...owner, orgId: randomUUID() }, { record: a, field: 'apiKey' }, sealed)).rejects.toThrow();
    const tampered = { ...sealed, ct: Buffer.from(Buffer.from(sealed.ct, 'base64').map((b, i) => (i === 0 ? b ^ 1 : b))).toString('base64') };
    await expect(h.vault.open(h.database.db, owner, { record: a, field: 'apiKey' }, tampered)).rejects.toThrow();
    // The same value reads back where it was written.
    expect(await h.vault.open(h.database.db, owner, { record: a, field: 'apiKey' }, sealed)).toBe('secret-a');
  });

  it('cannot open values with another master key', async () => {
    const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
    const scv = await createScoped(h.app, org.adminToken, { key: 'Master', stableKey: 'master-key-test', variableScope: 'customer', connection: acme });
    const customer = await seedCustomer(h.database.db, org.admin);
    const id = uuidOf(
      (
        await createCustomerValues(h.app, org.adminToken, {
          scopedConfigVariable: scv.id,
          customer: encodeGlobalId('Customer', customer.id),
          inputs: [{ name: 'apiKey', type: 'value', value: 's' }],
        })
      ).id,
    );
    const [row] = await h.database.db.select().from(customerConfigVariables).where(eq(customerConfigVariables.id, id));
    const stranger = new Vault(masterKeyFrom(Buffer.alloc(32, 7).toString('base64')));
    await expect(
      stranger.open(h.database.db, { orgId: org.orgId, customerId: customer.id }, { record: id, field: 'apiKey' }, row!.values.apiKey!),
    ).rejects.toThrow();
    await h.vault.checkMasterKey(h.database.db);
    await expect(stranger.checkMasterKey(h.database.db)).rejects.toThrow('is not the key this database was encrypted with');
  });

  it('rotates to a new master key online: values stay readable with the new key, no longer with the old', async () => {
    const rotating = await seedOrg(h.database.db);
    const acme = await connectionId(h.app, rotating.adminToken, 'acme-api', 'api-key');
    const scv = await createScoped(h.app, rotating.adminToken, { key: 'Rotate', stableKey: 'rotate-test', variableScope: 'customer', connection: acme });
    const customer = await seedCustomer(h.database.db, rotating.admin);
    const id = uuidOf(
      (
        await createCustomerValues(h.app, rotating.adminToken, {
          scopedConfigVariable: scv.id,
          customer: encodeGlobalId('Customer', customer.id),
          inputs: [{ name: 'apiKey', type: 'value', value: 'survives-rotation' }],
        })
      ).id,
    );
    const [row] = await h.database.db.select().from(customerConfigVariables).where(eq(customerConfigVariables.id, id));
    const where = { owner: { orgId: rotating.orgId, customerId: customer.id }, slot: { record: id, field: 'apiKey' }, sealed: row!.values.apiKey! };

    const newKey = masterKeyFrom(Buffer.alloc(32, 9).toString('base64'));
    const oldKey = masterKeyFrom(inject('masterKey'));
    // Only this test's organization is rotated: the other test files share the database and its key.
    expect(await new Vault(newKey, [oldKey]).rotate(h.database.db, { orgId: rotating.orgId })).toBe(1);
    expect(await new Vault(newKey).open(h.database.db, where.owner, where.slot, where.sealed)).toBe('survives-rotation');
    await expect(h.vault.open(h.database.db, where.owner, where.slot, where.sealed)).rejects.toThrow();
    expect(await new Vault(newKey, [oldKey]).rotate(h.database.db, { orgId: rotating.orgId })).toBe(0);
  });
});

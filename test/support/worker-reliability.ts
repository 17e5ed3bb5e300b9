import { sql } from 'drizzle-orm';
import { inject } from 'vitest';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import type { FakeApi } from '../fakes/fake-api';
import { connectionId, createCustomerValues, createScoped } from './connections';
import type { Harness } from './harness';
import { acmeRecordDefinition, deployInstance, importAndPublish } from './integrations';
import { seedCustomer, type SeededOrg } from './seed';

/** A second webhook flow of two create-record steps (`<name>-1`, `<name>-2`): a run with a step boundary. */
const TWO_STEPS = `  - name: Twice
    stableKey: twice
    trigger: { type: webhook }
    steps:
      - name: First
        action: { component: acme-api, key: create-record }
        connection: Acme
        inputs:
          name: "{{ trigger.body.name }}-1"
      - name: Second
        action: { component: acme-api, key: create-record }
        connection: Acme
        inputs:
          name: "{{ trigger.body.name }}-2"
`;

/** An instance of the acme record integration whose connection points at `api`; webhooks `create` and (by default) `twice`. */
export async function acmeInstance(h: Harness, org: SeededOrg, api: FakeApi, key: string, extraFlows = TWO_STEPS) {
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  const scv = await createScoped(h.app, org.adminToken, {
    key,
    stableKey: key,
    variableScope: 'customer',
    connection: acme,
    inputs: [{ name: 'baseUrl', type: 'value', value: api.url }],
  });
  const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
  await createCustomerValues(h.app, org.adminToken, {
    scopedConfigVariable: scv.id,
    customer,
    inputs: [{ name: 'apiKey', type: 'value', value: `${key}-key` }],
  });
  const integration = await importAndPublish(
    h.app,
    org.adminToken,
    acmeRecordDefinition({ stableKey: `${key}-integration`, connectionStableKey: key, extraFlows }),
  );
  return deployInstance(h.app, org.adminToken, { integration: integration.id, customer, name: key });
}

/** The test database URL with an application_name, so a test can find (and terminate) one worker's connections. */
export function databaseUrlNamed(applicationName: string): string {
  const url = inject('databaseUrl');
  return `${url}${url.includes('?') ? '&' : '?'}application_name=${applicationName}`;
}

export const uuidOf = (globalId: string) => decodeGlobalId(globalId)!.id;

/** Ends every connection of `applicationName`; returns how many there were. */
export async function terminateConnections(h: Harness, applicationName: string): Promise<number> {
  const result = await h.database.db.execute<{ n: number }>(
    sql`select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${applicationName}) t`,
  );
  return result.rows[0]?.n ?? 0;
}

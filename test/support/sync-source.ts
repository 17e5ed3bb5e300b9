import { CREATE_CCV, CREATE_SCV } from './connections';

/*
 * Tenant sync: builds a source organization through the GraphQL API: every kind of object a
 * bundle carries, with secrets that must never leave the tenant. `call` sends one GraphQL request, so the
 * same builder serves yoga.fetch tests and real server processes.
 */

export type Call = (query: string, variables?: Record<string, unknown>) => Promise<{ data?: any; errors?: unknown[] }>;

export const SYNC_SECRETS = {
  envToken: 'sync-canary-env-7d1e',
  globalApiKey: 'sync-canary-global-4b2a',
  customerApiKey: 'sync-canary-customer-9c3f',
  inlineToken: 'sync-canary-inline-2e8d',
};

export const integrationDefinition = (baseFlowName = 'Create record') => `name: Acme records
stableKey: acme-records
requiredConfigVars:
  - key: Acme
    stableKey: acme
    dataType: connection
    useScopedConfigVar: acme-per-customer
  - key: Zendesk
    dataType: connection
    connection: { component: zendesk, key: api-token }
  - key: Region
    dataType: string
flows:
  - name: ${baseFlowName}
    stableKey: create-record
    trigger: { type: webhook }
    steps:
      - name: Create
        action: { component: acme-api, key: create-record }
        connection: Acme
        inputs: { name: "{{ trigger.body.name }}", description: "{{ env.REGION }} {{ configVars.Region }}" }
  - name: Tickets
    stableKey: tickets
    trigger: { type: api }
    steps:
      - name: List tickets
        action: { component: zendesk, key: list-tickets }
        connection: Zendesk
`;

async function ok(call: Call, query: string, variables: Record<string, unknown>, path: string): Promise<any> {
  const res = await call(query, variables);
  const payload = path.split('.').reduce((value: any, key) => value?.[key], res.data);
  if (!payload || (Array.isArray(payload.errors) && payload.errors.length > 0) || res.errors) {
    throw new Error(`${path} failed: ${JSON.stringify(res)}`);
  }
  return payload;
}

const values = (entries: Record<string, string>) => Object.entries(entries).map(([name, value]) => ({ name, type: 'value', value }));

export async function acmeConnectionId(call: Call): Promise<string> {
  const res = await call(`query { components(key: "acme-api") { nodes { connections { nodes { id key } } } } }`);
  return res.data.components.nodes[0].connections.nodes.find((c: { key: string }) => c.key === 'api-key').id;
}

export const CREATE_ENV = `mutation($input: CreateEnvVariableInput!) { createEnvVariable(input: $input) { envVariable { id } errors { field messages } } }`;

/** The connection and env variable holding the secrets a target must have before it can take the bundle. */
export async function createTargetSecrets(call: Call, acmeBaseUrl: string) {
  const connection = await acmeConnectionId(call);
  await ok(call, CREATE_ENV, { input: { name: 'API_TOKEN', value: 'target-own-token', valueType: 'STRING', isSecret: true } }, 'createEnvVariable');
  await createGlobalAcme(call, connection, 'target-own-key', acmeBaseUrl);
}

/** The all-global connection `acme-global`: its API key is a global secret, which never travels. */
async function createGlobalAcme(call: Call, connection: string, apiKey: string, baseUrl: string) {
  const input = { key: 'Acme global', stableKey: 'acme-global', variableScope: 'org', connection, inputs: values({ apiKey, baseUrl }) };
  await ok(call, CREATE_SCV, { input }, 'createScopedConfigVariable');
}

/**
 * Source setup: two reusable connections (per customer, with a global base URL; and all global with a
 * global secret key), a secret and a plain env variable, a published integration, a customer with its own
 * API key and a deployed instance with an inline Zendesk connection (secret token).
 */
export async function buildSource(call: Call, opts: { acmeBaseUrl: string; customers?: number }) {
  const connection = await acmeConnectionId(call);
  const perCustomer = await ok(
    call,
    CREATE_SCV,
    {
      input: {
        key: 'Acme per customer',
        stableKey: 'acme-per-customer',
        variableScope: 'customer',
        connection,
        inputs: [{ name: 'baseUrl', type: 'value', value: opts.acmeBaseUrl, meta: '{"inputScope":"org"}' }],
      },
    },
    'createScopedConfigVariable',
  );
  await createGlobalAcme(call, connection, SYNC_SECRETS.globalApiKey, opts.acmeBaseUrl);
  await ok(call, CREATE_ENV, { input: { name: 'REGION', value: 'us', valueType: 'STRING' } }, 'createEnvVariable');
  await ok(call, CREATE_ENV, { input: { name: 'API_TOKEN', value: SYNC_SECRETS.envToken, valueType: 'STRING', isSecret: true } }, 'createEnvVariable');
  const imported = await ok(
    call,
    `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } errors { field messages } } }`,
    { d: integrationDefinition() },
    'importIntegration',
  );
  const integrationId = imported.integration.id;
  await ok(
    call,
    `mutation($id: ID!) { publishIntegration(input: { id: $id }) { integration { id } errors { field messages } } }`,
    { id: integrationId },
    'publishIntegration',
  );

  const customerIds: string[] = [];
  for (let i = 1; i <= (opts.customers ?? 1); i++) {
    const created = await ok(
      call,
      `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } errors { field messages } } }`,
      { input: { name: `Customer ${i}`, externalId: `cust-${i}`, labels: ['synced'] } },
      'createCustomer',
    );
    const customerId = created.customer.id;
    customerIds.push(customerId);
    await ok(
      call,
      CREATE_CCV,
      {
        input: {
          scopedConfigVariable: perCustomer.scopedConfigVariable.id,
          customer: customerId,
          inputs: values({ apiKey: `${SYNC_SECRETS.customerApiKey}-${i}` }),
        },
      },
      'createCustomerConfigVariable',
    );
    const instance = await ok(
      call,
      `mutation($input: CreateInstanceInput!) { createInstance(input: $input) { instance { id } errors { field messages } } }`,
      {
        input: {
          name: 'Acme records',
          integration: integrationId,
          customer: customerId,
          configVariables: [
            { key: 'Region', value: `region-${i}` },
            { key: 'Zendesk', values: JSON.stringify(values({ subdomain: `cust${i}`, email: `ops${i}@example.com`, apiToken: SYNC_SECRETS.inlineToken })) },
          ],
        },
      },
      'createInstance',
    );
    await ok(
      call,
      `mutation($id: ID!) { deployInstance(input: { id: $id }) { instance { id } errors { field messages } } }`,
      { id: instance.instance.id },
      'deployInstance',
    );
  }
  return { integrationId, customerIds, perCustomerId: perCustomer.scopedConfigVariable.id };
}

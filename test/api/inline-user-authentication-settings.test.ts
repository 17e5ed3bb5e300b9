import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIntegrationDefinition, serializeIntegrationDefinition } from '../../src/domain/integrations/definition';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedOrg, type SeededOrg } from '../support/seed';

// `userAuthentication` on an inline connection of a definition, validated as on a reusable connection.

const IMPORT = `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } errors { field messages } } }`;

let h: Harness;
let org: SeededOrg;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
});
afterAll(async () => h.close());

const definition = (connection: string, userAuthentication: string) => `
name: Inline user auth
stableKey: inline-ua-${org.orgId.slice(0, 6)}
requiredConfigVars:
  - key: Provider
    dataType: connection
    ${connection}
    userAuthentication: ${userAuthentication}
flows:
  - name: Me
    stableKey: me
    trigger: { type: webhook }
    steps:
      - name: Me
        action: { component: http, key: http-request }
        connection: Provider
        inputs: { method: GET, url: "https://api.example.com/me" }
`;

const AUTH_CODE = 'connection: { component: http, key: oauth2-authorization-code }';

const importErrors = async (text: string) => {
  const res = await gql(h.app, IMPORT, { d: text }, org.adminToken);
  expect(res.data.importIntegration.integration).toBeNull();
  return res.data.importIntegration.errors;
};

describe('userAuthentication on an inline connection', () => {
  it('is refused on a connection kind that does not support it, naming the field', async () => {
    const errors = await importErrors(definition('connection: { component: http, key: oauth2-client-credentials }', '{ enabled: true }'));
    expect(errors).toEqual([
      {
        field: 'definition',
        messages: [
          'requiredConfigVars[0].userAuthentication: Connection "http/oauth2-client-credentials" does not support user authentications (only OAuth 2.0 authorization-code connections that declare it do).',
        ],
      },
    ]);
  });

  it('refuses an unknown policy and settings beside useScopedConfigVar', async () => {
    const [policy] = await importErrors(definition(AUTH_CODE, '{ enabled: true, nonInteractivePolicy: sometimes }'));
    expect(policy.messages[0]).toMatch(/^requiredConfigVars\[0\]\.userAuthentication\.nonInteractivePolicy: .*FALLBACK_TO_CONNECTOR_USER/);
    const [scoped] = await importErrors(definition('useScopedConfigVar: some-connection', '{ enabled: true }'));
    expect(scoped.messages).toContain(
      'requiredConfigVars[0].userAuthentication: is set on the reusable connection itself (updateScopedConfigVariable), not with useScopedConfigVar',
    );
  });

  it('accepts a lowercase policy, stores it in upper case, and keeps it through a serialization round trip', async () => {
    const res = await gql(h.app, IMPORT, { d: definition(AUTH_CODE, '{ enabled: true, nonInteractivePolicy: end_with_error }') }, org.adminToken);
    expect(res.data.importIntegration.errors).toEqual([]);
    const parsed = parseIntegrationDefinition(definition(AUTH_CODE, '{ enabled: true, nonInteractivePolicy: end_with_error }'));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const configVar = parsed.value.requiredConfigVars![0]!;
    expect(configVar).toMatchObject({ userAuthentication: { enabled: true, nonInteractivePolicy: 'END_WITH_ERROR' } });
    const again = parseIntegrationDefinition(serializeIntegrationDefinition(parsed.value));
    expect(again.ok && again.value).toEqual(parsed.value);
  });
});

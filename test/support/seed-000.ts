import type { App } from '../../src/http/app';
import { gql } from './harness';
import { deployInstance } from './integrations';

/*
 * Seed 000 (Locoia multi-tenant flows) look-alike components. The built-in zendesk and google-sheets
 * components may only reach their real hosts, so the fakes on 127.0.0.1 get private components: Zendesk's
 * own Basic "email/token:apiToken" rule, and a bearer-token Sheets (Google's OAuth 2.0 connector auths
 * arrive with the OAuth2 issue).
 */

export const FAKE_ZENDESK = `
key: fake-zendesk
label: Fake Zendesk
connections:
  - key: api-token
    label: API token
    authKind: basic
    inputs:
      - { key: baseUrl, label: Base URL, type: STRING, required: true }
      - { key: email, label: Agent email, type: STRING, required: true }
      - { key: apiToken, label: API token, type: PASSWORD, required: true }
    baseUrl: "{{ connection.baseUrl }}"
    destination: { inputs: [baseUrl] }
    apply:
      headers:
        Authorization: 'Basic {{ connection.email | append: "/token:" | append: connection.apiToken | base64_encode }}'
actions:
  - key: list-tickets
    label: List tickets
    request: { method: GET, url: /api/v2/tickets.json }
`;

export const FAKE_SHEETS = `
key: fake-sheets
label: Fake Google Sheets
connections:
  - key: token
    label: Access token
    authKind: bearer
    inputs:
      - { key: baseUrl, label: Base URL, type: STRING, required: true }
      - { key: token, label: Token, type: PASSWORD, required: true }
    baseUrl: "{{ connection.baseUrl }}"
    destination: { inputs: [baseUrl] }
    apply:
      headers:
        Authorization: "Bearer {{ connection.token }}"
actions:
  - key: append-row
    label: Append row
    inputs:
      - { key: values, label: Values, type: CODE, required: true }
    request:
      method: POST
      url: /v4/spreadsheets/sheet-1/values/Sheet1:append
      headers: { Content-Type: application/json }
      body: '{"values": [{{ inputs.values }}]}'
`;

/** The seed integrations' two connections: what `deployWithFallbackBindings` binds. */
export const SEED_CONNECTIONS = `requiredConfigVars:
  - key: Zendesk
    dataType: connection
    connection: { component: fake-zendesk, key: api-token }
  - key: Sheets
    dataType: connection
    connection: { component: fake-sheets, key: token }
`;

/** Imports one of the components above into the token's organization. */
export async function importComponent(app: App, token: string, definition: string) {
  const res = await gql(
    app,
    `mutation($d: String!) { importComponent(input: { definition: $d }) { component { id } errors { field messages } } }`,
    { d: definition },
    token,
  );
  if (!res.data?.importComponent?.component) throw new Error(JSON.stringify(res));
}

/** Zendesk's API-token form of Basic auth. */
export const basicCredential = (email: string, token: string) => `Basic ${Buffer.from(`${email}/token:${token}`).toString('base64')}`;
/** The Authorization header the fake Zendesk sees for tenant `i`'s credential. */
export const zendeskCredential = (i: number | string) => basicCredential(`agent@tenant-${i}.test`, `zd-token-${i}`);
export const sheetsCredential = (i: number | string) => `Bearer sheets-token-${i}`;

/**
 * Deploys the seed integration (config vars `Zendesk` and `Sheets`) with bindings of its own: a step that fell
 * back to them instead of its `auth:` would show up at the fakes with these credentials.
 */
export function deployWithFallbackBindings(
  app: App,
  token: string,
  input: { integration: string; customer: string; name: string; zendeskUrl: string; sheetsUrl: string },
) {
  return deployInstance(app, token, {
    integration: input.integration,
    customer: input.customer,
    name: input.name,
    configVariables: [
      {
        key: 'Zendesk',
        values: JSON.stringify([
          { name: 'baseUrl', type: 'value', value: input.zendeskUrl },
          { name: 'email', type: 'value', value: 'binding@vendor.test' },
          { name: 'apiToken', type: 'value', value: 'binding-token' },
        ]),
      },
      {
        key: 'Sheets',
        values: JSON.stringify([
          { name: 'baseUrl', type: 'value', value: input.sheetsUrl },
          { name: 'token', type: 'value', value: 'binding-sheets-token' },
        ]),
      },
    ],
  });
}

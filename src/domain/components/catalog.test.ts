import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findBuiltinComponent, loadBuiltinCatalog, loadCatalogDirectory } from './catalog';
import { withInputDefaults } from './input-values';
import { resolveRequestUrl } from './request-url';
import { renderTemplate } from '../../lib/templates';

const summary = () =>
  loadBuiltinCatalog().map((component) => ({
    key: component.key,
    connections: component.connections.map((connection) => [
      connection.key,
      connection.authKind,
      connection.inputs.map((input) => `${input.key}:${input.type}`).join(' '),
    ]),
    actions: component.actions.map((action) => `${action.key} -> ${action.connection}`),
  }));

describe('built-in catalog', () => {
  it('loads every built-in component with its connections, inputs and actions', () => {
    expect(summary()).toEqual([
      {
        key: 'acme-api',
        connections: [['api-key', 'api_key_header', 'apiKey:PASSWORD baseUrl:STRING']],
        actions: ['get-account -> api-key', 'create-record -> api-key'],
      },
      {
        key: 'google-sheets',
        connections: [['oauth2', 'oauth2_authorization_code', 'authorizeUrl:STRING tokenUrl:STRING clientId:STRING clientSecret:PASSWORD scopes:STRING']],
        actions: ['append-row -> oauth2'],
      },
      {
        key: 'http',
        connections: [
          ['none', 'none', ''],
          ['api-key-header', 'api_key_header', 'headerName:STRING apiKey:PASSWORD'],
          ['basic', 'basic', 'username:STRING password:PASSWORD'],
          ['bearer', 'bearer', 'token:PASSWORD'],
          ['oauth2-client-credentials', 'oauth2_client_credentials', 'tokenUrl:STRING clientId:STRING clientSecret:PASSWORD scopes:STRING'],
          ['oauth2-authorization-code', 'oauth2_authorization_code', 'authorizeUrl:STRING tokenUrl:STRING clientId:STRING clientSecret:PASSWORD scopes:STRING'],
        ],
        actions: ['http-request -> none'],
      },
      {
        key: 'salesforce',
        connections: [
          ['oauth2', 'oauth2_authorization_code', 'authorizeUrl:STRING tokenUrl:STRING clientId:STRING clientSecret:PASSWORD scopes:STRING instanceUrl:STRING'],
          [
            'username-password',
            'oauth2_password',
            'tokenUrl:STRING clientId:STRING clientSecret:PASSWORD instanceUrl:STRING username:STRING password:PASSWORD securityToken:PASSWORD',
          ],
        ],
        actions: ['query -> oauth2'],
      },
      {
        key: 'sftp',
        connections: [['username-password', 'username_password', 'host:STRING port:STRING username:STRING password:PASSWORD']],
        actions: [],
      },
      {
        key: 'zendesk',
        connections: [
          ['api-token', 'basic', 'subdomain:STRING email:STRING apiToken:PASSWORD'],
          ['oauth2', 'oauth2_authorization_code', 'subdomain:STRING authorizeUrl:STRING tokenUrl:STRING clientId:STRING clientSecret:PASSWORD scopes:STRING'],
        ],
        actions: ['list-tickets -> api-token', 'create-ticket -> api-token'],
      },
    ]);
  });

  it('is loaded once and cannot be changed by a caller', () => {
    const catalog = loadBuiltinCatalog();
    expect(loadBuiltinCatalog()).toBe(catalog);
    expect(Object.isFrozen(catalog[0]?.connections[0]?.inputs)).toBe(true);
    expect(findBuiltinComponent('sftp')?.connections[0]?.inputs[1]?.default).toBe('22');
    expect(findBuiltinComponent('nope')).toBeUndefined();
  });

  it('renders zendesk list-tickets into the request Zendesk documents', async () => {
    const zendesk = findBuiltinComponent('zendesk');
    const connection = zendesk?.connections[0];
    const action = zendesk?.actions.find((candidate) => candidate.key === 'list-tickets');
    if (!connection?.baseUrl || !action) throw new Error('zendesk is incomplete');

    const scope = {
      connection: withInputDefaults(connection.inputs, { subdomain: 'acme', email: 'a@acme.example', apiToken: 't0k' }),
      inputs: withInputDefaults(action.inputs, {}),
    };
    const render = (template: string) => renderTemplate(template, scope);
    expect(resolveRequestUrl(await render(action.request.url), await render(connection.baseUrl))).toBe('https://acme.zendesk.com/api/v2/tickets.json');
    expect(await render(action.request.query['page[size]'] ?? '')).toBe('100');
    expect(await render(connection.apply.headers.Authorization ?? '')).toBe(`Basic ${Buffer.from('a@acme.example/token:t0k').toString('base64')}`);
  });

  it('puts the acme API key in X-Api-Key and defaults the base URL', async () => {
    const acme = findBuiltinComponent('acme-api');
    const connection = acme?.connections[0];
    if (!connection?.baseUrl) throw new Error('acme-api is incomplete');
    const scope = { connection: withInputDefaults(connection.inputs, { apiKey: 'k-123' }) };

    expect(await renderTemplate(connection.baseUrl, scope)).toBe('https://api.acme.example');
    expect(connection.apply).toEqual({ headers: { 'X-Api-Key': '{{ connection.apiKey }}' }, query: {} });
    expect(await renderTemplate(connection.apply.headers['X-Api-Key'] ?? '', scope)).toBe('k-123');
  });
});

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('loadCatalogDirectory', () => {
  const directories: string[] = [];
  afterAll(() => {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });
  const directoryWith = (files: Record<string, string>) => {
    const directory = mkdtempSync(join(tmpdir(), 'tenantflow-catalog-'));
    directories.push(directory);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(directory, name), text);
    return directory;
  };

  it('names the file and every invalid path of a broken component', () => {
    const directory = directoryWith({
      'broken.yaml':
        'key: broken\nlabel: Broken\nconnections:\n  - key: k\n    label: K\n    authKind: digest\n    inputs:\n      - key: a\n        label: A\n        type: string\n        shown: false\n',
    });
    expect(messageOf(() => loadCatalogDirectory(directory))).toBe(
      'built-in component broken.yaml is invalid:\n' +
        '  connections[0].authKind: unknown authKind "digest"; expected one of api_key_header, api_key_query, basic, username_password, bearer, oauth2_authorization_code, oauth2_client_credentials, oauth2_password, none',
    );
  });

  it('rejects YAML that does not parse, and a file not named after its key', () => {
    expect(() => loadCatalogDirectory(directoryWith({ 'bad.yaml': 'key: [unclosed' }))).toThrow(/^built-in component bad\.yaml is not valid YAML: /);
    expect(messageOf(() => loadCatalogDirectory(directoryWith({ 'one.yml': 'key: two\nlabel: Two\n' })))).toBe(
      'built-in component one.yml has key "two"; its file must be named two.yaml',
    );
  });
});

it('encodes the google-sheets range as one path segment', async () => {
  const action = findBuiltinComponent('google-sheets')?.actions[0];
  if (!action) throw new Error('google-sheets has no action');
  const url = await renderTemplate(action.request.url, {
    inputs: { spreadsheetId: '1AbC', range: "'Sheet 1'!A1:C1" },
  });
  expect(resolveRequestUrl(url, 'https://sheets.googleapis.com/v4')).toBe(
    "https://sheets.googleapis.com/v4/spreadsheets/1AbC/values/'Sheet%201'!A1%3AC1:append",
  );
});

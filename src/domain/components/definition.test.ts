import { describe, expect, it } from 'vitest';
import { oauth2TypeOf } from './auth-kinds';
import { parseComponentDefinition } from './definition';
import { hostAllowed } from './destination';
import { renderTemplate } from '../../lib/templates';

// A small valid component; each test changes one thing and expects exactly the errors that change causes.
function component(overrides: Record<string, unknown> = {}) {
  return {
    key: 'acme',
    label: 'Acme',
    connections: [
      {
        key: 'api-key',
        label: 'API key',
        authKind: 'api_key_header',
        inputs: [{ key: 'apiKey', label: 'API key', type: 'PASSWORD', required: true }],
        baseUrl: 'https://api.acme.example',
        apply: { headers: { 'X-Api-Key': '{{ connection.apiKey }}' } },
      },
    ],
    actions: [
      {
        key: 'get-record',
        label: 'Get record',
        inputs: [{ key: 'id', label: 'Id', type: 'STRING', required: true }],
        request: { method: 'GET', url: '/records/{{ inputs.id }}' },
      },
    ],
    ...overrides,
  };
}

function connection(overrides: Record<string, unknown>) {
  return { ...component().connections[0], ...overrides };
}

function action(overrides: Record<string, unknown>) {
  return { ...component().actions[0], ...overrides };
}

const oauthInput = (key: string, type = 'STRING') => ({ key, label: key, type, required: true });

function errorsOf(input: unknown) {
  const result = parseComponentDefinition(input);
  if (result.ok) throw new Error('expected the definition to be rejected');
  return result.errors;
}

describe('parseComponentDefinition accepts and normalises', () => {
  it('fills defaults, upper-cases input types, resolves the action connection and keeps templates', () => {
    const result = parseComponentDefinition(
      component({
        connections: [connection({ inputs: [{ key: 'apiKey', label: 'API key', type: 'password' }] })],
      }),
    );
    expect(result).toEqual({
      ok: true,
      value: {
        key: 'acme',
        label: 'Acme',
        connections: [
          {
            key: 'api-key',
            label: 'API key',
            authKind: 'api_key_header',
            inputs: [{ key: 'apiKey', label: 'API key', type: 'PASSWORD', required: false, shown: true }],
            baseUrl: 'https://api.acme.example',
            apply: { headers: { 'X-Api-Key': '{{ connection.apiKey }}' }, query: {} },
            supportsUserAuthentication: false,
            destination: { inputs: [], hosts: [] },
          },
        ],
        actions: [
          {
            key: 'get-record',
            label: 'Get record',
            connection: 'api-key',
            inputs: [{ key: 'id', label: 'Id', type: 'STRING', required: true, shown: true }],
            request: { method: 'GET', url: '/records/{{ inputs.id }}', headers: {}, query: {} },
          },
        ],
      },
    });
  });

  it('allows user authentications only on OAuth 2.0 authorization-code connections (seed 002)', () => {
    const result = parseComponentDefinition(
      component({
        connections: [
          connection({
            authKind: 'basic',
            apply: undefined,
            supportsUserAuthentication: true,
            inputs: [oauthInput('username'), oauthInput('password', 'PASSWORD')],
          }),
        ],
        actions: [],
      }),
    );
    expect(result.ok ? [] : result.errors).toContainEqual({
      path: 'connections[0].supportsUserAuthentication',
      message: 'only oauth2_authorization_code connections support user authentications',
    });
  });

  it('implies Basic auth for basic connections without apply, and it renders as RFC 7617 says', async () => {
    const result = parseComponentDefinition(
      component({
        connections: [
          connection({
            authKind: 'basic',
            apply: undefined,
            inputs: [oauthInput('username'), oauthInput('password', 'PASSWORD')],
          }),
        ],
        actions: [],
      }),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const authorization = result.value.connections[0]?.apply.headers.Authorization ?? '';
    const rendered = await renderTemplate(authorization, {
      connection: { username: 'jö', password: 'p:w' },
    });
    expect(rendered).toBe(`Basic ${Buffer.from('jö:p:w', 'utf8').toString('base64')}`);
  });

  it('implies a Bearer access token for OAuth2 and derives oauth2Type', () => {
    const result = parseComponentDefinition(
      component({
        connections: [
          connection({
            authKind: 'oauth2_client_credentials',
            apply: undefined,
            inputs: [oauthInput('tokenUrl'), oauthInput('clientId'), oauthInput('clientSecret', 'PASSWORD')],
          }),
        ],
      }),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const [oauth] = result.value.connections;
    expect(oauth?.apply).toEqual({ headers: { Authorization: 'Bearer {{ connection.accessToken }}' }, query: {} });
    expect(oauth && oauth2TypeOf(oauth)).toBe('CLIENT_CREDENTIALS');
    expect(oauth2TypeOf({ authKind: 'oauth2_authorization_code' })).toBe('AUTHORIZATION_CODE');
    expect(oauth2TypeOf({ authKind: 'basic' })).toBeNull();
  });

  it('treats connection "none" as no credential, and allows a component without actions', () => {
    const withNone = parseComponentDefinition(component({ actions: [action({ connection: 'none', request: { method: 'get', url: 'https://x.example/a' } })] }));
    expect(withNone.ok && withNone.value.actions[0]).toMatchObject({ connection: null, request: { method: 'GET' } });
    const noActions = parseComponentDefinition(component({ actions: [] }));
    expect(noActions.ok && noActions.value.actions).toEqual([]);
  });
});

describe('connection destinations', () => {
  it('adds the inputs the baseUrl reads and the OAuth2 URLs to the declared ones, and lower-cases hosts', () => {
    const result = parseComponentDefinition(
      component({
        connections: [
          connection({
            inputs: [oauthInput('apiKey', 'PASSWORD'), oauthInput('region'), oauthInput('tenant')],
            baseUrl: 'https://{{ connection.tenant }}.acme.example',
            destination: { inputs: ['region'], hosts: ['*.Acme.example'] },
          }),
          connection({
            key: 'oauth',
            authKind: 'oauth2_client_credentials',
            apply: undefined,
            baseUrl: undefined,
            inputs: [oauthInput('tokenUrl'), oauthInput('clientId'), oauthInput('clientSecret', 'PASSWORD')],
          }),
        ],
        actions: [],
      }),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.value.connections.map((c) => c.destination)).toEqual([
      { inputs: ['region', 'tenant'], hosts: ['*.acme.example'] },
      { inputs: ['tokenUrl'], hosts: [] },
    ]);
  });

  it('rejects an unknown or secret destination input and a bad host pattern, naming the path', () => {
    const errors = errorsOf(
      component({
        connections: [
          connection({
            inputs: [oauthInput('apiKey', 'PASSWORD')],
            destination: { inputs: ['nope', 'apiKey'], hosts: ['https://x.example', 'a.*.example'] },
          }),
        ],
        actions: [],
      }),
    );
    expect(errors.map((e) => e.path)).toEqual(['connections[0].destination.hosts[0]', 'connections[0].destination.hosts[1]']);
    const rules = errorsOf(
      component({ connections: [connection({ inputs: [oauthInput('apiKey', 'PASSWORD')], destination: { inputs: ['nope', 'apiKey'] } })], actions: [] }),
    );
    expect(rules).toEqual([
      { path: 'connections[0].destination.inputs[0]', message: expect.stringContaining('unknown input "nope"') },
      { path: 'connections[0].destination.inputs[1]', message: expect.stringContaining('"apiKey" is a secret') },
    ]);
  });

  it('matches hosts exactly or below a "*." pattern, never the bare domain or a look-alike', () => {
    const patterns = ['*.zendesk.com', 'api.acme.example'];
    expect(hostAllowed('acme.zendesk.com', patterns)).toBe(true);
    expect(hostAllowed('a.b.zendesk.com', patterns)).toBe(true);
    expect(hostAllowed('API.acme.example', patterns)).toBe(true);
    expect(hostAllowed('zendesk.com', patterns)).toBe(false);
    expect(hostAllowed('evilzendesk.com', patterns)).toBe(false);
    expect(hostAllowed('zendesk.com.evil.example', patterns)).toBe(false);
    expect(hostAllowed('127.0.0.1', patterns)).toBe(false);
    expect(hostAllowed('anything.example', [])).toBe(true);
  });
});

describe('parseComponentDefinition rejects, naming the path', () => {
  it('a duplicate input key', () => {
    const inputs = [oauthInput('apiKey', 'PASSWORD'), oauthInput('apiKey')];
    expect(errorsOf(component({ connections: [connection({ inputs })] }))).toEqual([
      { path: 'connections[0].inputs[1].key', message: 'duplicate input key "apiKey" (first at connections[0].inputs[0].key)' },
    ]);
  });

  it('duplicate connection and action keys', () => {
    expect(errorsOf(component({ connections: [connection({}), connection({})], actions: [action({}), action({})] }))).toEqual([
      { path: 'connections[1].key', message: 'duplicate connection key "api-key" (first at connections[0].key)' },
      { path: 'actions[1].key', message: 'duplicate action key "get-record" (first at actions[0].key)' },
    ]);
  });

  it('a hidden input without a default', () => {
    const inputs = [{ key: 'apiKey', label: 'API key', type: 'PASSWORD', shown: false }];
    expect(errorsOf(component({ connections: [connection({ inputs })] }))).toEqual([
      { path: 'connections[0].inputs[0].default', message: 'a hidden input (shown: false) needs a default, since nobody can enter it' },
    ]);
  });

  it('an oauth2 client credentials connection without tokenUrl', () => {
    const oauth = connection({
      authKind: 'oauth2_client_credentials',
      apply: undefined,
      inputs: [oauthInput('clientId'), oauthInput('clientSecret', 'PASSWORD'), oauthInput('scopes')],
    });
    expect(errorsOf(component({ connections: [oauth] }))).toEqual([
      { path: 'connections[0].inputs', message: 'oauth2_client_credentials connections need an input "tokenUrl"' },
    ]);
  });

  it('an oauth2 authorization code connection without authorizeUrl, with a non-PASSWORD secret and an accessToken input', () => {
    const oauth = connection({
      authKind: 'oauth2_authorization_code',
      apply: undefined,
      inputs: [oauthInput('tokenUrl'), oauthInput('clientId'), oauthInput('clientSecret'), oauthInput('accessToken')],
    });
    expect(errorsOf(component({ connections: [oauth] }))).toEqual([
      { path: 'connections[0].inputs', message: 'oauth2_authorization_code connections need an input "authorizeUrl"' },
      { path: 'connections[0].inputs[2].type', message: '"clientSecret" holds a secret, so its type must be PASSWORD' },
      {
        path: 'connections[0].inputs[3].key',
        message: '"accessToken" is reserved: OAuth2 connections receive their current access token under that name',
      },
    ]);
  });

  it('an implied basic connection without username, and api_key_header without a header', () => {
    const basic = connection({ key: 'basic', authKind: 'basic', apply: undefined, inputs: [oauthInput('password', 'PASSWORD')] });
    const apiKey = connection({ apply: { query: { key: '{{ connection.apiKey }}' } } });
    expect(errorsOf(component({ connections: [basic, apiKey] }))).toEqual([
      { path: 'connections[0].inputs', message: 'basic connections need an input "username"' },
      { path: 'connections[1].apply.headers', message: 'api_key_header connections must put their credential in apply.headers' },
    ]);
  });

  it('a Liquid template that does not parse', () => {
    expect(errorsOf(component({ actions: [action({ request: { method: 'GET', url: '/records/{{ inputs.id' } })] }))).toEqual([
      { path: 'actions[0].request.url', message: 'invalid Liquid template: output "{{ inputs.id" not closed, line:1, col:10' },
    ]);
  });

  it('an unknown filter, and a partial include (which must never read the file system)', () => {
    const request = { method: 'GET', url: '/x', query: { a: '{{ inputs.id | shell }}', b: '{% include "/etc/passwd" %}' } };
    expect(errorsOf(component({ actions: [action({ request })] }))).toEqual([
      { path: 'actions[0].request.query.a', message: 'invalid Liquid template: undefined filter: shell, line:1, col:1' },
      {
        path: 'actions[0].request.query.b',
        message: 'invalid Liquid template: tag "include" is not allowed: templates cannot load other templates, line:1, col:1',
      },
    ]);
  });

  it('templates reading variables their scope does not provide', () => {
    const request = {
      method: 'POST',
      url: '/records',
      headers: { 'X-Trace': '{{ trigger.id }}' },
      body: { record: { name: '{{ inputs.nme }}', owner: '{{ connection[inputs.id] }}' } },
    };
    const apiKey = connection({ baseUrl: 'https://{{ inputs.id }}.acme.example' });
    expect(errorsOf(component({ connections: [apiKey], actions: [action({ request })] }))).toEqual([
      { path: 'connections[0].baseUrl', message: 'unknown variable "inputs"; this template may use connection.*' },
      { path: 'actions[0].request.headers["X-Trace"]', message: 'unknown variable "trigger"; this template may use inputs.* and connection.*' },
      { path: 'actions[0].request.body.record.name', message: '"inputs.nme" does not exist; known: id' },
      { path: 'actions[0].request.body.record.owner', message: '"connection" must be followed by a literal field name, e.g. connection.someKey' },
    ]);
  });

  it('an unknown authKind', () => {
    expect(errorsOf(component({ connections: [connection({ authKind: 'digest' })] }))).toEqual([
      {
        path: 'connections[0].authKind',
        message:
          'unknown authKind "digest"; expected one of api_key_header, api_key_query, basic, username_password, bearer, oauth2_authorization_code, oauth2_client_credentials, oauth2_password, none',
      },
    ]);
  });

  it('an unknown input type, a bad slug, a misspelt property and a bad header name', () => {
    const inputs = [{ key: 'apiKey', label: 'API key', type: 'secret', requried: true }];
    const request = { method: 'FETCH', url: '/x', headers: { 'Bad Header': 'x' } };
    expect(errorsOf(component({ key: 'Acme', connections: [connection({ inputs })], actions: [action({ request })] }))).toEqual([
      { path: 'key', message: 'must be a slug: lowercase letters, digits and "-", starting with a letter' },
      {
        path: 'connections[0].inputs[0].type',
        message:
          'unknown input type "SECRET"; expected one of BOOLEAN, CODE, CONDITIONAL, CONNECTION, DATA, DATE, DYNAMICFIELDSELECTION, DYNAMICOBJECTSELECTION, FLOW, JSONFORM, OBJECTFIELDMAP, OBJECTSELECTION, PASSWORD, STRING, TEMPLATE, TEXT, TIMESTAMP',
      },
      { path: 'connections[0].inputs[0]', message: 'Unrecognized key: "requried"' },
      { path: 'actions[0].request.method', message: 'expected one of GET, POST, PUT, PATCH, DELETE, or a template rendering to one' },
      { path: 'actions[0].request.headers["Bad Header"]', message: 'is not a valid HTTP header name' },
    ]);
  });

  it('an unknown action connection, and a relative URL without a baseUrl', () => {
    const noBase = connection({ baseUrl: undefined });
    const actions = [action({ connection: 'oauth' }), action({ key: 'other' }), action({ key: 'anon', connection: 'none' })];
    expect(errorsOf(component({ connections: [noBase], actions }))).toEqual([
      { path: 'actions[0].connection', message: 'unknown connection "oauth"; this component has "api-key" (use "none" for no credential)' },
      { path: 'actions[1].request.url', message: 'a relative URL needs a baseUrl on connection "api-key"' },
      { path: 'actions[2].request.url', message: 'a relative URL needs a connection with a baseUrl; this action uses no connection' },
    ]);
  });

  it('a connection keyed "none" that sends a credential, and a definition that is not an object', () => {
    expect(errorsOf(component({ connections: [connection({ key: 'none' })], actions: [] }))).toEqual([
      { path: 'connections[0].key', message: 'the key "none" is reserved for a connection with authKind none' },
    ]);
    expect(errorsOf('zendesk')).toEqual([{ path: '', message: 'Invalid input: expected object, received string' }]);
  });
});

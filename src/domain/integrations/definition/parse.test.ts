import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { COMPLETE_EXAMPLE_YAML } from './complete-example';
import {
  collectActionRefs,
  collectConnectionRefs,
  collectScopedConfigVarRefs,
  parseIntegrationDefinition,
  serializeIntegrationDefinition,
  type IntegrationDefinition,
} from './index';

function parseOk(input: string | object): IntegrationDefinition {
  const result = parseIntegrationDefinition(input);
  if (!result.ok) throw new Error(`expected a valid definition: ${JSON.stringify(result.errors)}`);
  return result.value;
}

const minimal = {
  name: 'Tiny',
  flows: [{ name: 'Main', stableKey: 'main', trigger: { type: 'api' }, steps: [{ name: 'Ping', action: { component: 'http', key: 'get' } }] }],
};

describe('parseIntegrationDefinition', () => {
  it('reads the complete example', () => {
    const def = parseOk(COMPLETE_EXAMPLE_YAML);
    expect(def.name).toBe('Sync tickets');
    expect(def.requiredConfigVars?.map((configVar) => configVar.key)).toEqual(['Acme Connection', 'Zendesk', 'Batch size', 'Client auth ids', 'Sync schedule']);
    expect(def.flows.map((flow) => flow.trigger)).toEqual([
      { type: 'webhook', synchronous: true },
      { type: 'schedule', configVar: 'Sync schedule' },
      { type: 'schedule', cron: '0 7 * * 1-5', timeZone: 'Europe/Berlin' },
      { type: 'api' },
    ]);
    expect(def.flows[0]?.steps[0]).toEqual({
      type: 'action',
      name: 'Get tickets',
      stableKey: 'get-tickets',
      action: { component: 'zendesk', key: 'list-tickets' },
      connection: 'Zendesk',
      auth: '{{ trigger.query.zendesk_auth_id }}',
      inputs: { pageSize: "{{ configVars['Batch size'] }}" },
    });
  });

  it('accepts JSON text and parsed objects alike', () => {
    expect(parseOk(JSON.stringify(minimal))).toEqual({
      name: 'Tiny',
      flows: [
        { name: 'Main', stableKey: 'main', trigger: { type: 'api' }, steps: [{ type: 'action', name: 'Ping', action: { component: 'http', key: 'get' } }] },
      ],
    });
    expect(parseOk(minimal)).toEqual(parseOk(JSON.stringify(minimal, null, 2)));
    const exampleAsJson = JSON.stringify(parseYaml(COMPLETE_EXAMPLE_YAML), null, 2);
    expect(exampleAsJson.startsWith('{\n  "name": "Sync tickets"')).toBe(true);
    expect(parseOk(exampleAsJson)).toEqual(parseOk(COMPLETE_EXAMPLE_YAML));
  });

  it('matches the complete example in docs/definition.md', () => {
    const docs = readFileSync(new URL('../../../../docs/definition.md', import.meta.url), 'utf8');
    const firstYamlBlock = /```yaml\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(firstYamlBlock).toBe(COMPLETE_EXAMPLE_YAML);
  });

  it('reads a bare number or boolean default value as text', () => {
    const def = parseOk({
      ...minimal,
      requiredConfigVars: [
        { key: 'Size', dataType: 'number', defaultValue: 50 },
        { key: 'On', dataType: 'boolean', defaultValue: true },
      ],
    });
    expect(def.requiredConfigVars).toEqual([
      { key: 'Size', dataType: 'number', defaultValue: '50' },
      { key: 'On', dataType: 'boolean', defaultValue: 'true' },
    ]);
  });

  it('reports YAML syntax errors at "definition" with line and column', () => {
    expect(parseIntegrationDefinition('name: Sync\nflows: [\n')).toEqual({
      ok: false,
      errors: [{ path: 'definition', message: 'Flow sequence in block collection must be sufficiently indented and end with a ] (line 3, column 1)' }],
    });
    expect(parseIntegrationDefinition('name: a\nname: b\n')).toEqual({
      ok: false,
      errors: [{ path: 'definition', message: 'Map keys must be unique (line 2, column 1)' }],
    });
    expect(parseIntegrationDefinition('{"name": "x", "flows": [}')).toEqual({
      ok: false,
      errors: [
        { path: 'definition', message: 'Flow sequence in block collection must be sufficiently indented and end with a ] (line 1, column 25)' },
        { path: 'definition', message: 'Flow map must end with a } (line 1, column 25)' },
      ],
    });
    expect(parseIntegrationDefinition('name: !secret x\n')).toEqual({
      ok: false,
      errors: [{ path: 'definition', message: 'Unresolved tag: !secret (line 1, column 7)' }],
    });
  });

  it('refuses documents that are not a mapping or are too large', () => {
    expect(parseIntegrationDefinition('')).toEqual({ ok: false, errors: [{ path: 'definition', message: 'must be a mapping' }] });
    expect(parseIntegrationDefinition('- a\n- b\n')).toEqual({ ok: false, errors: [{ path: 'definition', message: 'must be a mapping' }] });
    expect(parseIntegrationDefinition(`name: "${'x'.repeat(1_000_000)}"`)).toEqual({
      ok: false,
      errors: [{ path: 'definition', message: 'must be at most 1000000 characters' }],
    });
  });

  it('refuses alias bombs', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...'bcdefgh'.split('').map((key, i) => `${key}: &${key} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
    ].join('\n');
    expect(parseIntegrationDefinition(bomb)).toEqual({
      ok: false,
      errors: [{ path: 'definition', message: 'Excessive alias count indicates a resource exhaustion attack' }],
    });
  });
});

describe('serializeIntegrationDefinition', () => {
  it('round-trips the complete example to an equal value and stable text', () => {
    const def = parseOk(COMPLETE_EXAMPLE_YAML);
    const yaml = serializeIntegrationDefinition(def);
    expect(parseOk(yaml)).toEqual(def);
    expect(serializeIntegrationDefinition(parseOk(yaml))).toBe(yaml);
  });

  it('writes fields in the documented order and leaves out type: action', () => {
    const yaml = serializeIntegrationDefinition(parseOk({ flows: minimal.flows, name: 'Tiny', description: 'd' }));
    expect(yaml).toBe(
      [
        'name: Tiny',
        'description: d',
        'flows:',
        '  - name: Main',
        '    stableKey: main',
        '    trigger:',
        '      type: api',
        '    steps:',
        '      - name: Ping',
        '        action:',
        '          component: http',
        '          key: get',
        '',
      ].join('\n'),
    );
  });
});

describe('reference collectors', () => {
  const def = parseOk(COMPLETE_EXAMPLE_YAML);

  it('lists every action with its path, nested bodies included', () => {
    expect(collectActionRefs(def)).toEqual([
      { path: 'flows[0].steps[0].action', component: 'zendesk', key: 'list-tickets' },
      { path: 'flows[0].steps[1].branches[0].steps[0].action', component: 'acme-api', key: 'create-record' },
      { path: 'flows[1].steps[1].steps[0].action', component: 'zendesk', key: 'list-tickets' },
      { path: 'flows[1].steps[1].steps[1].steps[0].action', component: 'acme-api', key: 'create-record' },
      { path: 'flows[2].steps[0].action', component: 'acme-api', key: 'get-account' },
      { path: 'flows[3].steps[0].action', component: 'http', key: 'http-request' },
    ]);
  });

  it('lists organization-activated connections by stable key and inline connection types', () => {
    expect(collectScopedConfigVarRefs(def)).toEqual([{ path: 'requiredConfigVars[0].useScopedConfigVar', stableKey: 'acme-api-key' }]);
    expect(collectConnectionRefs(def)).toEqual([{ path: 'requiredConfigVars[1].connection', component: 'zendesk', key: 'api-token' }]);
  });
});

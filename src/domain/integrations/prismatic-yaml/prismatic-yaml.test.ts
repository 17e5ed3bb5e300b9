import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseIntegrationDefinition, serializeIntegrationDefinition } from '../definition';
import { PRISMATIC_HTTP_YAML } from './fixtures';
import { definitionToPrismatic } from './to-prismatic';
import { prismaticToDefinition } from './from-prismatic';

function importYaml(text: string) {
  const converted = prismaticToDefinition(parse(text));
  if (!converted.ok) throw new Error(JSON.stringify(converted.errors));
  const parsed = parseIntegrationDefinition(converted.definition);
  if (!parsed.ok) throw new Error(JSON.stringify(converted.paths.translateErrors(parsed.errors)));
  return parsed.value;
}

function exportYaml(text: string) {
  const exported = definitionToPrismatic(importYaml(text));
  if (!exported.ok) throw new Error(JSON.stringify(exported.errors));
  return exported.text;
}

describe('Prismatic YAML → tenantflow definition', () => {
  it('maps triggers, config vars, the connection input, references, templates, complex inputs and loops', () => {
    const def = importYaml(PRISMATIC_HTTP_YAML);
    expect(def.requiredConfigVars).toEqual([
      { key: 'Partner URL', stableKey: 'partner-url', dataType: 'string' },
      { key: 'Partner API', stableKey: 'partner-api', dataType: 'connection', connection: { component: 'http', key: 'api-key-header' } },
    ]);
    const [flow] = def.flows;
    expect(flow).toMatchObject({ name: 'Relay tickets', stableKey: 'relay-tickets', trigger: { type: 'webhook', synchronous: true } });
    expect(flow!.steps).toEqual([
      {
        type: 'loop',
        name: 'Each ticket',
        stableKey: 'each-ticket',
        items: '{{ trigger.body.tickets }}',
        itemName: 'eachTicketItem',
        steps: [
          {
            type: 'action',
            name: 'Send ticket',
            stableKey: 'send-ticket',
            action: { component: 'http', key: 'http-request' },
            connection: 'Partner API',
            inputs: {
              method: 'POST',
              url: "{{ configVars['Partner URL'] }}/tickets/{{ eachTicketItem.id }}",
              headers: { 'Content-Type': 'application/json', 'X-Customer': '{{ trigger.query.customer }}' },
              body: '{"subject": "{{ eachTicketItem.subject }}"}',
            },
          },
        ],
      },
    ]);
  });

  it('reads schedules, json code config vars, org-activated connections and continue-on-error steps', () => {
    const text = `definitionVersion: 7
name: Nightly
requiredConfigVars:
  - { key: Acme, dataType: connection, useScopedConfigVar: acme-api-key }
  - { key: Map, stableKey: map, dataType: code, codeLanguage: json, defaultValue: '{"a": 1}' }
flows:
  - name: Nightly sync
    steps:
      - name: Trigger
        isTrigger: true
        action: { component: { key: schedule-triggers, version: 2, isPublic: true }, key: schedule }
        schedule: { type: value, value: "0 3 * * *", meta: { scheduleType: custom, timeZone: Europe/Berlin } }
      - name: Account
        action: { component: { key: acme-api, version: LATEST, isPublic: false }, key: get-account }
        errorConfig: { errorType: ignore_and_continue }
        inputs: { connection: { type: configVar, value: Acme }, unset: { type: value, value: "" } }
`;
    const def = importYaml(text);
    expect(def.requiredConfigVars).toEqual([
      { key: 'Acme', dataType: 'connection', useScopedConfigVar: 'acme-api-key' },
      { key: 'Map', stableKey: 'map', dataType: 'json', defaultValue: '{"a": 1}' },
    ]);
    expect(def.flows[0]).toMatchObject({ stableKey: 'nightly-sync', trigger: { type: 'schedule', cron: '0 3 * * *', timeZone: 'Europe/Berlin' } });
    expect(def.flows[0]!.steps[0]).toMatchObject({ connection: 'Acme', onError: 'continue' });
    expect(def.flows[0]!.steps[0]).not.toHaveProperty('inputs');

    const converted = prismaticToDefinition(parse(text.replace('value: "0 3 * * *"', 'value: "0 25 * * *"')));
    const parsed = converted.ok ? parseIntegrationDefinition(converted.definition) : null;
    expect(converted.ok && parsed && !parsed.ok && converted.paths.translateErrors(parsed.errors)).toEqual([
      { path: 'flows[0].steps[0].schedule.value', message: 'must be a cron expression: hour field: 25 is out of range 0-23' },
    ]);
  });

  it('reports every problem at once, at its Prismatic path', () => {
    const text = `definitionVersion: 7
name: Broken
isCodeNative: true
requiredConfigVars:
  - { key: Pick, stableKey: pick, dataType: picklist, pickList: [a, b] }
configPages:
  - { name: Configuration, elements: [{ type: configVar, value: Missing }] }
flows:
  - name: One
    steps:
      - name: Trigger
        isTrigger: true
        action: { component: { key: management-triggers, version: LATEST, isPublic: true }, key: instanceDeploy }
      - name: Step
        action: { component: { key: http, version: LATEST, isPublic: true }, key: http-request }
        inputs:
          url: { type: reference, value: nowhere.results.url }
          method: { type: magic, value: GET }
      - name: Branch
        action: { component: { key: branch, version: LATEST, isPublic: true }, key: branchOnExpression }
        branches: []
`;
    const converted = prismaticToDefinition(parse(text));
    expect(converted.ok).toBe(false);
    expect(!converted.ok && converted.errors.map((error) => `${error.path}: ${error.message}`)).toEqual([
      'isCodeNative: code-native integrations run code tenantflow does not run; export a low-code integration',
      'requiredConfigVars[0].pickList: pick lists are not supported; use a string config variable',
      'requiredConfigVars[0].dataType: "picklist" is not supported; use string, number, boolean, schedule, code (json) or connection',
      'configPages[0].elements[0].value: "Missing" is not the key of a requiredConfigVar',
      'flows[0].steps[0].action.component.key: trigger "management-triggers/instanceDeploy" is not available; tenantflow has webhook-triggers/webhook and schedule-triggers/schedule',
      'flows[0].steps[1].inputs.url.value: "nowhere" is not the key of a step of this flow (a step\'s key is its name in camelCase)',
      'flows[0].steps[1].inputs.method.type: must be one of: value, reference, configVar, template, complex',
      'flows[0].steps[2].branches: is not a field tenantflow reads here (docs/prismatic-yaml.md)',
    ]);
  });

  it('translates definition-rule problems of the converted definition to Prismatic paths', () => {
    const converted = prismaticToDefinition(
      parse(PRISMATIC_HTTP_YAML.replace('connection: { type: configVar, value: Partner API }', 'connection: { type: configVar, value: Nope }')),
    );
    expect(converted.ok).toBe(true);
    const parsed = converted.ok ? parseIntegrationDefinition(converted.definition) : null;
    expect(parsed?.ok).toBe(false);
    expect(converted.ok && parsed && !parsed.ok && converted.paths.translateErrors(parsed.errors)).toEqual([
      { path: 'flows[0].steps[1].steps[0].inputs.connection', message: '"Nope" is not the key of a requiredConfigVar' },
    ]);
  });
});

describe('tenantflow definition → Prismatic YAML', () => {
  it('round-trips: exporting an imported export gives the same YAML, and the same tenantflow definition', () => {
    const first = exportYaml(PRISMATIC_HTTP_YAML);
    const second = exportYaml(first);
    expect(second).toBe(first);
    expect(serializeIntegrationDefinition(importYaml(first))).toBe(serializeIntegrationDefinition(importYaml(PRISMATIC_HTTP_YAML)));
    expect(parse(first).flows[0].steps[1].steps[0].inputs.url).toEqual({ type: 'template', value: '{{#Partner URL}}/tickets/{{$eachTicket.currentItem.id}}' });
  });

  it('refuses what Prismatic cannot express, naming each place', () => {
    const parsed = parseIntegrationDefinition(`name: X
flows:
  - name: A
    stableKey: a
    trigger: { type: api }
    steps:
      - name: Get
        action: { component: http, key: http-request }
        auth: "{{ trigger.query.auth_id }}"
        inputs: { url: "{{ trigger.body.url | upcase }}" }
      - { name: Remember, type: set-variables, variables: { x: 1 } }
`);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const exported = definitionToPrismatic(parsed.value);
    expect(!exported.ok && exported.errors.map((error) => error.path)).toEqual([
      'flows[0].trigger.type',
      'flows[0].steps[0].auth',
      'flows[0].steps[0].inputs.url',
      'flows[0].steps[1].type',
    ]);
  });
});

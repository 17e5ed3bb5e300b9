import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, gql } from '../support/harness';
import { seedOrg, type SeededOrg } from '../support/seed';

const h = createHarness();
let org: SeededOrg;
beforeAll(async () => {
  org = await seedOrg(h.database.db);
});
afterAll(() => h.close());

const definition = (inputs: string) => `name: Inputs checked
flows:
  - name: Main
    stableKey: main
    trigger: { type: api }
    steps:
      - name: Fine
        action: { component: zendesk, key: list-tickets }
      - name: Under test
        action: { component: zendesk, key: create-ticket }
        inputs: ${inputs}
`;

const VALIDATE = `mutation($d: String!) { validateIntegrationSchema(input: { definition: $d }) { result { isValid } errors { field messages } } }`;
const IMPORT = `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } errors { field messages } } }`;
const INTEGRATIONS = `{ integrations(first: 100) { nodes { name } } }`;

describe('step inputs against the action’s declared inputs', () => {
  it('names an unknown input and a missing required one, at validation and import, and writes nothing', async () => {
    const text = definition(`{ subjct: "{{ trigger.body.subject }}", comment: [a, b], priority: "{{ trigger.body.priority }}" }`);
    const expected = [
      'flows[0].steps[1].inputs.subjct: "subjct" is not an input of action "zendesk/create-ticket"; its inputs: subject, comment, priority',
      'flows[0].steps[1].inputs.subject: is required by action "zendesk/create-ticket" (Subject)',
    ];
    const validated = await gql(h.app, VALIDATE, { d: text }, org.adminToken);
    expect(validated.data.validateIntegrationSchema).toEqual({ result: { isValid: false }, errors: [{ field: 'definition', messages: expected }] });
    const imported = await gql(h.app, IMPORT, { d: text }, org.adminToken);
    expect(imported.data.importIntegration).toEqual({ integration: null, errors: [{ field: 'definition', messages: expected }] });
    expect((await gql(h.app, INTEGRATIONS, {}, org.adminToken)).data.integrations.nodes).toEqual([]);
  });

  it('rejects a list or mapping literal for a text input, and accepts templates and JSON in TEXT inputs', async () => {
    const wrongType = await gql(h.app, VALIDATE, { d: definition(`{ subject: { text: hi }, comment: "ok" }`) }, org.adminToken);
    expect(wrongType.data.validateIntegrationSchema.errors).toEqual([
      { field: 'definition', messages: ['flows[0].steps[1].inputs.subject: must be text, not a mapping (a STRING input)'] },
    ]);
    const fine = await gql(h.app, VALIDATE, { d: definition(`{ subject: "{{ trigger.body.subject }}", comment: { html: "<b>hi</b>" } }`) }, org.adminToken);
    expect(fine.data.validateIntegrationSchema).toEqual({ result: { isValid: true }, errors: [] });
  });
});

import { describe, expect, it } from 'vitest';
import { collectEnvRefs, flowEnvReads } from './env-refs';
import { parseIntegrationDefinition } from './parse';
import type { IntegrationDefinition } from './types';

function definition(steps: string): IntegrationDefinition {
  const parsed = parseIntegrationDefinition(`
name: Env refs
flows:
  - name: F
    stableKey: f
    trigger: { type: api }
    steps:
${steps}`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

describe('collectEnvRefs', () => {
  it('reads env.NAME, env["NAME"] and bare names; scope names, loop items and template locals always win', () => {
    const def = definition(`      - name: Vars
        type: set-variables
        variables:
          a: "{{ env.Ids }}"
          b: "{{ env['Other'] | size }}"
          c: "{{ Bare.x }} {{ trigger.body }} {{ variables.a }} {{ configVars['K'] }} {{ customer.name }}"
          d: "{% assign local = 1 %}{{ local }}{% for x in Listed %}{{ x }}{{ forloop.index }}{% endfor %}"
      - name: Each
        type: loop
        items: "{{ variables.a }}"
        itemName: oneClient
        steps:
          - name: Inner
            type: set-variables
            variables: { v: "{{ oneClient.id }} {{ loop.key }} {{ steps['Vars'].results }} {{ env.Ids }} {{ Ids }}" }`);
    expect(collectEnvRefs(def)).toEqual([
      { path: 'flows[0].steps[0].variables.a', name: 'Ids' },
      { path: 'flows[0].steps[0].variables.b', name: 'Other' },
      { path: 'flows[0].steps[0].variables.c', name: 'Bare' },
      { path: 'flows[0].steps[0].variables.d', name: 'Listed' },
      { path: 'flows[0].steps[1].steps[0].variables.v', name: 'Ids' },
    ]);
  });

  it('takes a loop item as the item only inside its own loop', () => {
    const def = definition(`      - name: Outside
        type: set-variables
        variables: { v: "{{ oneClient }}" }
      - name: Each
        type: loop
        items: "{{ trigger.body }}"
        itemName: oneClient
        steps:
          - { name: Inside, type: set-variables, variables: { v: "{{ oneClient }}" } }`);
    expect(collectEnvRefs(def)).toEqual([{ path: 'flows[0].steps[0].variables.v', name: 'oneClient' }]);
  });
});

describe('flowEnvReads', () => {
  it('marks a read of env whole or by a computed name as needing every variable', () => {
    const def = definition(`      - name: Whole
        type: set-variables
        variables: { v: "{{ env }}" }
      - name: Computed
        type: set-variables
        variables: { v: "{{ env[trigger.body.name] }}" }
      - name: Named
        type: set-variables
        variables: { v: "{{ env.A }}" }`);
    const reads = [...flowEnvReads(def.flows[0]!.steps).values()];
    expect(reads.map((r) => ({ all: r.all, names: [...r.names.keys()] }))).toEqual([
      { all: true, names: [] },
      { all: true, names: [] },
      { all: false, names: ['A'] },
    ]);
  });
});

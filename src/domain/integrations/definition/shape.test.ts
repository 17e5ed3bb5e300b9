import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { COMPLETE_EXAMPLE_YAML } from './complete-example';
import { parseIntegrationDefinition, type DefinitionError } from './index';

function errorsAfter(edit: (doc: any) => void): DefinitionError[] {
  const doc = parseYaml(COMPLETE_EXAMPLE_YAML);
  edit(doc);
  const result = parseIntegrationDefinition(doc);
  return result.ok ? [] : result.errors;
}

const error = (path: string, message: string): DefinitionError => ({ path, message });
const SLUG = 'must be a slug: lowercase letters and digits, words joined by - or _';

describe('shape errors', () => {
  it('names missing required fields', () => {
    expect(
      errorsAfter((d) => {
        delete d.name;
        delete d.flows[0].stableKey;
        delete d.flows[1].trigger;
        delete d.flows[1].steps[1].itemName;
        delete d.requiredConfigVars[2].key;
      }),
    ).toEqual([
      error('name', 'is required'),
      error('requiredConfigVars[2].key', 'is required'),
      error('flows[0].stableKey', 'is required'),
      error('flows[1].trigger', 'is required'),
      error('flows[1].steps[1].itemName', 'is required'),
    ]);
  });

  it('requires a step type unless the step has an action', () => {
    expect(errorsAfter((d) => delete d.flows[1].steps[1].type)).toEqual([
      error('flows[1].steps[1].type', 'is required: one of action, loop, set-variables, branch'),
    ]);
    expect(errorsAfter((d) => (d.flows[1].steps[1].type = 'foreach'))).toEqual([
      error('flows[1].steps[1].type', 'must be one of: action, loop, set-variables, branch'),
    ]);
    expect(errorsAfter((d) => (d.flows[0].steps[0].type = 'action'))).toEqual([]);
  });

  it('rejects unknown trigger types and dataTypes', () => {
    expect(errorsAfter((d) => (d.flows[3].trigger.type = 'email'))).toEqual([error('flows[3].trigger.type', 'must be one of: webhook, schedule, api')]);
    expect(errorsAfter((d) => (d.requiredConfigVars[2].dataType = 'integer'))).toEqual([
      error('requiredConfigVars[2].dataType', 'must be one of: string, number, boolean, json, schedule, connection'),
    ]);
  });

  it('rejects unknown fields, each at its own path', () => {
    expect(
      errorsAfter((d) => {
        d.version = 2;
        d.flows[1].steps[1].itemname = 'x';
        d.flows[3].trigger.synchronous = true;
      }),
    ).toEqual([
      error('flows[1].steps[1].itemname', 'is not a known field'),
      error('flows[3].trigger.synchronous', 'is not a known field'),
      error('version', 'is not a known field'),
    ]);
  });

  it('requires slugs for stable keys', () => {
    expect(
      errorsAfter((d) => {
        d.stableKey = 'Sync Tickets';
        d.requiredConfigVars[0].useScopedConfigVar = 'acme api key';
        d.flows[0].stableKey = 'ticket--webhook';
        d.flows[0].steps[0].stableKey = '-get';
      }),
    ).toEqual([
      error('stableKey', SLUG),
      error('requiredConfigVars[0].useScopedConfigVar', SLUG),
      error('flows[0].stableKey', SLUG),
      error('flows[0].steps[0].stableKey', SLUG),
    ]);
  });

  it('checks component keys, names and list lengths', () => {
    expect(
      errorsAfter((d) => {
        d.flows[0].steps[0].action.component = 'zen desk';
        d.flows[0].steps[0].name = ' Get tickets';
        d.flows[1].steps[1].steps[1].steps = [];
        d.flows[2].steps = [];
      }),
    ).toEqual([
      error('flows[0].steps[0].name', 'must not start or end with whitespace'),
      error('flows[0].steps[0].action.component', 'must be a key: letters, digits, ., _ and -, starting with a letter or digit'),
      error('flows[1].steps[1].steps[1].steps', 'must not be empty'),
      error('flows[2].steps', 'must not be empty'),
    ]);
    expect(errorsAfter((d) => (d.flows = []))).toEqual([error('flows', 'must not be empty')]);
  });

  it('reports wrong value types', () => {
    expect(
      errorsAfter((d) => {
        d.flows[0].trigger.synchronous = 'yes';
        d.flows[0].steps[0].inputs = ['url'];
        d.flows[1].steps = { first: 1 };
        d.requiredConfigVars[1].connection = 'zendesk';
      }),
    ).toEqual([
      error('requiredConfigVars[1].connection', 'must be a mapping'),
      error('flows[0].trigger.synchronous', 'must be true or false'),
      error('flows[0].steps[0].inputs', 'must be a mapping'),
      error('flows[1].steps', 'must be a list'),
    ]);
  });

  it('accepts only JSON data in inputs', () => {
    expect(errorsAfter((d) => (d.flows[3].steps[0].inputs.when = new Date(0)))).toEqual([
      error('flows[3].steps[0].inputs.when', 'must be JSON data: strings, finite numbers, booleans, null, lists and mappings'),
    ]);
    expect(errorsAfter((d) => (d.flows[3].steps[0].inputs.limit = Number.POSITIVE_INFINITY))).toEqual([
      error('flows[3].steps[0].inputs.limit', 'must be JSON data: strings, finite numbers, booleans, null, lists and mappings'),
    ]);
  });
});

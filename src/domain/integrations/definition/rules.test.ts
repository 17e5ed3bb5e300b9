import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { COMPLETE_EXAMPLE_YAML } from './complete-example';
import { parseIntegrationDefinition, type DefinitionError } from './index';

/** Errors for the complete example after `edit`; an untouched example is valid. */
function errorsAfter(edit: (doc: any) => void): DefinitionError[] {
  const doc = parseYaml(COMPLETE_EXAMPLE_YAML);
  edit(doc);
  const result = parseIntegrationDefinition(doc);
  return result.ok ? [] : result.errors;
}

const error = (path: string, message: string): DefinitionError => ({ path, message });

describe('config var rules', () => {
  it('requires unique keys and stableKeys', () => {
    expect(errorsAfter((d) => (d.requiredConfigVars[2].key = 'Zendesk'))).toEqual([
      error('requiredConfigVars[2].key', '"Zendesk" is already the key of requiredConfigVars[1]'),
    ]);
    expect(errorsAfter((d) => (d.requiredConfigVars[4].stableKey = 'acme-connection'))).toEqual([
      error('requiredConfigVars[4].stableKey', '"acme-connection" is already the stableKey of requiredConfigVars[0]'),
    ]);
  });

  it('requires exactly one of useScopedConfigVar and connection on a connection', () => {
    const message = 'a connection config var needs exactly one of useScopedConfigVar or connection';
    expect(errorsAfter((d) => (d.requiredConfigVars[0].connection = { component: 'acme', key: 'api-key' }))).toEqual([error('requiredConfigVars[0]', message)]);
    expect(errorsAfter((d) => delete d.requiredConfigVars[1].connection)).toEqual([error('requiredConfigVars[1]', message)]);
  });

  it('checks default values against the dataType', () => {
    expect(errorsAfter((d) => (d.requiredConfigVars[2].defaultValue = 'fifty'))).toEqual([error('requiredConfigVars[2].defaultValue', 'must be a number')]);
    expect(errorsAfter((d) => d.requiredConfigVars.push({ key: 'Flag', dataType: 'boolean', defaultValue: 'yes' }))).toEqual([
      error('requiredConfigVars[5].defaultValue', 'must be "true" or "false"'),
    ]);
    expect(errorsAfter((d) => (d.requiredConfigVars[3].defaultValue = '{"a":'))).toEqual([
      error('requiredConfigVars[3].defaultValue', 'must be JSON text: Unexpected end of JSON input'),
    ]);
    expect(errorsAfter((d) => (d.requiredConfigVars[4].defaultValue = '*/5 25 * * *'))).toEqual([
      error('requiredConfigVars[4].defaultValue', 'must be a cron expression: hour field: 25 is out of range 0-23'),
    ]);
    expect(errorsAfter((d) => (d.requiredConfigVars[4].timeZone = 'Europe/Springfield'))).toEqual([
      error('requiredConfigVars[4].timeZone', '"Europe/Springfield" is not an IANA time zone (like Europe/Berlin or UTC)'),
    ]);
  });

  it('keeps connection fields off other dataTypes', () => {
    expect(errorsAfter((d) => (d.requiredConfigVars[2].useScopedConfigVar = 'acme-api-key'))).toEqual([
      error('requiredConfigVars[2].useScopedConfigVar', 'is not a known field'),
    ]);
  });
});

describe('flow and trigger rules', () => {
  it('requires unique flow stableKeys and names', () => {
    expect(errorsAfter((d) => (d.flows[1].stableKey = 'ticket-webhook'))).toEqual([
      error('flows[1].stableKey', '"ticket-webhook" is already the stableKey of flows[0]'),
    ]);
    expect(errorsAfter((d) => (d.flows[3].name = 'Ticket webhook'))).toEqual([error('flows[3].name', '"Ticket webhook" is already the name of flows[0]')]);
  });

  it('needs exactly one of cron and configVar on a schedule trigger', () => {
    const message = 'a schedule trigger needs exactly one of cron or configVar';
    expect(errorsAfter((d) => (d.flows[2].trigger = { type: 'schedule' }))).toEqual([error('flows[2].trigger', message)]);
    expect(errorsAfter((d) => (d.flows[1].trigger.cron = '* * * * *'))).toEqual([error('flows[1].trigger', message)]);
  });

  it('validates the cron and its time zone', () => {
    expect(errorsAfter((d) => (d.flows[2].trigger.cron = '0 7 * *'))).toEqual([
      error('flows[2].trigger.cron', 'must be a cron expression: must have 5 fields (minute hour day-of-month month day-of-week), got 4'),
    ]);
    expect(errorsAfter((d) => (d.flows[2].trigger.cron = '0 7 31 2 *'))).toEqual([
      error('flows[2].trigger.cron', 'must be a cron expression: never runs: no month has that day of the month'),
    ]);
    expect(errorsAfter((d) => (d.flows[2].trigger.timeZone = 'CEST+2'))).toEqual([
      error('flows[2].trigger.timeZone', '"CEST+2" is not an IANA time zone (like Europe/Berlin or UTC)'),
    ]);
  });

  it('requires configVar to name a schedule config var, which owns the time zone', () => {
    expect(errorsAfter((d) => (d.flows[1].trigger.configVar = 'Nightly'))).toEqual([
      error('flows[1].trigger.configVar', '"Nightly" is not the key of a requiredConfigVar'),
    ]);
    expect(errorsAfter((d) => (d.flows[1].trigger.configVar = 'Batch size'))).toEqual([
      error('flows[1].trigger.configVar', '"Batch size" is a number config var, not a schedule'),
    ]);
    expect(errorsAfter((d) => (d.flows[1].trigger.timeZone = 'UTC'))).toEqual([
      error('flows[1].trigger.timeZone', 'is not allowed with configVar: set timeZone on the schedule config var'),
    ]);
  });
});

describe('step rules', () => {
  it('requires step names unique across loop and branch bodies', () => {
    expect(errorsAfter((d) => (d.flows[1].steps[1].steps[1].steps[0].name = 'Load clients'))).toEqual([
      error('flows[1].steps[1].steps[1].steps[0].name', '"Load clients" is already the name of flows[1].steps[0]'),
    ]);
    expect(errorsAfter((d) => (d.flows[0].steps[1].else[0].name = 'Push to Acme'))).toEqual([
      error('flows[0].steps[1].else[0].name', '"Push to Acme" is already the name of flows[0].steps[1].branches[0].steps[0]'),
    ]);
    expect(errorsAfter((d) => (d.flows[0].steps[1].branches[0].steps[0].stableKey = 'get-tickets'))).toEqual([
      error('flows[0].steps[1].branches[0].steps[0].stableKey', '"get-tickets" is already the stableKey of flows[0].steps[0]'),
    ]);
  });

  it('allows the same step name in different flows', () => {
    expect(errorsAfter((d) => (d.flows[3].steps[0].name = 'Get tickets'))).toEqual([]);
  });

  it('requires a step connection to name a connection config var', () => {
    expect(errorsAfter((d) => (d.flows[0].steps[0].connection = 'Zendesk Sandbox'))).toEqual([
      error('flows[0].steps[0].connection', '"Zendesk Sandbox" is not the key of a requiredConfigVar'),
    ]);
    expect(errorsAfter((d) => (d.flows[1].steps[1].steps[1].steps[0].connection = 'Batch size'))).toEqual([
      error('flows[1].steps[1].steps[1].steps[0].connection', '"Batch size" is a number config var, not a connection'),
    ]);
  });

  it('requires branch names unique within the branch step', () => {
    expect(errorsAfter((d) => d.flows[0].steps[1].branches.push({ name: 'Has tickets', condition: 'true', steps: [] }))).toEqual([
      error('flows[0].steps[1].branches[1].name', '"Has tickets" is already the name of flows[0].steps[1].branches[0]'),
    ]);
  });

  it('requires loop itemName to be a free identifier', () => {
    const itemName = 'flows[1].steps[1].steps[1].itemName';
    expect(errorsAfter((d) => (d.flows[1].steps[1].itemName = 'one-client'))).toEqual([
      error('flows[1].steps[1].itemName', 'must be an identifier: letters, digits and _, not starting with a digit'),
    ]);
    expect(errorsAfter((d) => (d.flows[1].steps[1].steps[1].itemName = 'steps'))).toEqual([error(itemName, '"steps" is reserved by the template scope')]);
    expect(errorsAfter((d) => (d.flows[1].steps[1].steps[1].itemName = 'oneClient'))).toEqual([
      error(itemName, '"oneClient" is already the item of an enclosing loop'),
    ]);
  });

  it('requires loop items to be one expression', () => {
    expect(errorsAfter((d) => (d.flows[1].steps[1].items = 'variables.clients'))).toEqual([
      error('flows[1].steps[1].items', 'must be a single {{ expression }} yielding a list or dictionary'),
    ]);
  });

  it('requires variable names to be identifiers', () => {
    expect(errorsAfter((d) => (d.flows[0].steps[1].else[0].variables = { 'grand total': 0 }))).toEqual([
      error('flows[0].steps[1].else[0].variables["grand total"]', 'variable name must be an identifier: letters, digits and _, not starting with a digit'),
    ]);
  });
});

describe('template rules', () => {
  const bad = '{{ customer.name | no_such_filter }}';
  const message = 'template does not parse: undefined filter: no_such_filter, line:1, col:1';

  it('checks every template with its exact path', () => {
    expect(
      errorsAfter((d) => {
        const getTickets = d.flows[0].steps[0];
        getTickets.inputs = { url: `https://x/${bad}`, headers: { 'X-Customer': bad }, tags: ['open', bad] };
        getTickets.auth = '{{ trigger.query.zendesk_auth_id';
        d.flows[0].steps[1].branches[0].condition = '{% if %}';
        d.flows[1].steps[0].variables.clients = { nested: [bad] };
        d.flows[1].steps[1].items = '{{ variables.clients | nope }}';
      }),
    ).toEqual([
      error('flows[0].steps[0].auth', 'template does not parse: output "{{ trigger.query.zendesk_auth_id" not closed, line:1, col:1'),
      error('flows[0].steps[0].inputs.url', 'template does not parse: undefined filter: no_such_filter, line:1, col:11'),
      error('flows[0].steps[0].inputs.headers["X-Customer"]', message),
      error('flows[0].steps[0].inputs.tags[1]', message),
      error('flows[0].steps[1].branches[0].condition', 'template does not parse: invalid value expression: "", line:1, col:6'),
      error('flows[1].steps[0].variables.clients.nested[0]', message),
      error('flows[1].steps[1].items', 'template does not parse: undefined filter: nope, line:1, col:1'),
    ]);
  });

  it('rejects templates that load other templates', () => {
    expect(errorsAfter((d) => (d.flows[3].steps[0].inputs.id = "{% render 'secrets' %}"))).toEqual([
      error('flows[3].steps[0].inputs.id', 'template does not parse: tag "render" is not allowed: templates cannot load other templates, line:1, col:1'),
    ]);
  });
});

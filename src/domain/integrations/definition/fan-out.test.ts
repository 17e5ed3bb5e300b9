import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { COMPLETE_EXAMPLE_YAML } from './complete-example';
import { parseIntegrationDefinition, type DefinitionError, type IntegrationDefinition } from './index';

function parsed(edit: (doc: any) => void): { ok: true; value: IntegrationDefinition } | { ok: false; errors: DefinitionError[] } {
  const doc = parseYaml(COMPLETE_EXAMPLE_YAML);
  edit(doc);
  return parseIntegrationDefinition(doc);
}

const errorsAfter = (edit: (doc: any) => void) => {
  const result = parsed(edit);
  return result.ok ? [] : result.errors;
};

// flows[2] is scheduled by cron, flows[3] is started through the API, flows[1] by a schedule config var.
describe('fanOut on a trigger', () => {
  it('accepts the shorthand `fanOut: customers` and stores the long form', () => {
    const result = parsed((d) => (d.flows[3].trigger.fanOut = 'customers'));
    expect(result.ok && result.value.flows[3]!.trigger).toEqual({ type: 'api', fanOut: { to: 'customers' } });
  });

  it('accepts labels and limits on a cron schedule', () => {
    const fanOut = { to: 'customers', labels: ['beta'], maxConcurrency: 20, maxConcurrencyPerHost: 5 };
    const result = parsed((d) => (d.flows[2].trigger.fanOut = fanOut));
    expect(result.ok && result.value.flows[2]!.trigger).toMatchObject({ type: 'schedule', fanOut });
  });

  it('names the field of each bad setting', () => {
    expect(errorsAfter((d) => (d.flows[3].trigger.fanOut = { to: 'customers', maxConcurrency: 5000 }))).toEqual([
      { path: 'flows[3].trigger.fanOut.maxConcurrency', message: 'must be at most 1000' },
    ]);
    expect(errorsAfter((d) => (d.flows[3].trigger.fanOut = 'instances'))).toEqual([
      { path: 'flows[3].trigger.fanOut.to', message: 'must be "customers" (the only fan-out target)' },
    ]);
    expect(errorsAfter((d) => (d.flows[3].trigger.fanOut = { to: 'users' }))).toEqual([
      { path: 'flows[3].trigger.fanOut.to', message: 'must be "customers" (the only fan-out target)' },
    ]);
    expect(
      errorsAfter((d) => (d.flows[3].trigger.fanOut = { to: 'customers', maxConcurrency: 0, maxConcurrencyPerHost: 2.5, labels: [''], limit: 3 })),
    ).toEqual([
      { path: 'flows[3].trigger.fanOut.labels[0]', message: 'must not be empty' },
      { path: 'flows[3].trigger.fanOut.maxConcurrency', message: 'must be at least 1' },
      { path: 'flows[3].trigger.fanOut.maxConcurrencyPerHost', message: 'must be a whole number' },
      { path: 'flows[3].trigger.fanOut.limit', message: 'is not a known field' },
    ]);
  });

  it('is refused on webhook triggers and on schedules taken from a config var', () => {
    expect(errorsAfter((d) => (d.flows[0].trigger.fanOut = 'customers'))).toEqual([{ path: 'flows[0].trigger.fanOut', message: 'is not a known field' }]);
    expect(errorsAfter((d) => (d.flows[1].trigger.fanOut = 'customers'))).toEqual([
      { path: 'flows[1].trigger.configVar', message: 'is not allowed with fanOut: a fan-out fires once for all customers, so give it a cron' },
    ]);
  });
});

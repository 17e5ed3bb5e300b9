import { describe, expect, it } from 'vitest';
import { evaluateValue, isSingleOutputTemplate, isTruthyCondition, parseTemplate, renderDeep, renderTemplate, TemplateError } from './index';

const scope = {
  trigger: {
    body: { customers: [{ id: 'c1' }, { id: 'c2' }], count: 2 },
    query: { zendesk_auth_id: '12345678' },
    headers: {},
  },
  steps: { 'Get tickets': { results: { tickets: [{ id: 7, subject: 'Hi' }] } } },
  configVars: { 'Batch size': '50' },
  variables: { total: 3 },
  customer: { externalId: 'acme-1', name: 'Acme' },
  oneClient: { zendesk_auth_id: '98765432' },
};

describe('evaluateValue', () => {
  it('returns the raw value of a single output tag', async () => {
    expect(await evaluateValue('{{ trigger.body.customers }}', scope)).toEqual([{ id: 'c1' }, { id: 'c2' }]);
    expect(await evaluateValue('  {{ trigger.body.count }} ', scope)).toBe(2);
    expect(await evaluateValue('{{- trigger.body -}}', scope)).toEqual(scope.trigger.body);
  });

  it('reads nested paths, bracket keys and loop items', async () => {
    expect(await evaluateValue("{{ steps['Get tickets'].results.tickets[0].subject }}", scope)).toBe('Hi');
    expect(await evaluateValue("{{ configVars['Batch size'] }}", scope)).toBe('50');
    expect(await evaluateValue('{{ oneClient.zendesk_auth_id }}', scope)).toBe('98765432');
    expect(await evaluateValue('{{ trigger.query.zendesk_auth_id }}', scope)).toBe('12345678');
  });

  it('applies filters and operators to the raw value', async () => {
    expect(await evaluateValue('{{ trigger.body.customers | size }}', scope)).toBe(2);
    expect(await evaluateValue('{{ trigger.body.customers | first }}', scope)).toEqual({ id: 'c1' });
    expect(await evaluateValue('{{ variables.total > 2 }}', scope)).toBe(true);
    expect(await evaluateValue('{{ customer | json }}', scope)).toBe('{"externalId":"acme-1","name":"Acme"}');
  });

  it('yields null for missing variables', async () => {
    expect(await evaluateValue('{{ nothing }}', scope)).toBeNull();
    expect(await evaluateValue('{{ trigger.body.missing.deeper }}', scope)).toBeNull();
    expect(await evaluateValue("{{ steps['Nope'].results }}", scope)).toBeNull();
  });

  it('renders to a string when the tag has text around it or there are several tags', async () => {
    expect(await evaluateValue('https://x/{{ configVars["Batch size"] }}', scope)).toBe('https://x/50');
    expect(await evaluateValue('{{ variables.total }}{{ variables.total }}', scope)).toBe('33');
    expect(await evaluateValue('{% if variables.total > 1 %}many{% endif %}', scope)).toBe('many');
    expect(await evaluateValue('missing: [{{ nothing }}]', scope)).toBe('missing: []');
  });

  it('returns strings without markup untouched', async () => {
    expect(await evaluateValue('  plain text ', scope)).toBe('  plain text ');
  });

  it('exposes nothing from prototypes', async () => {
    expect(await evaluateValue('{{ customer.constructor }}', scope)).toBeNull();
    expect(await evaluateValue('{{ customer.__proto__ }}', scope)).toBeNull();
    expect(await evaluateValue('{{ constructor }}', scope)).toBeNull();
    expect(await evaluateValue("{{ customer['constructor']['constructor'] }}", scope)).toBeNull();
    expect(await evaluateValue('{{ trigger.body.customers.constructor.name }}', scope)).toBeNull();
    expect(await renderTemplate('[{{ customer.toString }}][{{ customer.__proto__.constructor }}]', scope)).toBe('[][]');
  });

  it('throws TemplateError on syntax errors', async () => {
    await expect(evaluateValue('{{ broken', scope)).rejects.toBeInstanceOf(TemplateError);
  });
});

describe('renderTemplate', () => {
  it('renders loops over scope items', async () => {
    const text = await renderTemplate('{% for c in trigger.body.customers %}{{ c.id }};{% endfor %}', scope);
    expect(text).toBe('c1;c2;');
  });

  it("never changes the caller's scope", async () => {
    const own = { counter: 1, steps: { a: 1 }, list: [3, 1, 2] };
    await renderTemplate('{% increment steps %}{% decrement counter %}{% assign list = 5 %}', own);
    await evaluateValue('{{ list | sort | reverse | push: 9 }}', own);
    expect(own).toEqual({ counter: 1, steps: { a: 1 }, list: [3, 1, 2] });
  });

  it('rejects include, render and layout', async () => {
    for (const src of ['{% include "secrets" %}', "{% render 'x' %}", '{% layout "base" %}x']) {
      await expect(renderTemplate(src, scope)).rejects.toThrow(/is not allowed: templates cannot load other templates/);
    }
  });

  it('stops a huge loop with the memory limit', async () => {
    await expect(renderTemplate('{% for i in (1..100000000) %}x{% endfor %}', scope)).rejects.toThrow('memory alloc limit exceeded');
  });

  it('stops a long-running nested loop with the render time limit', async () => {
    const src = '{% for i in (1..3000) %}{% for j in (1..3000) %}{% endfor %}{% endfor %}';
    await expect(renderTemplate(src, scope)).rejects.toThrow('template render limit exceeded');
  });
});

describe('parseTemplate', () => {
  it('accepts valid templates and reports errors with their position', () => {
    expect(parseTemplate('Hello {{ customer.name | upcase }}')).toEqual({ ok: true });
    expect(parseTemplate('{{ customer.name | nosuchfilter }}')).toEqual({
      ok: false,
      message: 'undefined filter: nosuchfilter, line:1, col:1',
    });
    expect(parseTemplate('{% if x %}open')).toEqual({ ok: false, message: 'tag {% if x %} not closed, line:1, col:1' });
    expect(parseTemplate('{% include "a" %}')).toEqual({
      ok: false,
      message: 'tag "include" is not allowed: templates cannot load other templates, line:1, col:1',
    });
  });

  it('rejects templates longer than the parse limit', () => {
    expect(parseTemplate('x'.repeat(100_001))).toEqual({ ok: false, message: 'parse length limit exceeded' });
  });
});

describe('isSingleOutputTemplate', () => {
  it('recognises exactly one output tag', () => {
    expect(isSingleOutputTemplate(' {{ a.b }} ')).toBe(true);
    expect(isSingleOutputTemplate('x{{ a }}')).toBe(false);
    expect(isSingleOutputTemplate('{% if a %}{{ a }}{% endif %}')).toBe(false);
    expect(isSingleOutputTemplate('a.b')).toBe(false);
    expect(isSingleOutputTemplate('{{ a')).toBe(false);
  });
});

describe('renderDeep', () => {
  it('evaluates every string leaf and keeps other values', async () => {
    const input = {
      url: 'https://x/{{ customer.externalId }}',
      ids: ['{{ trigger.body.customers }}', 3, null, true],
      nested: { auth: '{{ oneClient.zendesk_auth_id }}', missing: '{{ nope }}' },
    };
    expect(await renderDeep(input, scope)).toEqual({
      url: 'https://x/acme-1',
      ids: [[{ id: 'c1' }, { id: 'c2' }], 3, null, true],
      nested: { auth: '98765432', missing: null },
    });
    expect(input.url).toBe('https://x/{{ customer.externalId }}');
  });

  it('keeps a "__proto__" key as data', async () => {
    const out = (await renderDeep(JSON.parse('{"__proto__": {"polluted": "{{ customer.name }}"}}'), scope)) as object;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: 'Acme' });
  });
});

describe('isTruthyCondition', () => {
  it('treats false, null, empty and "false" text as false', () => {
    expect([false, null, undefined, '', '  ', 'false', ' false '].map(isTruthyCondition)).toEqual(Array(7).fill(false));
    expect([true, 0, 'no', [], {}, 'true'].map(isTruthyCondition)).toEqual(Array(6).fill(true));
  });
});

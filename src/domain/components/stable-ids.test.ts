import { describe, expect, it } from 'vitest';
import { builtinComponentId, connectionId, inputFieldId, stableUuid } from './stable-ids';

describe('stable ids', () => {
  it('derive a version-5-style UUID from the SHA-256 of a name, identical on every call', () => {
    // sha256("builtin-component:zendesk") = b093188ca2f9ff43 9977e046fddd4907…: version nibble 5, variant 10xx.
    expect(builtinComponentId('zendesk')).toBe('b093188c-a2f9-5f43-9977-e046fddd4907');
    expect(stableUuid('builtin-component:zendesk')).toBe(builtinComponentId('zendesk'));
    expect(stableUuid('anything')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('name connections by component id and key, and input fields by connection id and key', () => {
    const component = builtinComponentId('zendesk');
    expect(connectionId(component, 'api-token')).toBe(stableUuid(`${component}:connection:api-token`));
    expect(connectionId(component, 'api-token')).not.toBe(connectionId(builtinComponentId('http'), 'api-token'));
    const connection = connectionId(component, 'api-token');
    expect(inputFieldId(connection, 'email')).toBe(stableUuid(`${connection}:input:email`));
  });
});

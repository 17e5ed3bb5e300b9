import { describe, expect, it } from 'vitest';
import { MAX_DEFINITION_LENGTH, parseDefinitionText } from './definition-text';

const YAML = `key: tiny
label: Tiny
connections:
  - { key: none, label: None, authKind: none }
`;

describe('parseDefinitionText', () => {
  it('reads YAML and JSON alike', () => {
    const fromYaml = parseDefinitionText(YAML);
    expect(fromYaml.ok && fromYaml.value.connections.map((c) => c.key)).toEqual(['none']);
    const fromJson = parseDefinitionText(JSON.stringify({ key: 'tiny', label: 'Tiny', connections: [{ key: 'none', label: 'None', authKind: 'none' }] }));
    expect(fromJson).toEqual(fromYaml);
  });

  it.each([
    ['blank text', ' \n', ['This field is required.']],
    ['an unclosed quote (names the line)', 'key: x\nlabel: "X\n', ['line 3, column 1: Missing closing "quote']],
    ['a duplicate mapping key', 'key: x\nkey: y\n', ['line 2, column 1: Map keys must be unique']],
    ['several documents', 'key: x\n---\nkey: y\n', ['line 2, column 1: Source contains multiple documents; please use YAML.parseAllDocuments()']],
    ['an unknown alias', 'key: x\nlabel: *nowhere\n', ['Unresolved alias (the anchor must be set before the alias): nowhere']],
    ['a scalar', 'just text', ['Invalid input: expected object, received string']],
    ['a misspelt property', YAML.replace('authKind: none }', 'authKind: none, requried: true }'), ['connections[0]: Unrecognized key: "requried"']],
  ])('reports %s', (_label, text, messages) => {
    expect(parseDefinitionText(text)).toEqual({ ok: false, messages });
  });

  it('refuses text over the size limit before parsing it', () => {
    const text = `key: x\nlabel: "${'a'.repeat(MAX_DEFINITION_LENGTH)}"\n`;
    expect(parseDefinitionText(text)).toEqual({ ok: false, messages: [`Must be at most ${MAX_DEFINITION_LENGTH} characters.`] });
  });
});

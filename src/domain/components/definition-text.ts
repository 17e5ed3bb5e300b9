import { parseDocument } from 'yaml';
import { parseComponentDefinition } from './definition';
import type { ComponentDefinition } from './types';

/** Large enough for any hand-written component; keeps one request from parsing megabytes of YAML. */
export const MAX_DEFINITION_LENGTH = 500_000;

export type DefinitionTextResult = { ok: true; value: ComponentDefinition } | { ok: false; messages: string[] };

/**
 * Reads a component definition sent as text, YAML or JSON (JSON is YAML, so one parser serves both), and
 * validates it. Each problem is one message: `line 3, column 7: <syntax problem>` for text that does not
 * parse, `<path>: <problem>` (e.g. `connections[0].inputs[1].key: ...`) for a definition that does.
 */
export function parseDefinitionText(text: string): DefinitionTextResult {
  if (text.trim() === '') return { ok: false, messages: ['This field is required.'] };
  if (text.length > MAX_DEFINITION_LENGTH) {
    return { ok: false, messages: [`Must be at most ${MAX_DEFINITION_LENGTH} characters.`] };
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    return { ok: false, messages: unique(document.errors.map((error) => syntaxMessage(error.message, error.linePos?.[0]))) };
  }
  let value: unknown;
  try {
    // Resolving aliases can still fail (an unknown anchor, too many aliases: the "billion laughs" guard).
    value = document.toJS();
  } catch (error) {
    return { ok: false, messages: [(error as Error).message] };
  }
  const result = parseComponentDefinition(value);
  if (!result.ok) return { ok: false, messages: result.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)) };
  return result;
}

// The yaml package appends " at line L, column C:" and a source excerpt; the excerpt is noise in an API error.
function syntaxMessage(message: string, position: { line: number; col: number } | undefined): string {
  const summary = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return position ? `line ${position.line}, column ${position.col}: ${summary}` : summary;
}

function unique(messages: string[]): string[] {
  return [...new Set(messages)];
}

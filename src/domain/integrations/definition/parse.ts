import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { definitionIssueMessage, zodIssuesToErrors } from './paths';
import { checkDefinitionRules } from './rules';
import { integrationDefinitionSchema } from './schema';
import type { DefinitionError, DefinitionParseResult, IntegrationDefinition } from './types';

/** Largest definition text accepted, in characters; bigger ones are refused before parsing. */
export const DEFINITION_MAX_LENGTH = 1_000_000;
/** Aliases expand on conversion; a few hundred nested ones could expand to gigabytes. */
const MAX_ALIAS_COUNT = 100;

export type ReadResult = { ok: true; value: unknown } | { ok: false; errors: DefinitionError[] };

function yamlProblem(problem: YAMLError, lineCounter: LineCounter): DefinitionError {
  const { line, col } = lineCounter.linePos(problem.pos[0]);
  return { path: 'definition', message: `${problem.message} (line ${line}, column ${col})` };
}

/** YAML text, or JSON text (YAML 1.2 reads JSON), to plain data. */
export function readDefinitionText(text: string): ReadResult {
  if (text.length > DEFINITION_MAX_LENGTH) {
    return { ok: false, errors: [{ path: 'definition', message: `must be at most ${DEFINITION_MAX_LENGTH} characters` }] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  // Warnings are unresolved tags (`!foo`): the author meant something we would silently drop.
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) return { ok: false, errors: problems.map((problem) => yamlProblem(problem, lineCounter)) };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    return { ok: false, errors: [{ path: 'definition', message: (error as Error).message }] };
  }
}

/**
 * Reads and validates an integration definition (YAML or JSON text, or already-parsed data).
 * Component actions and organization-activated connections are not checked here: callers pass
 * collectActionRefs / collectConnectionRefs / collectScopedConfigVarRefs to the catalog and the
 * tenant's connections.
 */
export function parseIntegrationDefinition(text: string | object): DefinitionParseResult {
  let data: unknown = text;
  if (typeof text === 'string') {
    const read = readDefinitionText(text);
    if (!read.ok) return read;
    data = read.value;
  }
  const shape = integrationDefinitionSchema.safeParse(data, { error: definitionIssueMessage });
  if (!shape.success) return { ok: false, errors: zodIssuesToErrors(shape.error.issues) };
  const value: IntegrationDefinition = shape.data;
  const errors = checkDefinitionRules(value);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}

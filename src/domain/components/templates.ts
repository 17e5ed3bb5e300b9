import { liquid } from '../../lib/templates/engine';

// Definitions are checked with the same engine that renders them at run time (lib/templates): a template
// that parses here cannot fail to parse in a customer's run, and the same tags and filters are refused.
const engine = liquid;

/** The variables a template is given: which roots exist and, per root, which field names it may read. */
export type TemplateScope = Partial<Record<'inputs' | 'connection', ReadonlySet<string>>>;

/** Why a template string does not parse, or undefined when it does. */
export function templateSyntaxError(template: string): string | undefined {
  try {
    engine.parse(template);
    return undefined;
  } catch (error) {
    return `invalid Liquid template: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * Problems with a template: a syntax error, or each variable it reads that the scope does not provide.
 * Reads must be `<root>.<literal field>`: a dynamic field (`connection[inputs.k]`) or a whole root
 * (`{{ connection }}`) could reach secrets the definition never meant to expose, and cannot be checked.
 * Names bound inside the template (`assign`, `for`) are not reads of the scope and are ignored.
 */
export function templateProblems(template: string, scope: TemplateScope): string[] {
  let variables;
  try {
    variables = engine.globalVariableSegmentsSync(engine.parse(template));
  } catch (error) {
    return [`invalid Liquid template: ${error instanceof Error ? error.message : String(error)}`];
  }
  const allowedRoots = Object.keys(scope).map((root) => `${root}.*`);
  const problems = new Set<string>();
  for (const [root, field] of variables) {
    const fields = root === 'inputs' || root === 'connection' ? scope[root] : undefined;
    if (typeof root !== 'string' || fields === undefined) {
      const name = typeof root === 'string' ? root : '(computed)';
      problems.add(
        allowedRoots.length === 0
          ? `unknown variable "${name}"; this template is given no variables`
          : `unknown variable "${name}"; this template may use ${allowedRoots.join(' and ')}`,
      );
    } else if (typeof field !== 'string') {
      problems.add(`"${root}" must be followed by a literal field name, e.g. ${root}.someKey`);
    } else if (!fields.has(field)) {
      problems.add(
        fields.size === 0
          ? `"${root}.${field}" does not exist: ${root} has no fields here`
          : `"${root}.${field}" does not exist; known: ${[...fields].join(', ')}`,
      );
    }
  }
  return [...problems];
}

/** The `connection.<field>` names a template reads (it must parse; definitions are checked first). */
export function connectionFieldsRead(template: string): string[] {
  const fields = new Set<string>();
  for (const [root, field] of engine.globalVariableSegmentsSync(engine.parse(template))) {
    if (root === 'connection' && typeof field === 'string') fields.add(field);
  }
  return [...fields];
}

/** A template that is only text renders to itself; used to decide what can be checked statically. */
export function containsLiquidMarkup(text: string): boolean {
  return text.includes('{{') || text.includes('{%');
}

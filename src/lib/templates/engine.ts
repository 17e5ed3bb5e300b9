import { Liquid, Tag, type TagToken, type TopLevelToken } from 'liquidjs';
import { TEMPLATE_MAX_LENGTH, TEMPLATE_MEMORY_LIMIT, TEMPLATE_RENDER_LIMIT_MS } from './limits';

/** Tags that would read other templates. Flow templates are self-contained strings. */
const FILE_TAGS = ['include', 'render', 'layout'] as const;

/**
 * Replaces a file-loading tag: throwing from the constructor turns its use into a parse error,
 * so a definition that uses one is rejected at import instead of failing at run time.
 */
class RejectedFileTag extends Tag {
  constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
    super(token, remainTokens, liquid);
    throw new Error(`tag "${token.name}" is not allowed: templates cannot load other templates`);
  }
  render(): never {
    throw new Error('unreachable');
  }
}

/**
 * The one LiquidJS instance for untrusted flow templates. Templates come from one organization's
 * integration definitions and must not reach files, other templates, or anything but the scope
 * they are given:
 * - `templates: {}` swaps the disk loader for an empty in-memory one (belt and braces with the
 *   rejected file tags above);
 * - `ownPropertyOnly` hides prototype members (`constructor`, `__proto__`, `toString` …);
 * - `strictFilters` turns an unknown filter into a parse error, so typos surface at import;
 * - the limits stop loops and filters that would hang or exhaust a worker.
 * Variables stay lenient (`strictVariables: false`): a missing value is `null`, as flow authors
 * expect from optional webhook fields.
 */
export const liquid = new Liquid({
  templates: {},
  dynamicPartials: false,
  ownPropertyOnly: true,
  strictFilters: true,
  strictVariables: false,
  jsTruthy: false,
  cache: false,
  parseLimit: TEMPLATE_MAX_LENGTH,
  renderLimit: TEMPLATE_RENDER_LIMIT_MS,
  memoryLimit: TEMPLATE_MEMORY_LIMIT,
});

for (const name of FILE_TAGS) liquid.registerTag(name, RejectedFileTag);

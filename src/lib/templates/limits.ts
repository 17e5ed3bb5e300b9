// Apart from the engine, so reading the settings (config.ts) does not load LiquidJS.

/** Longest template source accepted, in characters (LiquidJS `parseLimit`). */
export const TEMPLATE_MAX_LENGTH = 100_000;
/** Wall-clock budget of one render or evaluation, in milliseconds (LiquidJS `renderLimit`). */
export const TEMPLATE_RENDER_LIMIT_MS = 1_000;
/**
 * Allocation budget of one render (LiquidJS `memoryLimit`): counts range sizes, array filter
 * results and string filter output, so `(1..100000000)` fails before it allocates anything.
 */
export const TEMPLATE_MEMORY_LIMIT = 10_000_000;
/**
 * Default size of one rendered template, in UTF-8 bytes (setting TEMPLATE_MAX_OUTPUT_BYTES). LiquidJS has
 * no output limit of its own: `memoryLimit` counts ranges and filter results, not what `{% for %}` emits.
 */
export const TEMPLATE_MAX_OUTPUT_BYTES = 1_048_576;

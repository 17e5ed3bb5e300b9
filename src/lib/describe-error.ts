const MAX_MESSAGE_CHARS = 300;
const MAX_STACK_CHARS = 2_000;

/**
 * What an operator log keeps of an unexpected error: its kind, code and the first line of its message,
 * truncated. Driver errors carry the SQL text and every bound parameter (megabytes for a long id list, and
 * possibly customer data), so only the innermost cause is described and never its parameters.
 */
export function describeError(error: unknown) {
  let cause = error;
  for (let depth = 0; depth < 5 && (cause as { cause?: unknown })?.cause != null; depth++) cause = (cause as { cause: unknown }).cause;
  const { name, code, message, stack } = (cause ?? {}) as { name?: string; code?: string; message?: string; stack?: string };
  return {
    type: name ?? typeof cause,
    ...(code ? { code } : {}),
    message: truncate(String(message ?? cause).split('\n')[0]!, MAX_MESSAGE_CHARS),
    ...(stack ? { stack: truncate(stack, MAX_STACK_CHARS) } : {}),
  };
}

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}… [${text.length - max} more characters]` : text);

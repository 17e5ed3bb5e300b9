import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../log';
import { domainErrorOf, rootCause } from '../schema/errors';

const MAX_MESSAGE_CHARS = 300;
const MAX_STACK_CHARS = 2_000;

/** Errors graphql raised itself (validation, bad variables) carry no cause and are meant for the client. */
export const isClientError = (error: unknown) => domainErrorOf(error) != null || ((error as Error)?.name === 'GraphQLError' && rootCause(error) === error);

/**
 * What the operator log keeps of an unexpected error: its kind, code and the first line of its message,
 * truncated. Driver errors carry the SQL text and every bound parameter (megabytes for a long id list, and
 * possibly customer data), so only the innermost cause is described and never its parameters.
 */
export function describeUnexpected(error: unknown) {
  let cause = rootCause(error);
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

/**
 * Logs the unexpected errors of one execution as one line, however many list items failed with them
 * (one failed batch fails every item it held). Runs before yoga masks the errors, and remembers what it
 * logged so the mask does not log the same causes again.
 */
export function unexpectedErrorLog(log: Logger) {
  const logged = new WeakSet<object>();

  const plugin: Plugin = {
    onExecute() {
      return {
        onExecuteDone({ result }) {
          if (!('errors' in result) || !result.errors?.length) return;
          const unexpected = result.errors.filter((error) => !isClientError(error));
          if (unexpected.length === 0) return;
          for (const error of unexpected) remember(rootCause(error));
          log.error({ err: describeUnexpected(unexpected[0]), errorCount: unexpected.length }, 'unexpected error in a GraphQL request');
        },
      };
    },
  };

  const remember = (cause: unknown) => {
    if (typeof cause === 'object' && cause !== null) logged.add(cause);
  };

  /** For errors outside execution (building the context), which the plugin above never sees. */
  const logOnce = (error: unknown) => {
    const cause = rootCause(error);
    if (typeof cause === 'object' && cause !== null && logged.has(cause)) return;
    remember(cause);
    log.error({ err: describeUnexpected(error) }, 'unexpected error in a GraphQL request');
  };

  return { plugin, logOnce };
}

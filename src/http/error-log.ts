import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../log';
import { describeError } from '../lib/describe-error';
import { domainErrorOf, rootCause } from '../schema/errors';

/** Errors graphql raised itself (validation, bad variables) carry no cause and are meant for the client. */
export const isClientError = (error: unknown) => domainErrorOf(error) != null || ((error as Error)?.name === 'GraphQLError' && rootCause(error) === error);

/** The operator's view of an unexpected error of a GraphQL request (see describeError). */
export const describeUnexpected = (error: unknown) => describeError(rootCause(error));

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

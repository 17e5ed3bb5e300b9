import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const SUGGESTION = /\s*Did you mean [^?]*\?/g;
const HAS_SUGGESTION = /Did you mean /;

/**
 * graphql's "Did you mean …?" hints list the schema's field, argument, type and enum names to anyone who
 * guesses close to one; the published schema.graphql is the documentation, so the hints are dropped.
 */
export function withoutSuggestions(error: GraphQLError): GraphQLError {
  if (!HAS_SUGGESTION.test(error.message)) return error;
  return new GraphQLError(error.message.replace(SUGGESTION, ''), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: error.extensions,
  });
}

/** Validation errors (unknown fields, enum literals) reach the client without passing the error mask. */
export const noSuggestionsPlugin: Plugin = {
  onValidate: () =>
    function onValidateEnd({ valid, result, setResult }) {
      if (!valid) setResult(result.map((error) => withoutSuggestions(error as GraphQLError)));
    },
};

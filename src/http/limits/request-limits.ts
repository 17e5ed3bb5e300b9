import { GraphQLError, Kind, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { findOversizedList } from './list-sizes';
import { operationCost } from './query-cost';

export type RequestLimits = {
  /** Largest request body /api and /graphql read; more is refused with 413 while streaming. */
  maxBodyBytes: number;
  /** Most items any list argument may hold, literal or variable: the page maximum. */
  maxListItems: number;
  /** Most cost an operation may have, counted with its real page sizes (see query-cost.ts). */
  maxCost: number;
  /** The page size a paged field without `first`/`last` gets. */
  defaultPageSize: number;
};

const refuse = (message: string, extensions: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 }, ...extensions } });

/**
 * Checks that need the variables, so they run just before execution (after parsing and validation, before
 * any resolver): list sizes, the cost with real page sizes, and one full introspection per request. The
 * judge is shared with the lean GraphQL path.
 */
export function requestLimitsPlugin(limits: RequestLimits): { plugin: Plugin; judge: RequestJudge } {
  // A document that declares no variables gets the same verdict every time: yoga's document cache hands the
  // same DocumentNode back for the same query text, so it is judged once (per operation name).
  const verdicts = new WeakMap<DocumentNode, Map<string | null | undefined, GraphQLError | null>>();
  const judge: RequestJudge = (schema, document, operationName, variables) => {
    if (declaresVariables(document)) return limitError(schema, document, operationName, variables, limits);
    let byOperation = verdicts.get(document);
    if (!byOperation) verdicts.set(document, (byOperation = new Map()));
    if (!byOperation.has(operationName)) byOperation.set(operationName, limitError(schema, document, operationName, variables, limits));
    return byOperation.get(operationName)!;
  };
  const plugin: Plugin = {
    onExecute({ args, setResultAndStopExecution }) {
      const error = judge(args.schema, args.document, args.operationName, args.variableValues ?? {});
      // Each response gets its own error object, never one shared with other requests.
      if (error) setResultAndStopExecution({ errors: [new GraphQLError(error.message, { extensions: error.extensions })] });
    },
  };
  return { plugin, judge };
}

export type RequestJudge = (
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
) => GraphQLError | null;

const declaresVariables = (document: DocumentNode) =>
  document.definitions.some((definition) => definition.kind === Kind.OPERATION_DEFINITION && (definition.variableDefinitions?.length ?? 0) > 0);

function limitError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: RequestLimits,
): GraphQLError | null {
  const oversized = findOversizedList(schema, document, variables, limits.maxListItems);
  if (oversized) {
    const message = `${oversized.argument}: at most ${limits.maxListItems} items are allowed, got ${oversized.size}.`;
    return refuse(message, { fields: [{ field: oversized.argument, messages: [message] }] });
  }
  // A full schema is the largest answer the API gives; asking for it many times over in one request only stalls.
  if (countFields(document, '__schema') > 1) return refuse('Ask for __schema at most once per request.');
  const cost = operationCost(schema, document, operationName, variables, limits.defaultPageSize);
  if (cost > limits.maxCost) {
    return refuse(`Query cost ${Math.ceil(cost)} exceeds the limit of ${limits.maxCost}; ask for smaller pages (first) or fewer fields.`);
  }
  return null;
}

function countFields(document: DocumentNode, name: string): number {
  let count = 0;
  visit(document, {
    [Kind.FIELD](node) {
      if (node.name.value === name) count++;
    },
  });
  return count;
}

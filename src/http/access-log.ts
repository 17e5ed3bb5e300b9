import { getOperationAST, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../log';
import { boundedLabel } from '../metrics/bounded-label';
import { graphqlErrors, httpRequestDuration } from '../metrics/registry';
import type { Context } from '../schema/context';
import { requestIdOf } from './request-id';

/** Distinct GraphQL operation names kept as metric labels; later ones count as `other`. */
const MAX_OPERATION_NAMES = 200;
/** Requests that are not GraphQL (webhooks, health, metrics) and GraphQL requests without a name. */
const NOT_GRAPHQL = 'none';
const ANONYMOUS = 'anonymous';

type RequestFacts = { id: string; startedAt: number; operationName?: string; orgId?: string };

/** `lean`: answered by the lean GraphQL path (lean-graphql.ts) rather than yoga. */
export type FinishedRequest = RequestFacts & { method: string; url: string; status: number; lean?: boolean };

/**
 * One access line per request (method, path, status, duration, request id, organization, operation name;
 * never a token, a query string or a body) and the HTTP duration metric. Shared by yoga's plugin below and
 * the lean GraphQL path, so both log and count alike.
 */
export function requestRecorder(log: Logger) {
  const operationLabel = boundedLabel(MAX_OPERATION_NAMES);
  return (known: FinishedRequest) => {
    const durationMs = performance.now() - known.startedAt;
    const graphql = known.operationName !== undefined || known.orgId !== undefined || isGraphQLPath(known.url);
    const operation = !graphql ? NOT_GRAPHQL : known.operationName ? operationLabel(known.operationName) : ANONYMOUS;
    httpRequestDuration.observe({ operation, status: String(known.status) }, durationMs / 1000);
    log.info(
      {
        requestId: known.id,
        method: known.method,
        path: loggedPath(known.url),
        status: known.status,
        durationMs: Math.round(durationMs * 10) / 10,
        ...(known.orgId ? { orgId: known.orgId } : {}),
        ...(known.operationName ? { operationName: known.operationName.slice(0, 100) } : {}),
        ...(known.lean ? { lean: true } : {}),
      },
      'request',
    );
  };
}

export type RequestRecorder = ReturnType<typeof requestRecorder>;

/**
 * yoga's side of the access log: the line and metrics per request, the `x-request-id` echoed on every
 * response, and the GraphQL error metric. First in the plugin list, so it also sees the routes that answer
 * before GraphQL.
 */
export function accessLogPlugin(record: RequestRecorder): Plugin<Context> {
  const facts = new WeakMap<Request, RequestFacts>();
  return {
    onRequest({ request }) {
      facts.set(request, { id: requestIdOf(request.headers.get('x-request-id')), startedAt: performance.now() });
    },
    onParams({ request, params }) {
      const known = facts.get(request);
      if (known) known.operationName = params.operationName ?? undefined;
    },
    // The document's name also for requests that fail validation and never execute.
    onValidate({ context, params }) {
      const known = facts.get((context as { request: Request }).request);
      if (known) known.operationName = getOperationAST(params.documentAST, known.operationName)?.name?.value ?? known.operationName;
    },
    onExecute({ args }) {
      const known = facts.get((args.contextValue as Context & { request: Request }).request);
      if (!known) return;
      known.orgId = args.contextValue.actor?.orgId;
      known.operationName = getOperationAST(args.document, args.operationName)?.name?.value ?? known.operationName;
    },
    onResultProcess({ result }) {
      for (const single of Array.isArray(result) ? result : [result]) {
        const errors = (single as { errors?: readonly GraphQLError[] }).errors ?? [];
        for (const error of errors) graphqlErrors.inc({ code: String(error.extensions?.code ?? 'UNKNOWN') });
      }
    },
    onResponse({ request, response }) {
      const known = facts.get(request);
      if (!known) return;
      response.headers.set('x-request-id', known.id);
      record({ ...known, method: request.method, url: request.url, status: response.status });
    },
  };
}

// yoga's requests carry absolute URLs, node's a path.
const pathOf = (url: string) => new URL(url, 'http://localhost').pathname;

const isGraphQLPath = (url: string) => /^\/(api|graphql)\/?$/.test(pathOf(url));

/** The path without its query string, and without a webhook's token (the URL is its credential). */
function loggedPath(url: string): string {
  return pathOf(url).replace(/^\/(test-)?webhooks\/[^/]+/, '/$1webhooks/:token');
}

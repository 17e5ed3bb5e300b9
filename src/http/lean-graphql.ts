import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { getOperationAST, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../schema/context';
import type { RequestRecorder } from './access-log';
import { DocumentCache } from './limits/document-cache';
import type { RequestJudge } from './limits/request-limits';
import { requestIdOf } from './request-id';

export type LeanGraphQLDeps = {
  schema: GraphQLSchema;
  maxBodyBytes: number;
  documentLimits: { maxDocumentBytes: number; maxTotalBytes: number };
  /** The context yoga builds for the same Authorization header; throws for a refused token. */
  context: (authorization: string | null) => Promise<Context>;
  /** The request limits' verdict for these variables (null: allowed). */
  judge: RequestJudge;
  /** The access log line and metrics of a request answered here. */
  record: RequestRecorder;
};

type ExecuteFunction = (args: ExecutionArgs) => Promise<ExecutionResult> | ExecutionResult;

type Params = { query: string; variables?: Record<string, unknown> | null; operationName?: string | null };

// What yoga answers a successful result with for these Accept headers (the clients' and tools' usual ones).
const CONTENT_TYPES = new Map<string | undefined, string>([
  [undefined, 'application/json; charset=utf-8'],
  ['*/*', 'application/json; charset=utf-8'],
  ['application/json', 'application/json; charset=utf-8'],
]);

/**
 * POST /api for query documents yoga has already parsed, validated and executed once, answered on node:http
 * without yoga's fetch-API layer (a Request and a Response object, headers objects and a plugin chain per
 * request: most of a cached read's CPU). It does what yoga would: the same body limit, the same context and
 * token check, the same request limits, `execute` on the document yoga validated, one access log line. Only a
 * clean success is answered here; anything else (GraphiQL, GET, CORS, multipart, a first sight of a document,
 * a refused token, limits, any error) is handed to yoga with the body already read, so yoga writes every error
 * and the bytes of every answer stay yoga's. Mutations always go through yoga.
 */
export function leanGraphQL(deps: LeanGraphQLDeps) {
  const executed = new DocumentCache<DocumentNode>(deps.documentLimits);
  // A body much larger than the largest cached document cannot be a cached one (its variables aside): yoga reads
  // it straight from the socket, so no large body is read and parsed twice.
  const leanBodyBytes = 4 * deps.documentLimits.maxDocumentBytes;
  // yoga's own execute: the schema belongs to the copy of graphql yoga loaded (ESM and CommonJS copies refuse
  // each other's schema).
  let yogaExecute: ExecuteFunction | undefined;

  // Filled only with documents that reached execution in yoga, so they passed parsing, armor and validation.
  const plugin: Plugin = {
    onExecute({ args, executeFn }) {
      yogaExecute = executeFn as ExecuteFunction;
      const query = (args.contextValue as { params?: { query?: unknown } }).params?.query;
      if (typeof query === 'string' && getOperationAST(args.document, args.operationName)?.operation === 'query') executed.set(query, args.document);
    },
  };

  const listener =
    (yoga: RequestListener): RequestListener =>
    (request, response) => {
      const length = Number(request.headers['content-length']);
      if (!isLeanCandidate(request) || !Number.isSafeInteger(length) || length > Math.min(leanBodyBytes, deps.maxBodyBytes)) return yoga(request, response);
      const startedAt = performance.now();
      readBody(request, (body) => {
        const answered = answer(request, response, body, startedAt);
        void answered.then(
          (done) => done || replay(yoga, request, response, body),
          () => replay(yoga, request, response, body),
        );
      });
    };

  async function answer(request: IncomingMessage, response: ServerResponse, body: Buffer, startedAt: number): Promise<boolean> {
    const params = paramsOf(body);
    const document = params && executed.get(params.query);
    if (!params || !document || !yogaExecute || getOperationAST(document, params.operationName)?.operation !== 'query') return false;
    const variables = params.variables ?? {};
    if (deps.judge(deps.schema, document, params.operationName, variables)) return false;
    const contextValue = await deps.context(request.headers.authorization ?? null);
    const result = await yogaExecute({ schema: deps.schema, document, variableValues: variables, operationName: params.operationName, contextValue });
    if (result.errors?.length) return false;
    const operationName = getOperationAST(document, params.operationName)?.name?.value ?? params.operationName ?? undefined;
    const requestId = requestIdOf(request.headers['x-request-id']);
    deps.record({ id: requestId, method: 'POST', url: request.url!, startedAt, status: 200, operationName, orgId: contextValue.actor?.orgId, lean: true });
    const json = JSON.stringify(result);
    response.writeHead(200, {
      'content-type': CONTENT_TYPES.get(request.headers.accept)!,
      'content-length': Buffer.byteLength(json),
      'x-request-id': requestId,
    });
    response.end(json);
    return true;
  }

  return { plugin, listener };
}

const isLeanCandidate = (request: IncomingMessage) =>
  request.method === 'POST' &&
  (request.url === '/api' || request.url === '/graphql') &&
  request.headers['content-type']?.startsWith('application/json') === true &&
  // CORS, 100-continue and chunked uploads stay yoga's.
  request.headers.origin === undefined &&
  request.headers.expect === undefined &&
  request.headers['transfer-encoding'] === undefined &&
  CONTENT_TYPES.has(request.headers.accept);

/** The whole body; node's parser stops at the declared Content-Length, which was checked against the limit. */
function readBody(request: IncomingMessage, then: (body: Buffer) => void) {
  const chunks: Buffer[] = [];
  // A client that goes away mid-body is not an error of the server: the socket is gone, nothing to answer.
  request.on('error', () => {});
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => then(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
}

function paramsOf(body: Buffer): Params | null {
  let params: unknown;
  try {
    params = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return null;
  const { query, variables, operationName, ...rest } = params as Record<string, unknown>;
  const plainVariables = variables == null || (typeof variables === 'object' && !Array.isArray(variables));
  if (typeof query !== 'string' || !plainVariables || (operationName != null && typeof operationName !== 'string')) return null;
  // Extensions (persisted queries and the like) are yoga's.
  if (Object.keys(rest).length > 0) return null;
  return { query, variables: variables as Params['variables'], operationName: operationName as Params['operationName'] };
}

/** yoga's node adapter takes a body already read from `request.body` instead of the consumed stream. */
function replay(yoga: RequestListener, request: IncomingMessage, response: ServerResponse, body: Buffer) {
  (request as IncomingMessage & { body?: Buffer }).body = body;
  yoga(request, response);
}

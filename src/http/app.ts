import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { Db } from '../db/client';
import { authenticate } from '../domain/auth/authenticate';
import type { CachedApiTokens } from '../domain/auth/cached-api-tokens';
import type { Logger } from '../log';
import type { Vault } from '../vault/vault';
import type { ApiConfig } from '../config';
import type { Context } from '../schema/context';
import { domainErrorOf, toGraphQLError } from '../schema/errors';
import { MAX_PAGE_SIZE } from '../schema/lib/connection';
import { schema } from '../schema/index';
import { corsFor } from './cors';
import { isClientError, unexpectedErrorLog } from './error-log';
import { accessLogPlugin, requestRecorder } from './access-log';
import { healthRoutes } from './health';
import { DocumentCache } from './limits/document-cache';
import { leanGraphQL } from './lean-graphql';
import { metricsRoute, type MetricsSettings } from './metrics-route';
import { requestLimitsPlugin, type RequestLimits } from './limits/request-limits';
import { noSuggestionsPlugin, withoutSuggestions } from './suggestions';
import { prismaticAuthRoutes } from './prismatic-auth-routes';
import { stepResultsRoute } from './step-results-route';

export type AppDeps = {
  db: Db;
  vault: Vault;
  log: Logger;
  tenantName: string;
  publicUrl: string;
  /** Extra routes (webhooks, OAuth callbacks) answered before GraphQL. */
  routes?: Route[];
  /** Why this process's worker takes no jobs right now, or null (RunningWorker.problem); /readyz answers 503 then. */
  workerProblem?: () => string | null;
  /** Body limit and CORS origins from the config; tests leave it out to get the defaults. */
  api?: Partial<ApiConfig>;
  /** Protection of /metrics and the worker child's metrics; tests leave it out for an open /metrics. */
  metrics?: MetricsSettings;
  /** API token authentication from memory (startCachedApiTokens); without it every request looks its token up. */
  apiTokens?: CachedApiTokens;
};

const defaultRequestLimits: RequestLimits = {
  maxBodyBytes: 1_048_576,
  maxListItems: MAX_PAGE_SIZE,
  // Two nested lists at their default page of 100 (10,000 objects) with a score of fields each fit; a third
  // nested level (a million objects) does not.
  maxCost: 5_000_000,
  defaultPageSize: MAX_PAGE_SIZE,
};

// Real clients send a few small documents over and over; larger ones are parsed each time, never kept.
const CACHED_DOCUMENT_LIMITS = { maxDocumentBytes: 16 * 1024, maxTotalBytes: 4 * 1024 * 1024 };

/** Returns a Response to answer the request, or undefined to let the next route (finally GraphQL) have it. */
export type Route = (request: Request, url: URL) => Promise<Response | undefined> | Response | undefined;

const GRAPHIQL_WELCOME = `# Welcome to tenantflow.
# Put your token under "Headers" below: { "Authorization": "Bearer tf_..." }
# (the first start printed one; \`npx tenantflow token create\` makes more). Then run:

query WhoAmI {
  authenticatedUser { id name email org { id name } customer { id name } }
  customers(first: 10) { totalCount nodes { id name externalId } }
}
`;

function routesPlugin(routes: Route[]): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      for (const route of routes) {
        const response = await route(request, url);
        if (response) return endResponse(response);
      }
    },
  };
}

/**
 * The whole HTTP surface: a node request listener (the server mounts it on a port) whose `fetch` is yoga's
 * fetch handler (tests call `app.fetch(request)`). The listener answers cached query documents on the lean
 * path (lean-graphql.ts) and hands everything else to the same yoga.
 */
export function createApp(deps: AppDeps) {
  const limits = { ...defaultRequestLimits, ...(deps.api?.maxBodyBytes ? { maxBodyBytes: deps.api.maxBodyBytes } : {}) };
  const errorLog = unexpectedErrorLog(deps.log);
  const record = requestRecorder(deps.log);
  const requestLimits = requestLimitsPlugin(limits);
  const contextFor = async (authorization: string | null): Promise<Context> => {
    try {
      const actor = await authenticate(deps.db, authorization, deps.apiTokens?.authenticate);
      return { db: deps.db, vault: deps.vault, actor, log: deps.log, tenantName: deps.tenantName, publicUrl: deps.publicUrl };
    } catch (error) {
      const domainError = domainErrorOf(error);
      if (domainError) throw toGraphQLError(domainError);
      throw error;
    }
  };
  const lean = leanGraphQL({
    schema,
    maxBodyBytes: limits.maxBodyBytes,
    documentLimits: CACHED_DOCUMENT_LIMITS,
    context: contextFor,
    judge: requestLimits.judge,
    record,
  });
  const yoga = createYoga<{}, Context>({
    schema,
    // Prismatic clients call /api; GraphQL tooling expects /graphql. Both serve the same schema.
    graphqlEndpoint: '/:endpoint(api|graphql)',
    landingPage: false,
    maxRequestBodySize: limits.maxBodyBytes,
    parserAndValidationCache: { documentCache: new DocumentCache(CACHED_DOCUMENT_LIMITS), errorCache: new DocumentCache(CACHED_DOCUMENT_LIMITS) },
    cors: corsFor(deps.api?.corsOrigins ?? []),
    logging: false,
    graphiql: (request) => ({ endpoint: new URL(request.url).pathname, title: 'tenantflow', defaultQuery: GRAPHIQL_WELCOME }),
    // Loaded on the first GraphiQL page, not at start: it is the largest module of the HTTP layer.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    context: ({ request }) => contextFor(request.headers.get('authorization')),
    maskedErrors: {
      maskError(error, message) {
        const domainError = domainErrorOf(error);
        if (domainError) return toGraphQLError(domainError, error as GraphQLError);
        if (isClientError(error)) return withoutSuggestions(error as GraphQLError);
        // Unexpected: the client gets a generic message, the operator log a short description of the cause.
        errorLog.logOnce(error);
        return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      },
    },
    plugins: [
      accessLogPlugin(record),
      routesPlugin([
        ...healthRoutes(deps.db, deps.workerProblem),
        metricsRoute(deps.db, deps.metrics),
        // Prismatic clients' endpoints outside GraphQL
        ...prismaticAuthRoutes(deps.db, deps.publicUrl),
        stepResultsRoute(deps.db, deps.vault),
        ...(deps.routes ?? []),
      ]),
      EnvelopArmorPlugin({
        maxDepth: { n: 12, exposeLimits: true, flattenFragments: true },
        maxAliases: { n: 30, exposeLimits: true },
        maxTokens: { n: 5000, exposeLimits: true },
        maxDirectives: { n: 20, exposeLimits: true },
        // The cost needs the variables (page sizes given as $first), so requestLimitsPlugin counts it.
        costLimit: { enabled: false },
        // noSuggestionsPlugin and maskError drop every suggestion, enum values included (armor misses those).
        blockFieldSuggestion: { enabled: false },
      }),
      noSuggestionsPlugin,
      requestLimits.plugin,
      errorLog.plugin,
      lean.plugin,
    ],
  });
  return Object.assign(lean.listener(yoga), { fetch: yoga.fetch });
}

export type App = ReturnType<typeof createApp>;

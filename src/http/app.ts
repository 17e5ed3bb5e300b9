import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { Db } from '../db/client';
import { authenticate } from '../domain/auth/authenticate';
import type { Logger } from '../log';
import type { Vault } from '../vault/vault';
import type { Context } from '../schema/context';
import { domainErrorOf, rootCause, toGraphQLError } from '../schema/errors';
import { schema } from '../schema/index';
import { healthRoutes } from './health';

export type AppDeps = {
  db: Db;
  vault: Vault;
  log: Logger;
  tenantName: string;
  publicUrl: string;
  /** Extra routes (webhooks, OAuth callbacks) answered before GraphQL. */
  routes?: Route[];
};

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
 * The whole HTTP surface as one fetch handler: tests call `app.fetch(request)`, the server mounts the same
 * object on a port, so both go through identical code.
 */
export function createApp(deps: AppDeps) {
  return createYoga<{}, Context>({
    schema,
    // Prismatic clients call /api; GraphQL tooling expects /graphql. Both serve the same schema.
    graphqlEndpoint: '/:endpoint(api|graphql)',
    landingPage: false,
    logging: false,
    graphiql: (request) => ({ endpoint: new URL(request.url).pathname, title: 'tenantflow', defaultQuery: GRAPHIQL_WELCOME }),
    renderGraphiQL,
    context: async ({ request }): Promise<Context> => {
      try {
        const actor = await authenticate(deps.db, request.headers.get('authorization'));
        return { db: deps.db, vault: deps.vault, actor, log: deps.log, tenantName: deps.tenantName, publicUrl: deps.publicUrl };
      } catch (error) {
        const domainError = domainErrorOf(error);
        if (domainError) throw toGraphQLError(domainError);
        throw error;
      }
    },
    maskedErrors: {
      maskError(error, message) {
        const domainError = domainErrorOf(error);
        if (domainError) return toGraphQLError(domainError, error as GraphQLError);
        // Errors graphql itself raised (validation, bad variables) carry no cause and are meant for the client.
        if ((error as Error)?.name === 'GraphQLError' && rootCause(error) === error) return error as GraphQLError;
        // Unexpected: the client gets a generic message, the operator log gets the cause (never the variables).
        deps.log.error({ err: rootCause(error) }, 'unexpected error in a GraphQL request');
        return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      },
    },
    plugins: [
      routesPlugin([...healthRoutes(deps.db), ...(deps.routes ?? [])]),
      EnvelopArmorPlugin({
        maxDepth: { n: 12, exposeLimits: true, flattenFragments: true },
        maxAliases: { n: 30, exposeLimits: true },
        maxTokens: { n: 5000, exposeLimits: true },
        maxDirectives: { n: 20, exposeLimits: true },
        costLimit: { maxCost: 20_000, exposeLimits: true },
        blockFieldSuggestion: { enabled: true },
      }),
    ],
  });
}

export type App = ReturnType<typeof createApp>;

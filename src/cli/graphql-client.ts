/*
 * The client side of `tenantflow export` and `tenantflow sync`: they talk to servers only through the
 * GraphQL API, as any script would, with a token from an environment variable (never from an argument,
 * which other users of the machine can read in the process list).
 */

export type GraphQLClient = { url: string; request: <T>(query: string, variables?: Record<string, unknown>) => Promise<T> };

export class CliError extends Error {}

/** `http://host:port` or a full `/api` / `/graphql` endpoint. */
export function apiEndpoint(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/(api|graphql)$/.test(trimmed) ? trimmed : `${trimmed}/api`;
}

export function tokenFrom(envName: string): string {
  const token = process.env[envName];
  if (!token) throw new CliError(`Set ${envName} to an API token of an admin of the organization (tenantflow token create).`);
  return token;
}

export function graphqlClient(url: string, token: string): GraphQLClient {
  const endpoint = apiEndpoint(url);
  return {
    url,
    async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables }),
        });
      } catch (error) {
        throw new CliError(`Cannot reach ${endpoint}: ${(error as Error).message}`);
      }
      const body = (await response.json().catch(() => null)) as { data?: T; errors?: { message: string }[] } | null;
      if (!body) throw new CliError(`${endpoint} answered HTTP ${response.status} without a GraphQL response.`);
      if (body.errors?.length) throw new CliError(`${endpoint}: ${body.errors.map((error) => error.message).join('; ')}`);
      return body.data as T;
    },
  };
}

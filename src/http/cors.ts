import type { YogaServerOptions } from 'graphql-yoga';

type CorsOption = YogaServerOptions<{}, {}>['cors'];

/**
 * Browsers may call the API with credentials from the listed origins only. yoga's default answers every
 * origin with `Access-Control-Allow-Credentials`, which lets any web page a user visits read the API as them.
 * With no list, no CORS headers are sent: same-origin pages (GraphiQL) work, other origins are refused.
 */
export function corsFor(origins: readonly string[]): CorsOption {
  if (origins.length === 0) return false;
  const allowed = new Set(origins);
  return (request) => {
    const origin = request.headers.get('origin');
    return origin && allowed.has(origin) ? { origin, credentials: true } : false;
  };
}

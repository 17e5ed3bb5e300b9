/**
 * Child process: the HTTP load client of the benchmarks. Sends `requests` GraphQL POSTs to `url`/api with at
 * most `concurrency` in flight and answers the wall time and the failed requests (an HTTP status other than
 * 200, a top-level error, or a mutation payload with errors). Only ever talks to the URL it is given (127.0.0.1).
 */
import { serveParent } from './child';

export type LoadRequest = {
  url: string;
  token: string;
  query: string;
  /** One set of variables per request (request i uses the i-th), or none. */
  variables?: Record<string, unknown>[];
  requests: number;
  concurrency: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
};
export type LoadReply = { ms: number; failures: number; firstFailure?: string };

const REQUEST_TIMEOUT_MS = 60_000;

async function send(request: LoadRequest, i: number): Promise<string | null> {
  const response = await fetch(`${request.url}/api`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${request.token}`, ...request.headers },
    body: JSON.stringify({ query: request.query, variables: request.variables?.[i] ?? {} }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  if (response.status !== 200) return `HTTP ${response.status}: ${text.slice(0, 500)}`;
  const body = JSON.parse(text) as { data?: Record<string, { errors?: unknown[] } | null>; errors?: unknown[] };
  const payloadErrors = Object.values(body.data ?? {}).some((payload) => (payload?.errors?.length ?? 0) > 0);
  return body.errors?.length || !body.data || payloadErrors ? text.slice(0, 1000) : null;
}

serveParent<LoadRequest, LoadReply>(async (request) => {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < request.requests) {
      const failure = await send(request, next++);
      if (failure) failures.push(failure);
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(request.concurrency, request.requests) }, worker));
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, failures: failures.length, firstFailure: failures[0] };
});

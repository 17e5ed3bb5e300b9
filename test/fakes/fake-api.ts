import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { BodyTooLargeError, closeServer, firstValues, listenOnLoopback, lowerCaseHeaders, readBodyText, sendJson, sleep } from './http-util';

/**
 * A real HTTP server on 127.0.0.1 that behaves like a third-party SaaS API (Zendesk, Stripe …), so the
 * engine's connector calls, retries and idempotency are tested over real sockets rather than mocks.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  /** First value of each query parameter; `rawQuery` keeps repeats and order. */
  query: Record<string, string>;
  rawQuery: string;
  /** Lower-cased names, as Node delivers them. */
  headers: Record<string, string>;
  bodyText: string;
  /** Parsed when the body is JSON (whatever the content type claimed); otherwise undefined. */
  json?: unknown;
  receivedAt: Date;
  idempotencyKey: string | null;
  /** What the fake answered: a status code, or 'dropped' when it cut the connection. */
  answered?: number | 'dropped';
  /** True when the answer was a stored response replayed for a repeated Idempotency-Key. */
  replayed: boolean;
  /** True when this request's effect happened: a fresh 2xx, even if the connection was then cut. */
  effectApplied: boolean;
}

export type FakeResponse =
  | {
      status?: number;
      json?: unknown;
      body?: string;
      headers?: Record<string, string>;
      /** Wait before answering, e.g. to trip the caller's timeout. */
      delayMs?: number;
      /**
       * Apply the effect (and store it for the Idempotency-Key) but cut the connection instead of
       * answering: the caller cannot know it succeeded, which is exactly when a retry must not repeat it.
       */
      dropAfterApplying?: boolean;
    }
  | { drop: true; delayMs?: number };

export type FakeHandler = (request: RecordedRequest, params: Record<string, string>) => FakeResponse | Promise<FakeResponse>;

export interface FakeApiOptions {
  /**
   * Like Stripe: a repeated Idempotency-Key gets the stored 2xx answer back without running again, a
   * key still in flight gets 409, a key reused on another route gets 422. Default true.
   */
  idempotency?: boolean;
}

export interface FakeApi {
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  /** Every request to `'METHOD /path'` (`:name` segments match one segment) gets this answer. */
  on(route: string, answer: FakeResponse | FakeHandler): void;
  /** The next requests to the route get these answers in order; then `on` or the default applies. */
  script(route: string, answers: FakeResponse[]): void;
  setDefault(answer: FakeResponse | FakeHandler): void;
  /** Every request must carry this header value (or one of these), else 401; null removes the check. */
  requireHeader(name: string, expected: string | readonly string[] | null): void;
  requestsTo(route: string): RecordedRequest[];
  requestsWithIdempotencyKey(key: string): RecordedRequest[];
  /** How many requests arrived per Idempotency-Key (retries included). */
  idempotencyKeyCounts(): Map<string, number>;
  /** Requests whose effect was applied: a fresh 2xx (not a replay), answered or cut off. */
  appliedEffects(route?: string): RecordedRequest[];
  /** The most requests this fake has had in flight at once (received, not yet answered) since start or reset. */
  peakConcurrency(): number;
  /** Forget requests, routes, scripts, the auth check, stored idempotent answers and the peak. */
  reset(): void;
  close(): Promise<void>;
}

interface Route {
  method: string;
  segments: string[];
}

const NOT_FOUND: FakeResponse = { status: 404, json: { error: 'not_found', message: 'No such route' } };

export async function startFakeApi(options: FakeApiOptions = {}): Promise<FakeApi> {
  const useIdempotency = options.idempotency ?? true;
  const shutdown = new AbortController();
  // Every delayed answer waits on it, and a busy test has dozens in flight: not a leak.
  setMaxListeners(0, shutdown.signal);
  const requests: RecordedRequest[] = [];
  let routes: { key: string; route: Route; answer: FakeResponse | FakeHandler }[] = [];
  let scripts: { route: Route; answers: FakeResponse[] }[] = [];
  let defaultAnswer: FakeResponse | FakeHandler = NOT_FOUND;
  let auth: { name: string; expected: readonly string[] } | null = null;
  // Idempotency-Key → the route it was first used on and, once answered 2xx, that answer.
  let keys = new Map<string, { routeKey: string; inFlight: boolean; stored?: StoredAnswer }>();
  let inFlight = 0;
  let peak = 0;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake.invalid');
    const headers = lowerCaseHeaders(request);
    const recorded: RecordedRequest = {
      method: (request.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: firstValues(url.searchParams),
      rawQuery: url.search.replace(/^\?/, ''),
      headers,
      bodyText: '',
      receivedAt: new Date(),
      idempotencyKey: headers['idempotency-key'] ?? null,
      replayed: false,
      effectApplied: false,
    };
    requests.push(recorded);
    try {
      recorded.bodyText = await readBodyText(request);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return answer(recorded, response, { status: 413, json: { error: 'payload_too_large' } });
    }
    recorded.json = tryParseJson(recorded.bodyText);

    if (auth && !auth.expected.includes(headers[auth.name] ?? '')) {
      // Real APIs say "unauthorized" and nothing about which part was wrong.
      return answer(recorded, response, {
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="fake-api"' },
        json: { error: 'unauthorized', message: 'Invalid or missing credentials' },
      });
    }

    const key = useIdempotency ? recorded.idempotencyKey : null;
    const routeKey = `${recorded.method} ${recorded.path}`;
    const known = key === null ? undefined : keys.get(key);
    if (key !== null && known) {
      if (known.routeKey !== routeKey) {
        return answer(recorded, response, {
          status: 422,
          json: { error: 'idempotency_key_reused', message: `Key was first used for ${known.routeKey}` },
        });
      }
      if (known.inFlight) {
        return answer(recorded, response, {
          status: 409,
          json: { error: 'idempotency_key_in_use', message: 'A request with this key is in progress' },
        });
      }
      if (known.stored) {
        recorded.replayed = true;
        const stored = known.stored;
        return answer(recorded, response, {
          ...stored,
          headers: { ...stored.headers, 'idempotent-replayed': 'true' },
        });
      }
    }
    const entry = key === null ? undefined : (known ?? { routeKey, inFlight: false });
    if (key !== null && entry) {
      entry.inFlight = true;
      keys.set(key, entry);
    }
    try {
      const chosen = await choose(recorded);
      if (!('drop' in chosen) && isSuccess(chosen.status)) {
        recorded.effectApplied = true;
        const { delayMs: _delay, dropAfterApplying: _drop, ...stored } = chosen;
        if (entry) entry.stored = { ...stored, status: chosen.status ?? 200 };
      }
      await answer(recorded, response, chosen);
    } finally {
      if (entry) entry.inFlight = false;
    }
  }

  async function choose(recorded: RecordedRequest): Promise<FakeResponse> {
    for (const script of scripts) {
      const params = matchRoute(script.route, recorded);
      if (params && script.answers.length > 0) return script.answers.shift() as FakeResponse;
    }
    for (const { route, answer: routeAnswer } of routes) {
      const params = matchRoute(route, recorded);
      if (params) return resolveAnswer(routeAnswer, recorded, params);
    }
    return resolveAnswer(defaultAnswer, recorded, {});
  }

  async function answer(recorded: RecordedRequest, response: ServerResponse, chosen: FakeResponse) {
    await sleep(chosen.delayMs ?? 0, shutdown.signal);
    if ('drop' in chosen || chosen.dropAfterApplying) {
      recorded.answered = 'dropped';
      // Destroying the socket mid-request is what a crashed upstream or a reset looks like to fetch.
      response.socket?.destroy();
      return;
    }
    const status = chosen.status ?? 200;
    recorded.answered = status;
    if (response.destroyed) return;
    if (chosen.json !== undefined || chosen.body === undefined) {
      sendJson(response, status, chosen.json ?? {}, chosen.headers);
      return;
    }
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...chosen.headers });
    response.end(chosen.body);
  }

  const server = createServer((request, response) => {
    peak = Math.max(peak, ++inFlight);
    handle(request, response)
      .catch((error: unknown) => {
        sendJson(response, 500, { error: 'fake_api_crashed', message: String(error) });
      })
      .finally(() => inFlight--);
  });
  const url = await listenOnLoopback(server);

  const matching = (route: string) => {
    const parsed = parseRoute(route);
    return requests.filter((request) => matchRoute(parsed, request) !== null);
  };

  return {
    url,
    requests,
    on(route, answer) {
      // The latest answer for a route replaces earlier ones, so a test can change what an API says mid-way.
      routes = routes.filter((entry) => entry.key !== route);
      routes.push({ key: route, route: parseRoute(route), answer });
    },
    script(route, answers) {
      scripts.push({ route: parseRoute(route), answers: [...answers] });
    },
    setDefault(answer) {
      defaultAnswer = answer;
    },
    requireHeader(name, expected) {
      auth = expected === null ? null : { name: name.toLowerCase(), expected: [expected].flat() };
    },
    requestsTo: matching,
    requestsWithIdempotencyKey: (key) => requests.filter((request) => request.idempotencyKey === key),
    idempotencyKeyCounts() {
      const counts = new Map<string, number>();
      for (const { idempotencyKey } of requests) {
        if (idempotencyKey !== null) counts.set(idempotencyKey, (counts.get(idempotencyKey) ?? 0) + 1);
      }
      return counts;
    },
    appliedEffects(route) {
      const candidates = route === undefined ? requests : matching(route);
      return candidates.filter((request) => request.effectApplied);
    },
    peakConcurrency: () => peak,
    reset() {
      peak = inFlight;
      requests.length = 0;
      routes = [];
      scripts = [];
      defaultAnswer = NOT_FOUND;
      auth = null;
      keys = new Map();
    },
    async close() {
      shutdown.abort();
      await closeServer(server);
    },
  };
}

type StoredAnswer = { status: number; json?: unknown; body?: string; headers?: Record<string, string> };

function isSuccess(status: number | undefined): boolean {
  const code = status ?? 200;
  return code >= 200 && code < 300;
}

async function resolveAnswer(answer: FakeResponse | FakeHandler, request: RecordedRequest, params: Record<string, string>): Promise<FakeResponse> {
  return typeof answer === 'function' ? answer(request, params) : answer;
}

function parseRoute(route: string): Route {
  const match = /^([A-Z]+)\s+(\/\S*)$/.exec(route.trim());
  if (!match?.[1] || !match[2]) throw new Error(`Route must look like 'GET /path', got '${route}'`);
  return { method: match[1], segments: match[2].split('/') };
}

function matchRoute(route: Route, request: RecordedRequest): Record<string, string> | null {
  if (route.method !== request.method) return null;
  const segments = request.path.split('/');
  if (segments.length !== route.segments.length) return null;
  const params: Record<string, string> = {};
  for (const [index, pattern] of route.segments.entries()) {
    const actual = segments[index] ?? '';
    if (pattern.startsWith(':') && actual !== '') params[pattern.slice(1)] = decodeURIComponent(actual);
    else if (pattern !== actual) return null;
  }
  return params;
}

function tryParseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

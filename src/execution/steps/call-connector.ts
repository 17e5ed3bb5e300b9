import type { Response } from 'undici';
import { readBodyPrefix, readBodyWithin, ResponseTooLarge } from '../http/bounded-body';
import { EgressRefused } from '../http/egress-policy';
import type { OutgoingHttp } from '../http/outgoing-http';
import { classifyFailure, type ConnectorCallOutcome } from '../policy/classify-failure';
import { retryDelayMs, shouldRetry } from '../policy/retry-delay';
import type { OutgoingRequest } from './build-request';

export type CallResult = { ok: true; status: number; body: unknown; attempts: number } | { ok: false; status: number | null; error: string; attempts: number };

export type CallOptions = {
  idempotencyKey: string;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  /**
   * Called before and after each backoff sleep; returning false stops (e.g. this worker lost its lease).
   * `reason` says why without quoting the answer (for the operator log); `detail` quotes a redacted piece.
   */
  beforeRetry?: (attempt: number, detail: string, reason: string) => Promise<boolean>;
  /**
   * Replaces the run's known secrets in upstream text. Applied to the error snippet before it is cut, so a
   * secret that an upstream echoes across the cut leaves no visible prefix.
   */
  redact?: (text: string) => string;
  /**
   * Waits for the right to send to this URL's host and returns its release (a fan-out's per-host limit).
   * Held for one attempt, from the request until its answer is read, never during a backoff sleep.
   */
  hostSlot?: (host: string) => Promise<() => Promise<void>>;
};

const MAX_RETRY_DELAY_MS = 60_000;
// Enough bytes for the 200 characters an error shows, even if they are multi-byte.
const SNIPPET_BYTES = 1024;

/**
 * Sends one connector request, retrying transient failures (network, timeouts, 429, 5xx) with backoff.
 * Every attempt carries the same Idempotency-Key, so an API that honours it applies the effect once.
 */
export async function callConnector(http: OutgoingHttp, request: OutgoingRequest, opts: CallOptions): Promise<CallResult> {
  for (let attempt = 1; ; attempt++) {
    const release = opts.hostSlot ? await opts.hostSlot(new URL(request.url).host) : null;
    const sent = await sendOnce(http, request, opts, attempt).finally(release ?? undefined);
    if ('result' in sent) return sent.result;
    const { failure, detail, status } = sent;
    if (!shouldRetry(attempt, opts.maxAttempts, failure)) {
      const suffix = failure.transient ? ` after ${attempt} attempts` : '';
      return { ok: false, status, error: `${detail}${suffix}`, attempts: attempt };
    }
    // Asked before and after the backoff sleep (which may be longer than a lease), so a retry goes out only
    // while the caller may still send it.
    const mayRetry = async () => !opts.beforeRetry || (await opts.beforeRetry(attempt, detail, failure.reason));
    const stopped = { ok: false as const, status, error: `${detail}; stopped retrying`, attempts: attempt };
    if (!(await mayRetry())) return stopped;
    await sleep(retryDelayMs(attempt, { baseMs: opts.retryBaseMs, maxMs: MAX_RETRY_DELAY_MS, retryAfterMs: failure.retryAfterMs }));
    if (!(await mayRetry())) return stopped;
  }
}

type Attempt = { result: CallResult } | { failure: ReturnType<typeof classifyFailure>; detail: string; status: number | null };

/** One attempt, from sending the request until its answer is read: the span a host slot is held. */
async function sendOnce(http: OutgoingHttp, request: OutgoingRequest, opts: CallOptions, attempt: number): Promise<Attempt> {
  let outcome: ConnectorCallOutcome;
  let response: Response | null = null;
  let final: string | null = null;
  try {
    response = await http.fetch(request.url, {
      method: request.method,
      headers: { ...request.headers, 'idempotency-key': opts.idempotencyKey },
      body: request.body,
      signal: AbortSignal.timeout(opts.timeoutMs),
      redirect: 'manual',
    });
    if (response.status < 400)
      return { result: { ok: true, status: response.status, body: await readBody(response, http.maxResponseBytes), attempts: attempt } };
    outcome = { kind: 'response', status: response.status, retryAfterHeader: response.headers.get('retry-after') };
  } catch (error) {
    // Neither goes away on a retry: the destination stays refused, the answer stays too large.
    final = egressOrBudgetFailure(error);
    const name = (error as Error).name;
    outcome = name === 'TimeoutError' || name === 'AbortError' ? { kind: 'timeout' } : { kind: 'network', code: causeCode(error) };
  }
  const failure = classifyFailure(outcome, { now: new Date() });
  const where = `${request.method} ${request.displayUrl}`;
  const status = response?.status ?? null;
  if (final) return { result: { ok: false, status, error: `${final} (${where})`, attempts: attempt } };
  const detail = response ? `HTTP ${response.status} from ${where}${await snippet(response, opts.redact)}` : `${failure.reason} (${where})`;
  return { failure, detail, status };
}

async function readBody(response: Response, limitBytes: number): Promise<unknown> {
  const text = new TextDecoder().decode(await readBodyWithin(response, limitBytes));
  if (!text) return null;
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** A short piece of the upstream error body: enough to diagnose, too short to dump a document. */
async function snippet(response: Response, redact: (text: string) => string = (text) => text): Promise<string> {
  const prefix = await readBodyPrefix(response, SNIPPET_BYTES).catch(() => new Uint8Array());
  const text = redact(new TextDecoder().decode(prefix)).replace(/\s+/g, ' ').trim();
  return text ? `: ${text.slice(0, 200)}` : '';
}

function egressOrBudgetFailure(error: unknown): string | null {
  if (error instanceof EgressRefused || error instanceof ResponseTooLarge) return error.message;
  return null;
}

function causeCode(error: unknown): string | undefined {
  return ((error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code) || undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

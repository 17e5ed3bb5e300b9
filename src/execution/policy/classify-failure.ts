import { STATUS_CODES } from 'node:http';

/** What happened when a step called a connector over HTTP, before any decision about it. */
export type ConnectorCallOutcome =
  { kind: 'response'; status: number; retryAfterHeader?: string | null } | { kind: 'network'; code?: string } | { kind: 'timeout' };

export interface FailureClassification {
  transient: boolean;
  reason: string;
  /** Only set for transient failures whose response carried a usable Retry-After. */
  retryAfterMs?: number;
}

export interface ClassifyOptions {
  now: Date;
  /** A server may ask for hours; a durable step should not sleep longer than this on its word. */
  maxRetryAfterMs?: number;
}

export const DEFAULT_MAX_RETRY_AFTER_MS = 10 * 60_000;

// Statuses where the same request may succeed later: the server was busy, slow or restarting.
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504]);

export function classifyFailure(outcome: ConnectorCallOutcome, options: ClassifyOptions): FailureClassification {
  switch (outcome.kind) {
    case 'network':
      return {
        transient: true,
        reason: outcome.code ? `The connection to the service failed (${outcome.code}).` : 'The connection to the service failed.',
      };
    case 'timeout':
      return { transient: true, reason: 'The service did not answer in time.' };
    case 'response':
      return classifyStatus(outcome.status, outcome.retryAfterHeader, options);
  }
}

function classifyStatus(status: number, retryAfterHeader: string | null | undefined, options: ClassifyOptions): FailureClassification {
  const label = `HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}`;
  if (!TRANSIENT_STATUSES.has(status)) {
    return {
      transient: false,
      reason: `The service answered ${label}; repeating the same request will not help.`,
    };
  }
  const classification: FailureClassification = {
    transient: true,
    reason: `The service answered ${label}; the request may succeed later.`,
  };
  const retryAfterMs = parseRetryAfterMs(retryAfterHeader, options.now);
  if (retryAfterMs !== undefined) {
    classification.retryAfterMs = Math.min(retryAfterMs, options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS);
  }
  return classification;
}

/**
 * Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). Anything unparseable is
 * ignored rather than trusted; a date in the past means "now".
 */
export function parseRetryAfterMs(header: string | null | undefined, now: Date): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  // RFC says 1*DIGIT, but some APIs send fractions ("1.5"); accepting them costs nothing.
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  // Only a date can contain letters; this keeps Date.parse from accepting "-5" or "12abc".
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

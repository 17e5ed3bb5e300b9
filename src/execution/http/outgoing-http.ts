import { Agent, buildConnector, fetch as undiciFetch, type Dispatcher, type RequestInit, type Response } from 'undici';
import type { EngineConfig } from '../../config';
import { readBodyWithin } from './bounded-body';
import { EgressRefused, egressPolicy } from './egress-policy';
import { guardedConnector, type ResolveHost } from './guarded-connector';

/**
 * The one way out: every request the engine sends (connector calls, OAuth2 token requests) goes through
 * this client, whose connections are opened only to destinations the egress policy allows.
 */
export type OutgoingHttp = {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** Like fetch, with the body read within the budget into a standard Response (for oauth4webapi). */
  fetchBuffered: (url: string, init: RequestInit) => Promise<globalThis.Response>;
  /** The upstream response size budget of one request (RUN_MAX_RESPONSE_BYTES). */
  maxResponseBytes: number;
  close: () => Promise<void>;
};

export type OutgoingHttpSettings = Pick<EngineConfig, 'egressAllow' | 'maxResponseBytes'>;

/** The engine's client: egress policy from EGRESS_ALLOW, checked on the resolved address at connect time. */
export function outgoingHttp(settings: OutgoingHttpSettings, opts: { resolve?: ResolveHost } = {}): OutgoingHttp {
  return clientOver(new Agent({ connect: guardedConnector(egressPolicy(settings.egressAllow), opts.resolve) }), settings.maxResponseBytes);
}

/**
 * Without the egress check: only for the benchmark that measures what the check costs. Never a setting.
 * Same kind of connector as the guarded one (a function, undici's own), so the check is the only difference.
 */
export function unguardedOutgoingHttp(settings: Pick<EngineConfig, 'maxResponseBytes'>): OutgoingHttp {
  return clientOver(new Agent({ connect: buildConnector({}) }), settings.maxResponseBytes);
}

function clientOver(dispatcher: Dispatcher, maxResponseBytes: number): OutgoingHttp {
  // fetch wraps every connect failure as "fetch failed"; a refusal is surfaced as itself so callers can tell it apart.
  const fetch = (url: string, init: RequestInit) =>
    undiciFetch(url, { ...init, dispatcher }).catch((error: Error) => {
      throw error.cause instanceof EgressRefused ? error.cause : error;
    });
  return {
    fetch,
    fetchBuffered: async (url, init) => {
      const response = await fetch(url, init);
      const body = await readBodyWithin(response, maxResponseBytes);
      return new globalThis.Response(body.byteLength > 0 ? body : null, {
        status: response.status,
        statusText: response.statusText,
        headers: [...response.headers],
      });
    },
    maxResponseBytes,
    close: () => dispatcher.close(),
  };
}

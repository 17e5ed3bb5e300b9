import type { Db } from '../db/client';
import { openStepResultLink, STEP_RESULTS_PATH } from '../domain/executions/step-result-links';
import { domainErrorOf } from '../schema/errors';
import type { Vault } from '../vault/vault';
import type { Route } from './app';

/**
 * MessagePack of `{ data: <bin>, contentType: <str> }`, the shape Prismatic's step results URLs serve and
 * prism decodes; only these two entries are ever written, so the encoder is these few bytes.
 */
export function stepResultPayload(data: Buffer, contentType: string): Buffer {
  const str = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length >= 256) throw new Error('msgpack str8 only');
    return Buffer.concat([bytes.length < 32 ? Buffer.from([0xa0 | bytes.length]) : Buffer.from([0xd9, bytes.length]), bytes]);
  };
  const binHeader = Buffer.alloc(5);
  binHeader[0] = 0xc6;
  binHeader.writeUInt32BE(data.length, 1);
  return Buffer.concat([Buffer.from([0x82]), str('data'), binHeader, data, str('contentType'), str(contentType)]);
}

/** GET /step-results/<link>: one step's output as JSON inside Prismatic's MessagePack envelope. */
export function stepResultsRoute(db: Db, vault: Vault): Route {
  return async (request, url) => {
    if (!url.pathname.startsWith(STEP_RESULTS_PATH) || request.method !== 'GET') return undefined;
    try {
      const step = await openStepResultLink(db, vault, url.pathname.slice(STEP_RESULTS_PATH.length));
      const body = stepResultPayload(Buffer.from(JSON.stringify(step.output ?? null)), 'application/json');
      return new Response(new Uint8Array(body), { status: 200, headers: { 'content-type': 'application/x-msgpack', 'cache-control': 'no-store' } });
    } catch (error) {
      if (domainErrorOf(error)?.code !== 'NOT_FOUND') throw error;
      const message = JSON.stringify({ error: 'This step results link is unknown or has expired; ask for resultsUrl again.' });
      return new Response(message, { status: 404, headers: { 'content-type': 'application/json' } });
    }
  };
}

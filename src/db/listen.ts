import pg from 'pg';
import type { Database } from './client';

export type ListenHandlers = {
  onMessage: (payload: string) => void;
  /** LISTEN is in place (again): from now on every notification on the channel arrives. */
  onUp: () => void;
  /** The connection is gone: notifications sent from now until the next onUp are lost. */
  onDown: (error: unknown) => void;
};

const RETRY_MS = { first: 500, max: 10_000 };

/**
 * LISTEN on one channel over a connection of its own, reconnecting with backoff until stopped. Not a pool
 * client: one held for ever would shrink the pool every request uses.
 */
export function listen(database: Database, channel: string, handlers: ListenHandlers): { stop: () => Promise<void> } {
  let client: pg.Client | null = null;
  let stopped = false;
  let retryMs = RETRY_MS.first;
  let retry: NodeJS.Timeout | undefined;

  const lost = (current: pg.Client, error: unknown) => {
    if (client !== current) return;
    client = null;
    current.end().catch(() => {});
    handlers.onDown(error);
    if (stopped) return;
    retry = setTimeout(connect, retryMs);
    retry.unref();
    retryMs = Math.min(retryMs * 2, RETRY_MS.max);
  };

  async function connect() {
    const current = new pg.Client(database.pool.options as pg.ClientConfig);
    client = current;
    current.on('error', (error) => lost(current, error));
    current.on('end', () => lost(current, new Error('connection ended')));
    current.on('notification', (message) => {
      if (message.channel === channel) handlers.onMessage(message.payload ?? '');
    });
    try {
      await current.connect();
      await current.query(`listen ${pg.escapeIdentifier(channel)}`);
      if (stopped || client !== current) return;
      retryMs = RETRY_MS.first;
      handlers.onUp();
    } catch (error) {
      lost(current, error);
    }
  }

  void connect();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}

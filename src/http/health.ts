import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { Route } from './app';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/**
 * /healthz: the process answers. /readyz: and its database answers too, and the worker of this process (when
 * it runs one: `workerProblem`, RunningWorker.problem) is taking jobs — what a load balancer should check.
 */
export function healthRoutes(db: Db, workerProblem: () => string | null = () => null): Route[] {
  return [
    (request, url) => (url.pathname === '/healthz' && request.method === 'GET' ? json(200, { status: 'ok' }) : undefined),
    async (request, url) => {
      if (url.pathname !== '/readyz' || request.method !== 'GET') return undefined;
      try {
        await withTimeout(db.execute(sql`select 1`), 2000);
        const problem = workerProblem();
        if (problem) return json(503, { status: 'worker unavailable' });
        return json(200, { status: 'ready' });
      } catch {
        return json(503, { status: 'database unavailable' });
      }
    },
  ];
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]);
}

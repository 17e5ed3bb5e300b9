import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { executions } from '../../db/tables';
import type { Execution } from './start-execution';

/** Waits (bounded) for an execution to end; for synchronous webhooks and API calls that want the result. */
export async function awaitExecution(db: Db, id: string, timeoutMs: number): Promise<Execution | null> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 20; Date.now() < deadline; delay = Math.min(delay * 1.5, 250)) {
    const [row] = await db.select().from(executions).where(eq(executions.id, id));
    if (row && (row.status === 'SUCCEEDED' || row.status === 'FAILED')) return row;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  return null;
}

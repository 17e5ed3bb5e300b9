import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { executionLogs, stepResults, type LogSeverity } from '../../db/tables';
import { finishedKey, type RunContext, type StepResult } from './run-context';

export type StepOutcome = {
  stepName: string;
  iteration: string;
  status: 'SUCCEEDED' | 'FAILED';
  startedAt: Date;
  attempts?: number;
  output?: unknown;
  error?: string | null;
  credential?: { source: string | null; id: string | null; rule: number | null; reason: string | null };
  warnings?: string[];
};

/**
 * Records a finished step once: a re-run after a crash that reaches the same step and iteration finds the
 * row (unique key) and leaves it as it was.
 */
export async function recordStep(db: Db, ctx: RunContext, outcome: StepOutcome): Promise<StepResult> {
  const [row] = await db
    .insert(stepResults)
    .values({
      orgId: ctx.execution.orgId,
      executionId: ctx.execution.id,
      stepName: outcome.stepName,
      iteration: outcome.iteration,
      status: outcome.status,
      attempts: outcome.attempts ?? 1,
      output: (outcome.output ?? null) as never,
      error: outcome.error ?? null,
      credentialSource: outcome.credential?.source ?? null,
      credentialId: outcome.credential?.id ?? null,
      credentialRule: outcome.credential?.rule ?? null,
      credentialReason: outcome.credential?.reason ?? null,
      warnings: outcome.warnings ?? [],
      startedAt: outcome.startedAt,
    })
    .onConflictDoNothing()
    .returning();
  const stored = row ?? (await existing(db, ctx, outcome));
  ctx.finished.set(finishedKey(outcome.stepName, outcome.iteration), stored);
  return stored;
}

async function existing(db: Db, ctx: RunContext, outcome: StepOutcome): Promise<StepResult> {
  const [row] = await db
    .select()
    .from(stepResults)
    .where(and(eq(stepResults.executionId, ctx.execution.id), eq(stepResults.stepName, outcome.stepName), eq(stepResults.iteration, outcome.iteration)));
  return row!;
}

export async function runLog(db: Db, ctx: RunContext, severity: LogSeverity, message: string, stepName: string | null = null) {
  await db.insert(executionLogs).values({ orgId: ctx.execution.orgId, executionId: ctx.execution.id, severity, message, stepName });
}

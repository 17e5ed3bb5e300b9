import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { executionLogs, stepResults, type LogSeverity, type StepErrorKind } from '../../db/tables';
import { finishedKey, type RunContext, type StepResult } from './run-context';
import { boundedForStorage } from './stored-output';

export type StepOutcome = {
  stepName: string;
  iteration: string;
  status: 'SUCCEEDED' | 'FAILED';
  startedAt: Date;
  attempts?: number;
  output?: unknown;
  error?: string | null;
  errorKind?: StepErrorKind | null;
  credential?: { source: string | null; id: string | null; rule: number | null; reason: string | null };
  warnings?: string[];
};

/**
 * Records a finished step once: a re-run after a crash that reaches the same step and iteration finds the
 * row (unique key) and leaves it as it was. This is the one place step outcomes are stored, so the run's
 * known secrets are redacted and the output bounded here (the in-memory scope keeps the whole value).
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
      output: storedOutput(ctx, outcome.output) as never,
      error: outcome.error == null ? null : ctx.secrets.text(outcome.error),
      errorKind: outcome.errorKind ?? null,
      credentialSource: outcome.credential?.source ?? null,
      credentialId: outcome.credential?.id ?? null,
      credentialRule: outcome.credential?.rule ?? null,
      credentialReason: outcome.credential?.reason ?? null,
      warnings: (outcome.warnings ?? []).map((warning) => ctx.secrets.text(warning)),
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
  await db.insert(executionLogs).values({ orgId: ctx.execution.orgId, executionId: ctx.execution.id, severity, message: ctx.secrets.text(message), stepName });
}

/** A step output or execution result as stored: known secrets redacted, size bounded. */
export function storedOutput(ctx: RunContext, output: unknown): unknown {
  return boundedForStorage(ctx.secrets.value(output ?? null), ctx.maxStoredOutputBytes);
}

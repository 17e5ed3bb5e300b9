import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client';
import { runNamed, type NamedStatement } from '../../db/named-statement';
import type { LogSeverity, StepErrorKind } from '../../db/tables';
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

type LogLine = { id: string; org_id: string; execution_id: string; severity: LogSeverity; message: string; step_name: string | null; timestamp: Date };

/**
 * Step results and run log lines not yet written: they go to the database together, in one
 * statement, before the next step starts (`flushWrites`) or with the end of the run (`finishRun`). A step's
 * result is therefore durable before anything after it has an effect; a crash before that write runs the
 * step again, exactly as a crash between the step and its own insert did.
 */
export type PendingWrites = { steps: StepResult[]; logs: LogLine[]; lastAt: number };

export const noPendingWrites = (): PendingWrites => ({ steps: [], logs: [], lastAt: 0 });

/** Stamps in call order: rows written by one statement keep the order they were made in (lists sort by time). */
function stamp(ctx: RunContext): Date {
  ctx.pending.lastAt = Math.max(Date.now(), ctx.pending.lastAt + 1);
  return new Date(ctx.pending.lastAt);
}

/**
 * Records a finished step once: a re-run after a crash that reaches the same step and iteration finds the
 * row (unique key) and leaves it as it was. This is the one place step outcomes are stored, so the run's
 * known secrets are redacted and the output bounded here (the in-memory scope keeps the whole value).
 */
export function recordStep(ctx: RunContext, outcome: StepOutcome): StepResult {
  const row: StepResult = {
    id: randomUUID(),
    orgId: ctx.execution.orgId,
    executionId: ctx.execution.id,
    stepName: outcome.stepName,
    iteration: outcome.iteration,
    status: outcome.status,
    attempts: outcome.attempts ?? 1,
    output: storedOutput(ctx, outcome.output),
    error: outcome.error == null ? null : ctx.secrets.text(outcome.error),
    errorKind: outcome.errorKind ?? null,
    credentialSource: outcome.credential?.source ?? null,
    credentialId: outcome.credential?.id ?? null,
    credentialRule: outcome.credential?.rule ?? null,
    credentialReason: outcome.credential?.reason ?? null,
    warnings: (outcome.warnings ?? []).map((warning) => ctx.secrets.text(warning)),
    startedAt: outcome.startedAt,
    endedAt: stamp(ctx),
  };
  ctx.pending.steps.push(row);
  ctx.finished.set(finishedKey(outcome.stepName, outcome.iteration), row);
  return row;
}

/** A run log line, written with the next flush (or the end of the run). */
export function logLine(ctx: RunContext, severity: LogSeverity, message: string, stepName: string | null = null) {
  const { orgId, id } = ctx.execution;
  ctx.pending.logs.push({
    id: randomUUID(),
    org_id: orgId,
    execution_id: id,
    severity,
    message: ctx.secrets.text(message),
    step_name: stepName,
    timestamp: stamp(ctx),
  });
}

/** A run log line written now, with whatever is pending: for lines someone may read while the run waits. */
export async function runLog(db: Db, ctx: RunContext, severity: LogSeverity, message: string, stepName: string | null = null) {
  logLine(ctx, severity, message, stepName);
  await flushWrites(db, ctx);
}

const STEP_COLUMNS = `id uuid, org_id uuid, execution_id uuid, step_name text, iteration text, status text, attempts int, output jsonb, error text,
  error_kind text, credential_source text, credential_id text, credential_rule int, credential_reason text, warnings jsonb,
  started_at timestamptz, ended_at timestamptz`;
const LOG_COLUMNS = `id uuid, org_id uuid, execution_id uuid, severity text, message text, step_name text, timestamp timestamptz`;

const names = (columns: string) =>
  columns
    .split(',')
    .map((column) => column.trim().split(' ')[0])
    .join(', ');

/** The pending rows as CTEs over $1 (step results) and $2 (log lines); an earlier claim's row for a step wins. */
const WRITE_PENDING = `written_steps as (
      insert into step_results (${names(STEP_COLUMNS)}) select ${names(STEP_COLUMNS)} from jsonb_to_recordset($1::jsonb) as r(${STEP_COLUMNS})
      on conflict do nothing returning 1),
    written_logs as (
      insert into execution_logs (${names(LOG_COLUMNS)}) select ${names(LOG_COLUMNS)} from jsonb_to_recordset($2::jsonb) as r(${LOG_COLUMNS}) returning 1)`;

const FLUSH: NamedStatement = { name: 'tf_flush_run_writes', text: `with ${WRITE_PENDING} select 1` };

/**
 * The end of a run in one statement: pending step results and log lines, the execution's end (only while this
 * worker holds it) and the instance's last run.
 */
const FINISH: NamedStatement = {
  name: 'tf_finish_execution',
  text: `with ${WRITE_PENDING},
    ended as (
      update executions set status = $4, result = $5::jsonb, error = $6, ended_at = $7, lease_until = null
      where id = $3 and lease_owner = $8 and status = 'RUNNING' returning instance_id),
    touched as (update instances set last_executed_at = $7 where id = (select instance_id from ended))
    select instance_id from ended`,
};

function pendingValues(ctx: RunContext): [string, string] {
  const steps = ctx.pending.steps.map((r) => ({
    id: r.id,
    org_id: r.orgId,
    execution_id: r.executionId,
    step_name: r.stepName,
    iteration: r.iteration,
    status: r.status,
    attempts: r.attempts,
    output: r.output,
    error: r.error,
    error_kind: r.errorKind,
    credential_source: r.credentialSource,
    credential_id: r.credentialId,
    credential_rule: r.credentialRule,
    credential_reason: r.credentialReason,
    warnings: r.warnings,
    started_at: r.startedAt,
    ended_at: r.endedAt,
  }));
  const values: [string, string] = [JSON.stringify(steps), JSON.stringify(ctx.pending.logs)];
  ctx.pending.steps = [];
  ctx.pending.logs = [];
  return values;
}

/** Writes what is pending, if anything (no round trip otherwise). */
export async function flushWrites(db: Db, ctx: RunContext): Promise<void> {
  if (ctx.pending.steps.length === 0 && ctx.pending.logs.length === 0) return;
  await runNamed(db, FLUSH, pendingValues(ctx));
}

export type RunEnd = { status: 'SUCCEEDED' | 'FAILED'; result: unknown; error: string | null; endedAt: Date };

/** Ends the run held by `owner`, with what is pending; null when it no longer holds it (nothing ended). */
export async function finishRun(db: Db, ctx: RunContext, owner: string, end: RunEnd): Promise<{ instanceId: string | null } | null> {
  const [ended] = await runNamed<{ instance_id: string | null }>(db, FINISH, [
    ...pendingValues(ctx),
    ctx.execution.id,
    end.status,
    end.result == null ? null : JSON.stringify(end.result),
    end.error,
    end.endedAt,
    owner,
  ]);
  return ended ? { instanceId: ended.instance_id } : null;
}

/** A step output or execution result as stored: known secrets redacted, size bounded. */
export function storedOutput(ctx: RunContext, output: unknown): unknown {
  return boundedForStorage(ctx.secrets.value(output ?? null), ctx.maxStoredOutputBytes);
}

import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Logger, run, type Runner, type WorkerEvents } from 'graphile-worker';
import { leaseProblem } from '../config';
import type { Database } from '../db/client';
import { describeError } from '../lib/describe-error';
import type { Logger as AppLogger } from '../log';
import { advanceExecution } from './engine/advance-execution';
import { expiredLeases, queuedWithoutLiveJob, releaseLease } from './engine/lease';
import { outgoingHttp, type OutgoingHttp } from './http/outgoing-http';
import type { EngineDeps } from './engine/run-flow';
import { ADVANCE_EXECUTION, enqueueAdvance, JOB_QUEUE_SCHEMA, wakeJobQueueAfter } from '../domain/executions/job-queue';
import { expireWaitingRuns } from '../domain/executions/authentication-waits';
import { isTransientDatabaseError } from './policy/transient-database-error';
import { scheduler } from './schedules';
import { advanceFanOut, waitingFanOuts } from './fan-out/progress';
import { leaseRecoveries } from '../metrics/registry';
import { refreshExpiringTokens } from './credentials/oauth2-proactive-refresh';

export type RunningWorker = {
  id: string;
  /** Why this worker cannot take jobs right now (its job queue runner is down), or null: for /readyz. */
  problem: () => string | null;
  /** Calls `listener` whenever `problem()` changes (a `serve` parent answers /readyz for its worker process). */
  onProblemChange: (listener: (problem: string | null) => void) => void;
  /**
   * Stops taking jobs, lets in-flight runs go on for at most `shutdownDrainMs`, hands back the leases of
   * those still running (another worker resumes them at once), then stops the runner.
   */
  stop: () => Promise<void>;
};

/**
 * How often each job slot asks for jobs when nothing woke it. New jobs wake the workers through
 * LISTEN/NOTIFY (add_job notifies `jobs:insert`), so polling only finds jobs whose run_at was in the future
 * when they were added: graphile-worker's retries after a failed run and a held execution's retry; the
 * process that added them wakes the queue when they are due (`wakeJobQueueAfter`). At 1 s an idle worker of 4 slots
 * sent 4 statements a second; at 10 s it sends 0.4.
 */
const JOB_POLL_INTERVAL_MS = 10_000;

/*
 * graphile-worker's local queue (a batch of jobs per fetch) and its batched job completion
 * (`completeJobBatchDelay`) are not used: with either, a worker whose connections were terminated
 * (test/engine/reliability-terminate.test.ts) stopped fetching and left most of 100 executions QUEUED. Each
 * slot fetches and completes its own job.
 */

/** The restart delay of a failed runner doubles from this, up to RESTART_MAX_MS; it resets after a healthy minute. */
const RESTART_MIN_MS = 250;
const RESTART_MAX_MS = 15_000;

/**
 * A worker process's part: graphile-worker runs "advance execution" jobs, supervised (a runner that fails,
 * e.g. during a database outage, is started again with backoff); a sweeper hands executions whose lease ran
 * out, or QUEUED ones whose job is gone or held by a dead worker, to a new job, long before
 * graphile-worker's own 4-hour lock expires; the scheduler fires due schedule ticks; OAuth 2.0 tokens about to
 * expire are refreshed off the hot path.
 */
export async function startWorker(
  workerDeps: Omit<EngineDeps, 'http'> & { database: Database; /** Only a benchmark passes its own. */ http?: OutgoingHttp },
): Promise<RunningWorker> {
  const tooShort = leaseProblem(workerDeps.config);
  if (tooShort) throw new Error(tooShort);
  const deps = { ...workerDeps, http: workerDeps.http ?? outgoingHttp(workerDeps.config) };
  const id = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  /** Executions this worker is running now: what a stop hands back if they do not finish in time. */
  const inFlight = new Set<string>();
  let draining = false;

  const startRunner = async (): Promise<Runner> => {
    const events: WorkerEvents = new EventEmitter();
    // graphile-worker reports these as events (and logs them); they are not thrown to us.
    events.on('pool:listen:error', ({ error }) => deps.log.warn({ err: describeError(error) }, 'job queue lost its LISTEN connection; it reconnects'));
    events.on('worker:getJob:error', ({ error }) => deps.log.warn({ err: describeError(error) }, 'job queue could not fetch a job'));
    return run({
      pgPool: deps.database.pool,
      schema: JOB_QUEUE_SCHEMA,
      concurrency: deps.config.workerConcurrency,
      noHandleSignals: true,
      pollInterval: JOB_POLL_INTERVAL_MS,
      events,
      logger: graphileLogger(deps),
      taskList: {
        [ADVANCE_EXECUTION]: async (payload, helpers) => {
          const { executionId } = payload as { executionId: string };
          inFlight.add(executionId);
          try {
            await advanceExecution(deps, id, executionId, () => draining);
          } catch (error) {
            // graphile-worker runs the job again after exp(attempts) seconds; the queue hears of it then.
            if (!draining) wakeJobQueueAfter(deps.db, Math.exp(Math.min(helpers.job.attempts, 10)) * 1000);
            throw error;
          } finally {
            inFlight.delete(executionId);
          }
        },
      },
    });
  };
  const supervisor = supervise(startRunner, deps.log);
  await supervisor.started;

  const sweep = async () => {
    for (const lapsed of await expiredLeases(deps.db)) {
      await enqueueAdvance(deps.db, lapsed.id, `reclaim:${lapsed.id}:${lapsed.claims}`);
      leaseRecoveries.inc({ kind: 'lapsed' });
      deps.log.info({ executionId: lapsed.id, claim: lapsed.claims }, 'execution lease ran out; queued again');
    }
    // One job key per execution: a second sweep (by this or another worker) collapses into the same job.
    for (const stranded of await queuedWithoutLiveJob(deps.db, deps.config.leaseMs)) {
      await enqueueAdvance(deps.db, stranded.id, `execution:${stranded.id}`);
      leaseRecoveries.inc({ kind: 'stranded' });
    }
    // Children that ended while their parent could not be told (a crash between the two) still move it on.
    // Runs that waited too long for their user's authentication end with an error.
    await expireWaitingRuns(deps.db);
    for (const parent of await waitingFanOuts(deps.db)) await advanceFanOut(deps.db, parent.id, deps.log);
  };
  const timers = [
    repeat(sweep, Math.max(250, deps.config.leaseMs / 2), deps),
    repeat(scheduler(deps.db), deps.config.schedulerIntervalMs, deps),
    repeat(() => refreshExpiringTokens(deps).then(() => {}), deps.config.oauth2.proactiveIntervalMs, deps),
  ];
  deps.log.info({ workerId: id, concurrency: deps.config.workerConcurrency }, 'worker started');

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    for (const stopTimer of timers) stopTimer();
    // Runs end their step in flight and hand themselves back at their next lease check (advanceExecution).
    draining = true;
    const runnerStopped = supervisor.stop();
    const drained = await within(runnerStopped, deps.config.shutdownDrainMs);
    if (!drained && inFlight.size > 0) {
      // A step still in flight after the drain: its lease ends now and the run gets a new job, so another
      // worker resumes it at once; here the run stops at its next lease check. The step may then be sent
      // again (same Idempotency-Key) while this one is still waiting: the price of a bounded stop.
      const handedBack = [...inFlight];
      for (const executionId of handedBack) {
        await releaseLease(deps.db, executionId, id)
          .then((released) => (released ? enqueueAdvance(deps.db, executionId, `handback:${executionId}`) : undefined))
          .catch((error: unknown) => deps.log.warn({ executionId, err: describeError(error) }, 'could not hand back the execution; its lease will run out'));
      }
      deps.log.warn({ workerId: id, executions: handedBack.length }, 'stopping worker handed back unfinished executions');
      // Bounded: a run stops after its step attempt at the latest.
      await within(runnerStopped, deps.config.stepTimeoutMs + 1000);
    }
    if (!workerDeps.http) await deps.http.close();
  };
  return { id, problem: supervisor.problem, onProblemChange: supervisor.onProblemChange, stop: () => (stopping ??= stop()) };
}

/**
 * Keeps one graphile-worker runner going: when its promise settles without a stop (a fatal error, e.g. the
 * database went away), it is started again after a backoff, one log line per restart with the cause.
 */
function supervise(startRunner: () => Promise<Runner>, log: AppLogger) {
  let runner: Runner | null = null;
  let problem: string | null = 'job queue starting';
  const listeners: ((problem: string | null) => void)[] = [];
  const setProblem = (next: string | null) => {
    if (next === problem) return;
    problem = next;
    for (const listener of listeners) listener(next);
  };
  let stopped = false;
  let wake = () => {};
  const started = startRunner().then((first) => {
    runner = first;
    setProblem(null);
  });
  const loop = started.then(async () => {
    let failures = 0;
    while (!stopped) {
      const upSince = Date.now();
      const cause = await runner!.promise.then(
        () => 'the runner stopped',
        (error: unknown) => error,
      );
      if (stopped) return;
      runner = null;
      if (Date.now() - upSince > 60_000) failures = 0;
      while (!stopped && !runner) {
        failures += 1;
        const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** (failures - 1));
        setProblem(`job queue runner down: ${describeError(cause).message}`);
        log.warn({ err: describeError(cause), restartInMs: delay, restarts: failures }, 'job queue runner failed; restarting');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          wake = () => (clearTimeout(timer), resolve());
        });
        if (stopped) return;
        try {
          runner = await startRunner();
          setProblem(null);
        } catch (error) {
          if (!isTransientDatabaseError(error)) log.error({ err: describeError(error) }, 'job queue runner could not start');
        }
      }
    }
  });
  return {
    started,
    problem: () => problem,
    onProblemChange: (listener: (problem: string | null) => void) => void listeners.push(listener),
    stop: async () => {
      stopped = true;
      setProblem('worker stopped');
      wake();
      await started.catch(() => {});
      await runner?.stop().catch((error: unknown) => log.warn({ err: describeError(error) }, 'job queue runner stopped with an error'));
      await loop.catch(() => {});
    },
  };
}

/** Whether `promise` settled within `ms` (it keeps going either way). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = await Promise.race([promise.then(() => true as const), timedOut]);
  clearTimeout(timer);
  return settled;
}

function repeat(task: () => Promise<void>, everyMs: number, deps: EngineDeps) {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch((error) => deps.log.warn({ err: describeError(error) }, 'background engine task failed'))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

function graphileLogger(deps: EngineDeps) {
  return new Logger(() => (level, message) => {
    if (level === 'error') deps.log.error({ graphileWorker: message }, 'job queue error');
    else if (level === 'warning') deps.log.warn({ graphileWorker: message }, 'job queue warning');
    else deps.log.debug({ graphileWorker: message }, 'job queue');
  });
}

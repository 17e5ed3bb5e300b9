import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { EngineConfig } from '../config';
import type { Logger } from '../log';
import { childMetrics, type MetricsSnapshot } from '../metrics/worker-channel';
import { isWorkerStatus } from './worker-status';

/**
 * Beyond its drain and one step attempt (what a stopping worker may wait for: SHUTDOWN_DRAIN_MS, then a step
 * still in flight), the time a worker process gets to hand back and close before it is killed; a killed
 * worker's runs wait for their leases to run out.
 */
const STOP_MARGIN_MS = 5_000;
/**
 * Scheduling niceness of the worker process. Flows are background work and queries are interactive: on a
 * machine with fewer free cores than busy processes, the kernel then gives the API the CPU first, and a
 * flow that renders for seconds still cannot slow another organization's queries. (The worker still gets
 * about a tenth of a core against a saturated API, plenty to renew its leases.)
 */
const WORKER_NICENESS = 10;
/** A worker that ran this long before exiting counts as healthy: its restart starts the backoff over. */
const HEALTHY_RUN_MS = 60_000;

/** Delay before restarting a worker that exited unexpectedly `failures` times in a row (1-based). */
export function workerRestartDelayMs(failures: number): number {
  return Math.min(30_000, 1_000 * 2 ** Math.max(0, failures - 1));
}

export type SupervisedWorker = {
  /** Why the worker process takes no jobs now (down, starting, or its job queue runner restarting), or null. */
  problem: () => string | null;
  stop: () => Promise<void>;
  /** The running child's metrics (over the fork channel), or null while none answers. */
  metrics: () => Promise<MetricsSnapshot | null>;
};

/**
 * Runs the flow worker as a child `tenantflow worker` process, so rendering and running flows never
 * share the API's event loop. The child is this same command (same entry, same loader flags, same
 * environment and database); it attaches to the embedded PostgreSQL this process owns. A child that
 * exits unexpectedly is logged and restarted with backoff. The child reports whether it takes jobs
 * (worker-status.ts); until its first report, and while it is down, `problem()` says why not.
 */
export function superviseWorker(log: Logger, engine: Pick<EngineConfig, 'shutdownDrainMs' | 'stepTimeoutMs'>): SupervisedWorker {
  let child: ChildProcess | null = null;
  let stopping = false;
  let failures = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let problem: string | null = 'worker process starting';

  const start = () => {
    const startedAt = Date.now();
    // process.argv[1] is the CLI entry (src/cli/index.ts or bin/tenantflow.js); fork reuses execArgv (tsx).
    // Its own process group: a Ctrl-C reaches only this process, which then stops the child gracefully.
    const started = fork(process.argv[1]!, ['worker'], { stdio: 'inherit', detached: true });
    child = started;
    problem = 'worker process starting';
    started.on('message', (message) => {
      if (isWorkerStatus(message) && child === started) problem = message.workerProblem;
    });
    lowerPriority(started, log);
    log.info({ pid: started.pid }, 'worker process started');
    started.once('exit', (exitCode, signal) => {
      child = null;
      problem = stopping ? 'worker process stopped' : `worker process exited (${signal ?? `code ${exitCode}`}); restarting it`;
      if (stopping) return;
      failures = Date.now() - startedAt >= HEALTHY_RUN_MS ? 1 : failures + 1;
      const restartInMs = workerRestartDelayMs(failures);
      log.error({ pid: started.pid, exitCode, signal, restartInMs }, 'worker process exited unexpectedly; restarting it');
      restartTimer = setTimeout(start, restartInMs);
    });
  };
  start();

  return {
    problem: () => problem,
    metrics: () => childMetrics(child),
    stop: async () => {
      stopping = true;
      clearTimeout(restartTimer);
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill('SIGTERM');
      const killTimer = setTimeout(() => running.kill('SIGKILL'), engine.shutdownDrainMs + engine.stepTimeoutMs + STOP_MARGIN_MS);
      await exited;
      clearTimeout(killTimer);
    },
  };
}

function lowerPriority(worker: ChildProcess, log: Logger) {
  try {
    if (worker.pid) os.setPriority(worker.pid, WORKER_NICENESS);
  } catch (error) {
    log.warn({ err: error }, "could not lower the worker process's priority; flows compete with the API for the CPU");
  }
}

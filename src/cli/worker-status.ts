import type { RunningWorker } from '../execution/worker';

/** What a worker process started by `serve` tells it: why it takes no jobs now, or null (for /readyz). */
type WorkerStatus = { workerProblem: string | null };

/** In a worker process started by `serve`: reports now and on every change, while the channel to it is open. */
export function reportWorkerStatus(worker: RunningWorker) {
  const send = (problem: string | null) => {
    // The callback takes a send error (the parent just went away) instead of an 'error' event.
    if (process.connected) process.send!({ workerProblem: problem } satisfies WorkerStatus, undefined, undefined, () => {});
  };
  send(worker.problem());
  worker.onProblemChange(send);
}

export function isWorkerStatus(message: unknown): message is WorkerStatus {
  return typeof message === 'object' && message !== null && 'workerProblem' in message;
}

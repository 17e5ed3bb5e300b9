/**
 * With TENANTFLOW_START_TIMELINE=1, each phase of a start prints
 * `start-timeline <pid> <ms since the process began> <CPU ms this process used> <phase>` on stderr: where a
 * start spends its time, for bench/start.bench.ts and for an operator whose start is slow. The CPU figure
 * tells work from waiting on a loaded machine, where wall-clock times mostly measure the queue for a core.
 */
const enabled = process.env.TENANTFLOW_START_TIMELINE === '1';

export function markStart(phase: string) {
  if (!enabled) return;
  const cpu = process.cpuUsage();
  process.stderr.write(`start-timeline ${process.pid} ${performance.now().toFixed(0)} ${((cpu.user + cpu.system) / 1000).toFixed(0)} ${phase}\n`);
}

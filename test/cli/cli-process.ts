import { runCli } from '../server/reliability-process';

export type CliResult = { code: number | string; stdout: string; stderr: string };

/** Runs `tenantflow <args>` to completion as a child process (logs at warn, so stderr holds what the command says). */
export async function tenantflow(args: string[], env: Record<string, string>): Promise<CliResult> {
  const cli = runCli(args, { LOG_LEVEL: 'warn', ...env });
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

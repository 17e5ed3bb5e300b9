import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config';
import { handleUnhandledRejections } from '../execution/unhandled-rejections';
import { createLogger, standardError } from '../log';
import { fatalMessage } from './fatal-message';
import { exportCommand } from './export';
import { migrateCommand } from './migrate';
import { orgCommands } from './org';
import { serveCommand } from './serve';
import { syncCommands } from './sync';
import { tokenCommands } from './token';
import { userCommands } from './user';
import { vaultCommands } from './vault';
import { markStart } from '../lib/start-timeline';

markStart('cli modules loaded');

const program = new Command('tenantflow').description('Multi-tenant integration flows over a Prismatic-compatible GraphQL API');

program
  .command('serve')
  .description('start the API server, and the worker in a child process (embedded PostgreSQL unless DATABASE_URL is set)')
  .option('--no-worker', 'serve the API only; run executions in separate `tenantflow worker` processes')
  .action((options: { worker: boolean }) => run(serveCommand, { worker: options.worker, http: true }));
program
  .command('worker')
  .description('run executions only (no HTTP); start as many as you like against one database')
  .action(() => run(serveCommand, { worker: true, http: false }));
program
  .command('migrate')
  .description('apply database migrations, print which ones (or "up to date") and exit')
  .option('--json', 'print the applied migrations as JSON')
  .action((options: { json?: boolean }) => run(migrateCommand, options));
orgCommands(program.command('org').description('manage the organizations of this deployment'), run);
userCommands(program.command('user').description("manage an organization's admins and members"), run);
tokenCommands(program.command('token').description('manage API tokens'), run);
vaultCommands(program.command('vault').description('manage the encryption of stored credentials'), run);
// tenant sync, client commands over the GraphQL API
exportCommand(program);
syncCommands(program.command('sync').description('copy an organization between tenants (dev → prod, US → EU) by stable key'));

type Deps = { config: ReturnType<typeof loadConfig>; log: ReturnType<typeof createLogger> };

/**
 * Runs a command; exit code 0 only when it ends cleanly. A fatal error prints one line on stderr naming
 * its cause and the setting to change (exit 1; 2 for an invalid configuration).
 */
async function run<A extends unknown[]>(command: (deps: Deps, ...args: A) => Promise<void>, ...args: A) {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Invalid configuration: ${error.problems.join('; ')}\n`);
      process.exit(2);
    }
    throw error;
  }
  // `serve` and `worker` log to stdout like any service; every other command keeps stdout for its output.
  const log = createLogger(config.logLevel, (command as unknown) === serveCommand ? undefined : standardError());
  const fail = (error: unknown) => {
    log.debug({ err: error }, 'tenantflow stopped');
    process.stderr.write(`${fatalMessage(error, config)}\n`);
    process.exit(1);
  };
  // A thrown bug leaves the process in an unknown state: it stops rather than serving half-dead. A database
  // error that graphile-worker let escape is the exception: the worker's supervisor recovers from it.
  process.on('uncaughtException', fail);
  handleUnhandledRejections(log, fail);
  try {
    await command({ config, log }, ...args);
  } catch (error) {
    fail(error);
  }
  // Explicit, so that no leftover handle (e.g. the embedded PostgreSQL handed over to another process) keeps it alive.
  process.exit(process.exitCode ?? 0);
}

export type CommandDeps = Deps;
export type Run = typeof run;

await program.parseAsync(process.argv);

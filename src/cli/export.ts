import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, graphqlClient, tokenFrom, type GraphQLClient } from './graphql-client';

export const EXPORT_BUNDLE = `query($includeCustomers: Boolean) { exportBundle(includeCustomers: $includeCustomers) }`;

export async function fetchBundle(client: GraphQLClient, includeCustomers: boolean): Promise<string> {
  return (await client.request<{ exportBundle: string }>(EXPORT_BUNDLE, { includeCustomers })).exportBundle;
}

type ExportOptions = { url?: string; tokenEnv: string; includeCustomers: boolean; out?: string };

export function exportCommand(program: Command) {
  program
    .command('export')
    .description("print the organization's sync bundle (docs/sync.md) from a server, through its GraphQL API")
    .option('--url <url>', 'the server (default: TENANTFLOW_URL)')
    .option('--token-env <name>', 'environment variable holding an admin API token', 'TENANTFLOW_TOKEN')
    .option('--include-customers', 'also customers, their customer-specific integrations and their instances', false)
    .option('--out <file>', 'write the bundle to this file instead of stdout')
    .action((options: ExportOptions) => runClientCommand(() => exportBundleTo(options)));
}

async function exportBundleTo(options: ExportOptions) {
  const url = options.url ?? process.env.TENANTFLOW_URL;
  if (!url) throw new CliError('Give --url or set TENANTFLOW_URL.');
  const bundle = await fetchBundle(graphqlClient(url, tokenFrom(options.tokenEnv)), options.includeCustomers);
  if (options.out) writeFileSync(options.out, bundle);
  else process.stdout.write(bundle);
}

/** Client commands need no server configuration: a known problem is one line on stderr and exit 1. */
export async function runClientCommand(command: () => Promise<number | void>) {
  try {
    process.exitCode = (await command()) ?? 0;
  } catch (error) {
    process.stderr.write(`${error instanceof CliError ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { SyncApplyResult } from '../domain/sync/apply';
import type { SyncPlan } from '../domain/sync/plan';
import { fetchBundle, runClientCommand } from './export';
import { CliError, graphqlClient, tokenFrom, type GraphQLClient } from './graphql-client';
import { formatPlan, palette } from './sync-output';

/** Exit codes scripts rely on: 0 applied or nothing to do, 2 the plan has blocking problems, 1 any error. */
const EXIT_BLOCKED = 2;

const PLAN = `query($bundle: String!) { planSync(bundle: $bundle) {
  planHash changes items { kind key action fields notes } problems { kind object message } } }`;
const APPLY = `mutation($bundle: String!, $planHash: String!) { applySync(input: { bundle: $bundle, planHash: $planHash }) {
  result { changes items { kind key action fields notes } } errors { field messages } } }`;

type SyncOptions = { from: string; to?: string; fromTokenEnv: string; toTokenEnv: string; includeCustomers: boolean; json: boolean; yes: boolean };

export function syncCommands(sync: Command) {
  const common = (command: Command) =>
    command
      .requiredOption('--from <url|file>', 'the source server (its bundle is exported) or a bundle file')
      .option('--to <url>', 'the target server (default: TENANTFLOW_URL)')
      .option('--from-token-env <name>', 'environment variable with an admin token of the source', 'TENANTFLOW_TOKEN')
      .option('--to-token-env <name>', 'environment variable with an admin token of the target', 'TENANTFLOW_TOKEN')
      .option('--include-customers', 'with --from <url>: also customers, their customer-specific integrations and their instances', false)
      .option('--json', 'print the plan (and result) as JSON', false);
  common(sync.command('plan').description('show what syncing the source into the target would do; exit 2 when something blocks it')).action(
    (options: SyncOptions) => runClientCommand(() => planCommand(options)),
  );
  common(sync.command('apply').description('plan, confirm, then apply in one transaction on the target'))
    .option('--yes', 'apply without asking (needed when there is no terminal)', false)
    .action((options: SyncOptions) => runClientCommand(() => applyCommand(options)));
}

async function prepare(options: SyncOptions) {
  const to = options.to ?? process.env.TENANTFLOW_URL;
  if (!to) throw new CliError('Give --to or set TENANTFLOW_URL.');
  const bundle = /^https?:\/\//.test(options.from)
    ? await fetchBundle(graphqlClient(options.from, tokenFrom(options.fromTokenEnv)), options.includeCustomers)
    : readBundleFile(options.from);
  const target = graphqlClient(to, tokenFrom(options.toTokenEnv));
  const plan = (await target.request<{ planSync: SyncPlan }>(PLAN, { bundle })).planSync;
  return { bundle, target, plan };
}

function readBundleFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`Cannot read the bundle file ${path}: ${(error as Error).message}`);
  }
}

async function planCommand(options: SyncOptions): Promise<number> {
  const { target, plan } = await prepare(options);
  process.stdout.write(options.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan, target.url, palette(process.stdout)));
  return plan.problems.length > 0 ? EXIT_BLOCKED : 0;
}

async function applyCommand(options: SyncOptions): Promise<number> {
  const { bundle, target, plan } = await prepare(options);
  const print = (result: object) => options.json && process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (!options.json) process.stdout.write(formatPlan(plan, target.url, palette(process.stdout)));
  if (plan.problems.length > 0) {
    print({ applied: false, ...plan });
    return EXIT_BLOCKED;
  }
  if (plan.changes === 0) {
    print({ applied: false, ...plan });
    if (!options.json) process.stdout.write('Nothing to do.\n');
    return 0;
  }
  if (!options.yes && !(await confirmed(plan.changes, target.url))) return 1;
  const result = await withProgress(`Applying ${plan.changes} change(s) to ${target.url}`, () => apply(target, bundle, plan.planHash));
  print({ applied: true, planHash: plan.planHash, ...result });
  if (!options.json) process.stdout.write(`Applied ${result.changes} change(s).\n`);
  return 0;
}

async function apply(target: GraphQLClient, bundle: string, planHash: string): Promise<SyncApplyResult> {
  const { applySync } = await target.request<{ applySync: { result: SyncApplyResult | null; errors: { field: string; messages: string[] }[] } }>(APPLY, {
    bundle,
    planHash,
  });
  if (applySync.result) return applySync.result;
  throw new CliError(`Nothing was applied: ${applySync.errors.map((e) => `${e.field}: ${e.messages.join(' ')}`).join('; ')}`);
}

/** Without --yes, a person confirms on a terminal; a script without one is refused rather than left waiting. */
async function confirmed(changes: number, url: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new CliError('Refusing to apply without confirmation: no terminal to ask on. Review the plan, then pass --yes.');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question(`Apply ${changes} change(s) to ${url}? [y/N] `);
  prompt.close();
  return /^y(es)?$/i.test(answer.trim());
}

/** One transaction on the server gives no partial progress, so the bar shows the time spent. */
async function withProgress<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  if (!process.stderr.isTTY) {
    process.stderr.write(`${label}…\n`);
    const result = await work();
    process.stderr.write(`${label}: done in ${elapsed()}\n`);
    return result;
  }
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  const timer = setInterval(() => process.stderr.write(`\r${frames[frame++ % frames.length]} ${label} (${elapsed()})`), 100);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    process.stderr.write(`\r${label}: ${elapsed()}\u001b[K\n`);
  }
}

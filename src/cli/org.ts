import type { Command } from 'commander';
import { openDatabase } from '../db/open';
import { listOrganizations } from '../domain/organizations/operator';
import { createOrganization } from '../domain/organizations/organizations';
import type { CommandDeps, Run } from './index';
import { printJson, printTable, reportInputError } from './output';

type CreateOptions = { name: string; adminEmail: string; adminName?: string; json?: boolean };

export function orgCommands(org: Command, run: Run) {
  org
    .command('create')
    .description(
      'create an organization with its first admin user; prints the organization id (`tenantflow token create --org <id>` then gives the admin a token)',
    )
    .requiredOption('--name <name>', 'the organization name (unique; --org accepts it)')
    .requiredOption('--admin-email <email>', 'email of its first admin user')
    .option('--admin-name <name>', "the admin's display name (default: the email)")
    .option('--json', 'print the organization and its admin as JSON')
    .action((options: CreateOptions) => run(createOrg, options));
  org
    .command('list')
    .description('list the organizations of this deployment')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => run(listOrgs, options));
}

async function createOrg({ config, log }: CommandDeps, options: CreateOptions) {
  const database = await openDatabase(config, log);
  try {
    const { org, admin } = await createOrganization(database.db, {
      name: options.name,
      adminEmail: options.adminEmail,
      adminName: options.adminName ?? options.adminEmail,
    });
    if (options.json)
      printJson({ id: org.id, name: org.name, createdAt: org.createdAt, admin: { id: admin.userId, email: options.adminEmail, role: admin.role } });
    else {
      process.stderr.write(`Created organization "${org.name}" with admin ${options.adminEmail}; its id:\n`);
      process.stdout.write(`${org.id}\n`);
    }
  } catch (error) {
    reportInputError(error, (field) => ({ name: '--name', adminEmail: '--admin-email' })[field] ?? `--${field}`);
  } finally {
    await database.shutdown();
  }
}

async function listOrgs({ config, log }: CommandDeps, options: { json?: boolean }) {
  const database = await openDatabase(config, log);
  try {
    const orgs = await listOrganizations(database.db);
    if (options.json) printJson(orgs.map(({ id, name, createdAt, userCount }) => ({ id, name, createdAt, userCount })));
    else
      printTable(
        ['ID', 'NAME', 'USERS', 'CREATED'],
        orgs.map((org) => [org.id, org.name, org.userCount, org.createdAt.toISOString()]),
      );
  } finally {
    await database.shutdown();
  }
}

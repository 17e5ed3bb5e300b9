import type { Command } from 'commander';
import { openDatabase } from '../db/open';
import { findAdmin } from '../domain/organizations/operator';
import { createOrgUser, ORG_USER_ROLES } from '../domain/users/create-org-user';
import type { CommandDeps, Run } from './index';
import { printJson, reportInputError } from './output';

type CreateOptions = { org?: string; role: string; email: string; name?: string; json?: boolean };

export function userCommands(user: Command, run: Run) {
  user
    .command('create')
    .description('add an admin or member to an organization and print their first API token (shown once; its id goes to stderr)')
    .requiredOption('--email <email>', 'the user’s email (unique in the organization)')
    .requiredOption('--role <role>', ORG_USER_ROLES.join(' or '))
    .option('--org <org>', 'organization id or name (needed only when there are several)')
    .option('--name <name>', 'display name (default: the email)')
    .option('--json', 'print the user and token as JSON')
    .action((options: CreateOptions) => run(createUser, options));
}

async function createUser({ config, log }: CommandDeps, options: CreateOptions) {
  const database = await openDatabase(config, log);
  try {
    const admin = await findAdmin(database.db, { org: options.org });
    const { user, token, tokenRecord } = await createOrgUser(database.db, admin, { email: options.email, name: options.name, role: options.role });
    if (options.json) {
      printJson({
        user: { id: user.id, email: user.email, name: user.name, role: user.role, orgId: user.orgId },
        token: { id: tokenRecord.id, name: tokenRecord.name, token },
      });
    } else {
      process.stderr.write(`Created ${user.role} ${user.email} in "${admin.orgName}"; token id ${tokenRecord.id} (the token is shown only now):\n`);
      process.stdout.write(`${token}\n`);
    }
  } catch (error) {
    reportInputError(error);
  } finally {
    await database.shutdown();
  }
}

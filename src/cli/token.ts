import type { Command } from 'commander';
import { openDatabase } from '../db/open';
import { createApiToken, revokeApiToken } from '../domain/auth/api-tokens';
import { InvalidInputError } from '../domain/errors';
import { findAdmin } from '../domain/organizations/operator';
import type { CommandDeps, Run } from './index';

type CreateOptions = { name: string; org?: string; email?: string };

export function tokenCommands(token: Command, run: Run) {
  token
    .command('create')
    .description('create an API token for an admin user and print it (shown once)')
    .option('--name <name>', 'what the token is for', 'cli token')
    .option('--org <org>', 'organization id or name (needed only when there are several)')
    .option('--email <email>', 'the admin user to act as (default: the first admin)')
    .action((options: CreateOptions) => run(createToken, options));
  token
    .command('revoke')
    .description('revoke an API token by its id (the uuid, or the ApiToken global id)')
    .argument('<id>')
    .option('--org <org>', 'organization id or name')
    .action((id: string, options: { org?: string }) => run(revokeToken, id, options));
}

async function createToken({ config, log }: CommandDeps, options: CreateOptions) {
  const database = await openDatabase(config, log);
  try {
    const admin = await findAdmin(database.db, options);
    const { token } = await createApiToken(database.db, admin, { name: options.name });
    process.stderr.write(`Token for ${admin.email ?? admin.userId} in "${admin.orgName}" (shown only now):\n`);
    process.stdout.write(`${token}\n`);
  } catch (error) {
    reportInputError(error);
  } finally {
    await database.shutdown();
  }
}

async function revokeToken({ config, log }: CommandDeps, id: string, options: { org?: string }) {
  const database = await openDatabase(config, log);
  try {
    const admin = await findAdmin(database.db, options);
    const uuid = id.includes('-')
      ? id
      : Buffer.from(id, 'base64')
          .toString('utf8')
          .replace(/^ApiToken:/, '');
    const revoked = await revokeApiToken(database.db, admin, uuid);
    process.stdout.write(`revoked "${revoked.name}" (${revoked.id})\n`);
  } catch (error) {
    reportInputError(error);
  } finally {
    await database.shutdown();
  }
}

function reportInputError(error: unknown) {
  if (!(error instanceof InvalidInputError)) throw error;
  for (const { field, messages } of error.fieldErrors) process.stderr.write(`--${field}: ${messages.join(' ')}\n`);
  process.exitCode = 2;
}

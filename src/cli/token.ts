import type { Command } from 'commander';
import { openDatabase } from '../db/open';
import { createApiToken, listApiTokens, revokeApiToken, type ApiToken } from '../domain/auth/api-tokens';
import { invalid } from '../domain/errors';
import { findAdmin } from '../domain/organizations/operator';
import type { CommandDeps, Run } from './index';
import { printJson, printTable, reportInputError } from './output';

type Selector = { org?: string; email?: string; json?: boolean };
type CreateOptions = Selector & { name: string };

export function tokenCommands(token: Command, run: Run) {
  token
    .command('create')
    .description('create an API token for an admin user: the token alone on stdout (shown once), its id on stderr')
    .option('--name <name>', 'what the token is for', 'cli token')
    .option('--org <org>', 'organization id or name (needed only when there are several)')
    .option('--email <email>', 'the admin user to act as (default: the first admin)')
    .option('--json', 'print the token and its id as JSON')
    .action((options: CreateOptions) => run(createToken, options));
  token
    .command('list')
    .description("list an organization's API tokens (never their values)")
    .option('--org <org>', 'organization id or name')
    .option('--json', 'print JSON')
    .action((options: Selector) => run(listTokens, options));
  token
    .command('revoke')
    .description('revoke an API token by its id (the uuid `token create` and `token list` print, or the ApiToken global id)')
    .argument('<id>')
    .option('--org <org>', 'organization id or name')
    .option('--json', 'print the revoked token as JSON')
    .action((id: string, options: Selector) => run(revokeToken, id, options));
}

async function createToken({ config, log }: CommandDeps, options: CreateOptions) {
  const database = await openDatabase(config, log);
  try {
    const admin = await findAdmin(database.db, options);
    const { token, record } = await createApiToken(database.db, admin, { name: options.name });
    if (options.json) printJson({ ...describe(record), token });
    else {
      process.stderr.write(`Token id ${record.id} for ${admin.email ?? admin.userId} in "${admin.orgName}" (the token is shown only now):\n`);
      process.stdout.write(`${token}\n`);
    }
  } catch (error) {
    reportInputError(error);
  } finally {
    await database.shutdown();
  }
}

async function listTokens({ config, log }: CommandDeps, options: Selector) {
  const database = await openDatabase(config, log);
  try {
    const tokens = await listApiTokens(database.db, await findAdmin(database.db, { org: options.org }));
    if (options.json) printJson(tokens.map(describe));
    else {
      printTable(
        ['ID', 'NAME', 'USER', 'CREATED', 'LAST USED', 'REVOKED'],
        tokens.map((t) => [t.id, t.name, t.userId, t.createdAt.toISOString(), t.lastUsedAt?.toISOString() ?? null, t.revokedAt?.toISOString() ?? null]),
      );
    }
  } catch (error) {
    reportInputError(error);
  } finally {
    await database.shutdown();
  }
}

async function revokeToken({ config, log }: CommandDeps, id: string, options: Selector) {
  const database = await openDatabase(config, log);
  try {
    const admin = await findAdmin(database.db, { org: options.org });
    const revoked = await revokeApiToken(database.db, admin, tokenUuid(id));
    if (options.json) printJson(describe(revoked));
    else process.stdout.write(`revoked "${revoked.name}" (${revoked.id})\n`);
  } catch (error) {
    reportInputError(error, () => '<id>');
  } finally {
    await database.shutdown();
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The uuid itself, or the ApiToken global id the API shows (base64 of `ApiToken:<uuid>`). */
function tokenUuid(id: string): string {
  if (UUID.test(id)) return id;
  const decoded = Buffer.from(id, 'base64').toString('utf8');
  const uuid = decoded.replace(/^ApiToken:/, '');
  if (decoded.startsWith('ApiToken:') && UUID.test(uuid)) return uuid;
  throw invalid('id', `"${id}" is not a token id; \`tenantflow token list\` shows them.`);
}

const describe = (t: ApiToken) => ({
  id: t.id,
  name: t.name,
  userId: t.userId,
  orgId: t.orgId,
  createdAt: t.createdAt,
  lastUsedAt: t.lastUsedAt,
  revokedAt: t.revokedAt,
});

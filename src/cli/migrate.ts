import { openDatabase } from '../db/open';
import type { CommandDeps } from './index';
import { printJson } from './output';

export async function migrateCommand({ config, log }: CommandDeps, options: { json?: boolean }) {
  const database = await openDatabase(config, log);
  try {
    const applied = database.appliedMigrations;
    if (options.json) printJson({ applied });
    else if (applied.length === 0) process.stdout.write('Database schema is up to date; no migration applied.\n');
    else process.stdout.write(`Applied ${applied.length} migration${applied.length === 1 ? '' : 's'}:\n${applied.map((name) => `  ${name}\n`).join('')}`);
  } finally {
    await database.shutdown();
  }
}

import { openDatabase } from '../db/open';
import type { CommandDeps } from './index';

export async function migrateCommand({ config, log }: CommandDeps) {
  const database = await openDatabase(config, log);
  log.info('migrations applied');
  await database.shutdown();
}

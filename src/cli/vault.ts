import type { Command } from 'commander';
import { openDatabase } from '../db/open';
import { loadMasterKeys } from '../vault/master-key';
import { Vault } from '../vault/vault';
import type { CommandDeps, Run } from './index';

export function vaultCommands(vault: Command, run: Run) {
  vault
    .command('rotate')
    .description('re-wrap every data key with TENANTFLOW_MASTER_KEY; set the old key(s) in TENANTFLOW_PREVIOUS_MASTER_KEYS on every process first')
    .action(() => run(rotate));
}

async function rotate({ config, log }: CommandDeps) {
  const database = await openDatabase(config, log);
  try {
    const keys = await loadMasterKeys({ fromEnv: config.masterKey, previous: config.previousMasterKeys, dataDir: config.dataDir, db: database.db });
    const rotated = await new Vault(keys.current, keys.previous).rotate(database.db);
    process.stdout.write(`re-wrapped ${rotated} data keys with master key ${keys.current.id}; the previous keys are no longer needed\n`);
  } finally {
    await database.shutdown();
  }
}

import type { Command } from 'commander';
import { openDatabase } from '../db/open';
import { rotateMasterKey } from '../vault/rotate-master-key';
import type { CommandDeps, Run } from './index';
import { printJson } from './output';

export function vaultCommands(vault: Command, run: Run) {
  vault
    .command('rotate')
    .description(
      're-wrap every data key with a new master key: TENANTFLOW_MASTER_KEY when set (the old key in TENANTFLOW_PREVIOUS_MASTER_KEYS or DATA_DIR/master-key), ' +
        'otherwise a new key generated into DATA_DIR/master-key; the key file is updated to the new key',
    )
    .option('--json', 'print the result as JSON')
    .action((options: { json?: boolean }) => run(rotate, options));
}

async function rotate({ config, log }: CommandDeps, options: { json?: boolean }) {
  const database = await openDatabase(config, log);
  try {
    const result = await rotateMasterKey(database.db, { fromEnv: config.masterKey, previous: config.previousMasterKeys, dataDir: config.dataDir });
    if (options.json) printJson(result);
    else {
      process.stdout.write(`re-wrapped ${result.rotated} data keys with master key ${result.keyId}; the previous keys are no longer needed\n`);
      if (result.keyFileUpdated) {
        process.stdout.write(
          `${result.keyFileUpdated} now holds the new key; restart running tenantflow processes that read it (they still hold the previous key)\n`,
        );
      }
    }
  } finally {
    await database.shutdown();
  }
}

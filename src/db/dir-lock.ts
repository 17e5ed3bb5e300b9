import fs from 'node:fs';
import { isAlive } from './local-processes';

const WAIT_MS = 60_000;

/**
 * Runs `fn` while holding a lock file that holds this pid, so the processes sharing an embedded data dir
 * start, attach and stop one at a time. A lock left by a killed process (dead pid) is taken over.
 */
export async function withDirLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(file, 'utf8') || '0');
      if (holder > 0 && !isAlive(holder)) fs.rmSync(file, { force: true });
      else if (Date.now() > deadline) throw new Error(`${file} has been held by process ${holder} for over a minute`, { cause: error });
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

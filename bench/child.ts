/**
 * Benchmark helpers that run in a child process of their own (the HTTP load client, the baseline server), so
 * their CPU is not charged to the server measured in the parent. Children are TypeScript run through tsx and
 * talk to the parent by IPC: one request, one reply, matched by id.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type BenchChild<Request, Reply> = { ask: (request: Request) => Promise<Reply>; close: () => Promise<void> };

type Envelope<T> = { id: number } & ({ reply: T } | { error: string });

export async function forkBenchChild<Request, Reply>(file: string, args: string[] = []): Promise<BenchChild<Request, Reply>> {
  const child: ChildProcess = fork(fileURLToPath(new URL(file, import.meta.url)), args, { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const waiting = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  let next = 0;
  child.on('message', (message: Envelope<Reply> | 'ready') => {
    if (message === 'ready') return;
    const pending = waiting.get(message.id);
    waiting.delete(message.id);
    if ('error' in message) pending?.reject(new Error(message.error));
    else pending?.resolve(message.reply);
  });
  child.on('exit', (code) => {
    for (const pending of waiting.values()) pending.reject(new Error(`${file} exited with code ${code}`));
    waiting.clear();
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', (message) => (message === 'ready' ? resolve() : reject(new Error(`${file}: unexpected first message`))));
    child.once('exit', (code) => reject(new Error(`${file} exited with code ${code} before it was ready`)));
  });
  return {
    ask: (request) =>
      new Promise<Reply>((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve, reject });
        child.send({ id, request });
      }),
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
    },
  };
}

/** The child side: answers each request of the parent with `handle`, and says when it is ready. */
export function serveParent<Request, Reply>(handle: (request: Request) => Promise<Reply>) {
  process.on('message', async ({ id, request }: { id: number; request: Request }) => {
    try {
      process.send!({ id, reply: await handle(request) });
    } catch (error) {
      process.send!({ id, error: error instanceof Error ? error.message : String(error) });
    }
  });
  // The parent closes the IPC channel to stop the child.
  process.on('disconnect', () => process.exit(0));
  process.send!('ready');
}

/**
 * Where this process's CPU goes while some work runs (the benchmarks' servers run in the parent, their load
 * clients in child processes): V8's sampling profiler, summarized as self time by package or source folder,
 * and as inclusive time of chosen functions.
 */
import type { Profiler } from 'node:inspector';
import { Session } from 'node:inspector/promises';

export type CpuProfileSummary = {
  /** Self time share (0–100) by package, `src/` folder or node internals, largest first. */
  selfByPlace: [string, number][];
  /**
   * Inclusive time share (0–100) of each function asked for (samples with it anywhere on the stack), by name
   * or as `name@path` when the name alone is ambiguous (`parse@graphql/language`).
   */
  inclusive: Map<string, number>;
};

function placeOfScript(url: string) {
  if (url.includes('node_modules/')) {
    const parts = url.split('node_modules/').at(-1)!.split('/');
    return parts.slice(0, parts[0]!.startsWith('@') ? 2 : 1).join('/');
  }
  if (url.includes('/src/')) return `src/${url.split('/src/')[1]!.split('/').slice(0, -1).join('/')}`;
  return 'node internals';
}

/**
 * A frame without a script (V8 builtins and native functions such as `writev`) is charged to the nearest caller
 * that has one, so the table says whose work it is; V8's own entries (`(garbage collector)`, `(idle)`) stay apart.
 */
function placeOf(stack: readonly { functionName: string; url: string }[]) {
  const [frame] = stack;
  if (frame!.url) return placeOfScript(frame!.url);
  const name = frame!.functionName || '(program)';
  if (name.startsWith('(')) return name;
  const caller = stack.find((at) => at.url);
  if (!caller) return name;
  const place = placeOfScript(caller.url);
  return `${name} ← ${place === 'node internals' ? `${caller.url} ${caller.functionName}` : place}`;
}

export async function profileCpu(work: () => Promise<unknown>, functions: readonly string[] = []): Promise<CpuProfileSummary> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  let profile: Profiler.Profile;
  try {
    await work();
  } finally {
    profile = (await session.post('Profiler.stop')).profile;
    session.disconnect();
  }
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map(functions.map((name) => [name, 0]));
  let total = 0;
  const dt = profile.timeDeltas ?? [];
  (profile.samples ?? []).forEach((id, i) => {
    const us = dt[i] ?? 0;
    const stack: { functionName: string; url: string }[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) stack.push(nodes.get(at)!.callFrame);
    // The inspector session taking this profile runs in this process: its own work is not the measured server's.
    if (stack.some((frame) => frame.url.includes('node:inspector'))) return;
    total += us;
    const place = placeOf(stack);
    self.set(place, (self.get(place) ?? 0) + us);
    for (const spec of functions) {
      const [name, path = ''] = spec.split('@');
      if (stack.some((frame) => frame.functionName === name && frame.url.includes(path))) inclusive.set(spec, inclusive.get(spec)! + us);
    }
  });
  const share = (us: number) => (100 * us) / (total || 1);
  return {
    selfByPlace: [...self].sort((a, b) => b[1] - a[1]).map(([place, us]) => [place, share(us)]),
    inclusive: new Map([...inclusive].map(([name, us]) => [name, share(us)])),
  };
}

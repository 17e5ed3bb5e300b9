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

function placeOf(frame: { url: string; functionName: string }) {
  if (frame.url.includes('node_modules/')) {
    const parts = frame.url.split('node_modules/').at(-1)!.split('/');
    return parts.slice(0, parts[0]!.startsWith('@') ? 2 : 1).join('/');
  }
  if (frame.url.includes('/src/')) return `src/${frame.url.split('/src/')[1]!.split('/').slice(0, -1).join('/')}`;
  return frame.url ? 'node internals' : frame.functionName || '(program)';
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
    total += us;
    const place = placeOf(nodes.get(id)!.callFrame);
    self.set(place, (self.get(place) ?? 0) + us);
    const stack: { functionName: string; url: string }[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) stack.push(nodes.get(at)!.callFrame);
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

import DataLoader from 'dataloader';
import type { Context } from '../context';

const perRequest = new WeakMap<Context, Map<string, DataLoader<unknown, unknown>>>();

/** A DataLoader that lives for one request (one context), so batching never mixes callers or caches stale data. */
export function requestLoader<K, V>(
  ctx: Context,
  name: string,
  batch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>,
  cacheKey?: (key: K) => unknown,
): DataLoader<K, V, unknown> {
  let loaders = perRequest.get(ctx);
  if (!loaders) perRequest.set(ctx, (loaders = new Map()));
  let loader = loaders.get(name) as DataLoader<K, V, unknown> | undefined;
  if (!loader) {
    loader = new DataLoader<K, V, unknown>(batch, { cacheKeyFn: cacheKey });
    loaders.set(name, loader as DataLoader<unknown, unknown>);
  }
  return loader;
}

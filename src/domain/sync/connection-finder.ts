import type { DbOrTx } from '../../db/client';
import type { Actor } from '../actor';
import { findConnection, type ConnectionRecord } from '../components/registry';

/** findConnection with a cache: a bundle names the same few connection types over and over. */
export function connectionFinder(db: DbOrTx, actor: Actor) {
  const cache = new Map<string, Promise<ConnectionRecord | null>>();
  return (component: string, connection: string): Promise<ConnectionRecord | null> => {
    const key = `${component}/${connection}`;
    if (!cache.has(key)) cache.set(key, findConnection(db, actor, component, connection));
    return cache.get(key)!;
  };
}

import { findConnection, type ConnectionRecord } from '../../domain/components/registry';
import { describeValues } from '../../domain/connections/expressions';
import type { ScopedConfigVariable } from '../../domain/connections/scoped-config-variables';
import { directDataKeys, type DataKeySource } from '../../vault/vault';
import type { Context } from '../context';
import { actorOf } from './actor';
import { resolveConnection, type ConnectionArgs } from './connection';
import { requestLoader } from './loaders';

/** The component connection behind a reusable connection or a connector auth, loaded once per request and component. */
export function connectionOfScoped(ctx: Context, scv: Pick<ScopedConfigVariable, 'componentKey' | 'connectionKey'>): Promise<ConnectionRecord> {
  const loader = requestLoader<string, ConnectionRecord>(ctx, 'connectionByKeys', async (keys) =>
    Promise.all(
      keys.map(async (key) => {
        const [componentKey, connectionKey] = key.split('\u0000') as [string, string];
        return (await findConnection(ctx.db, actorOf(ctx), componentKey, connectionKey)) ?? new Error(`connection ${key} is gone`);
      }),
    ),
  );
  return loader.load(`${scv.componentKey}\u0000${scv.connectionKey}`);
}

/** Data keys by id, batched across every value a response shows. */
export function requestDataKeys(ctx: Context): DataKeySource {
  const loader = requestLoader(ctx, 'dataKeys', async (ids: readonly string[]) => {
    const rows = await directDataKeys(ctx.db)([...ids]);
    return ids.map((id) => rows.find((row) => row.id === id) ?? new Error('missing data key'));
  });
  return async (ids) => {
    const results = await loader.loadMany(ids);
    return results.filter((row): row is Exclude<typeof row, Error> => !(row instanceof Error));
  };
}

/** Stored connection inputs as one page of expressions: non-secret values shown, a PASSWORD only as `hasValue`. */
export async function inputsPage(ctx: Context, args: ConnectionArgs, stored: Parameters<typeof describeValues>[2]) {
  const all = await describeValues(ctx.vault, requestDataKeys(ctx), stored);
  return resolveConnection(args, async (page) => ({ rows: all.slice(page.offset, page.offset + page.limit), totalCount: all.length }));
}

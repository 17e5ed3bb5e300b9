import { FieldErrors } from '../../domain/errors';
import type { Page, PageResult, Sort, SortDirection } from '../../domain/pagination';
import type { ObjectRef } from '@pothos/core';
import type { GraphQLResolveInfo } from 'graphql';
import { builder } from '../builder';
import { selectsField } from './selection';

export const MAX_PAGE_SIZE = 100;

/**
 * For the query cost: a list sliced from a definition already in memory (a component's connections, an
 * instance's config variables) costs its typical length, not a full default page of database rows.
 */
export const inMemoryList = { assumedSize: 10 };

export type ConnectionArgs = {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  offset?: number | null;
};

// Prismatic's cursors are graphene's `arrayconnection:<index>`; clients that store them keep working.
const PREFIX = 'arrayconnection:';
export const encodeCursor = (index: number) => Buffer.from(`${PREFIX}${index}`).toString('base64');

function decodeCursor(cursor: string, field: string, errors: FieldErrors): number {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  const index = Number(text.slice(PREFIX.length));
  if (!text.startsWith(PREFIX) || !Number.isInteger(index) || index < 0) {
    errors.add(field, `"${cursor}" is not a cursor of this list.`);
    return 0;
  }
  return index;
}

function checkSize(value: number | null | undefined, field: string, errors: FieldErrors) {
  if (value != null && (value < 0 || value > MAX_PAGE_SIZE)) {
    errors.add(field, `Must be between 0 and ${MAX_PAGE_SIZE}; page through larger lists with "after".`);
  }
}

/**
 * Loads one page of a list. `loadPage` runs the domain query for a window; `last` without `before` needs the
 * total first, so it costs one extra count. Given the resolver's `info`, a list whose `totalCount` is not
 * selected is not counted.
 */
export async function resolveConnection<T>(args: ConnectionArgs, loadPage: (page: Page) => Promise<PageResult<T>>, info?: GraphQLResolveInfo) {
  const errors = new FieldErrors();
  checkSize(args.first, 'first', errors);
  checkSize(args.last, 'last', errors);
  if (args.offset != null && args.offset < 0) errors.add('offset', 'Must not be negative.');
  // Prismatic clients start paging with `after: ""`: an empty cursor means none.
  const after = args.after ? decodeCursor(args.after, 'after', errors) : null;
  const before = args.before ? decodeCursor(args.before, 'before', errors) : null;
  errors.throwIfAny();

  let start = (args.offset ?? 0) + (after != null ? after + 1 : 0);
  let end = before ?? Number.POSITIVE_INFINITY;
  if (args.first != null) end = Math.min(end, start + args.first);
  if (args.last != null) {
    if (!Number.isFinite(end)) end = (await loadPage({ offset: 0, limit: 0 })).totalCount;
    start = Math.max(start, end - args.last);
  }
  const span = Number.isFinite(end) ? end - start : MAX_PAGE_SIZE;
  const limit = Math.max(0, Math.min(span, MAX_PAGE_SIZE));
  const { rows, totalCount } = await loadPage({ offset: start, limit, countTotal: !info || selectsField(info, 'totalCount') });
  const edges = rows.map((node, i) => ({ node, cursor: encodeCursor(start + i) }));
  return {
    edges,
    totalCount,
    pageInfo: {
      hasPreviousPage: start > 0,
      hasNextPage: start + rows.length < totalCount,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

export const OrderDirection = builder.enumType('OrderDirection', { values: ['ASC', 'DESC'] as const });

/**
 * Prismatic clients send both `sortBy: [XOrder]` and the older `orderBy: XOrder`; both are accepted and merged.
 */
export function sortsOf<F extends string>(args: {
  sortBy?: readonly ({ field: F; direction: SortDirection } | null)[] | null;
  orderBy?: { field: F; direction: SortDirection } | null;
}): Sort<F>[] {
  const list = [...(args.sortBy ?? []), ...(args.orderBy ? [args.orderBy] : [])];
  return list.filter((s): s is Sort<F> => s != null);
}

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** `<Type>Connection` / `<Type>Edge` with Prismatic's `totalCount`, shared by every field listing that type. */
export function connectionOf<Shape>(type: ObjectRef<Types, Shape>, typeName: string) {
  return builder.connectionObject(
    {
      type,
      name: `${typeName}Connection`,
      fields: (t) => ({
        totalCount: t.int({ resolve: (connection) => (connection as unknown as { totalCount: number }).totalCount }),
      }),
    },
    { name: `${typeName}Edge` },
  );
}

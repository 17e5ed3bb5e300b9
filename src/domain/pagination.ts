export type SortDirection = 'ASC' | 'DESC';
export type Sort<F extends string> = { field: F; direction: SortDirection };
/**
 * The slice of a list a caller asked for, already bounded by the API layer. `countTotal: false` when nobody
 * reads the total: the list is not counted, and PageResult.totalCount only says whether more rows follow.
 */
export type Page = { offset: number; limit: number; countTotal?: boolean };
export type PageResult<T> = { rows: T[]; totalCount: number };

/** Rows to select for a page: one more than the page when the total is not counted, to know whether more follow. */
export const rowsToFetch = (page: Page) => (page.countTotal === false ? page.limit + 1 : page.limit);

/**
 * A page selected with rowsToFetch and not counted: its totalCount is the page's end, plus one when a row
 * follows, which is all hasNextPage needs.
 */
export function uncountedPage<T>(page: Page, fetched: T[]): PageResult<T> {
  return { rows: fetched.slice(0, page.limit), totalCount: page.offset + fetched.length };
}

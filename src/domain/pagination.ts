export type SortDirection = 'ASC' | 'DESC';
export type Sort<F extends string> = { field: F; direction: SortDirection };
/** The slice of a list a caller asked for, already bounded by the API layer. */
export type Page = { offset: number; limit: number };
export type PageResult<T> = { rows: T[]; totalCount: number };

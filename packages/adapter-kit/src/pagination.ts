/**
 * Pagination as async iterables with resumable cursors.
 *
 * {@link paginate} walks a cursor-based API page by page; every page carries the cursor that fetched it and a resume
 * token (`next`), so a sync that crashed after page 7 restarts from page 7's `next` and sees exactly pages 8, 9, ...
 * {@link paginateItems} flattens pages into items and {@link paginateOffset} adapts offset/limit APIs.
 *
 * No `node:` imports: this module runs on Node, Bun, Deno and edge runtimes.
 *
 * @module
 */
import { AbortedError, type AbortSignalLike, CrmkitError, InvalidArgumentError, throwIfAborted } from '@crmkit/model';
import { raceAbort } from './abort';

/** What a page fetcher returns: the page's items and, when more pages follow, the cursor of the next page. */
export interface FetchedPage<T, C> {
  /** The items of this page, in the vendor's order. May be empty. */
  items: T[];
  /** The cursor of the next page; `undefined` (or absent) on the last page. */
  next?: C | undefined;
}

/**
 * Fetches one page. `cursor` is `undefined` for the first page. Pass `signal` on to the HTTP call so an abort
 * cancels the request in flight.
 */
export type FetchPage<T, C> = (
  cursor: C | undefined,
  signal: AbortSignalLike | undefined,
) => Promise<FetchedPage<T, C>>;

/** One page yielded by {@link paginate}. */
export interface Page<T, C> {
  /** The items of this page. */
  items: T[];
  /** The cursor that fetched this page (`undefined` for the very first page of a listing). */
  cursor: C | undefined;
  /**
   * Resume token: pass it as {@link PaginateOptions.cursor} to continue right after this page. `undefined` on the
   * last page, which means nothing remains (do not resume; passing `undefined` starts over).
   */
  next: C | undefined;
  /** Zero-based position of this page within this call of {@link paginate} (not within the whole listing). */
  index: number;
}

/** Options of {@link paginate} and {@link paginateItems}. */
export interface PaginateOptions<C> {
  /** Start from this cursor (a {@link Page.next} from an earlier run) instead of the first page. */
  cursor?: C | undefined;
  /** Cancels between pages and during a page fetch; the iterator then throws `AbortedError`. */
  signal?: AbortSignalLike | undefined;
  /** Stop (without error) after this many pages; the last page's `next` resumes. Positive integer. */
  maxPages?: number | undefined;
  /**
   * Turns a cursor into a string key for loop detection. Defaults to the string itself for strings, a typed string
   * for other primitives and `JSON.stringify` for objects.
   */
  cursorKey?: ((cursor: C) => string) | undefined;
}

const paginationLoopMarker = Symbol.for('crmkit.error.pagination-loop');

/**
 * A vendor returned a `next` cursor that was already used in this listing, which would loop forever.
 * Code `PAGINATION_LOOP`.
 *
 * @example
 * ```ts
 * try {
 *   for await (const page of paginate(fetchPage)) await save(page.items);
 * } catch (error) {
 *   if (PaginationLoopError.isInstance(error)) console.warn(error.pageIndex);
 * }
 * ```
 */
export class PaginationLoopError extends CrmkitError {
  protected readonly [paginationLoopMarker] = true;
  /** Index (within this call) of the page that returned the repeated cursor. */
  readonly pageIndex: number;

  constructor(options: { pageIndex: number; cursorKey: string }) {
    const shown = options.cursorKey.length > 80 ? `${options.cursorKey.slice(0, 80)}...` : options.cursorKey;
    super({
      code: 'PAGINATION_LOOP',
      message: `[crmkit/adapter-kit] Pagination loop: page ${options.pageIndex} returned next cursor ${shown}, which was already fetched in this listing. The vendor API is repeating itself; stopping instead of looping forever.`,
    });
    this.name = 'PaginationLoopError';
    this.pageIndex = options.pageIndex;
  }

  /** True when `error` is a {@link PaginationLoopError} from any copy of the package. */
  static override isInstance(error: unknown): error is PaginationLoopError {
    return (
      typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[paginationLoopMarker] === true
    );
  }
}

/**
 * Walks a cursor-based listing as an async iterable of pages.
 *
 * Resumable: a page's `next`, passed back as `options.cursor`, yields exactly the pages after it. Aborting the
 * signal stops between pages and cancels the page in flight (`AbortedError` from `@crmkit/model`). A `next` cursor
 * that was already fetched in this call throws {@link PaginationLoopError} instead of looping forever.
 *
 * @example
 * ```ts
 * const pages = paginate<Contact, string>(async (after, signal) => {
 *   const res = await api.get('crm/v3/objects/contacts', { searchParams: after ? { after } : {}, signal }).json();
 *   return { items: res.results, next: res.paging?.next?.after };
 * }, { cursor: checkpoint.after, signal });
 * for await (const page of pages) {
 *   await store(page.items);
 *   await saveCheckpoint(page.next); // undefined once the listing is complete
 * }
 * ```
 */
export function paginate<T, C>(
  fetchPage: FetchPage<T, C>,
  options: PaginateOptions<C> = {},
): AsyncIterable<Page<T, C>> {
  if (typeof fetchPage !== 'function') {
    throw new InvalidArgumentError({
      argument: 'fetchPage',
      message: '[crmkit/adapter-kit] paginate: fetchPage must be a function.',
    });
  }
  const { maxPages, signal } = options;
  if (maxPages !== undefined && (!Number.isInteger(maxPages) || maxPages < 1)) {
    throw new InvalidArgumentError({
      argument: 'maxPages',
      message: `[crmkit/adapter-kit] paginate: maxPages must be a positive integer, got ${String(maxPages)}.`,
    });
  }
  const keyOf = options.cursorKey ?? defaultCursorKey;
  return {
    async *[Symbol.asyncIterator]() {
      const seen = new Set<string>();
      let cursor = options.cursor;
      if (cursor !== undefined) seen.add(keyOf(cursor));
      for (let index = 0; maxPages === undefined || index < maxPages; index++) {
        throwIfAborted(signal);
        const fetched = await fetchAbortable(fetchPage, cursor, signal);
        throwIfAborted(signal);
        if (typeof fetched !== 'object' || fetched === null || !Array.isArray(fetched.items)) {
          throw new InvalidArgumentError({
            argument: 'fetchPage',
            message: `[crmkit/adapter-kit] paginate: fetchPage must resolve to { items: [], next? }; page ${index} did not.`,
          });
        }
        const next = fetched.next ?? undefined;
        if (next !== undefined) {
          const key = keyOf(next);
          if (seen.has(key)) throw new PaginationLoopError({ pageIndex: index, cursorKey: key });
          seen.add(key);
        }
        yield { items: fetched.items, cursor, next, index };
        if (next === undefined) return;
        cursor = next;
      }
    },
  };
}

/**
 * Walks a cursor-based listing item by item. Takes the same arguments as {@link paginate}; use `paginate` itself
 * when you need checkpoints (items carry no resume token).
 *
 * @example
 * ```ts
 * for await (const owner of paginateItems(fetchOwnersPage, { signal })) console.log(owner.email);
 * ```
 */
export async function* paginateItems<T, C>(
  fetchPage: FetchPage<T, C>,
  options: PaginateOptions<C> = {},
): AsyncIterable<T> {
  for await (const page of paginate(fetchPage, options)) {
    for (const item of page.items) {
      throwIfAborted(options.signal);
      yield item;
    }
  }
}

/** What {@link paginateOffset} asks the fetcher for. */
export interface OffsetRequest {
  /** Number of items to skip. */
  offset: number;
  /** Page size. */
  limit: number;
  /** Pass on to the HTTP call. */
  signal: AbortSignalLike | undefined;
}

/** What an offset fetcher returns. Give `hasMore` or `total` when the API reports them. */
export interface OffsetPage<T> {
  /** The items of this page. */
  items: T[];
  /** Whether more items follow. Wins over `total`. */
  hasMore?: boolean | undefined;
  /** Total number of items in the listing. */
  total?: number | undefined;
}

/** Options of {@link paginateOffset}. */
export interface PaginateOffsetOptions {
  /** Items per page. Positive integer. */
  pageSize: number;
  /** Start at this offset (a {@link Page.next} from an earlier run); default 0. */
  offset?: number | undefined;
  /** Cancels between pages and during a page fetch. */
  signal?: AbortSignalLike | undefined;
  /** Stop (without error) after this many pages. */
  maxPages?: number | undefined;
}

/**
 * Walks an offset/limit listing as resumable pages whose cursor is the offset. More pages follow when the fetcher
 * says `hasMore`, else while `offset + items < total`, else while a page comes back full. A page that reports more
 * items but returns none throws {@link PaginationLoopError}.
 *
 * @example
 * ```ts
 * const pages = paginateOffset<Deal>(async ({ offset, limit, signal }) => {
 *   const res = await api.get('v1/deals', { searchParams: { start: offset, limit }, signal }).json();
 *   return { items: res.data, hasMore: res.additional_data.pagination.more_items_in_collection };
 * }, { pageSize: 100, offset: checkpoint.offset });
 * for await (const page of pages) await store(page.items);
 * ```
 */
export function paginateOffset<T>(
  fetchPage: (request: OffsetRequest) => Promise<OffsetPage<T>>,
  options: PaginateOffsetOptions,
): AsyncIterable<Page<T, number>> {
  const { pageSize } = options;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new InvalidArgumentError({
      argument: 'pageSize',
      message: `[crmkit/adapter-kit] paginateOffset: pageSize must be a positive integer, got ${String(pageSize)}.`,
    });
  }
  const start = options.offset ?? 0;
  if (!Number.isInteger(start) || start < 0) {
    throw new InvalidArgumentError({
      argument: 'offset',
      message: `[crmkit/adapter-kit] paginateOffset: offset must be a non-negative integer, got ${String(start)}.`,
    });
  }
  return paginate<T, number>(
    async (cursor, signal) => {
      const offset = cursor ?? start;
      const page = await fetchPage({ offset, limit: pageSize, signal });
      if (typeof page !== 'object' || page === null || !Array.isArray(page.items))
        return page as FetchedPage<T, number>;
      const after = offset + page.items.length;
      const more = page.hasMore ?? (page.total !== undefined ? after < page.total : page.items.length >= pageSize);
      return { items: page.items, next: more ? after : undefined };
    },
    { cursor: start, signal: options.signal, maxPages: options.maxPages },
  );
}

function defaultCursorKey(cursor: unknown): string {
  if (typeof cursor === 'string') return JSON.stringify(cursor);
  if (typeof cursor === 'object' && cursor !== null) return JSON.stringify(cursor);
  return `${typeof cursor}:${String(cursor)}`;
}

/** Calls `fetchPage`; rejects with `AbortedError` as soon as `signal` aborts, even if the fetcher ignores it. */
async function fetchAbortable<T, C>(
  fetchPage: FetchPage<T, C>,
  cursor: C | undefined,
  signal: AbortSignalLike | undefined,
): Promise<FetchedPage<T, C>> {
  const pending = (async () => fetchPage(cursor, signal))().catch((error: unknown) => {
    // A fetcher that honoured the signal rejects with the runtime's AbortError: report it as ours.
    if (signal?.aborted && !AbortedError.isInstance(error)) throw new AbortedError({ cause: signal.reason ?? error });
    throw error;
  });
  return raceAbort(pending, signal);
}

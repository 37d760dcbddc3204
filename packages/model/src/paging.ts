/**
 * Reading a list that a store returns in id (or sequence) order, a page at a time (`limit`, then `after` the last
 * id): the one paging loop core and the adapter kit share. Pure: the reads are the caller's `fetchPage`.
 *
 * @module
 */

/** What a paging loop asks `fetchPage` for: `limit` items after the cursor `after` (from the start without it). */
export interface PageRequest<C extends string | number = string> {
  limit: number;
  after?: C;
}

/** Options of {@link pagesAfter} and {@link pagesAfterId}. */
export interface PagesAfterIdOptions {
  /** Items per read. */
  pageSize: number;
  /** Stop after this many items in all (the last page is then asked for fewer). @default no limit */
  limit?: number;
}

/**
 * The pages of a list ordered by a cursor (an id, a sequence number): calls `fetchPage` for `pageSize` items, then
 * for the next `pageSize` after the cursor (`cursorOf`) of the last item read, until a page comes back shorter than
 * `pageSize` or `limit` items were read. The next page is read only when the consumer asks for it, so a consumer may
 * stop early (`break`) or change what it has read before it asks for more.
 *
 * @example
 * ```ts
 * for await (const page of pagesAfter((request) => tx.listAudit({ target, ...request }), (e) => e.seq, { pageSize: 1000 }))
 *   for (const entry of page) console.log(entry.seq);
 * ```
 */
export async function* pagesAfter<T, C extends string | number>(
  fetchPage: (request: PageRequest<C>) => Promise<T[]>,
  cursorOf: (item: T) => C,
  options: PagesAfterIdOptions,
): AsyncGenerator<T[], void, undefined> {
  const { pageSize } = options;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  let read = 0;
  let after: C | undefined;
  while (read < limit) {
    const size = Math.min(pageSize, limit - read);
    const page = await fetchPage(after === undefined ? { limit: size } : { limit: size, after });
    read += page.length;
    yield page;
    if (page.length < pageSize) return;
    const last = page.at(-1);
    after = last === undefined ? undefined : cursorOf(last);
  }
}

/**
 * {@link pagesAfter} for a list in id order (`after` the id of the last item), as the store's `list*` methods page.
 *
 * @example
 * ```ts
 * for await (const page of pagesAfterId((request) => tx.listDocuments('note', request), { pageSize: 500 }))
 *   for (const doc of page) console.log(doc.id);
 * ```
 */
export function pagesAfterId<T extends { readonly id: string }>(
  fetchPage: (request: PageRequest) => Promise<T[]>,
  options: PagesAfterIdOptions,
): AsyncGenerator<T[], void, undefined> {
  return pagesAfter<T, string>(fetchPage, (item) => item.id, options);
}

/** Every item of an id-ordered list (up to `limit`), read page by page with {@link pagesAfterId}. */
export async function listAllAfterId<T extends { readonly id: string }>(
  fetchPage: (request: PageRequest) => Promise<T[]>,
  options: PagesAfterIdOptions,
): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pagesAfterId(fetchPage, options)) out.push(...page);
  return out;
}

/**
 * Reading a list that a store returns in id order, a page at a time (`limit`, then `after` the last id): the one
 * paging loop core and the adapter kit share. Pure: the reads are the caller's `fetchPage`.
 *
 * @module
 */

/** What {@link pagesAfterId} asks `fetchPage` for: `limit` items after the id `after` (from the start without it). */
export interface PageRequest {
  limit: number;
  after?: string;
}

/** Options of {@link pagesAfterId}. */
export interface PagesAfterIdOptions {
  /** Items per read. */
  pageSize: number;
  /** Stop after this many items in all (the last page is then asked for fewer). @default no limit */
  limit?: number;
}

/**
 * The pages of an id-ordered list: calls `fetchPage` for `pageSize` items, then for the next `pageSize` after the id
 * of the last item read, until a page comes back shorter than `pageSize` or `limit` items were read. The next page is
 * read only when the consumer asks for it, so a consumer may stop early (`break`) or change what it has read before
 * it asks for more.
 *
 * @example
 * ```ts
 * for await (const page of pagesAfterId((request) => tx.listDocuments('note', request), { pageSize: 500 }))
 *   for (const doc of page) console.log(doc.id);
 * ```
 */
export async function* pagesAfterId<T extends { readonly id: string }>(
  fetchPage: (request: PageRequest) => Promise<T[]>,
  options: PagesAfterIdOptions,
): AsyncGenerator<T[], void, undefined> {
  const { pageSize } = options;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  let read = 0;
  let after: string | undefined;
  while (read < limit) {
    const size = Math.min(pageSize, limit - read);
    const page = await fetchPage(after ? { limit: size, after } : { limit: size });
    read += page.length;
    yield page;
    if (page.length < pageSize) return;
    after = page.at(-1)?.id;
  }
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

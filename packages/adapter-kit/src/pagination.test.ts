import { AbortedError, CrmkitError, InvalidArgumentError } from '@crmkit/model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FetchPage, type Page, PaginationLoopError, paginate, paginateItems, paginateOffset } from './pagination';

/** A fake cursor API over fixed pages: cursor `c<i>` fetches page i; page 0 is fetched without a cursor. */
function pagedApi<T>(layout: T[][]): { fetchPage: FetchPage<T, string>; calls: (string | undefined)[] } {
  const calls: (string | undefined)[] = [];
  const fetchPage: FetchPage<T, string> = async (cursor) => {
    calls.push(cursor);
    const index = cursor === undefined ? 0 : Number(cursor.slice(1));
    const items = layout[index] ?? [];
    return { items, next: index + 1 < layout.length ? `c${index + 1}` : undefined };
  };
  return { fetchPage, calls };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('paginate', () => {
  it('yields every page with the cursor that fetched it and the resume token', async () => {
    const { fetchPage, calls } = pagedApi([[1, 2], [3], [4, 5]]);
    const pages = await collect(paginate(fetchPage));
    expect(pages).toEqual([
      { items: [1, 2], cursor: undefined, next: 'c1', index: 0 },
      { items: [3], cursor: 'c1', next: 'c2', index: 1 },
      { items: [4, 5], cursor: 'c2', next: undefined, index: 2 },
    ]);
    expect(calls).toEqual([undefined, 'c1', 'c2']);
  });

  it('yields empty pages and a single empty listing', async () => {
    expect(await collect(paginate(pagedApi([[]]).fetchPage))).toEqual([
      { items: [], cursor: undefined, next: undefined, index: 0 },
    ]);
    const pages = await collect(paginate(pagedApi([[1], [], [2]]).fetchPage));
    expect(pages.map((p) => p.items)).toEqual([[1], [], [2]]);
  });

  it('resumes from a page next token with exactly the remaining pages', async () => {
    const { fetchPage, calls } = pagedApi([['a'], ['b'], ['c'], ['d']]);
    const first = await collect(paginate(fetchPage, { maxPages: 2 }));
    expect(first.map((p) => p.items)).toEqual([['a'], ['b']]);
    const rest = await collect(paginate(fetchPage, { cursor: first.at(-1)?.next }));
    expect(rest.map((p) => p.items)).toEqual([['c'], ['d']]);
    expect(rest[0]?.cursor).toBe('c2');
    expect(calls).toEqual([undefined, 'c1', 'c2', 'c3']);
  });

  it('property: pages before a random resume point + pages after it == all pages', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer(), { maxLength: 5 }), { minLength: 1, maxLength: 12 }),
        fc.nat(),
        async (layout, pick) => {
          const { fetchPage } = pagedApi(layout);
          const all = await collect(paginate(fetchPage));
          const stopAfter = (pick % layout.length) + 1; // 1..layout.length pages before the crash
          const before = await collect(paginate(fetchPage, { maxPages: stopAfter }));
          const token = before.at(-1)?.next;
          const after = token === undefined ? [] : await collect(paginate(fetchPage, { cursor: token }));
          const strip = (pages: Page<number, string>[]) =>
            pages.map(({ items, cursor, next }) => ({ items, cursor, next }));
          expect(strip([...before, ...after])).toEqual(strip(all));
          expect(all.map((p) => p.items)).toEqual(layout);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stops after maxPages and validates it', async () => {
    const pages = await collect(paginate(pagedApi([[1], [2], [3]]).fetchPage, { maxPages: 1 }));
    expect(pages).toHaveLength(1);
    for (const maxPages of [0, -1, 1.5, Number.NaN]) {
      expect(() => paginate(pagedApi([[1]]).fetchPage, { maxPages })).toThrow(InvalidArgumentError);
    }
  });

  it('throws a PaginationLoopError when the vendor repeats the cursor that fetched the page', async () => {
    const fetchPage: FetchPage<number, string> = async (cursor) => ({ items: [1], next: cursor ?? 'same' });
    const seen: number[] = [];
    const run = async () => {
      for await (const page of paginate(fetchPage)) seen.push(page.index);
    };
    const error = await run().catch((e: unknown) => e);
    expect(PaginationLoopError.isInstance(error)).toBe(true);
    expect(CrmkitError.isInstance(error)).toBe(true);
    expect((error as CrmkitError).code).toBe('PAGINATION_LOOP');
    expect((error as Error).message).toMatch(/already fetched/);
    expect(seen).toEqual([0]);
  });

  it('detects a loop back to an earlier cursor, also when resuming, and with object cursors', async () => {
    const cycle: FetchPage<number, string> = async (cursor) => ({
      items: [],
      next: cursor === undefined ? 'a' : cursor === 'a' ? 'b' : 'a',
    });
    await expect(collect(paginate(cycle))).rejects.toSatisfy(PaginationLoopError.isInstance);
    const selfLoop: FetchPage<number, string> = async () => ({ items: [], next: 'x' });
    await expect(collect(paginate(selfLoop, { cursor: 'x' }))).rejects.toSatisfy(PaginationLoopError.isInstance);
    const objects: FetchPage<number, { after: string }> = async () => ({ items: [], next: { after: 'z' } });
    await expect(collect(paginate(objects))).rejects.toSatisfy(PaginationLoopError.isInstance);
  });

  it('uses cursorKey to compare cursors', async () => {
    const fetchPage: FetchPage<number, { after: number; noise: number }> = async (cursor) => ({
      items: [1],
      next: cursor === undefined ? { after: 1, noise: 1 } : { after: 1, noise: cursor.noise + 1 },
    });
    await expect(collect(paginate(fetchPage, { cursorKey: (c) => String(c.after) }))).rejects.toSatisfy(
      PaginationLoopError.isInstance,
    );
  });

  it('aborts between pages', async () => {
    const controller = new AbortController();
    const { fetchPage, calls } = pagedApi([[1], [2], [3]]);
    const run = async () => {
      for await (const page of paginate(fetchPage, { signal: controller.signal })) {
        if (page.index === 0) controller.abort(new Error('stop'));
      }
    };
    const error = await run().catch((e: unknown) => e);
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(calls).toEqual([undefined]);
  });

  it('aborts before the first page when the signal is already aborted', async () => {
    const { fetchPage, calls } = pagedApi([[1]]);
    await expect(collect(paginate(fetchPage, { signal: AbortSignal.abort() }))).rejects.toSatisfy(
      AbortedError.isInstance,
    );
    expect(calls).toEqual([]);
  });

  it('aborts during a page, even when the fetcher ignores the signal', async () => {
    const controller = new AbortController();
    const fetchPage: FetchPage<number, string> = () => new Promise(() => {}); // never settles
    const pending = collect(paginate(fetchPage, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toSatisfy(AbortedError.isInstance);
  });

  it('turns a fetcher abort rejection into an AbortedError', async () => {
    const controller = new AbortController();
    const fetchPage: FetchPage<number, string> = (_cursor, signal) =>
      new Promise((_resolve, reject) => {
        (signal as AbortSignal).addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    const pending = collect(paginate(fetchPage, { signal: controller.signal }));
    controller.abort();
    await expect(pending).rejects.toSatisfy(AbortedError.isInstance);
  });

  it('passes fetcher errors through unchanged', async () => {
    const boom = new Error('boom');
    await expect(collect(paginate(async () => Promise.reject(boom)))).rejects.toBe(boom);
  });

  it('refuses a malformed page', async () => {
    const bad = (async () => ({ items: 'nope' })) as unknown as FetchPage<number, string>;
    await expect(collect(paginate(bad))).rejects.toSatisfy(InvalidArgumentError.isInstance);
    expect(() => paginate(undefined as unknown as FetchPage<number, string>)).toThrow(InvalidArgumentError);
  });
});

describe('paginateItems', () => {
  it('flattens pages into items', async () => {
    expect(await collect(paginateItems(pagedApi([[1, 2], [], [3]]).fetchPage))).toEqual([1, 2, 3]);
  });

  it('resumes from a cursor and aborts between items', async () => {
    expect(await collect(paginateItems(pagedApi([[1], [2], [3]]).fetchPage, { cursor: 'c1' }))).toEqual([2, 3]);
    const controller = new AbortController();
    const seen: number[] = [];
    const run = async () => {
      for await (const item of paginateItems(pagedApi([[1, 2, 3]]).fetchPage, { signal: controller.signal })) {
        seen.push(item);
        controller.abort();
      }
    };
    await expect(run()).rejects.toSatisfy(AbortedError.isInstance);
    expect(seen).toEqual([1]);
  });
});

describe('paginateOffset', () => {
  const data = Array.from({ length: 7 }, (_, i) => i);

  it('walks full pages until a short page', async () => {
    const requests: { offset: number; limit: number }[] = [];
    const pages = await collect(
      paginateOffset<number>(
        async ({ offset, limit }) => {
          requests.push({ offset, limit });
          return { items: data.slice(offset, offset + limit) };
        },
        { pageSize: 3 },
      ),
    );
    expect(pages.map((p) => [p.cursor, p.items, p.next])).toEqual([
      [0, [0, 1, 2], 3],
      [3, [3, 4, 5], 6],
      [6, [6], undefined],
    ]);
    expect(requests).toEqual([
      { offset: 0, limit: 3 },
      { offset: 3, limit: 3 },
      { offset: 6, limit: 3 },
    ]);
  });

  it('uses total and hasMore, and resumes from an offset', async () => {
    const withTotal = await collect(
      paginateOffset<number>(async ({ offset, limit }) => ({ items: data.slice(offset, offset + limit), total: 6 }), {
        pageSize: 3,
      }),
    );
    expect(withTotal.map((p) => p.items)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    const withHasMore = await collect(
      paginateOffset<number>(
        async ({ offset, limit }) => ({ items: data.slice(offset, offset + limit), hasMore: offset + limit < 7 }),
        { pageSize: 3, offset: 3 },
      ),
    );
    expect(withHasMore.map((p) => p.items)).toEqual([[3, 4, 5], [6]]);
  });

  it('throws a loop error when the API reports more items but returns none', async () => {
    await expect(
      collect(paginateOffset<number>(async () => ({ items: [], hasMore: true }), { pageSize: 10 })),
    ).rejects.toSatisfy(PaginationLoopError.isInstance);
  });

  it('validates pageSize and offset', () => {
    const fetchPage = async () => ({ items: [] });
    expect(() => paginateOffset(fetchPage, { pageSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => paginateOffset(fetchPage, { pageSize: 10, offset: -1 })).toThrow(InvalidArgumentError);
  });
});

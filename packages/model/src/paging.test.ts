import { describe, expect, it } from 'vitest';
import { listAllAfterId, type PageRequest, pagesAfter, pagesAfterId } from './paging';

function list(count: number) {
  const items = Array.from({ length: count }, (_, i) => ({ id: `id-${String(i).padStart(4, '0')}` }));
  const requests: PageRequest[] = [];
  const fetchPage = async (request: PageRequest) => {
    requests.push(request);
    const start = request.after === undefined ? 0 : items.findIndex((item) => item.id > request.after!);
    return start < 0 ? [] : items.slice(start, start + request.limit);
  };
  return { items, requests, fetchPage };
}

describe('pagesAfterId', () => {
  it('reads every item once, in order, after the last id of the page before', async () => {
    for (const count of [0, 1, 2, 3, 4, 6, 7, 10]) {
      const { items, requests, fetchPage } = list(count);
      expect(await listAllAfterId(fetchPage, { pageSize: 3 })).toEqual(items);
      // A full last page costs one more (empty) read; a short one ends the paging.
      expect(requests.length).toBe(Math.floor(count / 3) + 1);
      expect(requests[0]).toEqual({ limit: 3 });
      for (let i = 1; i < requests.length; i++) expect(requests[i]).toEqual({ limit: 3, after: items[i * 3 - 1]!.id });
    }
  });

  it('stops at the limit, asking the last page for fewer items', async () => {
    const { items, requests, fetchPage } = list(10);
    expect(await listAllAfterId(fetchPage, { pageSize: 3, limit: 5 })).toEqual(items.slice(0, 5));
    expect(requests).toEqual([{ limit: 3 }, { limit: 2, after: items[2]!.id }]);
  });

  it('reads a page only when the consumer asks for it', async () => {
    const { items, requests, fetchPage } = list(10);
    for await (const page of pagesAfterId(fetchPage, { pageSize: 3 })) {
      expect(page).toEqual(items.slice(0, 3));
      break;
    }
    expect(requests).toEqual([{ limit: 3 }]);
  });
});

describe('pagesAfter', () => {
  it('pages by any cursor, e.g. a sequence number', async () => {
    const entries = Array.from({ length: 7 }, (_, i) => ({ seq: i + 1 }));
    const requests: PageRequest<number>[] = [];
    const pages: number[][] = [];
    const fetchPage = async (request: PageRequest<number>) => {
      requests.push(request);
      return entries.filter((e) => e.seq > (request.after ?? 0)).slice(0, request.limit);
    };
    for await (const page of pagesAfter(fetchPage, (e: { seq: number }) => e.seq, { pageSize: 3 }))
      pages.push(page.map((e) => e.seq));
    expect(pages).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(requests).toEqual([{ limit: 3 }, { limit: 3, after: 3 }, { limit: 3, after: 6 }]);
  });
});

import { createMemoryStore } from '@crmkit/core';
import type { Store, StoredDocument } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { documentPages, listAllDocuments } from './documents';

const KIND = 'crmkit.sync.test';

async function seed(store: Store, ref: string, count: number): Promise<void> {
  await store.transaction(async (tx) => {
    for (let i = 0; i < count; i++) {
      await tx.putDocument({
        kind: KIND,
        id: `${ref}:${String(i).padStart(4, '0')}`,
        ref,
        data: i,
        updatedAt: '2026-01-01T00:00:00.000Z',
      });
    }
  });
}

async function pages(store: Store, options: Parameters<typeof documentPages>[2]): Promise<StoredDocument[][]> {
  const out: StoredDocument[][] = [];
  for await (const page of documentPages(store, KIND, options)) out.push(page);
  return out;
}

describe('documentPages', () => {
  it('reads every document of the ref in id order, page by page, and nothing of another ref', async () => {
    const store = createMemoryStore();
    await seed(store, 'a', 7);
    await seed(store, 'b', 3);
    const read = await pages(store, { ref: 'a', pageSize: 3 });
    expect(read.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(read.flat().map((d) => d.data)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('stops after an empty page when the count is a multiple of the page size', async () => {
    const store = createMemoryStore();
    await seed(store, 'a', 4);
    expect((await pages(store, { ref: 'a', pageSize: 2 })).map((p) => p.length)).toEqual([2, 2, 0]);
  });

  it('stops at the limit, shortening the last page', async () => {
    const store = createMemoryStore();
    await seed(store, 'a', 10);
    expect((await pages(store, { ref: 'a', pageSize: 4, limit: 6 })).map((p) => p.length)).toEqual([4, 2]);
    expect(await pages(store, { ref: 'a', pageSize: 4, limit: 0 })).toEqual([]);
    expect((await listAllDocuments(store, KIND, { ref: 'a', pageSize: 4, limit: 9 })).map((d) => d.data)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8,
    ]);
  });

  it('lets the consumer delete a page before it reads the next one', async () => {
    const store = createMemoryStore();
    await seed(store, 'a', 5);
    const seen: unknown[] = [];
    for await (const page of documentPages(store, KIND, { ref: 'a', pageSize: 2 })) {
      seen.push(...page.map((d) => d.data));
      await store.transaction(async (tx) => {
        for (const doc of page) await tx.deleteDocument(KIND, doc.id);
      });
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(await listAllDocuments(store, KIND, { ref: 'a', pageSize: 2 })).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { overrideTransactions, type Store, type StoreTransaction } from './store';

/** A store whose transaction object has two methods (enough to see what is replaced and what is not). */
function fakeStore(calls: string[]): Store {
  const tx = {
    getDocuments: async (kind: string) => {
      calls.push(`inner.getDocuments:${kind}`);
      return [];
    },
    deleteDocument: async (kind: string) => {
      calls.push(`inner.deleteDocument:${kind}`);
    },
  } as unknown as StoreTransaction;
  return {
    specificationVersion: 'v1',
    name: 'fake',
    transaction: (fn) => fn(tx),
    close: async () => {
      calls.push('close');
    },
  };
}

describe('overrideTransactions', () => {
  it('replaces only the named methods, which can call the originals; the rest pass through', async () => {
    const calls: string[] = [];
    const store = overrideTransactions(fakeStore(calls), (tx) => ({
      getDocuments: async (kind, ids) => {
        calls.push(`override:${kind}`);
        return tx.getDocuments(kind, ids);
      },
    }));
    expect(store.name).toBe('fake');
    await store.transaction(async (tx) => {
      await tx.getDocuments('a', []);
      await tx.deleteDocument('b', 'x');
    });
    await store.close();
    expect(calls).toEqual(['override:a', 'inner.getDocuments:a', 'inner.deleteDocument:b', 'close']);
  });

  it('calls the override once per transaction, with that transaction', async () => {
    let made = 0;
    const store = overrideTransactions(fakeStore([]), () => {
      made++;
      return {};
    });
    await store.transaction(async () => undefined);
    await store.transaction(async () => undefined);
    expect(made).toBe(2);
  });
});

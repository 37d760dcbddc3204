/**
 * A write reads the policy document at most once: the operation, its audit entries and the redaction of its events
 * share one read of the secret fields (review of issue 13).
 */
import { DEFAULT_POLICY, overrideTransactions, type SourceRecordInput, type Store } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { createHub } from '../hub';
import { createMemoryStore } from '../store/memory-store';

/** A store that counts the reads of the policy head document. */
function countingStore(): { store: Store; reads: () => number } {
  let reads = 0;
  const store = overrideTransactions(createMemoryStore(), (tx) => ({
    getDocuments(kind, ids) {
      if (kind === 'policy-head') reads += 1;
      return tx.getDocuments(kind, ids);
    },
  }));
  return { store, reads: () => reads };
}

const person = (externalId: string, email: string): SourceRecordInput => ({
  type: 'person',
  source: 'crm',
  externalId,
  observedAt: '2026-03-01T10:00:00.000Z',
  data: { givenName: 'Ada', emails: [email] },
});

describe('policy reads per write', () => {
  it('an ingest with secret fields, audit, events and journal reads the policy once', async () => {
    const { store, reads } = countingStore();
    const hub = createHub({ store, policy: { ...DEFAULT_POLICY, secretFields: ['contactPoints'] } });
    await hub.ingest([person('a', 'ada@example.com')]); // the first write also audits the plugin installs
    const before = reads();
    await hub.ingest([person('b', 'ada@example.com'), person('c', 'bo@example.com')]);
    expect(reads() - before).toBe(1);
    await hub.close();
  });
});

import {
  AbortedError,
  ConflictError,
  type AuditEntry,
  InvalidArgumentError,
  type JsonValue,
  redactedAuditEntry,
  type Store,
  type StoreTransaction,
  type TransactionOptions,
} from '@crmkit/model';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '../store/memory-store';
import {
  type AuditInput,
  buildAuditEntries,
  diffFields,
  ERASURE_ACTION,
  GENESIS_HASH,
  REDACTED_SEQS_FIELD,
  verifyAuditLog,
  verifyStoreAudit,
} from './audit';
import { asAsync, clone, input, jsonArb } from './audit.test-support';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('verifyAuditLog', () => {
  async function chain(n: number): Promise<AuditEntry[]> {
    return buildAuditEntries(
      undefined,
      Array.from({ length: n }, (_, i) =>
        input({ target: `customer:cus_${i}`, changes: [{ field: 'displayName', old: `v${i}`, new: `v${i + 1}` }] }),
      ),
    );
  }

  it('accepts an empty log and a valid chain, from arrays, iterables and async iterables', async () => {
    expect(await verifyAuditLog([])).toEqual({ ok: true, entries: 0 });
    const entries = await chain(5);
    const head = { seq: 5, hash: entries[4]!.hash };
    expect(await verifyAuditLog(entries)).toEqual({ ok: true, entries: 5, head });
    expect(await verifyAuditLog(new Set(entries))).toEqual({ ok: true, entries: 5, head });
    expect(await verifyAuditLog(asAsync(entries))).toEqual({ ok: true, entries: 5, head });
    expect(await verifyAuditLog(entries, { expectedHead: head })).toEqual({ ok: true, entries: 5, head });
    // The log grew after the head was published: fine.
    expect((await verifyAuditLog(entries, { expectedHead: { seq: 3, hash: entries[2]!.hash } })).ok).toBe(true);
    expect((await verifyAuditLog([], { expectedHead: { seq: 0, hash: GENESIS_HASH } })).ok).toBe(true);
  });

  it('reports the first problem with its seq and the last good head', async () => {
    const entries = await chain(5);
    const tampered = clone(entries);
    tampered[2]!.changes![0]!.new = 'forged';
    const result = await verifyAuditLog(tampered);
    expect(result).toEqual({
      ok: false,
      entries: 3,
      head: { seq: 2, hash: entries[1]!.hash },
      problem: { seq: 3, reason: 'changesDigest does not match the changes (value changed without its commitment)' },
    });

    const gap = [entries[0]!, entries[2]!];
    expect((await verifyAuditLog(gap)).problem).toEqual({
      seq: 2,
      reason: 'expected seq 2, found 3 (missing, repeated or reordered)',
    });
    const noFirst = entries.slice(1);
    expect((await verifyAuditLog(noFirst)).problem?.seq).toBe(1);
    const relinked = clone(entries);
    relinked[3]!.actor = 'user:mallory';
    expect((await verifyAuditLog(relinked)).problem).toEqual({ seq: 4, reason: 'hash does not match the entry' });
    const badPrev = clone(entries);
    badPrev[1]!.prevHash = entries[3]!.hash;
    expect((await verifyAuditLog(badPrev)).problem).toEqual({
      seq: 2,
      reason: "prevHash does not match the previous entry's hash",
    });
    const notHex = clone(entries);
    notHex[0]!.hash = 'XYZ';
    expect((await verifyAuditLog(notHex)).problem).toEqual({
      seq: 1,
      reason: 'malformed entry: hash is not a SHA-256 hex digest',
    });
  });

  it('detects a truncated tail and a recomputed history only with a published head', async () => {
    const entries = await chain(6);
    const head = { seq: 6, hash: entries[5]!.hash };
    const truncated = entries.slice(0, 4);
    expect((await verifyAuditLog(truncated)).ok).toBe(true);
    expect(await verifyAuditLog(truncated, { expectedHead: head })).toEqual({
      ok: false,
      entries: 4,
      head: { seq: 4, hash: entries[3]!.hash },
      problem: { seq: 5, reason: 'log ends at seq 4 before the published head 6 (truncated)' },
    });
    expect((await verifyAuditLog([], { expectedHead: head })).problem?.seq).toBe(1);

    // Someone with write access rewrites entry 2 and recomputes every later hash.
    const rewritten = [
      entries[0]!,
      ...(await buildAuditEntries(
        entries[0],
        entries.slice(1).map((e, i) => ({
          actor: i === 0 ? 'user:mallory' : e.actor,
          action: e.action,
          target: e.target,
          changes: e.changes!,
          at: e.at,
        })),
      )),
    ];
    expect((await verifyAuditLog(rewritten)).ok).toBe(true);
    const result = await verifyAuditLog(rewritten, { expectedHead: head });
    expect(result.ok).toBe(false);
    expect(result.problem).toEqual({ seq: 6, reason: 'hash differs from the published head (history rewritten)' });
  });

  it('refuses a malformed expectedHead', async () => {
    await expect(verifyAuditLog([], { expectedHead: { seq: 1, hash: 'abc' } })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(verifyAuditLog([], { expectedHead: { seq: 0, hash: 'a'.repeat(64) } })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(verifyAuditLog([], { expectedHead: { seq: 1.5, hash: GENESIS_HASH } })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it('accepts redaction done right (listed by a later erasure), and flags every other way of removing values', async () => {
    const entries = await buildAuditEntries(undefined, [
      input({ target: 'customer:cus_0', reason: 'asked by phone' }),
      input({ target: 'customer:cus_1', changes: [{ field: 'displayName', old: 'v1', new: 'v2' }] }),
      input({ target: 'customer:cus_2', changes: [{ field: 'displayName', old: 'v2', new: 'v3' }] }),
    ]);
    const [erasure] = await buildAuditEntries(entries[2], [
      input({
        action: ERASURE_ACTION,
        target: 'customer:cus_0',
        changes: [{ field: REDACTED_SEQS_FIELD, new: [1, 2] }],
      }),
    ]);
    const log = [...entries, erasure!];
    const head = { seq: 4, hash: erasure!.hash };
    const redacted = clone(log);
    redacted[0] = redactedAuditEntry(redacted[0]!);
    redacted[1] = redactedAuditEntry(redacted[1]!);
    expect(redacted[0]).not.toHaveProperty('reason');
    expect(redacted[0]).not.toHaveProperty('salt');
    expect(redacted[0]!.reasonDigest).toBe(entries[0]!.reasonDigest);
    expect(await verifyAuditLog(redacted, { expectedHead: head })).toEqual({ ok: true, entries: 4, head });

    // Redacting entry 3, which no erasure lists: a forged redaction, reported at that entry.
    const forged = clone(redacted);
    forged[2] = redactedAuditEntry(forged[2]!);
    expect(await verifyAuditLog(forged)).toEqual({
      ok: false,
      entries: 4,
      head: { seq: 2, hash: entries[1]!.hash },
      problem: { seq: 3, reason: `redacted without a later ${ERASURE_ACTION} entry that lists it (forged redaction)` },
    });

    const cases: [Partial<AuditEntry>, string][] = [
      [{ redacted: true }, 'redacted entry still has changes'],
      [{ changes: [], redacted: true }, 'redacted entry still has changes'],
      [{ changes: null, salt: undefined, redacted: true, reason: 'x' }, 'redacted entry still has a reason'],
      [{ changes: null, redacted: true, reason: undefined }, 'redacted entry still has its salt'],
      [{ changes: null }, 'changes removed without redacted: true'],
      [{ changes: null, redacted: false }, 'changes removed without redacted: true'],
      [{ salt: undefined }, 'salt removed without redacted: true'],
      [{ changes: [] }, 'changesDigest does not match the changes (value changed without its commitment)'],
      [{ reason: undefined }, 'reason removed without redacted: true'],
      [{ reason: '[redacted]' }, 'reasonDigest does not match the reason (value changed without its commitment)'],
      [
        { changesDigest: 'a'.repeat(64) },
        'changesDigest does not match the changes (value changed without its commitment)',
      ],
    ];
    for (const [patch, reason] of cases) {
      const bad = clone(log);
      bad[0] = { ...bad[0]!, ...patch };
      for (const [key, value] of Object.entries(patch)) if (value === undefined) delete (bad[0] as never)[key];
      expect(await verifyAuditLog(bad), JSON.stringify(patch)).toMatchObject({
        ok: false,
        problem: { seq: 1, reason },
      });
    }
    // A redacted entry whose commitment was altered: the hash catches it.
    const altered = clone(redacted);
    altered[0] = { ...altered[0]!, reasonDigest: 'b'.repeat(64) };
    expect((await verifyAuditLog(altered)).problem).toEqual({ seq: 1, reason: 'hash does not match the entry' });
    // An erasure entry lists only earlier entries: listing a later seq authorises nothing.
    const early = await buildAuditEntries(undefined, [
      input({ action: ERASURE_ACTION, changes: [{ field: REDACTED_SEQS_FIELD, new: [2] }] }),
      input(),
    ]);
    expect((await verifyAuditLog([early[0]!, redactedAuditEntry(early[1]!)])).problem?.seq).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Through a store
// ---------------------------------------------------------------------------------------------------------------

/** A store holding only an audit log (enough for verifyStoreAudit), counting its transactions. */
function fakeAuditStore(entries: AuditEntry[]) {
  const calls: { after: number | undefined; limit: number; readOnly: boolean | undefined }[] = [];
  const tx = {
    async listAudit(options: { after?: number; limit: number }) {
      return clone(entries.filter((e) => e.seq > (options.after ?? 0)).slice(0, options.limit));
    },
  };
  const store: Store = {
    specificationVersion: 'v1',
    name: 'fake-audit',
    async transaction<T>(fn: (tx: StoreTransaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
      const listAudit = tx.listAudit;
      return fn({
        listAudit: async (o: { after?: number; limit: number }) => {
          calls.push({ after: o.after, limit: o.limit, readOnly: options?.readOnly });
          return listAudit(o);
        },
      } as unknown as StoreTransaction);
    },
    async close() {},
  };
  return { store, calls };
}

describe('verifyStoreAudit', () => {
  it('reads the log in read-only pages and verifies it', async () => {
    const entries = await buildAuditEntries(
      undefined,
      Array.from({ length: 7 }, (_, i) => input({ target: `customer:cus_${i}` })),
    );
    const { store, calls } = fakeAuditStore(entries);
    const result = await verifyStoreAudit(store, { pageSize: 3 });
    expect(result).toEqual({ ok: true, entries: 7, head: { seq: 7, hash: entries[6]!.hash } });
    expect(calls).toEqual([
      { after: undefined, limit: 3, readOnly: true },
      { after: 3, limit: 3, readOnly: true },
      { after: 6, limit: 3, readOnly: true },
    ]);

    const exact = fakeAuditStore(entries.slice(0, 6));
    expect((await verifyStoreAudit(exact.store, { pageSize: 3 })).entries).toBe(6);
    expect(exact.calls.map((c) => c.after)).toEqual([undefined, 3, 6]);

    const empty = fakeAuditStore([]);
    expect(await verifyStoreAudit(empty.store)).toEqual({ ok: true, entries: 0 });
    expect(empty.calls).toEqual([{ after: undefined, limit: 500, readOnly: true }]);
  });

  it('stops reading at the first problem, and honours expectedHead', async () => {
    const entries = await buildAuditEntries(
      undefined,
      Array.from({ length: 9 }, (_, i) => input({ target: `customer:cus_${i}` })),
    );
    const tampered = clone(entries);
    tampered[1]!.target = 'customer:other';
    const { store, calls } = fakeAuditStore(tampered);
    const result = await verifyStoreAudit(store, { pageSize: 3 });
    expect(result.problem).toEqual({ seq: 2, reason: 'hash does not match the entry' });
    expect(calls).toHaveLength(1);

    const truncated = fakeAuditStore(entries.slice(0, 8));
    const head = { seq: 9, hash: entries[8]!.hash };
    expect((await verifyStoreAudit(truncated.store, { pageSize: 4, expectedHead: head })).problem?.seq).toBe(9);
  });

  it('throws AbortedError once aborted, and refuses a bad page size', async () => {
    const entries = await buildAuditEntries(undefined, [input(), input()]);
    const { store } = fakeAuditStore(entries);
    await expect(verifyStoreAudit(store, { signal: { aborted: true } })).rejects.toBeInstanceOf(AbortedError);
    await expect(verifyStoreAudit(store, { pageSize: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(verifyStoreAudit(store, { pageSize: 2.5 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('works through createMemoryStore(): append in batches, verify in pages, redact, refuse a taken seq', async () => {
    const store = createMemoryStore();
    const append = (inputs: AuditInput[]) =>
      store.transaction(async (tx) => {
        const entries = await buildAuditEntries(await tx.lastAudit(), inputs, { secretFields: ['nationalId'] });
        await tx.appendAudit(entries);
        return entries;
      });
    await append([input({ target: 'customer:cus_1' }), input({ target: 'customer:cus_2' })]);
    await append([input({ target: 'customer:cus_1', changes: [{ field: 'nationalId', new: 'AB-123' }] })]);
    const last = await append([
      input({ target: 'policy', action: 'policy.update' }),
      input({ target: 'customer:cus_3' }),
    ]);
    const head = { seq: 5, hash: last.at(-1)!.hash };
    expect(await verifyStoreAudit(store, { pageSize: 2, expectedHead: head })).toEqual({ ok: true, entries: 5, head });

    const listed = await store.transaction((tx) => tx.listAudit({ limit: 10 }), { readOnly: true });
    expect(JSON.stringify(listed)).not.toContain('AB-123');
    expect(listed[2]!.changes).toEqual([{ field: 'nationalId', secret: true }]);

    // GDPR erasure of cus_1: its entries lose their values; until an erasure entry lists them they read as forged.
    expect(await store.transaction((tx) => tx.redactAudit(['customer:cus_1']))).toBe(2);
    expect((await verifyStoreAudit(store, { pageSize: 3 })).problem?.seq).toBe(1);
    const erasure = await append([
      input({
        action: ERASURE_ACTION,
        target: 'customer:cus_9',
        changes: [{ field: REDACTED_SEQS_FIELD, new: [1, 3] }],
      }),
    ]);
    expect(await verifyStoreAudit(store, { pageSize: 3, expectedHead: head })).toEqual({
      ok: true,
      entries: 6,
      head: { seq: 6, hash: erasure[0]!.hash },
    });
    const redacted = await store.transaction((tx) => tx.listAudit({ limit: 10, target: 'customer:cus_1' }));
    expect(redacted.map((e) => [e.seq, e.changes, e.redacted])).toEqual([
      [1, null, true],
      [3, null, true],
    ]);

    // A writer that built on a stale head cannot extend the chain.
    const stale = await buildAuditEntries(listed[3], [input()]);
    await expect(store.transaction((tx) => tx.appendAudit(stale))).rejects.toBeInstanceOf(ConflictError);
    expect((await verifyStoreAudit(store)).entries).toBe(6);
    await store.close();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// diffFields
// ---------------------------------------------------------------------------------------------------------------

describe('diffFields', () => {
  it('lists changed, added and removed fields, sorted by field', () => {
    expect(
      diffFields(
        { displayName: 'Ada', jobTitle: 'Engineer', language: 'en', ownerId: 'u_1' },
        { displayName: 'Ada King', language: 'en', ownerId: 'u_1', 'attributes.sales.tier': 'gold' },
      ),
    ).toEqual([
      { field: 'attributes.sales.tier', new: 'gold' },
      { field: 'displayName', old: 'Ada', new: 'Ada King' },
      { field: 'jobTitle', old: 'Engineer' },
    ]);
  });

  it('compares values as canonical JSON', () => {
    expect(diffFields({ name: { given: 'Ada', family: 'King' } }, { name: { family: 'King', given: 'Ada' } })).toEqual(
      [],
    );
    expect(diffFields({ tags: ['a', 'b'] }, { tags: ['b', 'a'] })).toEqual([
      { field: 'tags', old: ['a', 'b'], new: ['b', 'a'] },
    ]);
    expect(diffFields({ n: 1 }, { n: '1' })).toEqual([{ field: 'n', old: 1, new: '1' }]);
  });

  it('treats null as a value and undefined as absent, and ignores inherited keys', () => {
    expect(diffFields({ a: null }, {})).toEqual([{ field: 'a', old: null }]);
    expect(diffFields({}, { a: null })).toEqual([{ field: 'a', new: null }]);
    expect(diffFields({ a: undefined as unknown as JsonValue }, { a: 'x' })).toEqual([{ field: 'a', new: 'x' }]);
    expect(diffFields({ constructor: 'x' }, {})).toEqual([{ field: 'constructor', old: 'x' }]);
    expect(diffFields({}, { toString: 'x' })).toEqual([{ field: 'toString', new: 'x' }]);
    expect(diffFields({}, {})).toEqual([]);
  });

  it('gives changes that rebuild `after` from `before` (property)', () => {
    const fieldMap = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'name.given', 'x.y'), jsonArb(), {
      maxKeys: 6,
    });
    fc.assert(
      fc.property(fieldMap, fieldMap, (before, after) => {
        const changes = diffFields(before, after);
        const fields = changes.map((c) => c.field);
        expect(fields).toEqual([...fields].sort());
        const rebuilt: Record<string, JsonValue> = { ...before };
        for (const change of changes) {
          expect(change.old === undefined ? undefined : JSON.stringify(change.old)).toBe(
            before[change.field] === undefined ? undefined : JSON.stringify(before[change.field]),
          );
          if (change.new === undefined) delete rebuilt[change.field];
          else rebuilt[change.field] = change.new;
        }
        expect(Object.keys(rebuilt).sort()).toEqual(Object.keys(after).sort());
        for (const key of Object.keys(after)) expect(JSON.stringify(rebuilt[key])).toBe(JSON.stringify(after[key]));
        expect(diffFields(after, after)).toEqual([]);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property: any single tampering is detected, redaction done right is not
// ---------------------------------------------------------------------------------------------------------------

import { createHash } from 'node:crypto';
import {
  AbortedError,
  ConflictError,
  type AuditChange,
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
import { runtime } from '../runtime/runtime';
import {
  type AuditInput,
  buildAuditEntries,
  diffFields,
  ERASURE_ACTION,
  GENESIS_HASH,
  REDACTED_SEQS_FIELD,
  sha256Hex,
  verifyAuditLog,
  verifyStoreAudit,
} from './audit';

/** An independent SHA-256 (Node's OpenSSL binding), to check the WebCrypto one against. */
function nodeSha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const AT = '2024-01-02T03:04:05.000Z';

function input(overrides: Partial<AuditInput> = {}): AuditInput {
  return {
    actor: 'user:u_1',
    action: 'customer.override',
    target: 'customer:cus_1',
    changes: [{ field: 'displayName', old: 'Ada Lovelace', new: 'Ada King' }],
    at: AT,
    ...overrides,
  };
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** fast-check's JSON values, typed as the model's. */
function jsonArb(maxDepth?: number): fc.Arbitrary<JsonValue> {
  return fc.jsonValue(maxDepth === undefined ? {} : { maxDepth }) as unknown as fc.Arbitrary<JsonValue>;
}

async function* asAsync<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 test vectors', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('hashes the UTF-8 bytes, like an independent implementation, for any string', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (text) => {
        expect(await sha256Hex(text)).toBe(nodeSha256(text));
      }),
    );
    expect(await sha256Hex('Zoë 🦄')).toBe(nodeSha256('Zoë 🦄'));
  });
});

describe('buildAuditEntries', () => {
  it('hashes a known input to the documented layout (format 2: every stored member but the redactable ones)', async () => {
    const salt = '0123456789abcdef0123456789abcdef';
    const [first, second] = await buildAuditEntries(
      undefined,
      [
        input({ reason: 'typo' }),
        { actor: 'system:hub', action: 'policy.update', target: 'policy', changes: [], at: '2024-01-02T03:04:06.000Z' },
      ],
      { salt: () => salt },
    );
    // changesDigest = sha256(salt + ":" + canonical JSON of the changes); reasonDigest likewise for the reason.
    const digest1 = nodeSha256(`${salt}:[{"field":"displayName","new":"Ada King","old":"Ada Lovelace"}]`);
    const reason1 = nodeSha256(`${salt}:"typo"`);
    // hash = sha256(canonical JSON of the entry without hash, changes, reason, salt and redacted)
    const hash1 = nodeSha256(
      `{"action":"customer.override","actor":"user:u_1","at":"2024-01-02T03:04:05.000Z","changesDigest":"${digest1}",` +
        `"prevHash":"${GENESIS_HASH}","reasonDigest":"${reason1}","seq":1,"target":"customer:cus_1","v":2}`,
    );
    const digest2 = nodeSha256(`${salt}:[]`);
    const hash2 = nodeSha256(
      `{"action":"policy.update","actor":"system:hub","at":"2024-01-02T03:04:06.000Z","changesDigest":"${digest2}",` +
        `"prevHash":"${hash1}","seq":2,"target":"policy","v":2}`,
    );
    expect(first).toEqual({
      v: 2,
      seq: 1,
      at: AT,
      actor: 'user:u_1',
      action: 'customer.override',
      target: 'customer:cus_1',
      reason: 'typo',
      changes: [{ field: 'displayName', old: 'Ada Lovelace', new: 'Ada King' }],
      changesDigest: digest1,
      reasonDigest: reason1,
      salt,
      prevHash: GENESIS_HASH,
      hash: hash1,
    });
    expect(second).toEqual({
      v: 2,
      seq: 2,
      at: '2024-01-02T03:04:06.000Z',
      actor: 'system:hub',
      action: 'policy.update',
      target: 'policy',
      changes: [],
      changesDigest: digest2,
      salt,
      prevHash: hash1,
      hash: hash2,
    });
    expect('reason' in second!).toBe(false);
    expect(await verifyAuditLog([first!, second!])).toEqual({ ok: true, entries: 2, head: { seq: 2, hash: hash2 } });
    await expect(buildAuditEntries(undefined, [input()], { salt: () => 'short' })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it('draws a fresh random salt per entry, so equal entries have different commitments', async () => {
    const [a, b] = await buildAuditEntries(undefined, [input(), input()]);
    expect(a!.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(b!.salt).not.toBe(a!.salt);
    expect(b!.changesDigest).not.toBe(a!.changesDigest);
  });

  it('still verifies format-1 entries (written before format 2) with their own rule', async () => {
    // Pinned entries as crmkit wrote them before format 2: hash over { seq, at, actor, action, target, reason,
    // changesDigest, prevHash }, changesDigest = sha256(canonical JSON of the changes).
    const v1: AuditEntry[] = [
      {
        seq: 1,
        at: AT,
        actor: 'user:u_1',
        action: 'customer.override',
        target: 'customer:cus_1',
        reason: 'typo',
        changes: [{ field: 'displayName', old: 'Ada Lovelace', new: 'Ada King' }],
        changesDigest: 'ed6f79852bead134352bc1589425542827c0fee1af5f5a4df115fe1159580e0c',
        prevHash: GENESIS_HASH,
        hash: '2ffed0bf5eab6772cdc0b5b06745a3f5a8114a94d728ebf7a9af58c28943c843',
      },
      {
        seq: 2,
        at: '2024-01-02T03:04:06.000Z',
        actor: 'system:hub',
        action: 'policy.update',
        target: 'policy',
        changes: [],
        changesDigest: '4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945',
        prevHash: '2ffed0bf5eab6772cdc0b5b06745a3f5a8114a94d728ebf7a9af58c28943c843',
        hash: 'e5e7b43c36efd44098e951ee6ef4fae1bc25e9ade0dfedbe9a9cf748c728f47b',
      },
    ];
    const head = { seq: 2, hash: v1[1]!.hash };
    expect(await verifyAuditLog(v1)).toEqual({ ok: true, entries: 2, head });
    // A format-1 redaction (changes only; its reason is hashed as text) still verifies.
    const redacted = [{ ...v1[0]!, changes: null, redacted: true }, v1[1]!];
    expect(await verifyAuditLog(redacted)).toEqual({ ok: true, entries: 2, head });
    // The chain goes on in format 2 after format-1 entries; a format-1 entry after a format-2 one is refused.
    const next = await buildAuditEntries(v1[1], [input()]);
    expect((await verifyAuditLog([...v1, ...next])).ok).toBe(true);
    const later = { ...v1[1]!, seq: 4, prevHash: next[0]!.hash };
    expect((await verifyAuditLog([...v1, ...next, later])).problem).toEqual({
      seq: 4,
      reason: 'format-1 entry after a format-2 entry',
    });
    // An added key is refused in format 1 too.
    const extra = [{ ...v1[0]!, note: 'x' } as AuditEntry, v1[1]!];
    expect((await verifyAuditLog(extra)).problem).toEqual({ seq: 1, reason: 'malformed entry: unexpected key "note"' });
  });

  it('is deterministic for one salt and independent of key order and undefined members', async () => {
    const salt = () => 'ab'.repeat(16);
    const a = await buildAuditEntries(undefined, [input({ changes: [{ field: 'x', old: { b: 1, a: [1, 2] } }] })], {
      salt,
    });
    const b = await buildAuditEntries(
      undefined,
      [input({ changes: [{ new: undefined, old: { a: [1, 2], b: 1 }, field: 'x' }] })],
      { salt },
    );
    expect(b[0]!.hash).toBe(a[0]!.hash);
    expect(b[0]!.changes).toEqual([{ field: 'x', old: { a: [1, 2], b: 1 } }]);
    expect('new' in b[0]!.changes![0]!).toBe(false);
  });

  it('continues a chain: building in batches gives the same entries as building at once', async () => {
    const inputs = [1, 2, 3, 4, 5].map((n) => input({ target: `customer:cus_${n}` }));
    const counter = () => {
      let n = 0;
      return () => (n++).toString(16).padStart(32, '0');
    };
    const all = await buildAuditEntries(undefined, inputs, { salt: counter() });
    const salts = counter();
    const head = await buildAuditEntries(undefined, inputs.slice(0, 2), { salt: salts });
    const tail = await buildAuditEntries(head.at(-1), inputs.slice(2), { salt: salts });
    expect([...head, ...tail]).toEqual(all);
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < all.length; i++) expect(all[i]!.prevHash).toBe(all[i - 1]!.hash);
    expect(await buildAuditEntries(all.at(-1), [])).toEqual([]);
  });

  it('shares change values (no copy on the hot path); the store keeps its own copy when the entry is appended', async () => {
    const value = { tier: 'gold' };
    const [entry] = await buildAuditEntries(undefined, [
      input({ changes: [{ field: 'attributes.sales', new: value }] }),
    ]);
    expect(entry!.changes![0]!.new).toBe(value);
    const store = createMemoryStore();
    await store.transaction((tx) => tx.appendAudit([entry!]));
    value.tier = 'silver';
    const stored = await store.transaction((tx) => tx.listAudit({ limit: 10 }));
    expect(stored[0]!.changes).toEqual([{ field: 'attributes.sales', new: { tier: 'gold' } }]);
    expect((await verifyAuditLog(stored)).ok).toBe(true);
  });

  it('refuses malformed inputs and a malformed last entry', async () => {
    await expect(buildAuditEntries(undefined, [input({ actor: '' })])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(buildAuditEntries(undefined, [input({ changes: [{ field: '' }] })])).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(
      buildAuditEntries(undefined, [{ ...input(), changes: null as unknown as AuditChange[] }]),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    const [entry] = await buildAuditEntries(undefined, [input()]);
    await expect(buildAuditEntries({ ...entry!, seq: 0 }, [input()])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(buildAuditEntries({ ...entry!, hash: 'nope' }, [input()])).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });
});

describe('secret fields', () => {
  const SECRET = 'S3CR3T-4242';

  async function buildWithSecrets(changes: AuditChange[], secretFields: readonly string[]) {
    // Every text that is hashed goes through the runtime's TextEncoder first: record what it encodes.
    const digestInputs: string[] = [];
    const Original = runtime.TextEncoder;
    runtime.TextEncoder = class extends Original {
      override encode(text?: string) {
        digestInputs.push(text ?? '');
        return super.encode(text);
      }
    } as typeof runtime.TextEncoder;
    try {
      const entries = await buildAuditEntries(undefined, [input({ changes })], { secretFields });
      return { entries, digestInputs };
    } finally {
      runtime.TextEncoder = Original;
    }
  }

  it('drops the values of secret fields before digesting, and still records the change', async () => {
    const { entries, digestInputs } = await buildWithSecrets(
      [
        { field: 'displayName', old: 'Ada', new: 'Ada King' },
        { field: 'nationalId', old: `${SECRET}-old`, new: SECRET },
        { field: 'attributes.vault.pin', new: SECRET },
        { field: 'attributes.vault', new: { pin: SECRET } },
        { field: 'attributes', old: { hr: { salary: SECRET } } },
        { field: 'apiToken', new: SECRET, secret: true },
      ],
      ['nationalId', 'attributes.vault.*', 'attributes.hr.salary'],
    );
    const [entry] = entries;
    expect(entry!.changes).toEqual([
      { field: 'displayName', old: 'Ada', new: 'Ada King' },
      { field: 'nationalId', secret: true },
      { field: 'attributes.vault.pin', secret: true },
      { field: 'attributes.vault', secret: true },
      { field: 'attributes', secret: true },
      { field: 'apiToken', secret: true },
    ]);
    expect(JSON.stringify(entries)).not.toContain(SECRET);
    expect(digestInputs).toHaveLength(2);
    for (const text of digestInputs) expect(text).not.toContain(SECRET);
    expect(digestInputs[0]).toContain('"nationalId"');
    expect((await verifyAuditLog(entries)).ok).toBe(true);
  });

  it("'*' makes every change secret; unrelated patterns keep values", async () => {
    const all = await buildWithSecrets([{ field: 'displayName', new: SECRET }], ['*']);
    expect(all.entries[0]!.changes).toEqual([{ field: 'displayName', secret: true }]);
    const none = await buildWithSecrets(
      [
        { field: 'displayName', new: 'visible' },
        { field: 'nationalIdentity', new: 'visible' },
      ],
      ['nationalId', 'attributes.vault.*', 'display'],
    );
    expect(none.entries[0]!.changes).toEqual([
      { field: 'displayName', new: 'visible' },
      { field: 'nationalIdentity', new: 'visible' },
    ]);
  });

  it('flags a secret change that carries a value (a leak written around buildAuditEntries)', async () => {
    const [entry] = await buildAuditEntries(undefined, [input({ changes: [{ field: 'pin', secret: true }] })]);
    const leaked = clone(entry!);
    leaked.changes = [{ field: 'pin', secret: true, new: SECRET }];
    const result = await verifyAuditLog([leaked]);
    expect(result.ok).toBe(false);
    expect(result.problem?.reason).toMatch(/secret change of pin carries a value/);
  });
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

const FIELDS = ['displayName', 'jobTitle', 'nationalId', 'vault.pin', 'attributes', 'attributes.sales.tier'];
const SECRET_FIELDS = ['nationalId', 'vault.*'];

const changeArb: fc.Arbitrary<AuditChange> = fc
  .record({
    field: fc.constantFrom(...FIELDS),
    old: fc.option(jsonArb(2), { nil: undefined }),
    new: fc.option(jsonArb(2), { nil: undefined }),
    secret: fc.option(fc.constant(true), { nil: undefined, freq: 8 }),
  })
  .map(
    (change) => Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as unknown as AuditChange,
  );

const inputArb: fc.Arbitrary<AuditInput> = fc.record(
  {
    actor: fc.oneof(fc.constantFrom('user:u_1', 'plugin:sales', 'system:hub'), fc.string({ minLength: 1 })),
    action: fc.constantFrom('customer.override', 'customer.merge', 'policy.update', 'plugin.install'),
    target: fc.oneof(fc.constantFrom('customer:cus_1', 'customer:cus_2', 'policy'), fc.string({ minLength: 1 })),
    reason: fc.string(),
    changes: fc.array(changeArb, { maxLength: 4 }),
    at: fc
      .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  { requiredKeys: ['actor', 'action', 'target', 'changes', 'at'] },
);

/** A random log (1-40 entries), some entries already redacted the right way. */
const logArb = fc
  .record({
    inputs: fc.array(inputArb, { minLength: 1, maxLength: 40 }),
    redact: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
    preRedact: fc.boolean(),
  })
  .map(({ inputs, redact, preRedact }) => ({ inputs, redact: preRedact ? redact : [] }));

/**
 * A log of `inputs` plus a final erasure entry listing the `seq`s of the entries marked in `redact` (every entry's
 * with `listAll`), those redacted the right way.
 */
async function buildLog(
  inputs: readonly AuditInput[],
  redact: readonly boolean[],
  listAll = false,
): Promise<AuditEntry[]> {
  const entries = await buildAuditEntries(undefined, inputs, { secretFields: SECRET_FIELDS });
  const listed = entries.filter((_, i) => listAll || redact[i]).map((e) => e.seq);
  const erasure = await buildAuditEntries(entries.at(-1), [
    {
      actor: 'user:u_9',
      action: ERASURE_ACTION,
      target: 'customer:cus_1',
      changes: [{ field: REDACTED_SEQS_FIELD, new: listed }],
      at: AT,
    },
  ]);
  return [...entries.map((e, i) => (redact[i] ? redactedAuditEntry(e) : e)), ...erasure];
}

type Tampering =
  | {
      kind: 'field';
      index: number;
      field: 'actor' | 'action' | 'target' | 'reason' | 'at' | 'seq' | 'changesDigest' | 'prevHash' | 'hash';
      salt: string;
      pos: number;
    }
  | { kind: 'change'; index: number; how: 'alter' | 'add' | 'remove' | 'flipSecret' }
  | { kind: 'remove'; where: 'first' | 'middle' | 'last'; index: number }
  | { kind: 'insert'; index: number; forged: AuditInput }
  | { kind: 'duplicate'; index: number }
  | { kind: 'swap'; i: number; j: number }
  | { kind: 'badRedaction'; index: number; how: 'keepChanges' | 'noFlag' | 'flagFalse' | 'emptyArray' }
  | { kind: 'forgedRedaction'; index: number }
  | { kind: 'addKey'; index: number; key: string };

const tamperingArb: fc.Arbitrary<Tampering> = fc.oneof(
  fc.record({
    kind: fc.constant('field' as const),
    index: fc.nat(),
    field: fc.constantFrom(
      'actor',
      'action',
      'target',
      'reason',
      'at',
      'seq',
      'changesDigest',
      'prevHash',
      'hash',
    ) as fc.Arbitrary<'actor'>,
    salt: fc.string(),
    pos: fc.nat({ max: 63 }),
  }),
  fc.record({
    kind: fc.constant('change' as const),
    index: fc.nat(),
    how: fc.constantFrom('alter', 'add', 'remove', 'flipSecret') as fc.Arbitrary<'alter'>,
  }),
  fc.record({
    kind: fc.constant('remove' as const),
    where: fc.constantFrom('first', 'middle', 'last') as fc.Arbitrary<'first'>,
    index: fc.nat(),
  }),
  fc.record({ kind: fc.constant('insert' as const), index: fc.nat(), forged: inputArb }),
  fc.record({ kind: fc.constant('duplicate' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), i: fc.nat(), j: fc.nat() }),
  fc.record({
    kind: fc.constant('badRedaction' as const),
    index: fc.nat(),
    how: fc.constantFrom('keepChanges', 'noFlag', 'flagFalse', 'emptyArray') as fc.Arbitrary<'keepChanges'>,
  }),
  fc.record({ kind: fc.constant('forgedRedaction' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('addKey' as const), index: fc.nat(), key: fc.constantFrom('note', 'x', 'Target') }),
);

/** Another lowercase hex digit at `pos`: the digest stays well formed but differs. */
function flipHex(hex: string, pos: number): string {
  const c = hex[pos]!;
  const replacement = c === '0' ? '1' : '0';
  return hex.slice(0, pos) + replacement + hex.slice(pos + 1);
}

/**
 * Applies one tampering to a copy of `log`. `undetectableWithoutHead` is true when the tampering (removing the
 * last entry) can only be seen against a published head.
 */
async function tamper(
  log: readonly AuditEntry[],
  t: Tampering,
): Promise<{ entries: AuditEntry[]; undetectableWithoutHead: boolean } | undefined> {
  const entries = clone(log) as AuditEntry[];
  const n = entries.length;
  switch (t.kind) {
    case 'field': {
      const entry = entries[t.index % n]!;
      if (t.field === 'seq') entry.seq += t.pos % 2 === 0 ? 1 + t.pos : -1 - t.pos;
      else if (t.field === 'changesDigest' || t.field === 'prevHash' || t.field === 'hash') {
        entry[t.field] = flipHex(entry[t.field], t.pos);
      } else if (t.field === 'reason') {
        if (entry.reason === undefined) entry.reason = t.salt;
        else if (t.pos % 2 === 0) delete entry.reason;
        else entry.reason = `${entry.reason}~${t.salt}`;
      } else entry[t.field] = `${entry[t.field]}~${t.salt}`;
      break;
    }
    case 'change': {
      const entry = entries[t.index % n]!;
      const changes = entry.changes;
      if (changes === null) {
        entry.changes = [{ field: 'displayName', new: 'forged' }];
        break;
      }
      const valued = changes.find((c) => c.old !== undefined || c.new !== undefined);
      if (t.how === 'alter' && valued) valued.new = { tampered: valued.new ?? null };
      else if (t.how === 'remove' && changes.length > 0) changes.splice(0, 1);
      else if (t.how === 'flipSecret' && changes.length > 0) {
        const change = changes[0]!;
        if (change.secret) delete change.secret;
        else changes[0] = { field: change.field, secret: true };
      } else changes.push({ field: 'forged', new: 'x' });
      break;
    }
    case 'remove': {
      const index = t.where === 'first' ? 0 : t.where === 'last' ? n - 1 : n >= 3 ? 1 + (t.index % (n - 2)) : 0;
      entries.splice(index, 1);
      return { entries, undetectableWithoutHead: index === n - 1 };
    }
    case 'insert': {
      // The strongest forgery: well formed, seq and prevHash continue from the entry before it, hash recomputed.
      const at = t.index % n;
      const [forged] = await buildAuditEntries(at === 0 ? undefined : entries[at - 1], [t.forged]);
      entries.splice(at, 0, forged!);
      break;
    }
    case 'duplicate': {
      const at = t.index % n;
      entries.splice(at + 1, 0, clone(entries[at]!));
      break;
    }
    case 'swap': {
      const i = t.i % n;
      const j = t.j % n;
      if (i === j) return undefined;
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
      break;
    }
    case 'badRedaction': {
      const entry = entries[t.index % n]!;
      if (t.how === 'keepChanges') {
        entry.changes ??= [];
        entry.redacted = true;
      } else if (t.how === 'noFlag') {
        entry.changes = null;
        delete entry.redacted;
      } else if (t.how === 'flagFalse') {
        entry.changes = null;
        entry.redacted = false;
      } else {
        entry.changes = [];
        entry.redacted = true;
      }
      break;
    }
    case 'forgedRedaction': {
      // A redaction done the right way, but of an entry no erasure lists (the erasure entry is the last one).
      const index = t.index % n;
      if (index === n - 1 || entries[index]!.redacted === true) return undefined;
      entries[index] = redactedAuditEntry(entries[index]!);
      break;
    }
    case 'addKey': {
      (entries[t.index % n] as unknown as Record<string, unknown>)[t.key] = 'added';
      break;
    }
  }
  return { entries, undetectableWithoutHead: false };
}

describe('audit chain properties', () => {
  it('detects any single tampering', async () => {
    await fc.assert(
      fc.asyncProperty(logArb, tamperingArb, async ({ inputs, redact }, t) => {
        const log = await buildLog(inputs, redact);
        const head = { seq: log.length, hash: log.at(-1)!.hash };
        const tampered = await tamper(log, t);
        fc.pre(tampered !== undefined);
        const withHead = await verifyAuditLog(tampered!.entries, { expectedHead: head });
        expect(withHead.ok).toBe(false);
        expect(withHead.problem).toBeDefined();
        expect(withHead.problem!.seq).toBeGreaterThanOrEqual(1);
        expect(withHead.problem!.seq).toBeLessThanOrEqual(log.length + 1);
        if (!tampered!.undetectableWithoutHead) {
          const without = await verifyAuditLog(tampered!.entries);
          expect(without.ok).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('accepts any log, and any redaction done right, with the same head', async () => {
    await fc.assert(
      fc.asyncProperty(
        logArb,
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        async ({ inputs, redact }, more) => {
          const log = await buildLog(inputs, redact, true);
          const head = { seq: log.length, hash: log.at(-1)!.hash };
          expect(await verifyAuditLog(log, { expectedHead: head })).toEqual({ ok: true, entries: log.length, head });
          const redacted = log.map((e, i) => (more[i] && i < log.length - 1 ? redactedAuditEntry(e) : e));
          expect(await verifyAuditLog(asAsync(redacted), { expectedHead: head })).toEqual({
            ok: true,
            entries: log.length,
            head,
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('detects a history rewritten with recomputed hashes against the published head', async () => {
    await fc.assert(
      fc.asyncProperty(logArb, fc.nat(), async ({ inputs }, k) => {
        const log = (await buildLog(inputs, [])).slice(0, -1);
        const head = { seq: log.length, hash: log.at(-1)!.hash };
        const at = k % log.length;
        const rewrittenInputs = inputs.slice(at).map((inp, i) => (i === 0 ? { ...inp, actor: `${inp.actor}~` } : inp));
        const rewritten = [
          ...log.slice(0, at),
          ...(await buildAuditEntries(log[at - 1], rewrittenInputs, { secretFields: SECRET_FIELDS })),
        ];
        expect((await verifyAuditLog(rewritten)).ok).toBe(true);
        const result = await verifyAuditLog(rewritten, { expectedHead: head });
        expect(result.ok).toBe(false);
        expect(result.problem?.seq).toBe(log.length);
      }),
      { numRuns: 100 },
    );
  });
});

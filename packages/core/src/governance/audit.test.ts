import { createHash } from 'node:crypto';
import { type AuditChange, type AuditEntry, InvalidArgumentError } from '@crmkit/model';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '../store/memory-store';
import { buildAuditEntries, GENESIS_HASH, sha256Hex, verifyAuditLog } from './audit';

/** An independent SHA-256 (Node's OpenSSL binding), to check the WebCrypto one against. */
function nodeSha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

import { AT, clone, input } from './audit.test-support';

/** Every text the audit code hashes goes through `sha256HexSync`: recorded here while `digested.inputs` is set. */
const digested = vi.hoisted(() => ({ inputs: undefined as string[] | undefined }));
vi.mock('./sha256', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./sha256')>();
  return {
    ...actual,
    sha256HexSync: (text: string) => {
      digested.inputs?.push(text);
      return actual.sha256HexSync(text);
    },
  };
});

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
    // Every text that is hashed goes through sha256HexSync: record what it digests.
    const digestInputs: string[] = [];
    digested.inputs = digestInputs;
    try {
      const entries = await buildAuditEntries(undefined, [input({ changes })], { secretFields });
      return { entries, digestInputs };
    } finally {
      digested.inputs = undefined;
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

/**
 * Threat 15 of issue 13: audit gaps. Every stored member of an audit entry must be covered by the chain (an edited
 * target, an added key), and a redaction must be verifiable (a hand-forged one is reported). The tampering here is
 * done on the memory store's own stored entries; packages/store-postgres has the same threat on stored SQL rows.
 */
import type { AuditEntry, SourceRecordInput } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../hub';
import { createMemoryStore, memoryStoreAuditRows } from '../store/memory-store';

const T1 = '2026-03-01T10:00:00Z';

async function seeded(): Promise<{ hub: Hub; rows: AuditEntry[]; overrideSeq: number; target: string }> {
  const store = createMemoryStore();
  const hub = createHub({ store });
  await hub.ingest([
    {
      type: 'person',
      source: 'hubspot',
      externalId: '1',
      observedAt: T1,
      data: { givenName: 'Ada', familyName: 'Lovelace', emails: ['ada@example.com'] },
    } as SourceRecordInput,
  ]);
  const [ada] = await hub.find({ email: 'ada@example.com' });
  await hub.setOverride(ada!.id, 'jobTitle', 'Countess', { reason: 'she asked' });
  await hub.governance.recordAdminAction({ action: 'adapter.credentials', target: 'adapter:hubspot' });
  const rows = memoryStoreAuditRows(store)!;
  const target = `customer:${ada!.id}`;
  const override = rows.find((e) => e.action === 'customer.override' && e.target === target);
  expect(override, 'the override is audited').toBeDefined();
  expect((await hub.governance.verifyAudit()).ok).toBe(true);
  return { hub, rows, overrideSeq: override!.seq, target };
}

/** The stored entry at `seq`, replaced by a mutable copy to tamper with (the memory store freezes what it keeps). */
function tamper(rows: AuditEntry[], seq: number): AuditEntry {
  const copy = structuredClone(rows[seq - 1]!);
  rows[seq - 1] = copy;
  return copy;
}

describe('threat 15: the audit chain covers every stored member; redactions are verifiable (memory store)', () => {
  it('reports an edited target at its entry', async () => {
    const { hub, rows, overrideSeq } = await seeded();
    tamper(rows, overrideSeq).target = 'customer:someone-else';
    expect(await hub.governance.verifyAudit()).toMatchObject({
      ok: false,
      problem: { seq: overrideSeq, reason: 'hash does not match the entry' },
    });
  });

  it('reports an added key at its entry', async () => {
    const { hub, rows, overrideSeq } = await seeded();
    (tamper(rows, overrideSeq) as unknown as Record<string, unknown>).approvedBy = 'user:ceo';
    expect(await hub.governance.verifyAudit()).toMatchObject({
      ok: false,
      problem: { seq: overrideSeq, reason: 'malformed entry: unexpected key "approvedBy"' },
    });
  });

  it('reports a hand-forged redaction at its entry: done by the rules but listed by no erasure', async () => {
    const { hub, rows, overrideSeq } = await seeded();
    const entry = tamper(rows, overrideSeq);
    entry.changes = null;
    entry.redacted = true;
    delete entry.reason;
    delete entry.salt;
    expect(await hub.governance.verifyAudit()).toMatchObject({
      ok: false,
      head: { seq: overrideSeq - 1 },
      problem: {
        seq: overrideSeq,
        reason: 'redacted without a later gdpr.erase entry that lists it (forged redaction)',
      },
    });
  });

  it('reports a value replaced by a marker without its commitment, and an altered commitment', async () => {
    const marked = await seeded();
    tamper(marked.rows, marked.overrideSeq).changes = [{ field: 'jobTitle', new: '[redacted]' }];
    expect((await marked.hub.governance.verifyAudit()).problem).toEqual({
      seq: marked.overrideSeq,
      reason: 'changesDigest does not match the changes (value changed without its commitment)',
    });
    const reason = await seeded();
    tamper(reason.rows, reason.overrideSeq).reason = '[redacted]';
    expect((await reason.hub.governance.verifyAudit()).problem?.seq).toBe(reason.overrideSeq);
    const commitment = await seeded();
    const entry = tamper(commitment.rows, commitment.overrideSeq);
    entry.changes = null;
    entry.redacted = true;
    delete entry.reason;
    delete entry.salt;
    entry.reasonDigest = '0'.repeat(64);
    expect((await commitment.hub.governance.verifyAudit()).problem).toEqual({
      seq: commitment.overrideSeq,
      reason: 'hash does not match the entry',
    });
  });

  it('accepts the redactions of a real erasure, which removes the reason too', async () => {
    const { hub, rows, overrideSeq, target } = await seeded();
    await hub.gdpr.erase(target.slice('customer:'.length));
    expect(rows[overrideSeq - 1]).toMatchObject({ changes: null, redacted: true });
    expect(rows[overrideSeq - 1]).not.toHaveProperty('reason');
    expect(await hub.governance.verifyAudit()).toMatchObject({ ok: true });
    const erasure = rows.find((e) => e.action === 'gdpr.erase')!;
    expect(erasure.changes).toContainEqual({ field: 'audit.redacted', new: expect.arrayContaining([overrideSeq]) });
  });
});

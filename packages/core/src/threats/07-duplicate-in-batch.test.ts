/**
 * Threat 7 (issue 13): one record twice in a batch with different data was resolved silently. The newest
 * observation wins, deterministically (whatever the order in the batch), and the ingest result lists the copy that
 * lost and the one that won. Identical copies stay harmless and are not listed.
 */
import type { SourceRecordInput } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { createHub } from '../hub';

const copy = (observedAt: string, givenName: string, externalId = 'p1'): SourceRecordInput => ({
  type: 'person',
  source: 'crm',
  externalId,
  observedAt,
  data: { givenName, emails: [`${externalId}@example.com`] },
});

describe('threat 7: a duplicate external id with different data in one batch', () => {
  it('keeps the newest observation and reports the superseded copy, in any order', async () => {
    const older = copy('2026-03-01T10:00:00Z', 'Ada');
    const newer = copy('2026-03-02T10:00:00Z', 'Augusta');
    for (const [batch, loser, winner] of [
      [[older, newer], 0, 1],
      [[newer, older], 1, 0],
    ] as const) {
      const hub = createHub();
      const result = await hub.ingest([copy('2026-03-01T10:00:00Z', 'Bo', 'p2'), ...batch]);
      expect(result.created).toBe(2);
      expect(result.superseded).toEqual([
        { index: loser + 1, by: winner + 1, type: 'person', source: 'crm', externalId: 'p1' },
      ]);
      const [customer] = await hub.find({ email: 'p1@example.com' });
      expect(customer!.golden.fields.givenName?.value).toBe('Augusta');
    }
  });

  it('breaks a tie of observation times by content, the same in any order, and reports it', async () => {
    const a = copy('2026-03-01T10:00:00Z', 'Ada');
    const b = copy('2026-03-01T10:00:00Z', 'Augusta');
    const one = createHub();
    const two = createHub();
    const r1 = await one.ingest([a, b]);
    const r2 = await two.ingest([b, a]);
    expect(r1.superseded).toHaveLength(1);
    expect(r2.superseded).toHaveLength(1);
    const name = async (hub: ReturnType<typeof createHub>) =>
      (await hub.find({ email: 'p1@example.com' }))[0]!.golden.fields.givenName?.value;
    expect(await name(one)).toBe(await name(two));
  });

  it('does not report identical copies', async () => {
    const hub = createHub();
    const result = await hub.ingest([copy('2026-03-01T10:00:00Z', 'Ada'), copy('2026-03-01T10:00:00Z', 'Ada')]);
    expect(result).toMatchObject({ created: 1, unchanged: 1, superseded: [] });
  });
});

/**
 * Threat 4 (issue 13): timestamps that pin or break. A record observed in year 9999 would win over every later
 * correction; one observed in year 0 breaks date arithmetic in SQL stores. Both are refused; the future skew is a
 * Hub option; birth dates are bounded separately; a record stored with a bad time can be repaired, audited.
 */
import { type SourceRecordInput, ValidationError } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { createHub } from '../hub';
import { createMemoryStore } from '../store/memory-store';

const NOW = new Date('2026-06-01T12:00:00Z');
const person = (observedAt: string, data: Record<string, unknown> = { givenName: 'Ada' }): SourceRecordInput =>
  ({ type: 'person', source: 'crm', externalId: 'p1', observedAt, data }) as SourceRecordInput;

/** The `ValidationError` the operation rejects with (the test fails when it resolves or throws anything else). */
const refusal = async (promise: Promise<unknown>): Promise<ValidationError> => {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toSatisfy(ValidationError.isInstance);
  return error as ValidationError;
};

describe('threat 4: timestamps that pin or break', () => {
  it('refuses an observedAt far in the future, naming the record and the path', async () => {
    const hub = createHub({ now: () => NOW });
    const error = await refusal(hub.ingest([person('2026-05-01T00:00:00Z'), person('9999-12-31T00:00:00Z')]));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', index: 1, source: 'crm', externalId: 'p1' });
    expect(error.issues[0]).toMatchObject({ pathString: 'records[1].observedAt', issueCode: 'time_out_of_range' });
    expect(error.message).toContain('observedAt');
    expect((await hub.list({ limit: 10 })).items).toHaveLength(0);
  });

  it('refuses an observedAt before 1900, tombstones included', async () => {
    const hub = createHub({ now: () => NOW });
    const error = await refusal(hub.ingest([person('0000-01-01T00:00:00Z')]));
    expect(error.issues[0]!.pathString).toBe('records[0].observedAt');
    const tombstone: SourceRecordInput = {
      type: 'person',
      source: 'crm',
      externalId: 'p1',
      observedAt: '1899-12-31T23:59:59Z',
      deleted: true,
    };
    expect((await refusal(hub.ingest([tombstone]))).issues[0]!.pathString).toBe('records[0].observedAt');
  });

  it('accepts the configured skew and no more', async () => {
    const hub = createHub({ now: () => NOW, input: { maxFutureSkewMs: 60_000 } });
    await expect(hub.ingest([person('2026-06-01T12:00:59Z')])).resolves.toMatchObject({ created: 1 });
    await refusal(hub.ingest([person('2026-06-01T12:01:01Z')]));
    const lenient = createHub({ now: () => NOW, input: { maxFutureSkewMs: 7 * 86_400_000 } });
    await expect(lenient.ingest([person('2026-06-07T00:00:00Z')])).resolves.toMatchObject({ created: 1 });
  });

  it('bounds birth dates: not before year 1000, not in the future', async () => {
    const hub = createHub({ now: () => NOW });
    await expect(hub.ingest([person('2026-05-01T00:00:00Z', { birthDate: '1010-02-03' })])).resolves.toMatchObject({
      created: 1,
    });
    for (const birthDate of ['0999-12-31', '2027-01-01']) {
      const error = await refusal(hub.ingest([person('2026-05-02T00:00:00Z', { birthDate })]));
      expect(error.issues[0]).toMatchObject({
        pathString: 'records[0].data.birthDate',
        issueCode: 'time_out_of_range',
      });
    }
  });

  it('refuses an interaction that occurred before 1900', async () => {
    const hub = createHub({ now: () => NOW });
    const interaction: SourceRecordInput = {
      type: 'interaction',
      source: 'crm',
      externalId: 'i1',
      observedAt: '2026-05-01T00:00:00Z',
      data: {
        channel: 'email',
        direction: 'inbound',
        participants: [{ ref: { email: 'ada@example.com' }, role: 'from' }],
        occurredAt: '0001-01-01T00:00:00Z',
        activity: { kind: 'note' },
      },
    };
    const error = await refusal(hub.ingest([interaction]));
    expect(error.issues[0]!.pathString).toBe('records[0].data.occurredAt');
  });

  it('repairs a record stored with a bad time: only with repairTimestamps, audited', async () => {
    const store = createMemoryStore();
    // A Hub of an older version (no bound): the record is stored observed in year 9999.
    const old = createHub({ store, now: () => NOW, input: { maxFutureSkewMs: 1e15 } });
    await old.ingest([person('9999-01-01T00:00:00Z', { givenName: 'Wrong' })]);
    const hub = createHub({ store, now: () => NOW });
    // A plain correction is older than what is stored: it changes nothing (the record is pinned).
    await expect(hub.ingest([person('2026-05-01T00:00:00Z', { givenName: 'Ada' })])).resolves.toMatchObject({
      unchanged: 1,
      repaired: 0,
    });
    const repaired = await hub.ingest([person('2026-05-01T00:00:00Z', { givenName: 'Ada' })], {
      repairTimestamps: true,
      actor: 'ops',
    });
    expect(repaired).toMatchObject({ updated: 1, repaired: 1 });
    const [customer] = await hub.find({ name: 'Ada' });
    expect(customer?.golden.fields.givenName?.value).toBe('Ada');
    const audit = (await hub.governance.audit({ target: 'record:crm/person/p1', limit: 100 })).filter(
      (entry) => entry.action === 'record.retimed',
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: 'ops',
      target: 'record:crm/person/p1',
      changes: [{ field: 'observedAt', old: '9999-01-01T00:00:00.000Z', new: '2026-05-01T00:00:00.000Z' }],
    });
    // A record within the bounds is never replaced by an older one, flag or not.
    await expect(
      hub.ingest([person('2026-04-01T00:00:00Z', { givenName: 'Older' })], { repairTimestamps: true }),
    ).resolves.toMatchObject({ unchanged: 1, repaired: 0 });
  });
});

/**
 * Threat 5 (issue 13): unbounded input. Huge records, huge attribute objects and deep nesting are refused with a
 * typed `VALIDATION_FAILED` naming the path (never a raw `RangeError`, never hundreds of MB of memory); every
 * error message that quotes a user value quotes at most a short, marked excerpt.
 */
import { definePlugin, type JsonValue, NotFoundError, ValidationError } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { SourceRecordInput } from '@crmkit/model';
import { createHub } from '../hub';

const T = '2026-03-01T10:00:00Z';
// Deliberately untyped data (oversized, too deep): the runtime checks refuse it, so it is cast at this boundary.
const record = (data: Record<string, unknown>, externalId = 'p1'): SourceRecordInput =>
  ({ type: 'person', source: 'crm', externalId, observedAt: T, data }) as SourceRecordInput;

/** The `ValidationError` the operation rejects with (the test fails when it resolves or throws anything else). */
const refusal = async (promise: Promise<unknown>): Promise<ValidationError> => {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toSatisfy(ValidationError.isInstance);
  return error as ValidationError;
};

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < depth; i++) value = { x: value };
  return value;
}

describe('threat 5: unbounded input', () => {
  it('refuses a 10 MB record with VALIDATION_FAILED naming the record', async () => {
    const hub = createHub();
    const chunk = 'x'.repeat(60_000);
    const attributes: Record<string, string> = {};
    for (let i = 0; i < 170; i++) attributes[`a${i}`] = chunk; // 170 strings of 60,000 characters: ~10 MB
    const error = await refusal(hub.ingest([record({ givenName: 'Ada' }, 'ok'), record({ attributes }, 'big')]));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', index: 1, externalId: 'big' });
    expect(error.issues[0]).toMatchObject({ pathString: 'records[1]', issueCode: 'record_too_large' });
    expect((await hub.list({ limit: 10 })).items).toHaveLength(0);
  }, 60_000);

  it('refuses a string longer than the limit, with its path', async () => {
    const hub = createHub();
    const error = await refusal(hub.ingest([record({ attributes: { note: 'y'.repeat(70_000) } })]));
    expect(error.issues[0]).toMatchObject({
      pathString: 'records[0].data.attributes.note',
      issueCode: 'string_too_long',
    });
  });

  it('refuses a one-million-key attributes object quickly, without reading all of it', async () => {
    const hub = createHub();
    const attributes: Record<string, number> = {};
    for (let i = 0; i < 1_000_000; i++) attributes[`k${i}`] = i;
    const error = await refusal(hub.ingest([record({ attributes })]));
    expect(error.issues[0]).toMatchObject({ pathString: 'records[0].data.attributes', issueCode: 'too_many_keys' });
  }, 60_000);

  it('refuses attributes nested 2,000 (and 100,000) deep with a typed error, not a RangeError', async () => {
    const hub = createHub();
    for (const depth of [2_000, 100_000]) {
      const error = await refusal(hub.ingest([record({ attributes: { deep: nested(depth) } })]));
      expect(error.issues[0]!.issueCode).toBe('too_deep');
      expect(error.issues[0]!.pathString.startsWith('records[0].data.attributes.deep.x.x')).toBe(true);
    }
  }, 60_000);

  it('takes limits as a Hub option', async () => {
    const hub = createHub({ input: { maxDepth: 4, maxKeys: 10, maxStringLength: 25, maxRecordBytes: 10_000 } });
    await expect(hub.ingest([record({ givenName: 'Ada' })])).resolves.toMatchObject({ created: 1 });
    expect((await refusal(hub.ingest([record({ attributes: { a: { b: { c: 1 } } } })]))).issues[0]!.issueCode).toBe(
      'too_deep',
    );
    expect(
      (await refusal(hub.ingest([record({ givenName: 'Augusta Ada King-Noel, Countess' })]))).issues[0]!.issueCode,
    ).toBe('string_too_long');
    const many = { a: 1, b: 2, c: 3, d: 4, e: 5 }; // 5 envelope keys + data + attributes + 5 = 12 keys
    expect((await refusal(hub.ingest([record({ attributes: many })]))).issues[0]!.issueCode).toBe('too_many_keys');
    expect(() => createHub({ input: { maxDepth: 0 } })).toThrow(/maxDepth/);
  });

  it('quotes at most a short excerpt of a 1 MB id in error messages', async () => {
    const hub = createHub();
    const id = 'i'.repeat(1_048_576);
    const error = await refusal(hub.ingest([record({ givenName: 'Ada' }, id)]));
    expect(error.message.length).toBeLessThan(500);
    expect(error.message).toContain('(1048576 characters)');
    const missing = await hub
      .get(id)
      .then(
        () => hub.merge(id, 'cus_x'),
        (e: unknown) => Promise.reject(e),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(NotFoundError.isInstance(missing) || ValidationError.isInstance(missing)).toBe(true);
    expect((missing as Error).message.length).toBeLessThan(500);
    const badField = await hub.setOverride('cus_x', 'f'.repeat(100_000) + '/', 'v').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((badField as Error).message.length).toBeLessThan(500);
    expect(new NotFoundError({ entity: 'customer', id }).message.length).toBeLessThan(500);
  }, 60_000);

  it('refuses a huge reason (or one with a NUL) on every call that records one, naming options.reason; nothing is written', async () => {
    const hub = createHub();
    await hub.ingest([
      { ...record({ givenName: 'Ada', familyName: 'L', emails: ['ada@example.com'] }), externalId: 'a' },
      { ...record({ givenName: 'Bo', familyName: 'M', emails: ['bo@example.com'] }), externalId: 'b' },
    ]);
    const ada = (await hub.find({ email: 'ada@example.com' }))[0]!.id;
    const bo = (await hub.find({ email: 'bo@example.com' }))[0]!.id;
    const { mergeId } = await hub.merge(ada, bo, { actor: 'ops', reason: 'duplicates' });
    const written = async () => [
      (await hub.governance.audit({ limit: 1000 })).length,
      (await hub.journal({ limit: 1000 })).length,
    ];
    const before = await written();
    const policy = await hub.governance.policy();
    const huge = `why\u0000${'\u0000'.repeat(6 * 1024 * 1024)}`;
    for (const [reason, issueCode] of [
      [huge, 'string_too_long'],
      ['because\u0000', 'invalid_text'],
      ['half \ud800 a pair', 'invalid_text'],
    ] as const) {
      const options = { actor: 'ops', reason };
      for (const [name, call] of [
        ['setOverride', () => hub.setOverride(ada, 'jobTitle', 'Countess', options)],
        ['clearOverride', () => hub.clearOverride(ada, 'jobTitle', options)],
        ['merge', () => hub.merge(ada, bo, options)],
        ['unmerge', () => hub.unmerge(mergeId, options)],
        ['reviews.accept', () => hub.reviews.accept('rev_x', options)],
        ['reviews.reject', () => hub.reviews.reject('rev_x', options)],
        ['ingest', () => hub.ingest([record({ givenName: 'Cy' }, 'c')], options)],
        ['governance.setPolicy', () => hub.governance.setPolicy(policy, options)],
        ['gdpr.erase', () => hub.gdpr.erase(ada, options)],
        ['as(admin).gdpr.erase', () => hub.as({ kind: 'system', id: 'ops' }).gdpr.erase(ada, { reason })],
        [
          'as(admin).governance.setPolicy',
          () => hub.as({ kind: 'system', id: 'ops' }).governance.setPolicy(policy, { reason }),
        ],
      ] as const) {
        const error = await refusal((call as () => Promise<unknown>)());
        expect(error.issues[0]!.pathString, name).toBe('options.reason');
        expect(error.issues[0]!.issueCode, name).toBe(issueCode);
        expect(error.message.length, name).toBeLessThan(500);
      }
    }
    const actorError = await refusal(hub.setOverride(ada, 'jobTitle', 'Countess', { actor: 'ops\u0000' }));
    expect(actorError.issues[0]!.pathString).toBe('options.actor');
    expect(await written()).toEqual(before);
    expect((await hub.get(ada))?.golden.fields.jobTitle).toBeUndefined();
  }, 60_000);

  it('checks plugin field values before plugin schemas and update:before hooks: 100,000 deep is VALIDATION_FAILED', async () => {
    const Tree: z.ZodType<JsonValue> = z.lazy(() => z.union([z.string(), z.array(Tree)]));
    const seen: unknown[] = [];
    const tree = definePlugin({
      name: 'tree',
      version: '1.0.0',
      fields: { person: { tree: Tree } },
      permissions: { read: { entities: ['person'], fields: ['displayName'] } },
      hooks: { 'update:before': ({ values }) => void seen.push(values) },
      commands: {
        plant: {
          input: z.object({ id: z.string() }),
          run: async ({ id }, ctx) => {
            let value: JsonValue = 'leaf';
            for (let i = 0; i < 100_000; i++) value = [value];
            return ctx.setFields(id, { tree: value });
          },
        },
      },
    });
    const hub = createHub({ plugins: [tree] });
    await hub.ingest([record({ givenName: 'Ada', emails: ['ada@example.com'] })]);
    const id = (await hub.find({ email: 'ada@example.com' }))[0]!.id;
    const journal = (await hub.journal({ limit: 1000 })).length;
    const byPlugin = await refusal(hub.commands.run('tree.plant', { id }));
    expect(byPlugin.issues[0]!.issueCode).toBe('too_deep');
    expect(byPlugin.issues[0]!.pathString).toMatch(/^values\.tree/);
    let deep: JsonValue = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const byApp = await refusal(hub.setFields(id, 'tree', { tree: deep }));
    expect(byApp.issues[0]!.issueCode).toBe('too_deep');
    expect(seen, 'no update:before handler saw the unchecked value').toEqual([]);
    expect((await hub.journal({ limit: 1000 })).length).toBe(journal);
  }, 60_000);
});

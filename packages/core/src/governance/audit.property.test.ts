import { type AuditChange, type AuditEntry, redactedAuditEntry } from '@crmkit/model';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AuditInput, buildAuditEntries, ERASURE_ACTION, REDACTED_SEQS_FIELD, verifyAuditLog } from './audit';
import { AT, asAsync, clone, jsonArb } from './audit.test-support';

afterEach(() => {
  vi.restoreAllMocks();
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

import type { ConsentCapture, ContactChannel, ContactPurpose } from '@crmkit/model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ContactInput, decideContact, effectiveConsent, FREQUENCY_WINDOW_MS } from './contact';
import { AT, DAY, group } from './contact.test-support';

describe('decideContact: properties', () => {
  const T0 = Date.parse('2026-03-27T00:00:00Z');
  const HALF_HOUR = 30 * 60_000;
  const CHANNELS: ContactChannel[] = ['email', 'sms'];
  const PURPOSES: ContactPurpose[] = ['marketing', 'service', 'sales'];
  /** Zones with a fixed offset (minutes east of UTC), so the oracle needs no time-zone database. */
  const ZONES: Record<string, number> = { UTC: 0, 'Etc/GMT-2': 120, 'Asia/Kolkata': 330, 'Etc/GMT+5': -300 };
  const OFFSETS = [0, 60, -300, 330];

  /** An ISO timestamp of `ms` written in the given offset (minutes east of UTC). */
  function written(ms: number, offset: number): string {
    if (offset === 0) return new Date(ms).toISOString();
    const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  }

  const instantArb = fc.integer({ min: 0, max: 144 }).map((k) => T0 + k * HALF_HOUR);
  const writtenArb = (ms: number) => fc.constantFrom(...OFFSETS).map((offset) => written(ms, offset));
  const timestampArb = instantArb.chain(writtenArb);
  const hhmmArb = fc.constantFrom('00:00', '06:30', '08:00', '12:00', '13:30', '22:00', '23:30');

  const captureArb = fc
    .record({
      channel: fc.constantFrom(...CHANNELS),
      purpose: fc.constantFrom(...PURPOSES),
      status: fc.constantFrom('granted', 'granted', 'denied', 'withdrawn') as fc.Arbitrary<ConsentCapture['status']>,
      captured: instantArb,
      recordedDelay: fc.integer({ min: 0, max: 2 }),
      // undefined: no double opt-in; null: requested, never confirmed; a number: confirmed that many half hours later.
      doubleOptIn: fc.option(fc.option(fc.integer({ min: 0, max: 96 }), { nil: null }), { nil: undefined }),
      expiresAfter: fc.option(fc.integer({ min: 0, max: 144 }), { nil: undefined }),
      offset: fc.constantFrom(...OFFSETS),
    })
    .map((c) => ({
      customerId: 'cus_1',
      channel: c.channel,
      purpose: c.purpose,
      status: c.status,
      capturedAt: written(c.captured, c.offset),
      captureSource: 'test',
      wordingVersion: 'v1',
      recordedAt: written(c.captured + c.recordedDelay * HALF_HOUR, 0),
      recordedBy: 'user:u_1',
      ...(c.doubleOptIn === undefined
        ? {}
        : {
            doubleOptIn: {
              requestedAt: written(c.captured, 0),
              ...(c.doubleOptIn === null
                ? {}
                : { confirmedAt: written(c.captured + c.doubleOptIn * HALF_HOUR, c.offset) }),
            },
          }),
      ...(c.expiresAfter === undefined ? {} : { expiresAt: written(c.captured + c.expiresAfter * HALF_HOUR, 0) }),
    }));

  const arrangementFieldsArb = fc.record({
    channel: fc.constantFrom(...CHANNELS),
    allowedPurposes: fc.subarray(PURPOSES),
    frequencyCap: fc.option(
      fc.record({
        max: fc.integer({ min: 1, max: 3 }),
        per: fc.constantFrom('day', 'week', 'month', 'quarter', 'year') as fc.Arbitrary<
          'day' | 'week' | 'month' | 'quarter' | 'year'
        >,
      }),
      { nil: undefined },
    ),
    quietHours: fc.option(fc.record({ from: hhmmArb, to: hhmmArb, timeZone: fc.constantFrom(...Object.keys(ZONES)) }), {
      nil: undefined,
    }),
    accountManagerId: fc.option(fc.constantFrom('u_1', 'u_2'), { nil: undefined }),
  });

  function stamp<T extends object>(fields: T, id: string) {
    const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as T;
    return { ...clean, preferred: false, id, createdAt: AT, updatedAt: AT, sources: [] };
  }

  const scenarioArb = fc.record({
    channel: fc.constantFrom(...CHANNELS),
    purpose: fc.constantFrom(...PURPOSES),
    at: timestampArb,
    ledger: fc.array(captureArb, { maxLength: 8 }),
    arrangements: fc.uniqueArray(arrangementFieldsArb, { maxLength: 2, selector: (a) => a.channel }),
    groups: fc.array(
      fc.record({
        defaults: fc.uniqueArray(arrangementFieldsArb, { maxLength: 2, selector: (a) => a.channel }),
        managerId: fc.constantFrom('m_1', 'm_2'),
      }),
      { maxLength: 3 },
    ),
    previousContacts: fc.array(
      fc.oneof(
        timestampArb,
        fc.integer({ min: 1, max: 400 }).chain((days) => writtenArb(T0 - days * DAY)),
      ),
      { maxLength: 6 },
    ),
    consentFree: fc.option(fc.subarray(PURPOSES), { nil: undefined }),
    seed: fc.integer(),
  });

  type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never;

  function toInput(s: Scenario): ContactInput {
    return {
      customerId: 'cus_1',
      channel: s.channel,
      purpose: s.purpose,
      at: s.at,
      ledger: s.ledger.map((c, i) => ({ ...c, id: `cns_${i}` })) as ConsentCapture[],
      arrangements: s.arrangements.map((a, i) => ({ ...stamp(a, `arr_${i}`), customerId: 'cus_1' })),
      groups: s.groups.map((g, gi) => ({
        ...group(`g_${gi}`, [], g.managerId),
        defaultArrangements: g.defaults.map((a, i) => stamp(a, `garr_${gi}_${i}`)),
      })),
      previousContacts: s.previousContacts,
      ...(s.consentFree === undefined ? {} : { consentFreePurposes: s.consentFree }),
    };
  }

  /** Fisher-Yates with a small seeded generator (mulberry32). */
  function shuffle<T>(list: readonly T[], seed: number): T[] {
    let state = seed >>> 0;
    const random = (): number => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** An independent reading of the rules, for the fixed-offset zones above. */
  function oracle(c: ContactInput) {
    const atMs = Date.parse(c.at);
    const own = c.arrangements.find((a) => a.channel === c.channel);
    const fromGroup = c.groups.map((g) => g.defaultArrangements.find((a) => a.channel === c.channel)).find(Boolean);
    const applied = own ?? fromGroup;
    const consentFree = (c.consentFreePurposes ?? ['service', 'transactional', 'billing']).includes(c.purpose);
    const candidates = c.ledger
      .filter((e) => e.channel === c.channel && e.purpose === c.purpose && Date.parse(e.capturedAt) <= atMs)
      .sort(
        (a, b) =>
          Date.parse(a.capturedAt) - Date.parse(b.capturedAt) ||
          Date.parse(a.recordedAt) - Date.parse(b.recordedAt) ||
          a.id.localeCompare(b.id, 'en'),
      );
    const effective = candidates.at(-1);
    const consentOk =
      consentFree ||
      (effective !== undefined &&
        effective.status === 'granted' &&
        (effective.expiresAt === undefined || Date.parse(effective.expiresAt) > atMs) &&
        (effective.doubleOptIn === undefined ||
          (effective.doubleOptIn.confirmedAt !== undefined && Date.parse(effective.doubleOptIn.confirmedAt) <= atMs)));
    let quiet = false;
    const q = applied?.quietHours;
    if (q !== undefined && q.from !== q.to) {
      const local = (((Math.floor(atMs / 60_000) + ZONES[q.timeZone]!) % 1440) + 1440) % 1440;
      const [from, to] = [q.from, q.to].map((t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3)));
      quiet = from! < to! ? local >= from! && local < to! : local >= from! || local < to!;
    }
    const cap = applied?.frequencyCap;
    const recent = c.previousContacts.filter((t) => {
      const ms = Date.parse(t);
      return ms <= atMs && atMs - ms < FREQUENCY_WINDOW_MS[cap?.per ?? 'day'];
    }).length;
    const underCap = cap === undefined || recent < cap.max;
    return {
      applied,
      purposeOk: applied?.allowedPurposes.includes(c.purpose) ?? false,
      consentOk,
      effective,
      quiet,
      underCap,
    };
  }

  it('is deterministic and independent of the order of the ledger and of previousContacts', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const base = toInput(s);
        const first = decideContact(base);
        expect(decideContact(base)).toEqual(first);
        const shuffled: ContactInput = {
          ...base,
          ledger: shuffle(base.ledger, s.seed),
          previousContacts: shuffle(base.previousContacts, s.seed ^ 0x5bd1e995),
        };
        expect(decideContact(shuffled)).toEqual(first);
        expect(effectiveConsent(shuffled.ledger, s.channel, s.purpose, s.at)).toEqual(
          effectiveConsent(base.ledger, s.channel, s.purpose, s.at),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('allowed exactly when an arrangement allows the purpose, consent holds (or is not needed), no quiet hours and under the cap', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const c = toInput(s);
        const decision = decideContact(c);
        const o = oracle(c);
        expect(decision.allowed).toBe(decision.reason === 'allowed');
        if (decision.allowed) {
          expect(o.applied).toBeDefined();
          expect(o.purposeOk).toBe(true);
          expect(o.consentOk).toBe(true);
          expect(o.quiet).toBe(false);
          expect(o.underCap).toBe(true);
        }
        // And the converse: when everything holds, the answer is yes.
        if (o.applied && o.purposeOk && o.consentOk && !o.quiet && o.underCap) expect(decision.allowed).toBe(true);
        // The capture the consent check looked at is the effective one.
        if (decision.consentId !== undefined) expect(decision.consentId).toBe(o.effective?.id);
      }),
      { numRuns: 1000 },
    );
  });
});

import { type ContactArrangement, type ContactReason, InvalidArgumentError } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { type ContactInput, DEFAULT_CONSENT_FREE_PURPOSES, decideContact, FREQUENCY_WINDOW_MS } from './contact';
import {
  AT,
  AT_MS,
  arrangement,
  capture,
  DAY,
  group,
  groupDefault,
  HOUR,
  input,
  iso,
  thrown,
} from './contact.test-support';

// ---------------------------------------------------------------------------------------------------------------
// Every reason
// ---------------------------------------------------------------------------------------------------------------

describe('decideContact: every reason', () => {
  const rows: { name: string; input: ContactInput; reason: ContactReason; consentId?: string }[] = [
    { name: 'granted consent, arrangement allows marketing', input: input(), reason: 'allowed', consentId: 'cns_ok' },
    {
      name: 'no arrangement for the channel and no group',
      input: input({ channel: 'sms' }),
      reason: 'no-arrangement',
    },
    {
      name: 'no arrangement, groups without a default for the channel',
      input: input({ arrangements: [], groups: [group('g1', [groupDefault({ channel: 'phone' })])] }),
      reason: 'no-arrangement',
    },
    {
      name: 'purpose not in the arrangement',
      input: input({ purpose: 'sales' }),
      reason: 'purpose-not-allowed',
    },
    { name: 'no capture at all', input: input({ ledger: [] }), reason: 'no-consent' },
    {
      name: 'only captures for another channel or purpose',
      input: input({
        ledger: [capture({ channel: 'sms' }), capture({ purpose: 'research' })],
      }),
      reason: 'no-consent',
    },
    {
      name: 'only a capture after `at`',
      input: input({ ledger: [capture({ capturedAt: '2026-02-10T12:00:01Z' })] }),
      reason: 'no-consent',
    },
    {
      name: 'latest capture is a denial',
      input: input({ ledger: [capture({ id: 'cns_d', status: 'denied' })] }),
      reason: 'consent-denied',
      consentId: 'cns_d',
    },
    {
      name: 'latest capture is a withdrawal',
      input: input({
        ledger: [
          capture({ id: 'cns_g', capturedAt: '2026-01-01T00:00:00Z' }),
          capture({ id: 'cns_w', status: 'withdrawn', capturedAt: '2026-02-01T00:00:00Z' }),
        ],
      }),
      reason: 'consent-withdrawn',
      consentId: 'cns_w',
    },
    {
      name: 'grant expired',
      input: input({ ledger: [capture({ id: 'cns_e', expiresAt: '2026-02-01T00:00:00Z' })] }),
      reason: 'consent-expired',
      consentId: 'cns_e',
    },
    {
      name: 'double opt-in not confirmed',
      input: input({
        ledger: [capture({ id: 'cns_p', doubleOptIn: { requestedAt: '2026-01-01T09:00:00Z' } })],
      }),
      reason: 'double-opt-in-pending',
      consentId: 'cns_p',
    },
    {
      name: 'inside quiet hours',
      input: input({
        arrangements: [arrangement({ quietHours: { from: '11:00', to: '14:00', timeZone: 'UTC' } })],
      }),
      reason: 'quiet-hours',
      consentId: 'cns_ok',
    },
    {
      name: 'frequency cap reached',
      input: input({
        arrangements: [arrangement({ frequencyCap: { max: 1, per: 'week' } })],
        previousContacts: ['2026-02-09T12:00:00Z'],
      }),
      reason: 'frequency-cap',
      consentId: 'cns_ok',
    },
  ];

  it.each(rows)('$name -> $reason', (row) => {
    const decision = decideContact(row.input);
    expect(decision.reason).toBe(row.reason);
    expect(decision.allowed).toBe(row.reason === 'allowed');
    expect(decision.consentId).toBe(row.consentId);
    expect(decision.detail).toMatch(/customer cus_1 by \w+ for \w+/);
    if (row.reason === 'no-arrangement') {
      expect(decision.arrangement).toBeUndefined();
    } else {
      expect(decision.arrangement).toEqual({ source: 'customer', channel: 'email' });
    }
  });

  it('checks the rules in order: arrangement, purpose, consent, quiet hours, cap', () => {
    const everythingWrong = input({
      ledger: [capture({ status: 'denied' })],
      arrangements: [
        arrangement({
          allowedPurposes: ['marketing'],
          quietHours: { from: '00:00', to: '23:59', timeZone: 'UTC' },
          frequencyCap: { max: 1, per: 'day' },
        }),
      ],
      previousContacts: ['2026-02-10T11:00:00Z'],
    });
    expect(decideContact({ ...everythingWrong, channel: 'sms' }).reason).toBe('no-arrangement');
    expect(decideContact({ ...everythingWrong, purpose: 'sales' }).reason).toBe('purpose-not-allowed');
    expect(decideContact(everythingWrong).reason).toBe('consent-denied');
    expect(decideContact({ ...everythingWrong, ledger: [capture()] }).reason).toBe('quiet-hours');
    const noQuiet = {
      ...everythingWrong,
      ledger: [capture()],
      arrangements: [arrangement({ allowedPurposes: ['marketing'], frequencyCap: { max: 1, per: 'day' } })],
    };
    expect(decideContact(noQuiet).reason).toBe('frequency-cap');
    expect(decideContact({ ...noQuiet, previousContacts: [] }).reason).toBe('allowed');
  });

  it('gives details people can read', () => {
    expect(decideContact(input()).detail).toBe(
      "Contact of customer cus_1 by email for marketing is allowed under the customer's own email arrangement; consent granted on 2026-01-01T09:00:00Z (webform:newsletter, capture cns_ok).",
    );
    expect(decideContact(input({ purpose: 'sales' })).detail).toBe(
      "No contact of customer cus_1 by email for sales: the customer's own email arrangement allows marketing, service, billing.",
    );
    expect(
      decideContact(
        input({
          arrangements: [arrangement({ quietHours: { from: '22:00', to: '07:00', timeZone: 'Europe/Amsterdam' } })],
          at: '2026-02-10T05:15:00Z',
        }),
      ).detail,
    ).toBe(
      "No contact of customer cus_1 by email for marketing: it is 06:15 in Europe/Amsterdam, within the quiet hours 22:00 to 07:00 of the customer's own email arrangement.",
    );
    expect(
      decideContact(
        input({
          arrangements: [arrangement({ frequencyCap: { max: 2, per: 'week' } })],
          previousContacts: ['2026-02-09T12:00:00Z', '2026-02-08T12:00:00Z'],
        }),
      ).detail,
    ).toBe(
      "No contact of customer cus_1 by email for marketing: contacted 2 times by email in the last week up to 2026-02-10T12:00:00Z, and the customer's own email arrangement allows at most 2 per week.",
    );
    expect(decideContact(input({ channel: 'sms', groups: [group('g1', [])] })).detail).toBe(
      'No contact of customer cus_1 by sms for marketing: there is no sms arrangement for the customer and none of their 1 group has a default.',
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Consent-free purposes
// ---------------------------------------------------------------------------------------------------------------

describe('decideContact: consent-free purposes', () => {
  it('defaults to service, transactional and billing', () => {
    expect(DEFAULT_CONSENT_FREE_PURPOSES).toEqual(['service', 'transactional', 'billing']);
  });

  it('allows a service contact without any consent, and ignores a withdrawn marketing consent', () => {
    const decision = decideContact(
      input({
        purpose: 'service',
        ledger: [capture({ status: 'withdrawn' }), capture({ purpose: 'service', status: 'denied' })],
      }),
    );
    expect(decision).toMatchObject({ allowed: true, reason: 'allowed' });
    expect(decision.consentId).toBeUndefined();
    expect(decision.detail).toContain('service needs no consent');
  });

  it('still needs an arrangement that allows the purpose', () => {
    expect(decideContact(input({ purpose: 'service', arrangements: [] })).reason).toBe('no-arrangement');
    expect(decideContact(input({ purpose: 'transactional' })).reason).toBe('purpose-not-allowed');
    expect(
      decideContact(input({ purpose: 'service', arrangements: [arrangement({ allowedPurposes: [] })] })).reason,
    ).toBe('purpose-not-allowed');
  });

  it('still respects quiet hours and frequency caps', () => {
    const quiet = arrangement({ quietHours: { from: '11:00', to: '13:00', timeZone: 'UTC' } });
    expect(decideContact(input({ purpose: 'billing', ledger: [], arrangements: [quiet] })).reason).toBe('quiet-hours');
    const capped = arrangement({ frequencyCap: { max: 1, per: 'day' } });
    expect(
      decideContact(
        input({ purpose: 'billing', ledger: [], arrangements: [capped], previousContacts: ['2026-02-10T08:00:00Z'] }),
      ).reason,
    ).toBe('frequency-cap');
  });

  it('follows the caller-supplied list', () => {
    expect(decideContact(input({ purpose: 'service', ledger: [], consentFreePurposes: [] })).reason).toBe('no-consent');
    expect(decideContact(input({ ledger: [], consentFreePurposes: ['marketing'] })).reason).toBe('allowed');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Quiet hours, DST
// ---------------------------------------------------------------------------------------------------------------

describe('decideContact: quiet hours in the arrangement time zone', () => {
  const service = (quietHours: ContactArrangement['quietHours'], at: string): ContactReason =>
    decideContact(input({ purpose: 'service', ledger: [], at, arrangements: [arrangement({ quietHours })] })).reason;
  const overnight = { from: '22:00', to: '07:00', timeZone: 'Europe/Amsterdam' };

  it.each([
    // Winter time (CET, UTC+1) before the switch on 2026-03-29.
    ['2026-03-28T05:30:00Z', '06:30 CET', 'quiet-hours'],
    ['2026-03-28T05:59:00Z', '06:59 CET', 'quiet-hours'],
    ['2026-03-28T06:00:00Z', '07:00 CET (to is exclusive)', 'allowed'],
    ['2026-03-28T20:59:00Z', '21:59 CET', 'allowed'],
    ['2026-03-28T21:00:00Z', '22:00 CET (from is inclusive)', 'quiet-hours'],
    ['2026-03-28T23:00:00Z', '00:00 CET (midnight)', 'quiet-hours'],
    // 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00Z; the same UTC instants are an hour later locally.
    ['2026-03-29T04:59:00Z', '06:59 CEST', 'quiet-hours'],
    ['2026-03-29T05:00:00Z', '07:00 CEST', 'allowed'],
    ['2026-03-29T05:30:00Z', '07:30 CEST (06:30 the day before)', 'allowed'],
    ['2026-03-29T19:59:00Z', '21:59 CEST', 'allowed'],
    ['2026-03-29T20:00:00Z', '22:00 CEST', 'quiet-hours'],
    // Summer time (CEST, UTC+2) before the switch back on 2026-10-25.
    ['2026-10-24T04:59:00Z', '06:59 CEST', 'quiet-hours'],
    ['2026-10-24T05:30:00Z', '07:30 CEST', 'allowed'],
    // 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00Z.
    ['2026-10-25T05:30:00Z', '06:30 CET (07:30 the day before)', 'quiet-hours'],
    ['2026-10-25T06:00:00Z', '07:00 CET', 'allowed'],
    ['2026-10-25T20:59:00Z', '21:59 CET', 'allowed'],
    ['2026-10-25T21:00:00Z', '22:00 CET', 'quiet-hours'],
    // An `at` with an offset is the same instant.
    ['2026-03-29T07:30:00+02:00', '07:30 CEST, written with its offset', 'allowed'],
    ['2026-10-25T06:30:00+01:00', '06:30 CET, written with its offset', 'quiet-hours'],
  ])('overnight 22:00-07:00 Europe/Amsterdam at %s (%s): %s', (at, _local, reason) => {
    expect(service(overnight, at)).toBe(reason);
  });

  it.each([
    // 02:00-03:00 local does not exist on 2026-03-29: the window never applies that night.
    ['2026-03-28T01:30:00Z', '02:30 CET, an ordinary night', 'quiet-hours'],
    ['2026-03-29T00:59:00Z', '01:59 CET', 'allowed'],
    ['2026-03-29T01:00:00Z', '03:00 CEST (02:00 skipped)', 'allowed'],
    ['2026-03-29T01:30:00Z', '03:30 CEST', 'allowed'],
    // 02:00-03:00 local happens twice on 2026-10-25: both are quiet.
    ['2026-10-24T23:59:00Z', '01:59 CEST', 'allowed'],
    ['2026-10-25T00:00:00Z', '02:00 CEST (first time)', 'quiet-hours'],
    ['2026-10-25T00:30:00Z', '02:30 CEST (first time)', 'quiet-hours'],
    ['2026-10-25T01:30:00Z', '02:30 CET (second time)', 'quiet-hours'],
    ['2026-10-25T02:00:00Z', '03:00 CET', 'allowed'],
  ])('02:00-03:00 Europe/Amsterdam at %s (%s): %s', (at, _local, reason) => {
    expect(service({ from: '02:00', to: '03:00', timeZone: 'Europe/Amsterdam' }, at)).toBe(reason);
  });

  it('daytime windows, equal bounds and other zones', () => {
    const lunch = { from: '12:00', to: '13:00', timeZone: 'America/New_York' };
    expect(service(lunch, '2026-02-10T17:00:00Z')).toBe('quiet-hours'); // 12:00 EST
    expect(service(lunch, '2026-02-10T12:00:00Z')).toBe('allowed'); // 07:00 EST
    expect(service(lunch, '2026-07-10T16:30:00Z')).toBe('quiet-hours'); // 12:30 EDT
    expect(service(lunch, '2026-07-10T17:00:00Z')).toBe('allowed'); // 13:00 EDT
    expect(service({ from: '09:00', to: '09:00', timeZone: 'UTC' }, '2026-02-10T09:00:00Z')).toBe('allowed');
    expect(service({ from: '09:00', to: '09:00', timeZone: 'UTC' }, '2026-02-10T03:00:00Z')).toBe('allowed');
    // Asia/Kolkata is UTC+05:30: half-hour offsets are honoured.
    expect(service({ from: '18:00', to: '18:30', timeZone: 'Asia/Kolkata' }, '2026-02-10T12:29:00Z')).toBe('allowed');
    expect(service({ from: '18:00', to: '18:30', timeZone: 'Asia/Kolkata' }, '2026-02-10T12:30:00Z')).toBe(
      'quiet-hours',
    );
    expect(service({ from: '18:00', to: '18:30', timeZone: 'Asia/Kolkata' }, '2026-02-10T12:59:00Z')).toBe(
      'quiet-hours',
    );
    expect(service({ from: '18:00', to: '18:30', timeZone: 'Asia/Kolkata' }, '2026-02-10T13:00:00Z')).toBe('allowed');
  });

  it('fails closed for a time zone the runtime does not know (an arrangement that skipped parseArrangement)', () => {
    const decision = decideContact(
      input({ arrangements: [arrangement({ quietHours: { from: '01:00', to: '02:00', timeZone: 'Mars/Olympus' } })] }),
    );
    expect(decision).toMatchObject({ allowed: false, reason: 'quiet-hours' });
    expect(decision.detail).toContain('unknown time zone "Mars/Olympus"');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Frequency caps
// ---------------------------------------------------------------------------------------------------------------

describe('decideContact: frequency caps over a rolling window ending at `at`', () => {
  const decide = (frequencyCap: ContactArrangement['frequencyCap'], previousContacts: string[]): ContactReason =>
    decideContact(input({ arrangements: [arrangement({ frequencyCap })], previousContacts })).reason;

  it('has the documented window lengths', () => {
    expect(FREQUENCY_WINDOW_MS).toEqual({
      day: DAY,
      week: 7 * DAY,
      month: 30 * DAY,
      quarter: 91 * DAY,
      year: 365 * DAY,
    });
  });

  it.each(['day', 'week', 'month', 'quarter', 'year'] as const)(
    'per %s: a contact exactly one window ago has left it, one a millisecond later counts',
    (per) => {
      const length = FREQUENCY_WINDOW_MS[per];
      expect(decide({ max: 1, per }, [iso(AT_MS - length)])).toBe('allowed');
      expect(decide({ max: 1, per }, [iso(AT_MS - length + 1)])).toBe('frequency-cap');
      expect(decide({ max: 1, per }, [iso(AT_MS - length - DAY), iso(AT_MS - length)])).toBe('allowed');
    },
  );

  it('allows one more while the count is under max', () => {
    const contacts = [iso(AT_MS - 3 * HOUR), iso(AT_MS - 2 * HOUR)];
    expect(decide({ max: 3, per: 'day' }, contacts)).toBe('allowed');
    expect(decide({ max: 2, per: 'day' }, contacts)).toBe('frequency-cap');
    expect(decide({ max: 1, per: 'day' }, [])).toBe('allowed');
  });

  it('counts a contact at `at` itself, ignores contacts after it, and counts two at the same instant twice', () => {
    expect(decide({ max: 1, per: 'day' }, [AT])).toBe('frequency-cap');
    expect(decide({ max: 1, per: 'day' }, [iso(AT_MS + 1)])).toBe('allowed');
    expect(decide({ max: 2, per: 'day' }, [iso(AT_MS - HOUR), iso(AT_MS - HOUR)])).toBe('frequency-cap');
  });

  it('compares instants, so offsets do not matter', () => {
    // 2026-02-09T13:00:00+01:00 is exactly 24 h before AT (12:00Z): outside.
    expect(decide({ max: 1, per: 'day' }, ['2026-02-09T13:00:00+01:00'])).toBe('allowed');
    // 2026-02-09T13:00:01+01:00 is inside.
    expect(decide({ max: 1, per: 'day' }, ['2026-02-09T13:00:01+01:00'])).toBe('frequency-cap');
  });

  it('refuses a previous contact that is not a timestamp', () => {
    const error = thrown(() => decide({ max: 1, per: 'day' }, [AT, 'yesterday']));
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as InvalidArgumentError).argument).toBe('previousContacts[1]');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Double opt-in and expiry
// ---------------------------------------------------------------------------------------------------------------

describe('decideContact: double opt-in and expiry', () => {
  const requested = '2026-02-01T10:00:00Z';
  it.each([
    ['never confirmed', { requestedAt: requested }, 'double-opt-in-pending'],
    ['confirmed after `at`', { requestedAt: requested, confirmedAt: '2026-02-10T12:00:01Z' }, 'double-opt-in-pending'],
    ['confirmed exactly at `at`', { requestedAt: requested, confirmedAt: AT }, 'allowed'],
    ['confirmed before `at`', { requestedAt: requested, confirmedAt: '2026-02-01T10:05:00Z' }, 'allowed'],
  ] as const)('%s: %s', (_name, doubleOptIn, reason) => {
    const decision = decideContact(input({ ledger: [capture({ id: 'cns_doi', doubleOptIn })] }));
    expect(decision.reason).toBe(reason);
    expect(decision.consentId).toBe('cns_doi');
  });

  it('says when a confirmation came only after `at`', () => {
    const decision = decideContact(
      input({ ledger: [capture({ doubleOptIn: { requestedAt: requested, confirmedAt: '2026-02-11T00:00:00Z' } })] }),
    );
    expect(decision.detail).toContain('confirmed only at 2026-02-11T00:00:00Z');
  });

  it('a new grant without double opt-in replaces a pending one; a pending one replaces an older confirmed grant', () => {
    const pending = capture({ capturedAt: '2026-02-01T00:00:00Z', doubleOptIn: { requestedAt: requested } });
    const phone = capture({ id: 'cns_call', capturedAt: '2026-02-05T00:00:00Z', captureSource: 'call-center' });
    expect(decideContact(input({ ledger: [pending, phone] })).reason).toBe('allowed');
    const old = capture({ capturedAt: '2026-01-01T00:00:00Z' });
    expect(decideContact(input({ ledger: [old, pending] })).reason).toBe('double-opt-in-pending');
  });

  it.each([
    ['expired long ago', '2026-01-15T00:00:00Z', 'consent-expired'],
    ['expires exactly at `at`', AT, 'consent-expired'],
    ['expires a millisecond after `at`', '2026-02-10T12:00:00.001Z', 'allowed'],
    ['expires next year', '2027-01-01T00:00:00Z', 'allowed'],
  ] as const)('%s', (_name, expiresAt, reason) => {
    expect(decideContact(input({ ledger: [capture({ expiresAt })] })).reason).toBe(reason);
  });

  it('expiry is checked before double opt-in', () => {
    const both = capture({ expiresAt: '2026-02-01T00:00:00Z', doubleOptIn: { requestedAt: requested } });
    expect(decideContact(input({ ledger: [both] })).reason).toBe('consent-expired');
  });

  it('a denial with an expiry stays a denial', () => {
    const denied = capture({ status: 'denied', expiresAt: '2026-02-01T00:00:00Z' });
    expect(decideContact(input({ ledger: [denied] })).reason).toBe('consent-denied');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Latest capture wins
// ---------------------------------------------------------------------------------------------------------------

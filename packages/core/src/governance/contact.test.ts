import {
  type ConsentCapture,
  type ContactArrangement,
  type ContactChannel,
  type ContactDecision,
  type ContactPurpose,
  type ContactReason,
  type CustomerGroup,
  InvalidArgumentError,
  ValidationError,
} from '@crmkit/model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ContactInput,
  DEFAULT_CONSENT_FREE_PURPOSES,
  decideContact,
  effectiveConsent,
  FREQUENCY_WINDOW_MS,
  parseArrangement,
  parseConsentCapture,
} from './contact';

// ---------------------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------------------

const AT = '2026-02-10T12:00:00Z';
const AT_MS = Date.parse(AT);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number): string => new Date(ms).toISOString();

let nextId = 0;
function capture(overrides: Partial<ConsentCapture> = {}): ConsentCapture {
  nextId += 1;
  const capturedAt = overrides.capturedAt ?? '2026-01-01T09:00:00Z';
  return {
    id: `cns_${String(nextId).padStart(4, '0')}`,
    customerId: 'cus_1',
    channel: 'email',
    purpose: 'marketing',
    status: 'granted',
    capturedAt,
    captureSource: 'webform:newsletter',
    wordingVersion: 'v1',
    recordedAt: capturedAt,
    recordedBy: 'user:u_1',
    ...overrides,
  };
}

function arrangement(overrides: Partial<ContactArrangement> = {}): ContactArrangement {
  return {
    id: 'arr_1',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    sources: [],
    customerId: 'cus_1',
    channel: 'email',
    allowedPurposes: ['marketing', 'service', 'billing'],
    preferred: true,
    ...overrides,
  };
}

type GroupArrangement = CustomerGroup['defaultArrangements'][number];

function groupDefault(overrides: Partial<GroupArrangement> = {}): GroupArrangement {
  const { customerId: _ignored, ...rest } = arrangement({ id: 'garr_1' });
  return { ...rest, ...overrides };
}

function group(id: string, defaultArrangements: GroupArrangement[], managerId = `mgr_${id}`): CustomerGroup {
  return {
    id,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    sources: [],
    name: `Group ${id}`,
    managerId,
    memberIds: ['cus_1'],
    defaultArrangements,
  };
}

function input(overrides: Partial<ContactInput> = {}): ContactInput {
  return {
    customerId: 'cus_1',
    channel: 'email',
    purpose: 'marketing',
    at: AT,
    ledger: [capture({ id: 'cns_ok' })],
    arrangements: [arrangement()],
    groups: [],
    previousContacts: [],
    ...overrides,
  };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function validationError(fn: () => unknown): ValidationError {
  const error = thrown(fn);
  expect(ValidationError.isInstance(error)).toBe(true);
  return error as ValidationError;
}

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

describe('effectiveConsent: the latest capture wins', () => {
  it('takes the latest by capturedAt, in any ledger order', () => {
    const a = capture({ id: 'a', capturedAt: '2026-01-01T00:00:00Z', status: 'granted' });
    const b = capture({ id: 'b', capturedAt: '2026-01-20T00:00:00Z', status: 'withdrawn' });
    const c = capture({ id: 'c', capturedAt: '2026-02-01T00:00:00Z', status: 'granted' });
    expect(effectiveConsent([a, b, c], 'email', 'marketing', AT)?.id).toBe('c');
    expect(effectiveConsent([c, b, a], 'email', 'marketing', AT)?.id).toBe('c');
    expect(effectiveConsent([a, b, c], 'email', 'marketing', '2026-01-25T00:00:00Z')?.id).toBe('b');
    expect(effectiveConsent([a, b, c], 'email', 'marketing', '2026-01-20T00:00:00Z')?.id).toBe('b');
    expect(effectiveConsent([a, b, c], 'email', 'marketing', '2025-12-31T23:59:59Z')).toBeUndefined();
  });

  it('compares instants: a later wall clock in an earlier offset can be the earlier capture', () => {
    const amsterdam = capture({ id: 'ams', capturedAt: '2026-01-10T10:30:00+01:00' }); // 09:30Z
    const utc = capture({ id: 'utc', capturedAt: '2026-01-10T10:00:00Z', status: 'withdrawn' });
    expect(effectiveConsent([amsterdam, utc], 'email', 'marketing', AT)?.id).toBe('utc');
  });

  it('breaks a capturedAt tie by the later recordedAt, then the greater id', () => {
    const at = '2026-01-10T10:00:00Z';
    const early = capture({ id: 'z', capturedAt: at, recordedAt: '2026-01-10T10:00:05Z', status: 'granted' });
    const late = capture({ id: 'a', capturedAt: at, recordedAt: '2026-01-10T10:00:09Z', status: 'withdrawn' });
    expect(effectiveConsent([early, late], 'email', 'marketing', AT)?.id).toBe('a');
    expect(effectiveConsent([late, early], 'email', 'marketing', AT)?.id).toBe('a');
    // Same instant written twice (offsets), same recordedAt: the greater id wins.
    const x = capture({ id: 'cns_1', capturedAt: '2026-01-10T11:00:00+01:00', recordedAt: '2026-01-11T00:00:00Z' });
    const y = capture({
      id: 'cns_2',
      capturedAt: '2026-01-10T10:00:00Z',
      recordedAt: '2026-01-11T01:00:00+01:00',
      status: 'denied',
    });
    expect(effectiveConsent([x, y], 'email', 'marketing', AT)?.id).toBe('cns_2');
    expect(effectiveConsent([y, x], 'email', 'marketing', AT)?.id).toBe('cns_2');
    expect(decideContact(input({ ledger: [y, x] }))).toMatchObject({ reason: 'consent-denied', consentId: 'cns_2' });
  });

  it('keeps channels and purposes apart', () => {
    const ledger = [
      capture({ id: 'email-mkt', channel: 'email', purpose: 'marketing' }),
      capture({
        id: 'sms-mkt',
        channel: 'sms',
        purpose: 'marketing',
        status: 'denied',
        capturedAt: '2026-02-01T00:00:00Z',
      }),
      capture({
        id: 'email-sales',
        channel: 'email',
        purpose: 'sales',
        status: 'withdrawn',
        capturedAt: '2026-02-01T00:00:00Z',
      }),
    ];
    expect(effectiveConsent(ledger, 'email', 'marketing', AT)?.id).toBe('email-mkt');
    expect(effectiveConsent(ledger, 'sms', 'marketing', AT)?.id).toBe('sms-mkt');
    expect(effectiveConsent(ledger, 'email', 'sales', AT)?.id).toBe('email-sales');
    expect(effectiveConsent(ledger, 'phone', 'marketing', AT)).toBeUndefined();
  });

  it('a re-grant after a withdrawal allows contact again', () => {
    const ledger = [
      capture({ capturedAt: '2026-01-01T00:00:00Z' }),
      capture({ capturedAt: '2026-01-05T00:00:00Z', status: 'withdrawn' }),
      capture({ id: 'again', capturedAt: '2026-01-09T00:00:00Z' }),
    ];
    expect(decideContact(input({ ledger }))).toMatchObject({ allowed: true, consentId: 'again' });
  });

  it('refuses an `at` that is not a timestamp with an offset', () => {
    for (const at of ['tomorrow', '2026-02-10', '2026-02-10T12:00:00']) {
      const error = thrown(() => effectiveConsent([], 'email', 'marketing', at));
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect(InvalidArgumentError.isInstance(thrown(() => decideContact(input({ at }))))).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Arrangements: customer over group, first group
// ---------------------------------------------------------------------------------------------------------------

describe('decideContact: which arrangement', () => {
  const generous = groupDefault({ allowedPurposes: ['marketing', 'sales', 'service'] });

  it("the customer's own arrangement overrides the group default for its channel", () => {
    const own = arrangement({ allowedPurposes: ['service'], accountManagerId: 'u_own' });
    const decision = decideContact(input({ arrangements: [own], groups: [group('g1', [generous])] }));
    expect(decision).toMatchObject({
      allowed: false,
      reason: 'purpose-not-allowed',
      arrangement: { source: 'customer', channel: 'email' },
      accountManagerId: 'u_own',
    });
    expect(decision.arrangement?.groupId).toBeUndefined();
  });

  it('an own arrangement with no purposes blocks the channel despite a group default', () => {
    const blocked = arrangement({ allowedPurposes: [] });
    const decision = decideContact(
      input({ purpose: 'service', arrangements: [blocked], groups: [group('g1', [generous])] }),
    );
    expect(decision.reason).toBe('purpose-not-allowed');
    expect(decision.detail).toContain('allows no purpose');
  });

  it("an own arrangement for another channel leaves the group default in force; the group's manager is responsible", () => {
    const phone = arrangement({ channel: 'phone', allowedPurposes: [] });
    const decision = decideContact(
      input({
        purpose: 'sales',
        ledger: [capture({ id: 'sales', purpose: 'sales' })],
        arrangements: [phone],
        groups: [group('g1', [generous])],
      }),
    );
    expect(decision).toEqual<ContactDecision>({
      allowed: true,
      reason: 'allowed',
      detail: expect.stringContaining('the email default of group g1') as unknown as string,
      consentId: 'sales',
      arrangement: { source: 'group', groupId: 'g1', channel: 'email' },
      accountManagerId: 'mgr_g1',
    });
  });

  it("the group default's own accountManagerId beats the group's manager", () => {
    const withManager = groupDefault({ accountManagerId: 'u_key' });
    const decision = decideContact(input({ arrangements: [], groups: [group('g1', [withManager])] }));
    expect(decision.accountManagerId).toBe('u_key');
  });

  it('a customer arrangement without a manager names none', () => {
    expect(decideContact(input()).accountManagerId).toBeUndefined();
  });

  it('the first group in the given order with a default for the channel wins', () => {
    const groups = [
      group('g_a', [groupDefault({ channel: 'phone' })]),
      group('g_b', [groupDefault({ allowedPurposes: ['service'] })]),
      group('g_c', [groupDefault({ allowedPurposes: ['marketing'] })]),
    ];
    const first = decideContact(input({ arrangements: [], groups }));
    expect(first).toMatchObject({
      reason: 'purpose-not-allowed',
      arrangement: { source: 'group', groupId: 'g_b', channel: 'email' },
      accountManagerId: 'mgr_g_b',
    });
    const reversed = decideContact(input({ arrangements: [], groups: [...groups].reverse() }));
    expect(reversed).toMatchObject({ reason: 'allowed', arrangement: { groupId: 'g_c' }, accountManagerId: 'mgr_g_c' });
  });

  it('of two own arrangements for one channel the latest updatedAt (then the greater id) counts, in any order', () => {
    const older = arrangement({ id: 'arr_z', updatedAt: '2026-01-01T00:00:00Z', allowedPurposes: ['marketing'] });
    const newer = arrangement({ id: 'arr_a', updatedAt: '2026-01-02T00:00:00Z', allowedPurposes: [] });
    expect(decideContact(input({ arrangements: [older, newer] })).reason).toBe('purpose-not-allowed');
    expect(decideContact(input({ arrangements: [newer, older] })).reason).toBe('purpose-not-allowed');
    const twin = arrangement({ id: 'arr_b', updatedAt: '2026-01-02T00:00:00Z', allowedPurposes: ['marketing'] });
    expect(decideContact(input({ arrangements: [twin, newer] })).reason).toBe('allowed');
    expect(decideContact(input({ arrangements: [newer, twin] })).reason).toBe('allowed');
  });

  it('uses the quiet hours and cap of the arrangement that applies', () => {
    const groups = [group('g1', [groupDefault({ quietHours: { from: '00:00', to: '23:59', timeZone: 'UTC' } })])];
    expect(decideContact(input({ arrangements: [], groups })).reason).toBe('quiet-hours');
    expect(decideContact(input({ groups })).reason).toBe('allowed');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------------

describe('parseConsentCapture', () => {
  const valid = {
    customerId: 'cus_1',
    channel: 'email',
    purpose: 'marketing',
    status: 'granted',
    capturedAt: '2026-01-01T09:00:00+01:00',
    captureSource: 'webform:newsletter',
    wordingVersion: 'v3',
    doubleOptIn: { requestedAt: '2026-01-01T09:00:00+01:00', confirmedAt: '2026-01-01T08:30:00Z' },
    expiresAt: '2028-01-01T00:00:00Z',
  };

  it('accepts a valid capture unchanged', () => {
    expect(parseConsentCapture(valid)).toEqual(valid);
    const { doubleOptIn: _d, expiresAt: _e, ...minimal } = valid;
    expect(parseConsentCapture(minimal)).toEqual(minimal);
  });

  it.each([
    ['an unknown channel', { channel: 'pigeon' }, 'consent.channel'],
    ['an unknown purpose', { purpose: 'spam' }, 'consent.purpose'],
    ['an unknown status', { status: 'maybe' }, 'consent.status'],
    ['a timestamp without an offset', { capturedAt: '2026-01-01T09:00:00' }, 'consent.capturedAt'],
    ['a date that does not exist', { capturedAt: '2026-02-30T09:00:00Z' }, 'consent.capturedAt'],
    ['a bad expiry', { expiresAt: 'next year' }, 'consent.expiresAt'],
    ['a bad double opt-in timestamp', { doubleOptIn: { requestedAt: 'now' } }, 'consent.doubleOptIn.requestedAt'],
    ['an empty capture source', { captureSource: '' }, 'consent.captureSource'],
    ['a missing customer', { customerId: undefined }, 'consent.customerId'],
    ['an unknown key', { optIn: true }, 'consent.optIn'],
    [
      'an unknown key in doubleOptIn',
      { doubleOptIn: { requestedAt: valid.capturedAt, ip: '1.2.3.4' } },
      'consent.doubleOptIn.ip',
    ],
    ['expiresAt before capturedAt', { expiresAt: '2026-01-01T07:59:59Z' }, 'consent.expiresAt'],
    [
      'confirmedAt before requestedAt',
      { doubleOptIn: { requestedAt: '2026-01-02T00:00:00Z', confirmedAt: '2026-01-01T23:59:59Z' } },
      'consent.doubleOptIn.confirmedAt',
    ],
  ])('refuses %s at %s', (_name, change, pathString) => {
    const error = validationError(() => parseConsentCapture({ ...valid, ...change }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.issues.map((i) => i.pathString)).toContain(pathString);
    expect(error.issues[0]?.pathString).toBe(pathString);
    expect(error.path).toEqual(pathString.split('.'));
    expect(error.message).toContain(`invalid at ${pathString}`);
  });

  it('gives path consent.channel for an unknown channel', () => {
    const error = validationError(() => parseConsentCapture({ ...valid, channel: 'fax' }));
    expect(error.path).toEqual(['consent', 'channel']);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ path: ['consent', 'channel'], pathString: 'consent.channel' });
  });

  it('accepts an expiry equal to the capture instant (expired from the start)', () => {
    const same = {
      ...valid,
      doubleOptIn: undefined,
      capturedAt: '2026-01-01T10:00:00+01:00',
      expiresAt: '2026-01-01T09:00:00Z',
    };
    expect(parseConsentCapture(same).expiresAt).toBe('2026-01-01T09:00:00Z');
  });

  it('reports every problem, and both timeline problems at once', () => {
    const many = validationError(() => parseConsentCapture({ ...valid, channel: 'fax', purpose: 'spam' }));
    expect(many.issues.map((i) => i.pathString).sort()).toEqual(['consent.channel', 'consent.purpose']);
    const timeline = validationError(() =>
      parseConsentCapture({
        ...valid,
        expiresAt: '2025-01-01T00:00:00Z',
        doubleOptIn: { requestedAt: '2026-01-02T00:00:00Z', confirmedAt: '2026-01-01T00:00:00Z' },
      }),
    );
    expect(timeline.issues.map((i) => i.pathString)).toEqual(['consent.expiresAt', 'consent.doubleOptIn.confirmedAt']);
  });

  it('refuses what is not an object, at the root', () => {
    for (const bad of [null, 'consent', 42, []]) {
      expect(validationError(() => parseConsentCapture(bad)).issues[0]?.pathString).toBe('consent');
    }
  });

  it('refuses the fields the Hub sets (id, recordedAt)', () => {
    const error = validationError(() => parseConsentCapture({ ...valid, id: 'cns_1', recordedAt: valid.capturedAt }));
    expect(error.issues.map((i) => i.pathString).sort()).toEqual(['consent.id', 'consent.recordedAt']);
  });
});

describe('parseArrangement', () => {
  const valid = {
    channel: 'email',
    allowedPurposes: ['marketing', 'service'],
    frequencyCap: { max: 2, per: 'week' },
    quietHours: { from: '21:00', to: '08:00', timeZone: 'Europe/Amsterdam' },
    accountManagerId: 'u_1',
    note: 'Prefers mornings',
  };

  it('accepts a valid arrangement and fills defaults', () => {
    expect(parseArrangement(valid)).toEqual({ ...valid, preferred: false });
    expect(parseArrangement({ channel: 'post', allowedPurposes: [], preferred: true })).toEqual({
      channel: 'post',
      allowedPurposes: [],
      preferred: true,
    });
    expect(parseArrangement({ ...valid, customerId: 'cus_1' }).customerId).toBe('cus_1');
  });

  it('canonicalises the time zone and drops duplicate purposes', () => {
    const parsed = parseArrangement({
      ...valid,
      allowedPurposes: ['service', 'marketing', 'service'],
      quietHours: { ...valid.quietHours, timeZone: 'europe/amsterdam' },
    });
    expect(parsed.quietHours?.timeZone).toBe('Europe/Amsterdam');
    expect(parsed.allowedPurposes).toEqual(['service', 'marketing']);
  });

  it('accepts equal from and to (no quiet hours)', () => {
    expect(
      parseArrangement({ ...valid, quietHours: { from: '08:00', to: '08:00', timeZone: 'UTC' } }).quietHours,
    ).toEqual({
      from: '08:00',
      to: '08:00',
      timeZone: 'UTC',
    });
  });

  it.each([
    [
      'an unknown IANA time zone',
      { quietHours: { ...valid.quietHours, timeZone: 'Europe/Atlantis' } },
      'arrangement.quietHours.timeZone',
    ],
    [
      'an offset instead of a zone',
      { quietHours: { ...valid.quietHours, timeZone: 'CET+1' } },
      'arrangement.quietHours.timeZone',
    ],
    ['an unknown channel', { channel: 'pigeon' }, 'arrangement.channel'],
    ['an unknown purpose', { allowedPurposes: ['service', 'spam'] }, 'arrangement.allowedPurposes[1]'],
    ['missing purposes', { allowedPurposes: undefined }, 'arrangement.allowedPurposes'],
    ['a zero cap', { frequencyCap: { max: 0, per: 'week' } }, 'arrangement.frequencyCap.max'],
    ['a fractional cap', { frequencyCap: { max: 1.5, per: 'week' } }, 'arrangement.frequencyCap.max'],
    ['an unknown period', { frequencyCap: { max: 1, per: 'fortnight' } }, 'arrangement.frequencyCap.per'],
    ['a 24:00 bound', { quietHours: { ...valid.quietHours, to: '24:00' } }, 'arrangement.quietHours.to'],
    ['a 12-hour bound', { quietHours: { ...valid.quietHours, from: '9pm' } }, 'arrangement.quietHours.from'],
    ['a misspelt key', { quietHour: valid.quietHours }, 'arrangement.quietHour'],
    ['a misspelt nested key', { quietHours: { ...valid.quietHours, tz: 'UTC' } }, 'arrangement.quietHours.tz'],
    ['an id (set by the Hub)', { id: 'arr_1' }, 'arrangement.id'],
  ])('refuses %s at %s', (_name, change, pathString) => {
    const error = validationError(() => parseArrangement({ ...valid, ...change }));
    expect(error.issues[0]?.pathString).toBe(pathString);
    expect(error.issues[0]?.path[0]).toBe('arrangement');
    expect(error.message).toContain(`invalid at ${pathString}`);
  });

  it('refuses what is not an object', () => {
    expect(validationError(() => parseArrangement(undefined)).issues[0]?.pathString).toBe('arrangement');
  });

  it('its output, stamped by the Hub, decides contacts', () => {
    const fields = parseArrangement(valid);
    const stored: ContactArrangement = {
      ...fields,
      id: 'arr_1',
      createdAt: AT,
      updatedAt: AT,
      sources: [],
    };
    // 21:30 in Amsterdam on 2026-02-10 (CET).
    expect(decideContact(input({ arrangements: [stored], at: '2026-02-10T20:30:00Z' })).reason).toBe('quiet-hours');
    expect(decideContact(input({ arrangements: [stored] }))).toMatchObject({
      reason: 'allowed',
      accountManagerId: 'u_1',
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------------------

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

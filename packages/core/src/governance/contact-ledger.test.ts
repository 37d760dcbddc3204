import { type ContactArrangement, type ContactDecision, InvalidArgumentError } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { decideContact, effectiveConsent, parseArrangement, parseConsentCapture } from './contact';
import { AT, arrangement, capture, group, groupDefault, input, thrown, validationError } from './contact.test-support';

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

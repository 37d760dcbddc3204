import {
  type ConsentCapture,
  ConsentCaptureSchema,
  type ContactArrangement,
  ContactArrangementSchema,
  type ContactChannel,
  type ContactDecision,
  type ContactPurpose,
  type CustomerGroup,
  FrequencyCapSchema,
  InvalidArgumentError,
  QuietHoursSchema,
  TimestampSchema,
  type ValidationIssue,
  issuesFromZod,
  validationErrorOf,
  validationIssue,
} from '@crmkit/model';
import { z } from 'zod';

/**
 * Contact governance: may the organisation contact a customer on a channel, for a purpose, at a moment? Pure
 * functions over the consent ledger, the customer's contact arrangements and their groups' default arrangements;
 * no I/O, no clock (the caller passes `at`), no hidden state beyond a cache of `Intl.DateTimeFormat` instances.
 *
 * The rules, as a CRM team reads them:
 *
 * 1. **Arrangement first.** Every contact needs an arrangement for the channel: the customer's own, else the
 *    default of the first of their groups (in the order given; the Hub sorts by group id) that has one. A
 *    customer's own arrangement replaces the group default for that channel entirely (it is not merged with it),
 *    so an own arrangement with no allowed purposes blocks the channel even when a group default would allow it.
 *    No arrangement: `no-arrangement`, also for consent-free purposes (no channel is used without an agreement).
 * 2. **Purpose.** The arrangement must list the purpose: else `purpose-not-allowed`.
 * 3. **Consent**, only for purposes that need it (all but {@link DEFAULT_CONSENT_FREE_PURPOSES} unless the caller
 *    passes its own list). The latest capture for the channel and purpose at `at` counts ({@link effectiveConsent});
 *    it must be a grant, unexpired at `at` and, when it went through double opt-in, confirmed by `at`. Consent is
 *    per channel and purpose: a marketing grant by email says nothing about marketing by phone. Consent-free
 *    purposes ignore the ledger (a service contact is not blocked by a withdrawn marketing consent; to stop it,
 *    remove the purpose from the customer's arrangement).
 * 4. **Quiet hours** of the arrangement, in its own time zone (daylight saving time included), `from` inclusive and
 *    `to` exclusive, at minute precision; `from` after `to` is an overnight window, `from` equal to `to` means no
 *    quiet hours. They apply to every purpose.
 * 5. **Frequency cap** of the arrangement: at most `max` outbound contacts on the channel in the rolling window
 *    ending at `at` (day 24 h, week 7 days, month 30 days, quarter 91 days, year 365 days; a contact exactly one
 *    window length before `at` has left the window). They apply to every purpose: the caller decides which earlier
 *    contacts count by what it passes as `previousContacts`.
 *
 * The first rule that fails gives the reason; `customer-erased` and `customer-not-found` are the Hub's to give
 * (these functions never see a customer record).
 *
 * @module
 */

/** Purposes that need no consent by default: the organisation contacts on legitimate interest or contract. */
export const DEFAULT_CONSENT_FREE_PURPOSES: readonly ContactPurpose[] = Object.freeze([
  'service',
  'transactional',
  'billing',
]);

/** Length of each frequency-cap period in milliseconds: a rolling window, not a calendar period. */
export const FREQUENCY_WINDOW_MS: Readonly<Record<'day' | 'week' | 'month' | 'quarter' | 'year', number>> =
  Object.freeze({
    day: 24 * 3_600_000,
    week: 7 * 24 * 3_600_000,
    month: 30 * 24 * 3_600_000,
    quarter: 91 * 24 * 3_600_000,
    year: 365 * 24 * 3_600_000,
  });

// ---------------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------------

/** A consent capture as validated by {@link parseConsentCapture}: the ledger entry without id and recording stamps. */
export type ConsentCaptureOutput = z.output<typeof ConsentCaptureSchema>;

/**
 * What a customer's contact arrangement is set from: a {@link ContactArrangement} without `id`, `createdAt`,
 * `updatedAt` and `sources` (the Hub fills those). Strict: unknown keys, also inside `frequencyCap` and
 * `quietHours`, are refused, so a misspelt `quietHour` cannot silently drop the customer's quiet hours.
 */
export const ContactArrangementInputSchema = z.strictObject({
  ...ContactArrangementSchema.omit({ id: true, createdAt: true, updatedAt: true, sources: true }).shape,
  frequencyCap: z.strictObject(FrequencyCapSchema.shape).optional(),
  quietHours: z.strictObject(QuietHoursSchema.shape).optional(),
});
/** A contact arrangement as supplied (`preferred` may be left out). */
export type ContactArrangementInput = z.input<typeof ContactArrangementInputSchema>;
/** A contact arrangement as validated by {@link parseArrangement}: defaults applied, time zone canonical. */
export type ContactArrangementFields = z.output<typeof ContactArrangementInputSchema>;

function fail(what: string, issues: ValidationIssue[], cause?: unknown): never {
  throw validationErrorOf(issues, {
    message: `[crmkit/core] ${what} is invalid`,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Milliseconds since the epoch of an ISO timestamp; NaN when it is not one. */
function instant(value: string): number {
  return Date.parse(value);
}

/**
 * Validates a consent capture before it enters the ledger.
 *
 * Checks the schema (known channel, purpose and status, ISO 8601 timestamps with an offset, no unknown keys) and
 * the timeline: `expiresAt` may not lie before `capturedAt` (equal is accepted and is expired from the start), and
 * a double opt-in's `confirmedAt` may not lie before its `requestedAt`. Instants are compared, not strings, so
 * `+01:00` and `Z` timestamps mix freely. A `doubleOptIn` on a denial or withdrawal is accepted and has no effect.
 *
 * @param input - The capture as received (from a web form, an adapter, a call-center app).
 * @returns The capture, as the schema outputs it (timestamps unchanged).
 * @throws `ValidationError` with every problem; issue paths start at `consent`, e.g. `consent.channel`
 *   (path `['consent', 'channel']`) or `consent.doubleOptIn.confirmedAt`.
 */
export function parseConsentCapture(input: unknown): ConsentCaptureOutput {
  const parsed = ConsentCaptureSchema.safeParse(input);
  if (!parsed.success)
    fail('Consent capture', issuesFromZod(parsed.error, { basePath: ['consent'], unknownKeys: 'key' }), parsed.error);
  const capture = parsed.data;
  const issues: ValidationIssue[] = [];
  if (capture.expiresAt !== undefined && instant(capture.expiresAt) < instant(capture.capturedAt)) {
    issues.push(
      validationIssue(
        ['consent', 'expiresAt'],
        `expiresAt (${capture.expiresAt}) is before capturedAt (${capture.capturedAt})`,
        'expires_before_capture',
      ),
    );
  }
  const doi = capture.doubleOptIn;
  if (doi?.confirmedAt !== undefined && instant(doi.confirmedAt) < instant(doi.requestedAt)) {
    issues.push(
      validationIssue(
        ['consent', 'doubleOptIn', 'confirmedAt'],
        `confirmedAt (${doi.confirmedAt}) is before requestedAt (${doi.requestedAt})`,
        'confirmed_before_requested',
      ),
    );
  }
  if (issues.length > 0) fail('Consent capture', issues);
  return capture;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A 24-hour `HH:MM` formatter for an IANA time zone; throws a RangeError for an unknown zone. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The canonical name of an IANA time zone (`europe/amsterdam` -> `Europe/Amsterdam`), or undefined if unknown. */
function canonicalTimeZone(timeZone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * Validates a customer's contact arrangement (see {@link ContactArrangementInputSchema} for the shape).
 *
 * Besides the schema (known channel and purposes, a positive whole `frequencyCap.max`, `HH:MM` quiet hours, no
 * unknown keys), the quiet hours' time zone must be an IANA zone this runtime knows (`Europe/Amsterdam`); it is
 * returned in its canonical spelling. Duplicate purposes are dropped (first occurrence kept). An empty
 * `allowedPurposes` is valid: it blocks the channel for the customer, overriding any group default. Equal `from`
 * and `to` are valid and mean no quiet hours.
 *
 * @param input - The arrangement as supplied.
 * @returns The arrangement with defaults applied (`preferred: false`).
 * @throws `ValidationError` with every problem; issue paths start at `arrangement`, e.g.
 *   `arrangement.quietHours.timeZone` or `arrangement.allowedPurposes[1]`.
 */
export function parseArrangement(input: unknown): ContactArrangementFields {
  const parsed = ContactArrangementInputSchema.safeParse(input);
  if (!parsed.success)
    fail(
      'Contact arrangement',
      issuesFromZod(parsed.error, { basePath: ['arrangement'], unknownKeys: 'key' }),
      parsed.error,
    );
  const arrangement = { ...parsed.data, allowedPurposes: [...new Set(parsed.data.allowedPurposes)] };
  const quiet = arrangement.quietHours;
  if (quiet !== undefined) {
    const timeZone = canonicalTimeZone(quiet.timeZone);
    if (timeZone === undefined) {
      fail('Contact arrangement', [
        validationIssue(
          ['arrangement', 'quietHours', 'timeZone'],
          `Unknown IANA time zone "${quiet.timeZone}"; expected one such as "Europe/Amsterdam"`,
          'invalid_time_zone',
        ),
      ]);
    }
    arrangement.quietHours = { ...quiet, timeZone };
  }
  return arrangement;
}

// ---------------------------------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------------------------------

function requireTimestamp(value: unknown, argument: string): number {
  if (typeof value !== 'string' || !TimestampSchema.safeParse(value).success) {
    throw new InvalidArgumentError({
      argument,
      message: `[crmkit/core] ${argument} must be an ISO 8601 timestamp with an offset, e.g. "2026-03-01T09:30:00Z"; got ${JSON.stringify(value)}.`,
    });
  }
  return instant(value);
}

/** Orders two timestamps by instant (an unparsable one first) and then two ids by code units: a total order. */
function compareStamps(a: string, b: string, idA: string, idB: string): number {
  const ma = instant(a);
  const mb = instant(b);
  const na = Number.isNaN(ma);
  const nb = Number.isNaN(mb);
  if (na !== nb) return na ? -1 : 1;
  if (!na && ma !== mb) return ma - mb;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

/** Compares by capture instant, then recording instant, then id: positive when `a` is the later capture. */
function compareCaptures(a: ConsentCapture, b: ConsentCapture): number {
  const byCaptured = instant(a.capturedAt) - instant(b.capturedAt);
  if (byCaptured !== 0) return byCaptured;
  return compareStamps(a.recordedAt, b.recordedAt, a.id, b.id);
}

/**
 * The capture that counts for a channel and purpose at a moment: of the captures for exactly that channel and
 * purpose captured at or before `at`, the latest by `capturedAt` (compared as instants); on a tie the later
 * `recordedAt`, then the greater `id`. Captures after `at` are ignored, so asking about the past gives the answer
 * of the past. The result does not depend on the order of the ledger.
 *
 * Any status may come back (a denial or withdrawal is the effective consent too); expiry and double opt-in are
 * for the caller to judge (see {@link decideContact}). The ledger is not filtered by customer: pass the captures
 * of the customer, including those recorded under ids merged into it.
 *
 * @param ledger - The customer's consent captures, in any order.
 * @param channel - The channel asked about.
 * @param purpose - The purpose asked about.
 * @param at - The moment, an ISO 8601 timestamp with an offset.
 * @returns The effective capture, or undefined when none was captured by `at`.
 * @throws `InvalidArgumentError` when `at` is not a timestamp.
 */
export function effectiveConsent(
  ledger: readonly ConsentCapture[],
  channel: ContactChannel,
  purpose: ContactPurpose,
  at: string,
): ConsentCapture | undefined {
  const atMs = requireTimestamp(at, 'at');
  let best: ConsentCapture | undefined;
  for (const capture of ledger) {
    if (capture.channel !== channel || capture.purpose !== purpose) continue;
    // NaN (an unparsable capturedAt) fails this test too: such a capture never counts.
    if (!(instant(capture.capturedAt) <= atMs)) continue;
    if (best === undefined || compareCaptures(capture, best) > 0) best = capture;
  }
  return best;
}

/** What {@link decideContact} decides on. */
export interface ContactInput {
  /** The customer asked about (used in the `detail` sentence; the lists below are taken as the customer's). */
  customerId: string;
  /** The channel the organisation wants to use. */
  channel: ContactChannel;
  /** Why it wants to contact. */
  purpose: ContactPurpose;
  /** When: an ISO 8601 timestamp with an offset (usually now; a past moment answers as of then). */
  at: string;
  /** The customer's consent captures, in any order (captures after `at` are ignored). */
  ledger: readonly ConsentCapture[];
  /**
   * The customer's own arrangements (override group defaults per channel). Should hold at most one per channel;
   * if there are several, the latest `updatedAt` (then the greater `id`) wins. Taken as they are: arrangements
   * have no history, so `at` does not select an older version.
   */
  arrangements: readonly ContactArrangement[];
  /** Groups the customer belongs to, in a deterministic order (the Hub passes them sorted by id); the first group with a default arrangement for the channel wins. */
  groups: readonly CustomerGroup[];
  /**
   * When the organisation contacted the customer on this channel before (outbound), for frequency caps: ISO 8601
   * timestamps, in any order, every purpose counting. Contacts after `at` are ignored.
   */
  previousContacts: readonly string[];
  /** Purposes that need no consent (legitimate interest / contract): default ['service', 'transactional', 'billing']. */
  consentFreePurposes?: readonly ContactPurpose[];
}

type GroupArrangement = CustomerGroup['defaultArrangements'][number];

/** Of several arrangements for one channel, the latest `updatedAt`, then the greater id: independent of order. */
function pick<T extends { channel: string; updatedAt: string; id: string }>(
  list: readonly T[],
  channel: string,
): T | undefined {
  let best: T | undefined;
  for (const candidate of list) {
    if (candidate.channel !== channel) continue;
    if (best === undefined || compareStamps(candidate.updatedAt, best.updatedAt, candidate.id, best.id) > 0) {
      best = candidate;
    }
  }
  return best;
}

interface Resolved {
  arrangement: ContactArrangement | GroupArrangement;
  ref: NonNullable<ContactDecision['arrangement']>;
  accountManagerId: string | undefined;
  label: string;
}

function resolveArrangement(input: ContactInput): Resolved | undefined {
  const own = pick(input.arrangements, input.channel);
  if (own !== undefined) {
    return {
      arrangement: own,
      ref: { source: 'customer', channel: input.channel },
      accountManagerId: own.accountManagerId,
      label: `the customer's own ${input.channel} arrangement`,
    };
  }
  for (const group of input.groups) {
    const fallback = pick(group.defaultArrangements ?? [], input.channel);
    if (fallback !== undefined) {
      return {
        arrangement: fallback,
        ref: { source: 'group', groupId: group.id, channel: input.channel },
        accountManagerId: fallback.accountManagerId ?? group.managerId,
        label: `the ${input.channel} default of group ${group.id}`,
      };
    }
  }
  return undefined;
}

/** Minutes since local midnight at `atMs` in `timeZone` (minute precision); undefined for an unknown zone. */
function localMinutes(atMs: number, timeZone: string): number | undefined {
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = formatterFor(timeZone);
  } catch {
    return undefined;
  }
  let hour = 0;
  let minute = 0;
  for (const part of formatter.formatToParts(atMs)) {
    if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return hour * 60 + minute;
}

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * Decides whether the customer may be contacted on a channel for a purpose at a moment: `allowed: true` with
 * reason `allowed`, or `allowed: false` with the first rule that failed (see the module rules): `no-arrangement`,
 * `purpose-not-allowed`, `no-consent`, `consent-denied`, `consent-withdrawn`, `consent-expired` (`expiresAt` at or
 * before `at`), `double-opt-in-pending` (a grant whose double opt-in is unconfirmed, or confirmed only after `at`),
 * `quiet-hours`, `frequency-cap` (already `max` or more contacts in the window).
 *
 * The decision carries, once known: `arrangement` (`customer`, or `group` with the group id), `accountManagerId`
 * (the arrangement's, else for a group default the group's `managerId`; none for a customer arrangement without
 * one), `consentId` (the effective capture, whenever the purpose needs consent and one exists, also when a later
 * rule refused) and a `detail` sentence for people. The result is deterministic and does not depend on the order
 * of `ledger`, `arrangements` or `previousContacts` (only on the order of `groups`).
 *
 * Fails closed on data that bypassed {@link parseArrangement} or {@link parseConsentCapture}: quiet hours in a time
 * zone this runtime does not know (or with bounds that are not `HH:MM`) count as being in quiet hours, and an
 * unparsable `expiresAt` counts as expired.
 *
 * @throws `InvalidArgumentError` when `at` or an entry of `previousContacts` is not an ISO 8601 timestamp
 *   with an offset.
 */
export function decideContact(input: ContactInput): ContactDecision {
  const { customerId, channel, purpose, at } = input;
  const atMs = requireTimestamp(at, 'at');
  const previous = input.previousContacts.map((value, index) => requireTimestamp(value, `previousContacts[${index}]`));
  const subject = `customer ${customerId} by ${channel} for ${purpose}`;

  const resolved = resolveArrangement(input);
  if (resolved === undefined) {
    const groups = input.groups.length;
    return {
      allowed: false,
      reason: 'no-arrangement',
      detail: `No contact of ${subject}: there is no ${channel} arrangement for the customer${
        groups === 0 ? ' and they belong to no group' : ` and none of their ${plural(groups, 'group')} has a default`
      }.`,
    };
  }
  const { arrangement, label } = resolved;
  let base: Omit<ContactDecision, 'allowed' | 'reason' | 'detail'> = {
    arrangement: resolved.ref,
    ...(resolved.accountManagerId === undefined ? {} : { accountManagerId: resolved.accountManagerId }),
  };

  if (!arrangement.allowedPurposes.includes(purpose)) {
    const allowedList =
      arrangement.allowedPurposes.length === 0 ? 'no purpose' : arrangement.allowedPurposes.join(', ');
    return {
      ...base,
      allowed: false,
      reason: 'purpose-not-allowed',
      detail: `No contact of ${subject}: ${label} allows ${allowedList}.`,
    };
  }

  const consentFree = (input.consentFreePurposes ?? DEFAULT_CONSENT_FREE_PURPOSES).includes(purpose);
  let consentNote = `${purpose} needs no consent`;
  if (!consentFree) {
    const consent = effectiveConsent(input.ledger, channel, purpose, at);
    if (consent === undefined) {
      return {
        ...base,
        allowed: false,
        reason: 'no-consent',
        detail: `No contact of ${subject}: no consent for ${purpose} by ${channel} was captured by ${at}.`,
      };
    }
    const withConsent = { ...base, consentId: consent.id };
    const captured = `on ${consent.capturedAt} (${consent.captureSource}, capture ${consent.id})`;
    if (consent.status === 'denied') {
      return {
        ...withConsent,
        allowed: false,
        reason: 'consent-denied',
        detail: `No contact of ${subject}: the customer denied consent ${captured}.`,
      };
    }
    if (consent.status === 'withdrawn') {
      return {
        ...withConsent,
        allowed: false,
        reason: 'consent-withdrawn',
        detail: `No contact of ${subject}: the customer withdrew consent ${captured}.`,
      };
    }
    // Written so an unparsable expiry (a capture that skipped parseConsentCapture) counts as expired.
    if (consent.expiresAt !== undefined && !(instant(consent.expiresAt) > atMs)) {
      return {
        ...withConsent,
        allowed: false,
        reason: 'consent-expired',
        detail: `No contact of ${subject}: consent granted ${captured} expired at ${consent.expiresAt}.`,
      };
    }
    const doi = consent.doubleOptIn;
    if (doi !== undefined && (doi.confirmedAt === undefined || !(instant(doi.confirmedAt) <= atMs))) {
      return {
        ...withConsent,
        allowed: false,
        reason: 'double-opt-in-pending',
        detail: `No contact of ${subject}: consent granted ${captured} awaits double opt-in confirmation (requested ${
          doi.requestedAt
        }${doi.confirmedAt === undefined ? '' : `, confirmed only at ${doi.confirmedAt}`}).`,
      };
    }
    base = withConsent;
    consentNote = `consent granted ${captured}`;
  }

  const quiet = arrangement.quietHours;
  if (quiet !== undefined && quiet.from !== quiet.to) {
    const from = minutesOf(quiet.from);
    const to = minutesOf(quiet.to);
    const local = localMinutes(atMs, quiet.timeZone);
    const inside =
      local === undefined ||
      Number.isNaN(from + to) ||
      (from < to ? local >= from && local < to : local >= from || local < to);
    if (inside) {
      return {
        ...base,
        allowed: false,
        reason: 'quiet-hours',
        detail:
          local === undefined
            ? `No contact of ${subject}: ${label} has quiet hours in the unknown time zone "${quiet.timeZone}", so the local time cannot be told.`
            : `No contact of ${subject}: it is ${hhmm(local)} in ${quiet.timeZone}, within the quiet hours ${quiet.from} to ${quiet.to} of ${label}.`,
      };
    }
  }

  const cap = arrangement.frequencyCap;
  if (cap !== undefined) {
    const windowStart = atMs - FREQUENCY_WINDOW_MS[cap.per];
    const count = previous.filter((t) => t > windowStart && t <= atMs).length;
    if (count >= cap.max) {
      return {
        ...base,
        allowed: false,
        reason: 'frequency-cap',
        detail: `No contact of ${subject}: contacted ${plural(count, 'time')} by ${channel} in the last ${cap.per} up to ${at}, and ${label} allows at most ${cap.max} per ${cap.per}.`,
      };
    }
  }

  return {
    ...base,
    allowed: true,
    reason: 'allowed',
    detail: `Contact of ${subject} is allowed under ${label}; ${consentNote}.`,
  };
}

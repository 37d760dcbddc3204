import type {
  ContactPointKind,
  FieldOverride,
  GoldenContactPoint,
  GoldenField,
  GoldenRecord,
  JsonValue,
  OrganizationData,
  PartyRecordType,
  PersonData,
  PostalAddress,
  Provenance,
  SourceRef,
  StoredRecord,
  SurvivorshipRule,
  SurvivorshipRuleName,
} from '@crmkit/model';
import {
  formatAddress,
  normalizeAddress,
  normalizeEmail,
  normalizePhone,
  normalizeUrl,
  phoneOptionsOf,
  type NormalizePhoneOptions,
  type PhoneCountryOptions,
} from '../normalize';
import { compareStrings, stableStringify } from '../runtime/stable';

/** Survivorship configuration: a default rule and per-field rules. */
export interface SurvivorshipOptions {
  /** Rule for fields without their own. @default { rule: 'mostRecent' } */
  default?: SurvivorshipRule;
  /** Rules by field name (e.g. `jobTitle`, `attributes.segment`). */
  fields?: Readonly<Record<string, SurvivorshipRule>>;
}

/** A department and the source systems it owns (for `departmentOwned` survivorship). */
export interface DepartmentSources {
  id: string;
  systems: readonly string[];
}

/** Everything {@link deriveGolden} needs besides the records. */
export interface DeriveGoldenOptions extends PhoneCountryOptions {
  survivorship?: SurvivorshipOptions;
  departments?: readonly DepartmentSources[];
  /** Overrides, highest precedence first; the first override of a field wins. */
  overrides?: readonly FieldOverride[];
  /**
   * Plugin namespaces: `attributes.<namespace>` objects on records become one golden field per plugin field
   * (`attributes.<namespace>.<field>`), each with its own provenance.
   */
  namespaces?: ReadonlySet<string>;
  /** Plugin field values written through the plugin API; they compete with the records' values by the same rules. */
  extensions?: readonly ExtensionFact[];
}

/** One plugin field value written on a customer through the plugin API (see `ExtensionRow` in the store contract). */
export interface ExtensionFact {
  /** The customer id it was written on (its provenance external id). */
  customerId: string;
  namespace: string;
  field: string;
  value: JsonValue;
  at: string;
  /** Who wrote it (`plugin:<name>`); the provenance source. @default `plugin:<namespace>` */
  actor?: string;
}

interface Candidate {
  value: JsonValue;
  serialized: string;
  record: StoredRecord;
  observedMs: number;
}

/** Field extraction: the golden fields a party record supplies. */
export function fieldsOf(record: StoredRecord, namespaces?: ReadonlySet<string>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  const put = (name: string, value: JsonValue | undefined): void => {
    if (value === undefined || value === null || value === '') return;
    out[name] = value;
  };
  const putAttributes = (attributes: Record<string, JsonValue> | undefined): void => {
    for (const [key, value] of Object.entries(attributes ?? {})) {
      if (namespaces?.has(key) && typeof value === 'object' && value !== null && !Array.isArray(value)) {
        for (const [field, inner] of Object.entries(value)) put(`attributes.${key}.${field}`, inner);
      } else put(`attributes.${key}`, value);
    }
  };
  if (record.deleted || record.data === null) return out;
  if (record.type === 'person') {
    const data = record.data as PersonData;
    put('givenName', data.givenName);
    put('familyName', data.familyName);
    put('fullName', data.fullName ?? ([data.givenName, data.familyName].filter(Boolean).join(' ') || undefined));
    put('salutation', data.salutation);
    put('jobTitle', data.jobTitle);
    put('birthDate', data.birthDate);
    put('language', data.language);
    put('organizationName', data.organization?.name);
    put('organizationRole', data.organization?.role);
    put('ownerId', data.ownerId);
    put('lifecycleStage', data.lifecycleStage);
    putAttributes(data.attributes);
  } else if (record.type === 'organization') {
    const data = record.data as OrganizationData;
    put('name', data.name);
    put('legalName', data.legalName);
    put('domain', data.domain?.toLowerCase());
    put('industry', data.industry);
    put('employees', data.employees);
    put('registrationId', data.registrationId);
    put('ownerId', data.ownerId);
    put('lifecycleStage', data.lifecycleStage);
    putAttributes(data.attributes);
  }
  return out;
}

/** Total order on candidates: most recent first, then source, external id and value. Never depends on input order. */
function compareRecency(a: Candidate, b: Candidate): number {
  return (
    b.observedMs - a.observedMs ||
    compareStrings(a.record.source, b.record.source) ||
    compareStrings(a.record.externalId, b.record.externalId) ||
    compareStrings(a.serialized, b.serialized)
  );
}

function choose(
  candidates: Candidate[],
  rule: SurvivorshipRule,
  departments: readonly DepartmentSources[],
): { winner: Candidate; rule: SurvivorshipRuleName } {
  const byRecency = [...candidates].sort(compareRecency);
  switch (rule.rule) {
    case 'mostRecent':
      return { winner: byRecency[0]!, rule: 'mostRecent' };
    case 'sourcePriority': {
      const rank = (c: Candidate): number => {
        const index = rule.sources.indexOf(c.record.source);
        return index === -1 ? rule.sources.length : index;
      };
      const sorted = [...candidates].sort((a, b) => rank(a) - rank(b) || compareRecency(a, b));
      return { winner: sorted[0]!, rule: 'sourcePriority' };
    }
    case 'departmentOwned': {
      const systems = departments.find((d) => d.id === rule.department)?.systems ?? [];
      const owned = (c: Candidate): number => (systems.includes(c.record.source) ? 0 : 1);
      const sorted = [...candidates].sort((a, b) => owned(a) - owned(b) || compareRecency(a, b));
      return { winner: sorted[0]!, rule: 'departmentOwned' };
    }
    case 'mostFrequent': {
      const groups = new Map<string, Candidate[]>();
      for (const c of byRecency) {
        const group = groups.get(c.serialized);
        if (group) group.push(c);
        else groups.set(c.serialized, [c]);
      }
      // Groups hold candidates most recent first; ties in size go to the group with the most recent member.
      const best = [...groups.values()].sort((a, b) => b.length - a.length || compareRecency(a[0]!, b[0]!))[0]!;
      return { winner: best[0]!, rule: 'mostFrequent' };
    }
  }
}

function sourceRefOf(record: StoredRecord): SourceRef {
  return { system: record.source, externalId: record.externalId, observedAt: record.observedAt };
}

function compareSourceRefs(a: SourceRef, b: SourceRef): number {
  return compareStrings(a.system, b.system) || compareStrings(a.externalId, b.externalId);
}

/** A contact point as one record supplies it, before de-duplication. */
export interface RawContact {
  kind: ContactPointKind;
  value: string;
  normalized: string;
  address?: PostalAddress;
  label?: string | undefined;
  primary?: boolean | undefined;
  verified?: boolean | undefined;
}

/**
 * The contact points a party record supplies, normalised. Emails and phones use the normalisers of
 * `@crmkit/identity`; a phone number they cannot read (a national number without `defaultCountry`, an invalid
 * number) is kept, compared by its digits.
 *
 * @param phoneCountry - How to read national phone numbers (`{ defaultCountry: 'NL' }`); a string is the deprecated
 *   calling code (`'31'`).
 */
export function contactPointsOf(record: StoredRecord, phoneCountry: NormalizePhoneOptions | string = {}): RawContact[] {
  const phoneOptions =
    typeof phoneCountry === 'string' ? phoneOptionsOf({ defaultCallingCode: phoneCountry }) : phoneCountry;
  if (record.deleted || record.data === null) return [];
  if (record.type !== 'person' && record.type !== 'organization') return [];
  const data = record.data as PersonData | OrganizationData;
  const out: RawContact[] = [];
  for (const email of data.emails ?? []) {
    const normalized = normalizeEmail(email.value);
    if (normalized) out.push({ kind: 'email', value: email.value.trim(), normalized, ...flags(email) });
  }
  for (const phone of data.phones ?? []) {
    const normalized = normalizePhone(phone.value, phoneOptions) ?? phoneDigits(phone.value);
    if (normalized) out.push({ kind: 'phone', value: phone.value.trim(), normalized, ...flags(phone) });
  }
  for (const address of data.addresses ?? []) {
    const { label, primary, verified, ...parts } = address;
    const normalized = normalizeAddress(parts);
    if (normalized)
      out.push({ kind: 'postal', value: formatAddress(parts), normalized, address: parts, label, primary, verified });
  }
  for (const website of data.websites ?? []) {
    out.push({ kind: 'web', value: website.value.trim(), normalized: normalizeUrl(website.value), ...flags(website) });
  }
  for (const social of data.socials ?? []) {
    out.push({ kind: 'social', value: social.value.trim(), normalized: normalizeUrl(social.value), ...flags(social) });
  }
  return out;
}

/** The comparable form of a phone number the normaliser cannot read: `+` (when written) and digits, 3 at least. */
function phoneDigits(phone: string): string | undefined {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 3) return undefined;
  return phone.trim().startsWith('+') ? `+${digits}` : digits;
}

function flags(value: { label?: string | undefined; primary?: boolean | undefined; verified?: boolean | undefined }) {
  return { label: value.label, primary: value.primary, verified: value.verified };
}

const KIND_ORDER: Record<ContactPointKind, number> = { email: 0, phone: 1, postal: 2, web: 3, social: 4 };

/**
 * Derives a golden record from the live party records linked to one customer. A pure function: the same records,
 * rules and overrides give the same golden record, in whatever order the records come.
 *
 * @example
 * ```ts
 * const golden = deriveGolden('person', records, { survivorship: { fields: { jobTitle: { rule: 'sourcePriority', sources: ['hr'] } } } });
 * golden.fields.jobTitle?.provenance.source // 'hr' when HR supplied one
 * ```
 */
export function deriveGolden(
  kind: PartyRecordType,
  records: readonly StoredRecord[],
  options: DeriveGoldenOptions = {},
): GoldenRecord {
  const live = records.filter((r) => !r.deleted && r.data !== null && r.type === kind);
  const defaultRule = options.survivorship?.default ?? { rule: 'mostRecent' };
  const departments = options.departments ?? [];

  const candidatesByField = new Map<string, Candidate[]>();
  for (const record of live) {
    const observedMs = Date.parse(record.observedAt);
    for (const [field, value] of Object.entries(fieldsOf(record, options.namespaces))) {
      const list = candidatesByField.get(field) ?? [];
      list.push({ value, serialized: stableStringify(value), record, observedMs });
      candidatesByField.set(field, list);
    }
  }
  for (const fact of options.extensions ?? []) {
    if (fact.value === null || fact.value === '') continue;
    // A plugin's value is a source fact like any other: source `plugin:<name>`, keyed by the customer it was set on.
    const record: StoredRecord = {
      key: `${fact.actor ?? `plugin:${fact.namespace}`}/${kind}/${fact.customerId}`,
      type: kind,
      source: fact.actor ?? `plugin:${fact.namespace}`,
      externalId: fact.customerId,
      observedAt: fact.at,
      deleted: false,
      data: null,
      contentHash: '',
      matchKeys: [],
      refKeys: [],
      blockKeys: [],
      customerId: fact.customerId,
      homeId: fact.customerId,
      version: 0,
      ingestedAt: fact.at,
    };
    const field = `attributes.${fact.namespace}.${fact.field}`;
    const list = candidatesByField.get(field) ?? [];
    list.push({ value: fact.value, serialized: stableStringify(fact.value), record, observedMs: Date.parse(fact.at) });
    candidatesByField.set(field, list);
  }

  const fields: Record<string, GoldenField> = {};
  for (const field of [...candidatesByField.keys()].sort(compareStrings)) {
    const candidates = candidatesByField.get(field)!;
    const rule = options.survivorship?.fields?.[field] ?? defaultRule;
    const { winner, rule: ruleName } = choose(candidates, rule, departments);
    const provenance: Provenance = {
      source: winner.record.source,
      recordType: winner.record.type,
      externalId: winner.record.externalId,
      observedAt: winner.record.observedAt,
      rule: ruleName,
    };
    fields[field] = { value: winner.value, provenance, candidates: candidates.length };
  }

  for (const override of options.overrides ?? []) {
    const existing = fields[override.field];
    if (existing?.provenance.rule === 'override') continue; // an earlier (higher precedence) override won
    fields[override.field] = {
      value: override.value,
      provenance: {
        source: 'crmkit:override',
        recordType: kind,
        externalId: override.actor ?? 'unknown',
        observedAt: override.at,
        rule: 'override',
      },
      candidates: existing?.candidates ?? 0,
    };
  }
  const sortedFields: Record<string, GoldenField> = {};
  for (const field of Object.keys(fields).sort(compareStrings)) sortedFields[field] = fields[field]!;

  // Contact points: de-duplicated by kind and normalised value; the most recent supplier's spelling wins.
  const contacts = new Map<string, { items: { raw: RawContact; record: StoredRecord; observedMs: number }[] }>();
  const phoneOptions = phoneOptionsOf(options);
  for (const record of live) {
    const observedMs = Date.parse(record.observedAt);
    for (const raw of contactPointsOf(record, phoneOptions)) {
      const key = `${raw.kind}:${raw.normalized}`;
      const entry = contacts.get(key) ?? { items: [] };
      entry.items.push({ raw, record, observedMs });
      contacts.set(key, entry);
    }
  }
  const contactPoints: GoldenContactPoint[] = [];
  for (const { items } of contacts.values()) {
    items.sort(
      (a, b) =>
        b.observedMs - a.observedMs ||
        compareStrings(a.record.source, b.record.source) ||
        compareStrings(a.record.externalId, b.record.externalId) ||
        compareStrings(a.raw.value, b.raw.value),
    );
    const top = items[0]!.raw;
    const sources = uniqueSources(items.map((item) => sourceRefOf(item.record)));
    const point: GoldenContactPoint = {
      kind: top.kind,
      value: top.value,
      normalized: top.normalized,
      primary: items.some((item) => item.raw.primary === true),
      verified: items.some((item) => item.raw.verified === true),
      sources,
    };
    if (top.address) point.address = top.address;
    const label = items.find((item) => item.raw.label)?.raw.label;
    if (label) point.label = label;
    contactPoints.push(point);
  }
  contactPoints.sort(
    (a, b) =>
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
      Number(b.primary) - Number(a.primary) ||
      compareStrings(a.normalized, b.normalized),
  );

  return { kind, fields: sortedFields, contactPoints, sources: uniqueSources(live.map(sourceRefOf)) };
}

function uniqueSources(refs: SourceRef[]): SourceRef[] {
  const seen = new Map<string, SourceRef>();
  for (const ref of refs) seen.set(`${ref.system}\u0000${ref.externalId}`, ref);
  return [...seen.values()].sort(compareSourceRefs);
}

/** A display name for a golden record: full name, else organisation name, else the first email. */
export function displayNameOf(golden: GoldenRecord): string {
  const text = (name: string): string | undefined => {
    const value = golden.fields[name]?.value;
    return typeof value === 'string' && value.trim() !== '' ? value : undefined;
  };
  return (
    text('fullName') ??
    text('name') ??
    ([text('givenName'), text('familyName')].filter(Boolean).join(' ') ||
      golden.contactPoints.find((c) => c.kind === 'email')?.value ||
      golden.contactPoints[0]?.value ||
      '(unnamed)')
  );
}

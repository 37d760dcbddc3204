import {
  type Customer,
  type GoldenField,
  type HubEvent,
  type JournalEntry,
  type JsonValue,
  SECRET_PLACEHOLDER,
} from '@crmkit/model';
import { isSecretField } from './audit';
import { isPlainObject } from '../runtime/plain-object';

/**
 * Secret fields (`policy.secretFields`) are stored in clear only in the source records they came with and in the
 * golden record (with the override or plugin field value that makes it). Everything the Hub copies them into
 * besides (events and so the outbox, the workflow runs events start and the after-hooks they feed; the journal;
 * the matcher's explanations kept with identity links and review items) carries {@link SECRET_PLACEHOLDER} instead.
 * Whoever needs the value reads the customer (`hub.get`), under its own grant. That a field changed is still
 * said (`changedFields`, the audit log).
 *
 * @module
 */

/** Data keys of a party record that become the golden `contactPoints`. */
const CONTACT_KEYS = ['emails', 'phones', 'addresses', 'websites', 'socials'] as const;

/** The golden field each comparison of the identity matcher compares (other comparisons are named after theirs). */
const COMPARISON_FIELDS: Readonly<Record<string, string>> = {
  email: 'contactPoints',
  phone: 'contactPoints',
  address: 'contactPoints',
  nationalId: 'registrationId',
};

/**
 * True when a party reference names the party by a contact point (`{ email }` or `{ phone }`): seeing it means
 * seeing `contactPoints`. Plugin grants and secret fields share this rule.
 */
export function isContactPointRef(ref: unknown): ref is Record<string, JsonValue> {
  return isPlainObject(ref) && ('email' in ref || 'phone' in ref);
}

/** The secret fields of a policy, compiled: replaces their values in what the Hub copies. */
export class SecretFields {
  /** True when there is any secret field (otherwise every method returns its input). */
  readonly any: boolean;

  constructor(readonly patterns: readonly string[]) {
    this.any = patterns.length > 0;
  }

  /** True when the golden field `path` is secret (see the audit's rule: `prefix.*` and ancestors count). */
  isSecret(path: string): boolean {
    return this.any && isSecretField(path, this.patterns);
  }

  /**
   * The patterns the audit log applies: the policy's, plus the data keys of source records that feed a secret
   * golden field under another name (`emails` ... for `contactPoints`, `organization` for `organizationName`), and
   * with `contactPoints` the activity keys that may name a party by e-mail or phone (`participants`, `customer`).
   */
  auditPatterns(): string[] {
    const out = [...this.patterns];
    // Interactions and opportunities name parties by e-mail or phone (`participants[].ref`, `customer`).
    if (this.isSecret('contactPoints')) out.push(...CONTACT_KEYS, 'participants', 'customer');
    if (this.isSecret('organizationName') || this.isSecret('organizationRole')) out.push('organization');
    return out;
  }

  /**
   * The customer with the values of its secret golden fields (and contact points, when `contactPoints` is secret)
   * replaced by the placeholder; the display name too when it shows one of them. The same object when nothing is
   * secret.
   */
  customer(customer: Customer): Customer {
    if (!this.any) return customer;
    let changed = false;
    const hidden: string[] = [];
    const fields: Record<string, GoldenField> = {};
    for (const [name, field] of Object.entries(customer.golden.fields)) {
      if (this.isSecret(name)) {
        if (typeof field.value === 'string' && field.value !== '') hidden.push(field.value);
        fields[name] = { ...field, value: SECRET_PLACEHOLDER };
        changed = true;
      } else fields[name] = field;
    }
    let contactPoints = customer.golden.contactPoints;
    if (contactPoints.length > 0 && this.isSecret('contactPoints')) {
      contactPoints = contactPoints.map(({ address: _address, label: _label, ...point }) => {
        hidden.push(point.value, point.normalized);
        return { ...point, value: SECRET_PLACEHOLDER, normalized: SECRET_PLACEHOLDER };
      });
      changed = true;
    }
    let displayName = customer.displayName;
    if (
      typeof displayName === 'string' &&
      (this.isSecret('displayName') || hidden.some((value) => value !== '' && displayName.includes(value)))
    ) {
      displayName = SECRET_PLACEHOLDER;
      changed = true;
    }
    if (!changed) return customer;
    return { ...customer, displayName, golden: { ...customer.golden, fields, contactPoints } };
  }

  /** Record `attributes` with the values of secret paths (`attributes.<key>`, `attributes.<ns>.<field>`) replaced. */
  attributes(attributes: Record<string, JsonValue>): Record<string, JsonValue> {
    if (!this.any) return attributes;
    let changed = false;
    const out: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(attributes)) {
      if (isPlainObject(value)) {
        const inner: Record<string, JsonValue> = {};
        for (const [field, v] of Object.entries(value)) {
          const secret = this.isSecret(`attributes.${key}.${field}`);
          inner[field] = secret ? SECRET_PLACEHOLDER : v;
          changed ||= secret;
        }
        out[key] = inner;
      } else if (this.isSecret(`attributes.${key}`)) {
        out[key] = SECRET_PLACEHOLDER;
        changed = true;
      } else out[key] = value;
    }
    return changed ? out : attributes;
  }

  /**
   * A party reference with its e-mail or phone replaced when `contactPoints` is secret (the same object
   * otherwise, and for references by record).
   */
  ref(ref: JsonValue | undefined): JsonValue | undefined {
    if (!isContactPointRef(ref) || !this.isSecret('contactPoints')) return ref;
    const out: Record<string, JsonValue> = { ...ref };
    if ('email' in out) out.email = SECRET_PLACEHOLDER;
    if ('phone' in out) out.phone = SECRET_PLACEHOLDER;
    return out;
  }

  /** A matcher explanation with the compared values of secret fields replaced (`null`, a missing value, stays). */
  explanation(explanation: JsonValue): JsonValue {
    if (!this.any || !isPlainObject(explanation) || !Array.isArray(explanation.contributions)) return explanation;
    let changed = false;
    const contributions = explanation.contributions.map((contribution) => {
      if (!isPlainObject(contribution) || typeof contribution.comparison !== 'string') return contribution;
      const field = COMPARISON_FIELDS[contribution.comparison] ?? contribution.comparison;
      if (!this.isSecret(field) || !Array.isArray(contribution.values)) return contribution;
      changed = true;
      return { ...contribution, values: contribution.values.map((v) => (v === null ? null : SECRET_PLACEHOLDER)) };
    });
    return changed ? { ...explanation, contributions } : explanation;
  }

  /** The event with secret values replaced in the customers, records and explanations it carries. */
  event(event: HubEvent): HubEvent {
    if (!this.any) return event;
    const payload = event.payload as unknown as Record<string, JsonValue>;
    let next: Record<string, unknown> | undefined;
    switch (event.type) {
      case 'customer.created':
      case 'customer.updated': {
        const customer = this.customer(payload.customer as unknown as Customer);
        if (customer !== (payload.customer as unknown)) next = { ...payload, customer };
        break;
      }
      case 'interaction.recorded':
      case 'opportunity.upserted': {
        const key = event.type === 'interaction.recorded' ? 'interaction' : 'opportunity';
        const data = payload[key];
        if (!isPlainObject(data)) break;
        const out: Record<string, JsonValue> = { ...data };
        let changed = false;
        if (isPlainObject(data.attributes)) {
          const attributes = this.attributes(data.attributes);
          if (attributes !== data.attributes) [out.attributes, changed] = [attributes, true];
        }
        // References by e-mail or phone (participants, the opportunity's customer) carry a contact point.
        if (Array.isArray(data.participants)) {
          const participants = data.participants.map((participant) => {
            if (!isPlainObject(participant)) return participant;
            const ref = this.ref(participant.ref);
            return ref === participant.ref ? participant : { ...participant, ref: ref ?? null };
          });
          if (participants.some((p, i) => p !== (data.participants as JsonValue[])[i])) {
            [out.participants, changed] = [participants, true];
          }
        }
        if (data.customer !== undefined) {
          const customer = this.ref(data.customer);
          if (customer !== data.customer) [out.customer, changed] = [customer ?? null, true];
        }
        if (changed) next = { ...payload, [key]: out };
        break;
      }
      case 'review.opened':
      case 'review.decided': {
        const review = payload.review;
        if (isPlainObject(review)) {
          const explanation = this.explanation(review.explanation ?? null);
          if (explanation !== (review.explanation ?? null)) next = { ...payload, review: { ...review, explanation } };
        }
        break;
      }
      default:
        break;
    }
    return next ? ({ ...event, payload: next } as unknown as HubEvent) : event;
  }

  /** The journal entry with secret values replaced (override values, plugin field values, merge snapshots, explanations). */
  journal(entry: JournalEntry): JournalEntry {
    if (!this.any || !isPlainObject(entry.data)) return entry;
    const data = entry.data;
    let next: Record<string, JsonValue> | undefined;
    switch (entry.kind) {
      case 'override':
        if (typeof data.field === 'string' && this.isSecret(data.field) && data.value !== undefined)
          next = { ...data, value: SECRET_PLACEHOLDER };
        break;
      case 'fields': {
        const values: Record<string, JsonValue> = {};
        let changed = false;
        for (const [path, value] of Object.entries(data)) {
          const secret = value !== null && this.isSecret(path);
          values[path] = secret ? SECRET_PLACEHOLDER : value;
          changed ||= secret;
        }
        if (changed) next = values;
        break;
      }
      case 'merge':
        if (Array.isArray(data.before)) {
          next = {
            ...data,
            before: data.before.map((customer) =>
              isPlainObject(customer) && isPlainObject(customer.golden)
                ? (this.customer(customer as unknown as Customer) as unknown as JsonValue)
                : customer,
            ),
          };
        }
        break;
      default:
        if (data.explanation !== undefined) {
          const explanation = this.explanation(data.explanation);
          if (explanation !== data.explanation) next = { ...data, explanation };
        }
    }
    return next ? { ...entry, data: next } : entry;
  }
}

/** No secret fields. */
export const NO_SECRETS: SecretFields = new SecretFields([]);

/**
 * The operation's events and journal entries with secret values replaced, as new arrays (the operation's own when
 * there is no secret field); the operation itself is left as it is.
 */
export function redactedCopies(
  operation: { readonly events: readonly HubEvent[]; readonly journal: readonly JournalEntry[] },
  secrets: SecretFields,
): { events: readonly HubEvent[]; journal: readonly JournalEntry[] } {
  if (!secrets.any) return operation;
  return {
    events: operation.events.map((event) => secrets.event(event)),
    journal: operation.journal.map((entry) => secrets.journal(entry)),
  };
}

import type {
  Customer,
  GoldenField,
  HubEventType,
  JsonValue,
  Plugin,
  PluginCustomer,
  RecordType,
  StoredRecord,
} from '@crmkit/model';
import { PermissionDeniedError } from '@crmkit/model';
import { FieldPatterns } from '../governance/field-patterns';
import { parseLookupKey } from '../runtime/lookup-keys';
import { isContactPointRef } from '../governance/secrets';
import { readableNames, visibleDisplayName } from '../query/readable-names';
import { hashString, stableStringify } from '../runtime/stable';
import { isPlainObject } from '../runtime/plain-object';

/** Fields of a customer every plugin sees: its identity. */
const IDENTITY_FIELDS = ['id', 'kind', 'status', 'mergedInto', 'createdAt', 'updatedAt', 'version'] as const;

/** Keys of a party record's `data` that become the golden `contactPoints`. */
const CONTACT_KEYS: ReadonlySet<string> = new Set(['emails', 'phones', 'addresses', 'websites', 'socials']);
/** Keys of a party record's `data` that become the golden field of the same name, by record type. */
const PARTY_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  person: new Set([
    'givenName',
    'familyName',
    'fullName',
    'salutation',
    'jobTitle',
    'birthDate',
    'language',
    'ownerId',
    'lifecycleStage',
  ]),
  organization: new Set([
    'name',
    'legalName',
    'domain',
    'industry',
    'employees',
    'registrationId',
    'ownerId',
    'lifecycleStage',
  ]),
};
/**
 * Keys of an interaction's or opportunity's `data` visible with the entity grant. References to parties
 * (`participants`, `customer`) and `attributes` are projected on their own; any other key is hidden.
 */
const ACTIVITY_KEYS: Readonly<Record<string, ReadonlySet<string>>> = {
  interaction: new Set(['channel', 'direction', 'subject', 'bodyRef', 'occurredAt', 'departmentId', 'activity']),
  opportunity: new Set(['name', 'pipeline', 'stage', 'status', 'amount', 'closeDate', 'ownerId', 'probability']),
};

/**
 * A plugin's permissions, compiled once at start so every check on the hot path is a set lookup. The plugin's own
 * namespace (`attributes.<name>.*`) is always readable and writable.
 */
export class Grant {
  /** `plugin:<name>`: the actor in errors, provenance and the journal. */
  readonly actor: string;
  private readonly readEntities: ReadonlySet<string>;
  private readonly readEvents: ReadonlySet<string>;
  /** The read grant's field patterns, plus the plugin's own namespace. */
  private readonly fields: FieldPatterns;
  private readonly writeNamespaces: ReadonlySet<string>;
  private readonly writeEntities: ReadonlySet<string>;

  constructor(readonly plugin: Pick<Plugin, 'name' | 'permissions'>) {
    this.actor = `plugin:${plugin.name}`;
    const read = plugin.permissions?.read ?? {};
    const write = plugin.permissions?.write ?? {};
    this.readEntities = new Set(read.entities ?? []);
    this.readEvents = new Set(read.events ?? []);
    this.fields = new FieldPatterns([...(read.fields ?? []), `attributes.${plugin.name}.*`]);
    this.writeNamespaces = new Set([plugin.name, ...(write.namespaces ?? [])]);
    this.writeEntities = new Set(write.entities ?? []);
  }

  /** True when the plugin may read every field (`fields: ['*']`): payloads need no projection. */
  get readsAllFields(): boolean {
    return this.fields.all;
  }

  /** May the plugin see records (or customers) of this type? */
  canReadEntity(type: RecordType | 'group'): boolean {
    return this.readEntities.has(type);
  }

  /** May the plugin receive events of this type? */
  canReadEvent(type: HubEventType | string): boolean {
    return this.readEvents.has(type);
  }

  /** May the plugin see this golden field (`displayName`, `givenName`, `attributes.sales.tier`, `contactPoints` ...)? */
  canReadField(path: string): boolean {
    return this.fields.matches(path);
  }

  /** May the plugin write fields in this namespace? */
  canWriteNamespace(namespace: string): boolean {
    return this.writeNamespaces.has(namespace);
  }

  /** May the plugin create or change records of this type (under its own source)? */
  canWriteEntity(type: string): boolean {
    return this.writeEntities.has(type);
  }

  /** Throws a {@link PermissionDeniedError} unless the plugin may write in `namespace`. */
  assertWriteNamespace(namespace: string, path = `attributes.${namespace}`): void {
    if (!this.canWriteNamespace(namespace)) {
      throw new PermissionDeniedError({ actor: this.actor, operation: 'write', path });
    }
  }

  /** Throws a {@link PermissionDeniedError} unless the plugin may write records of `type`. */
  assertWriteEntity(type: string, path: string): void {
    if (!this.canWriteEntity(type)) throw new PermissionDeniedError({ actor: this.actor, operation: 'write', path });
  }

  /** Throws a {@link PermissionDeniedError} unless the plugin may read `type`. */
  assertReadEntity(type: RecordType | 'group', path: string = type): void {
    if (!this.canReadEntity(type)) throw new PermissionDeniedError({ actor: this.actor, operation: 'read', path });
  }

  /**
   * The customer as this plugin may see it: `undefined` when it may not read the customer's kind; otherwise
   * {@link projectFields}.
   */
  projectCustomer(customer: Customer): PluginCustomer | undefined {
    if (!this.canReadEntity(customer.kind)) return undefined;
    return this.projectFields(customer);
  }

  /**
   * The customer's identity plus the readable golden fields (contact points, sources and display name only when
   * granted), whatever its kind. A display name that is only a contact point (a customer without any name) is shown
   * as `(unnamed)` to a plugin that may not read contact points.
   */
  projectFields(customer: Customer): PluginCustomer {
    if (this.fields.all) return customer;
    const out: Record<string, unknown> = {};
    for (const key of IDENTITY_FIELDS) if (customer[key] !== undefined) out[key] = customer[key];
    if (this.canReadField('displayName')) {
      out.displayName = visibleDisplayName(customer, this.canReadField('contactPoints'));
    }
    const fields: Record<string, GoldenField> = {};
    for (const [name, field] of Object.entries(customer.golden.fields))
      if (this.canReadField(name)) fields[name] = field;
    out.golden = {
      kind: customer.golden.kind,
      fields,
      contactPoints: this.canReadField('contactPoints') ? customer.golden.contactPoints : [],
      sources: this.canReadField('sources') ? customer.golden.sources : [],
    };
    return out as unknown as PluginCustomer;
  }

  /**
   * The names a plugin may match a customer by (`findCustomers({ name })`): its projected display name and the
   * readable name fields.
   */
  readableNames(customer: Customer): string[] {
    return readableNames(this.projectFields(customer));
  }

  /** May the plugin see this reference to a party? References by email or phone need `contactPoints`. */
  private canSeeRef(ref: unknown): boolean {
    return !isContactPointRef(ref) || this.canReadField('contactPoints');
  }

  /**
   * Record `attributes` as the plugin may see them: a key whose golden path (`attributes.<key>`) it may read is
   * kept whole; of a plugin namespace object, only the fields it may read (`attributes.<ns>.<field>`).
   */
  projectAttributes(attributes: Record<string, JsonValue>): Record<string, JsonValue> {
    if (this.fields.all) return attributes;
    const kept: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(attributes)) {
      if (this.canReadField(`attributes.${key}`)) kept[key] = value;
      else if (isPlainObject(value)) {
        const inner: Record<string, JsonValue> = {};
        for (const [field, v] of Object.entries(value))
          if (this.canReadField(`attributes.${key}.${field}`)) inner[field] = v;
        if (Object.keys(inner).length > 0) kept[key] = inner;
      }
    }
    return kept;
  }

  /**
   * The part of a namespace's value on a record the plugin cannot see: `undefined` when it sees all of it;
   * the hidden fields of a namespace object; the whole value otherwise.
   */
  hiddenAttribute(namespace: string, value: JsonValue | undefined): JsonValue | undefined {
    if (value === undefined || this.fields.all || this.canReadField(`attributes.${namespace}`)) return undefined;
    if (!isPlainObject(value)) return value;
    const hidden: Record<string, JsonValue> = {};
    for (const [field, v] of Object.entries(value))
      if (!this.canReadField(`attributes.${namespace}.${field}`)) hidden[field] = v;
    return Object.keys(hidden).length > 0 ? hidden : undefined;
  }

  /**
   * A record's `data` as this plugin may see it. Of a person or organization, each key shows only when the grant
   * reads its golden field (`birthDate`, `ownerId`, ...; `emails`, `phones`, `addresses`, `websites` and `socials`
   * need `contactPoints`; `organization.name` and `.role` need `organizationName` and `organizationRole`). Of an
   * interaction or opportunity, the core data shows with the entity grant, but references to parties by email or
   * phone (a participant's `ref`, the opportunity's `customer`) need `contactPoints`. `attributes` follow
   * {@link projectAttributes}. Unknown keys are hidden.
   */
  projectData(type: string, data: unknown): unknown {
    if (!isPlainObject(data) || this.fields.all) return data;
    const out: Record<string, unknown> = {};
    const party = PARTY_FIELDS[type];
    for (const [key, value] of Object.entries(data)) {
      if (key === 'attributes') {
        if (isPlainObject(value)) {
          const kept = this.projectAttributes(value);
          if (Object.keys(kept).length > 0) out.attributes = kept;
        }
      } else if (party) {
        if (CONTACT_KEYS.has(key)) {
          if (this.canReadField('contactPoints')) out[key] = value;
        } else if (key === 'organization' && type === 'person' && isPlainObject(value)) {
          const org: Record<string, unknown> = {};
          if (value.name !== undefined && this.canReadField('organizationName')) org.name = value.name;
          if (value.role !== undefined && this.canReadField('organizationRole')) org.role = value.role;
          if (value.ref !== undefined && this.canReadField('organizationName') && this.canSeeRef(value.ref))
            org.ref = value.ref;
          if (Object.keys(org).length > 0) out.organization = org;
        } else if (party.has(key) && this.canReadField(key)) out[key] = value;
      } else if (key === 'participants' && type === 'interaction' && Array.isArray(value)) {
        out.participants = value.map((participant) => {
          if (!isPlainObject(participant) || this.canSeeRef(participant.ref)) return participant;
          const { ref: _hidden, ...rest } = participant;
          return rest;
        });
      } else if (key === 'customer' && type === 'opportunity') {
        if (this.canSeeRef(value)) out.customer = value;
      } else if (ACTIVITY_KEYS[type]?.has(key)) out[key] = value;
    }
    return out;
  }

  /** An input record with its `data` projected to the grant ({@link projectData}); the envelope stays. */
  projectRecordInput<R extends { type?: unknown; data?: unknown }>(record: R): R {
    if (this.fields.all || record.data === undefined || record.data === null) return record;
    return { ...record, data: this.projectData(String(record.type), record.data) };
  }

  /**
   * A stored record as this plugin may see it: `undefined` when it may not read the type; otherwise the record
   * with its `data` projected ({@link projectData}), no match or blocking keys (they hold emails, phones, names and
   * dates), reference keys by record only (by email or phone with `contactPoints`), and a content hash of what
   * it sees (a hash of the whole record would confirm a guessed hidden value).
   */
  projectRecord(record: StoredRecord): StoredRecord | undefined {
    if (!this.canReadEntity(record.type)) return undefined;
    if (this.fields.all) return record;
    const data = record.data === null ? null : (this.projectData(record.type, record.data) as StoredRecord['data']);
    const contacts = this.canReadField('contactPoints');
    return {
      ...record,
      data,
      contentHash: hashString(
        stableStringify({ type: record.type, deleted: record.deleted, data } as unknown as JsonValue),
      ),
      matchKeys: [],
      blockKeys: [],
      refKeys: record.refKeys.filter((key) => {
        const kind = parseLookupKey(key)?.kind;
        return kind === 'rec' || (contacts && (kind === 'email' || kind === 'phone'));
      }),
    };
  }
}

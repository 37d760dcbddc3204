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
import { FieldPatterns } from '../field-patterns';

/** Fields of a customer every plugin sees: its identity. */
const IDENTITY_FIELDS = ['id', 'kind', 'status', 'mergedInto', 'createdAt', 'updatedAt', 'version'] as const;

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
   * identity plus the readable golden fields (and contact points, sources and display name only when granted).
   */
  projectCustomer(customer: Customer): PluginCustomer | undefined {
    if (!this.canReadEntity(customer.kind)) return undefined;
    if (this.fields.all) return customer;
    const out: Record<string, unknown> = {};
    for (const key of IDENTITY_FIELDS) if (customer[key] !== undefined) out[key] = customer[key];
    if (this.canReadField('displayName')) out.displayName = customer.displayName;
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

  /** An input record with only the readable plugin namespaces left in `data.attributes`. */
  projectRecordInput<R extends { data?: unknown }>(record: R): R {
    const attributes = (record.data as { attributes?: Record<string, JsonValue> } | undefined)?.attributes;
    if (!attributes || this.fields.all) return record;
    const kept: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(attributes))
      if (this.canReadField(`attributes.${key}`)) kept[key] = value;
    return { ...record, data: { ...(record.data as object), attributes: kept } };
  }

  /**
   * A stored record as this plugin may see it: `undefined` when it may not read the type; otherwise the record with
   * only the readable plugin namespaces left in `data.attributes` (core data of a readable type is visible).
   */
  projectRecord(record: StoredRecord): StoredRecord | undefined {
    if (!this.canReadEntity(record.type)) return undefined;
    const attributes = (record.data as { attributes?: Record<string, JsonValue> } | null)?.attributes;
    if (!attributes || this.fields.all) return record;
    const kept: Record<string, JsonValue> = {};
    let dropped = false;
    for (const [key, value] of Object.entries(attributes)) {
      if (this.canReadField(`attributes.${key}`)) kept[key] = value;
      else dropped = true;
    }
    if (!dropped) return record;
    return { ...record, data: { ...(record.data as object), attributes: kept } as StoredRecord['data'] };
  }
}

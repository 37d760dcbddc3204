/** Object store: objects per type, unique-value indexes, monotonic timestamps and change notifications. */
import { type AssociationChange, AssociationStore } from './associations';
import { HubspotHttpError, iso, notFound, propertyValuesError } from './http-util';
import { OBJECT_TYPES, type ObjectTypeInfo } from './object-types';
import type { PropertyRegistry } from './properties';
import type { HubspotObject } from './types';

/** A stored object. `props` holds written values (and `createdate`); computed ones are added on read. */
export interface StoredObject {
  id: number;
  type: ObjectTypeInfo;
  props: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  archivedAt?: number;
}

/** Who made a change: the API (`INTEGRATION`), the control API (`CRM_UI`) or a GDPR deletion. */
export type ChangeSource = 'INTEGRATION' | 'CRM_UI' | 'GDPR';

/** A change of the store, turned into webhook events. */
export type StoreChange =
  | { kind: 'creation'; object: StoredObject; at: number; source: ChangeSource; changed: string[] }
  | { kind: 'propertyChange'; object: StoredObject; at: number; source: ChangeSource; changed: string[] }
  | { kind: 'deletion' | 'restore' | 'privacyDeletion'; object: StoredObject; at: number; source: ChangeSource }
  | { kind: 'association'; change: AssociationChange; removed: boolean; at: number; source: ChangeSource };

/** Strictly increasing clock: every call returns max(now, last + 1). */
export class MonotonicClock {
  private last = 0;
  constructor(private readonly now: () => number) {}
  /** Next timestamp. */
  tick(): number {
    this.last = Math.max(this.now(), this.last + 1);
    return this.last;
  }
  /** Reserves `count` consecutive timestamps ending not after now (when possible); returns the first. */
  reserve(count: number): number {
    const first = Math.max(this.last + 1, this.now() - count);
    this.last = first + count - 1;
    return first;
  }
  /** The current time of the underlying clock. */
  wall(): number {
    return this.now();
  }
}

interface TypeTable {
  byId: Map<number, StoredObject>;
  /** Ids in creation order (ascending); hard-deleted ids are removed lazily. */
  order: number[];
  /** prop -> normalized value -> id (live objects only). */
  unique: Map<string, Map<string, number>>;
}

/** Objects of every type. */
export class ObjectStore {
  private readonly tables = new Map<string, TypeTable>();
  private nextId = 1001;
  readonly associations = new AssociationStore();
  /** Listener of changes (set by the sandbox). */
  onChange: (change: StoreChange) => void = () => {};
  /** Whether changes are reported (turned off during silent seeding). */
  emit = true;

  constructor(
    readonly properties: PropertyRegistry,
    readonly clock: MonotonicClock,
  ) {
    for (const type of OBJECT_TYPES) this.tables.set(type.name, { byId: new Map(), order: [], unique: new Map() });
  }

  private table(type: ObjectTypeInfo): TypeTable {
    return this.tables.get(type.name)!;
  }

  private report(change: StoreChange): void {
    if (this.emit) this.onChange(change);
  }

  /** Reads an object by id (live, or archived when `archived`). */
  get(type: ObjectTypeInfo, id: string | number, archived = false): StoredObject | undefined {
    const num = typeof id === 'number' ? id : /^\d+$/.test(id) ? Number(id) : Number.NaN;
    const obj = this.table(type).byId.get(num);
    if (!obj || (obj.archivedAt !== undefined) !== archived) return undefined;
    return obj;
  }

  /** Finds a live object by a unique property (or hs_object_id); archived ones when `archived`. */
  find(
    type: ObjectTypeInfo,
    idProperty: string | undefined,
    value: string,
    archived = false,
  ): StoredObject | undefined {
    if (!idProperty || idProperty === 'hs_object_id') return this.get(type, value, archived);
    const key = this.uniqueKey(type, idProperty, value);
    if (!archived) {
      const id = this.table(type).unique.get(idProperty)?.get(key);
      return id === undefined ? undefined : this.get(type, id);
    }
    for (const obj of this.table(type).byId.values()) {
      if (obj.archivedAt !== undefined && this.uniqueKey(type, idProperty, obj.props[idProperty] ?? '') === key) {
        return obj;
      }
    }
    return undefined;
  }

  private uniqueKey(type: ObjectTypeInfo, prop: string, value: string): string {
    return type.name === 'contacts' && prop === 'email' ? value.trim().toLowerCase() : value;
  }

  /** Objects of a type in id order, from the first id greater than `afterId`. */
  *iterate(type: ObjectTypeInfo, afterId = 0): Generator<StoredObject> {
    const t = this.table(type);
    const order = t.order;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((order[mid] ?? 0) <= afterId) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < order.length; i++) {
      const obj = t.byId.get(order[i]!);
      if (obj) yield obj;
    }
  }

  /** Count of stored objects of a type (live and archived). */
  size(type: ObjectTypeInfo): number {
    return this.table(type).byId.size;
  }

  /** Validates written values; throws a 400 naming invalid properties. */
  validate(type: ObjectTypeInfo, input: unknown): Record<string, string> {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new HubspotHttpError(400, 'VALIDATION_ERROR', 'Invalid input JSON: "properties" must be an object.');
    }
    const { values, failures } = this.properties.normalize(type, input as Record<string, unknown>);
    if (failures.length > 0) throw propertyValuesError(failures);
    return values;
  }

  /** Throws 409 when values collide with another live object's unique property (or with `taken`). */
  checkUnique(
    type: ObjectTypeInfo,
    values: Record<string, string>,
    selfId?: number,
    taken?: Map<string, Set<string>>,
  ): void {
    for (const prop of this.properties.uniqueProperties(type)) {
      const value = values[prop];
      if (value === undefined || value === '') continue;
      const key = this.uniqueKey(type, prop, value);
      const existing = this.table(type).unique.get(prop)?.get(key);
      const inBatch = taken?.get(prop)?.has(key) === true;
      if ((existing !== undefined && existing !== selfId) || inBatch) {
        const message =
          type.name === 'contacts' && prop === 'email'
            ? `Contact already exists. Existing ID: ${existing ?? ''}`
            : `A ${type.singular} with ${prop} "${value}" already exists. Existing ID: ${existing ?? ''}`;
        throw new HubspotHttpError(409, 'CONFLICT', message);
      }
      if (taken) {
        let set = taken.get(prop);
        if (!set) {
          set = new Set();
          taken.set(prop, set);
        }
        set.add(key);
      }
    }
  }

  private indexUnique(obj: StoredObject, add: boolean): void {
    const t = this.table(obj.type);
    for (const prop of this.properties.uniqueProperties(obj.type)) {
      const value = obj.props[prop];
      if (value === undefined || value === '') continue;
      let index = t.unique.get(prop);
      if (!index) {
        index = new Map();
        t.unique.set(prop, index);
      }
      const key = this.uniqueKey(obj.type, prop, value);
      if (add) index.set(key, obj.id);
      else if (index.get(key) === obj.id) index.delete(key);
    }
  }

  /** Rebuilds the unique index of one property (after it is defined as unique). */
  reindex(type: ObjectTypeInfo, prop: string): void {
    const t = this.table(type);
    const index = new Map<string, number>();
    for (const obj of t.byId.values()) {
      const value = obj.props[prop];
      if (obj.archivedAt === undefined && value !== undefined && value !== '') {
        index.set(this.uniqueKey(type, prop, value), obj.id);
      }
    }
    t.unique.set(prop, index);
  }

  /** Creates an object from validated values (uniqueness must have been checked). */
  create(type: ObjectTypeInfo, values: Record<string, string>, source: ChangeSource, at?: number): StoredObject {
    const now = at ?? this.clock.tick();
    const props: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) if (v !== '') props[k] = v;
    if (props.createdate === undefined) props.createdate = iso(now);
    const obj: StoredObject = { id: this.nextId++, type, props, createdAt: now, updatedAt: now };
    const t = this.table(type);
    t.byId.set(obj.id, obj);
    t.order.push(obj.id);
    this.indexUnique(obj, true);
    if (this.emit) this.report({ kind: 'creation', object: obj, at: now, source, changed: Object.keys(props) });
    return obj;
  }

  /** Applies validated values to a live object; returns the names of changed properties. */
  update(obj: StoredObject, values: Record<string, string>, source: ChangeSource): string[] {
    const changed = Object.entries(values).filter(([k, v]) => (obj.props[k] ?? '') !== v);
    if (changed.length === 0) return [];
    this.indexUnique(obj, false);
    for (const [k, v] of changed) {
      if (v === '') delete obj.props[k];
      else obj.props[k] = v;
    }
    this.indexUnique(obj, true);
    const now = this.clock.tick();
    obj.updatedAt = now;
    const names = changed.map(([k]) => k);
    this.report({ kind: 'propertyChange', object: obj, at: now, source, changed: names });
    return names;
  }

  /** Archives a live object and removes its associations. */
  archive(obj: StoredObject, source: ChangeSource): void {
    if (obj.archivedAt !== undefined) return;
    const now = this.clock.tick();
    this.indexUnique(obj, false);
    obj.archivedAt = now;
    obj.updatedAt = now;
    this.dropAssociations(obj, source, now);
    this.report({ kind: 'deletion', object: obj, at: now, source });
  }

  /** Restores an archived object (409 when a unique value is now taken). */
  restore(obj: StoredObject, source: ChangeSource): void {
    if (obj.archivedAt === undefined) return;
    this.checkUnique(obj.type, obj.props);
    const now = this.clock.tick();
    obj.archivedAt = undefined;
    obj.updatedAt = now;
    this.indexUnique(obj, true);
    this.report({ kind: 'restore', object: obj, at: now, source });
  }

  /** Permanently deletes an object (GDPR). */
  hardDelete(obj: StoredObject, source: ChangeSource): void {
    const now = this.clock.tick();
    const t = this.table(obj.type);
    if (obj.archivedAt === undefined) this.indexUnique(obj, false);
    t.byId.delete(obj.id);
    const index = t.order.indexOf(obj.id);
    if (index >= 0) t.order.splice(index, 1);
    this.associations.removeAll(obj.type.typeId, obj.id);
    this.report({ kind: 'privacyDeletion', object: obj, at: now, source });
  }

  private dropAssociations(obj: StoredObject, source: ChangeSource, at: number): void {
    for (const change of this.associations.removeAll(obj.type.typeId, obj.id)) {
      this.report({ kind: 'association', change, removed: true, at, source });
    }
  }

  /** Associates two live objects; 404 when one does not exist. */
  associate(from: StoredObject, to: StoredObject, typeId: number, source: ChangeSource): boolean {
    const changes = this.associations.add(from.type.typeId, from.id, to.type.typeId, to.id, typeId);
    if (changes.length > 0) {
      const at = this.clock.tick();
      for (const change of changes) this.report({ kind: 'association', change, removed: false, at, source });
    }
    return changes.length > 0;
  }

  /** Removes associations between two objects (all, or some type ids). */
  dissociate(from: StoredObject, to: StoredObject, source: ChangeSource, typeIds?: number[]): boolean {
    const changes = this.associations.remove(from.type.typeId, from.id, to.type.typeId, to.id, typeIds);
    if (changes.length > 0) {
      const at = this.clock.tick();
      for (const change of changes) this.report({ kind: 'association', change, removed: true, at, source });
    }
    return changes.length > 0;
  }

  /** Reads a live object or throws 404. */
  require(type: ObjectTypeInfo, id: string): StoredObject {
    const obj = this.get(type, id);
    if (!obj) throw notFound();
    return obj;
  }
}

/** All properties of an object including computed ones. */
export function allProperties(obj: StoredObject): Record<string, string> {
  return {
    ...obj.props,
    hs_object_id: String(obj.id),
    [obj.type.lastModifiedProperty]: iso(obj.updatedAt),
  };
}

/** The value of one property of an object (computed ones included), or undefined. */
export function propertyValue(obj: StoredObject, name: string): string | undefined {
  if (name === 'hs_object_id') return String(obj.id);
  if (name === obj.type.lastModifiedProperty) return iso(obj.updatedAt);
  return obj.props[name];
}

/** The control API's view of an object. */
export function toHubspotObject(obj: StoredObject): HubspotObject {
  const out: HubspotObject = {
    id: String(obj.id),
    objectType: obj.type.name,
    properties: allProperties(obj),
    createdAt: iso(obj.createdAt),
    updatedAt: iso(obj.updatedAt),
    archived: obj.archivedAt !== undefined,
  };
  if (obj.archivedAt !== undefined) out.archivedAt = iso(obj.archivedAt);
  return out;
}

import type { CustomerRow, FieldOverride, IdentityLink, PartyRecordType, StoredRecord } from '@crmkit/model';
import { contactPointsOf, deriveGolden, displayNameOf, type ExtensionFact } from '../golden/derive';
import { nameTokens, type NormalizePhoneOptions } from '../normalize';
import { contactKey, nameKey, parseLookupKey, recordRefKey } from '../runtime/lookup-keys';
import type { OperationContext } from '../runtime/operation-context';
import { compareStrings, jsonEqual } from '../runtime/stable';
import { publicCustomer } from '../runtime/customer-rows';

/** What {@link relink} did. */
export interface RelinkResult {
  /** Final customer id of every party record in play. */
  customerOf: Map<string, string>;
  /** Final home id of every party record in play. */
  homeOf: Map<string, string>;
  /** Customers that were merged away in this pass: from -> into. */
  merged: Map<string, string>;
  /** Customers that came back in this pass (split off): restored -> the customer they had been merged into. */
  restored: Map<string, string>;
  /** Status after this pass of every customer it read or wrote. */
  statusOf: Map<string, CustomerRow['status']>;
}

/**
 * Why customers are relinked; decides the `reason` of merge and split events. `identity`: a person accepted a
 * review item, removed an identity link or rejected a linked pair (`linkId` names the link).
 */
export interface RelinkReason {
  kind: 'ingest' | 'merge' | 'unmerge' | 'override' | 'identity';
  mergeId?: string;
  linkId?: string;
  actor?: string;
}

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let root = x;
    while (true) {
      const p = this.parent.get(root);
      if (p === undefined || p === root) break;
      root = p;
    }
    let node = x;
    while (node !== root) {
      const next = this.parent.get(node) ?? root;
      this.parent.set(node, root);
      node = next;
    }
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    // Deterministic: the smaller key becomes the root.
    if (ra < rb) this.parent.set(rb, ra);
    else this.parent.set(ra, rb);
  }
}

function byAge(a: CustomerRow, b: CustomerRow): number {
  return compareStrings(a.createdAt, b.createdAt) || compareStrings(a.id, b.id);
}

function firstSeen(a: StoredRecord, b: StoredRecord): number {
  return compareStrings(a.ingestedAt, b.ingestedAt) || compareStrings(a.key, b.key);
}

/** Lookup keys of a customer: its records, contact points and name tokens. */
function lookupKeysOf(records: readonly StoredRecord[], row: Pick<CustomerRow, 'golden' | 'displayName'>): string[] {
  const keys = new Set<string>();
  for (const record of records) keys.add(recordRefKey(record.key));
  addContactKeys(keys, row.golden.contactPoints);
  addNameKeys(keys, row);
  // The default sort orders strings by UTF-16 code units, as `compareStrings` does (without a call per comparison).
  return [...keys].sort();
}

/** Adds the `email:` and `phone:` lookup keys of contact points to `keys`. */
function addContactKeys(keys: Set<string>, points: readonly { kind: string; normalized: string }[]): void {
  for (const point of points) {
    if (point.kind === 'email' || point.kind === 'phone') keys.add(contactKey(point.kind, point.normalized));
  }
}

/** The golden fields whose values give `name:` lookup keys (besides the display name). */
const NAME_FIELDS = ['fullName', 'givenName', 'familyName', 'name', 'legalName'] as const;

/** Adds the `name:` lookup keys of a customer's display name and name fields to `keys`. */
function addNameKeys(keys: Set<string>, row: Pick<CustomerRow, 'golden' | 'displayName'>): void {
  // The display name is often one of the name fields: each distinct name is tokenised once.
  const names = new Set([row.displayName]);
  for (const field of NAME_FIELDS) {
    const value = row.golden.fields[field]?.value;
    if (typeof value === 'string') names.add(value);
  }
  for (const name of names) for (const token of nameTokens(name)) keys.add(nameKey(token));
}

/**
 * True when a customer's stored lookup keys or golden contact points were written by other normalisers than the
 * current ones (an upgrade changed how emails, phones or names are normalised): `hub.reindex()` recomputes such
 * customers even when their records' match keys did not change. Errs towards true (a recompute that changes
 * nothing writes nothing).
 */
export function lookupKeysStale(
  row: Pick<CustomerRow, 'golden' | 'displayName' | 'lookupKeys'>,
  records: readonly StoredRecord[],
  phone: NormalizePhoneOptions,
): boolean {
  const expected = new Set<string>();
  for (const record of records) addContactKeys(expected, contactPointsOf(record, phone));
  addNameKeys(expected, row);
  const stored = new Set<string>();
  addContactKeys(stored, row.golden.contactPoints);
  for (const key of row.lookupKeys) {
    const kind = parseLookupKey(key)?.kind;
    if (kind === 'email' || kind === 'phone' || kind === 'name') stored.add(key);
  }
  if (expected.size !== stored.size) return true;
  for (const key of expected) if (!stored.has(key)) return true;
  return false;
}

/**
 * Recomputes the customers around a change. Loads every live party record of the seed customers and of any
 * customer a changed record now shares a match key or an identity link with, links them into connected components
 * (shared match keys, record-to-record identity links and manual merge links), gives each component a customer id (the oldest customer whose records it holds), derives
 * golden records, and stores records, customers and events.
 *
 * Invariant kept: every active customer is exactly one connected component of its records.
 */
export async function relink(
  ctx: OperationContext,
  seedCustomerIds: Iterable<string>,
  changed: ReadonlyMap<string, StoredRecord>,
  reason: RelinkReason,
): Promise<RelinkResult> {
  const { tx } = ctx;
  const working = new Map<string, StoredRecord>();
  const loaded = new Set<string>();
  let pendingCustomers = [...new Set(seedCustomerIds)];
  let pendingKeys = [...new Set([...changed.values()].filter((r) => !r.deleted).flatMap((r) => r.matchKeys))];
  const searchedKeys = new Set<string>();

  // Records keep their home id while they are tombstoned or unlinked; the customer holding that home must be in
  // play too, or two components could claim one id.
  const loadedHomes = new Set<string>();
  let pendingHomes = [...changed.values()].flatMap((r) => (r.homeId && !r.deleted ? [r.homeId] : []));
  // Identity links of every record in play are followed to the records at their other end.
  const identityLinks = new Map<string, IdentityLink>();
  const linkedKeys = new Set<string>();
  let pendingLinkKeys = [...changed.values()].filter((r) => !r.deleted).map((r) => r.key);
  // Customer rows read on the way (this transaction writes none of them before the end): not read twice.
  const readRows = new Map<string, CustomerRow>();
  const readIds = new Set<string>();
  const addWorking = (record: StoredRecord): void => {
    if (changed.has(record.key)) return;
    working.set(record.key, record);
    if (record.homeId && !loadedHomes.has(record.homeId)) pendingHomes.push(record.homeId);
    if (!linkedKeys.has(record.key)) pendingLinkKeys.push(record.key);
  };

  while (
    pendingCustomers.length > 0 ||
    pendingKeys.length > 0 ||
    pendingHomes.length > 0 ||
    pendingLinkKeys.length > 0
  ) {
    const customers = pendingCustomers.filter((id) => !loaded.has(id));
    pendingCustomers = [];
    for (const id of customers) loaded.add(id);
    if (customers.length > 0) {
      for (const record of await tx.listRecordsByCustomer(customers)) addWorking(record);
    }
    const keys = pendingKeys.filter((k) => !searchedKeys.has(k));
    pendingKeys = [];
    for (const key of keys) searchedKeys.add(key);
    if (keys.length > 0) {
      for (const record of await tx.findRecordsByMatchKeys(keys)) {
        if (record.customerId && !loaded.has(record.customerId)) pendingCustomers.push(record.customerId);
        else if (!record.customerId) addWorking(record);
      }
    }
    const linkKeys = [...new Set(pendingLinkKeys)].filter((k) => !linkedKeys.has(k));
    pendingLinkKeys = [];
    for (const key of linkKeys) linkedKeys.add(key);
    if (linkKeys.length > 0) {
      const ends = new Set<string>();
      for (const link of await tx.listIdentityLinks(linkKeys)) {
        identityLinks.set(link.id, link);
        for (const end of [link.a, link.b]) if (!working.has(end) && !changed.has(end)) ends.add(end);
      }
      if (ends.size > 0) {
        for (const record of await tx.getRecords([...ends])) {
          // Links of deleted records lead nowhere.
          if (record.deleted || (record.type !== 'person' && record.type !== 'organization')) continue;
          if (record.customerId && !loaded.has(record.customerId)) pendingCustomers.push(record.customerId);
          else if (!record.customerId) addWorking(record);
        }
      }
    }
    let homes = [...new Set(pendingHomes)].filter((h) => !loadedHomes.has(h));
    pendingHomes = [];
    for (let hop = 0; homes.length > 0 && hop < 64; hop++) {
      for (const home of homes) {
        loadedHomes.add(home);
        readIds.add(home);
      }
      const next: string[] = [];
      for (const row of await tx.getCustomers(homes)) {
        readRows.set(row.id, row);
        if (row.status === 'merged' && row.mergedInto) next.push(row.mergedInto);
        else if (row.status === 'active' && !loaded.has(row.id)) pendingCustomers.push(row.id);
      }
      homes = next.filter((h) => !loadedHomes.has(h));
    }
  }
  for (const record of changed.values()) {
    if (!record.deleted && (record.type === 'person' || record.type === 'organization'))
      working.set(record.key, record);
  }

  // Union-find over shared match keys and manual merge links.
  const uf = new UnionFind();
  const byMatchKey = new Map<string, string>();
  const byHome = new Map<string, StoredRecord[]>();
  for (const record of working.values()) {
    uf.find(record.key);
    for (const key of record.matchKeys) {
      const other = byMatchKey.get(key);
      if (other === undefined) byMatchKey.set(key, record.key);
      else uf.union(other, record.key);
    }
    if (record.homeId) {
      const list = byHome.get(record.homeId) ?? [];
      list.push(record);
      byHome.set(record.homeId, list);
    }
  }
  for (const link of identityLinks.values()) {
    const a = working.get(link.a);
    const b = working.get(link.b);
    if (a && b && a.type === b.type) uf.union(a.key, b.key);
  }
  for (const list of byHome.values()) list.sort(firstSeen);
  const links = byHome.size > 0 ? await tx.listMergeLinks([...byHome.keys()]) : [];
  for (const link of links) {
    const a = byHome.get(link.a);
    const b = byHome.get(link.b);
    if (!a || !b) continue;
    for (const record of [...a, ...b]) uf.union(a[0]!.key, record.key);
  }

  const components = new Map<string, StoredRecord[]>();
  for (const record of working.values()) {
    const root = uf.find(record.key);
    const list = components.get(root) ?? [];
    list.push(record);
    components.set(root, list);
  }
  const ordered = [...components.entries()].sort(([a], [b]) => compareStrings(a, b));

  const rows = new Map<string, CustomerRow>();
  const wanted = [...new Set([...loaded, ...byHome.keys()])];
  const unread = wanted.filter((id) => !readIds.has(id));
  for (const id of wanted) {
    const row = readRows.get(id);
    if (row) rows.set(id, row);
  }
  if (unread.length > 0) for (const row of await tx.getCustomers(unread)) rows.set(row.id, row);

  // A home belongs to the component holding its first-seen record.
  const ownerOfHome = new Map<string, string>();
  for (const [home, list] of byHome) ownerOfHome.set(home, uf.find(list[0]!.key));

  const result: RelinkResult = {
    customerOf: new Map(),
    homeOf: new Map(),
    merged: new Map(),
    restored: new Map(),
    statusOf: new Map(),
  };
  const chosenIds = new Set<string>();
  const componentOfId = new Map<string, string>();
  const chosenFor = new Map<string, string>();

  for (const [root, records] of ordered) {
    const eligible = [...new Set(records.map((r) => r.homeId).filter((h): h is string => h !== null))]
      .filter((home) => ownerOfHome.get(home) === root && rows.has(home))
      .map((home) => rows.get(home)!)
      .sort(byAge);
    const id = eligible[0]?.id ?? ctx.newId('cus');
    chosenIds.add(id);
    componentOfId.set(id, root);
    chosenFor.set(root, id);
  }

  const allOverrides = await tx.getOverrides([...new Set([...rows.keys(), ...chosenIds])]);
  const allExtensions = ctx.settings.namespaces?.size
    ? await tx.getExtensions('customer', [...new Set([...rows.keys(), ...chosenIds])])
    : [];
  const recordsToPut: StoredRecord[] = [];
  const rowsToPut: CustomerRow[] = [];

  for (const [root, records] of ordered) {
    const id = chosenFor.get(root)!;
    for (const record of records) {
      const home = record.homeId && ownerOfHome.get(record.homeId) === root ? record.homeId : id;
      result.customerOf.set(record.key, id);
      result.homeOf.set(record.key, home);
      const stored = changed.get(record.key);
      if (stored || record.customerId !== id || record.homeId !== home) {
        recordsToPut.push({ ...record, customerId: id, homeId: home });
      }
    }
    const kind = records[0]!.type as PartyRecordType;
    const prev = rows.get(id);
    const homesInComponent = [...new Set(records.map((r) => result.homeOf.get(r.key)!))]
      .map((home) => rows.get(home))
      .filter((row): row is CustomerRow => row !== undefined && row.id !== id)
      .sort(byAge)
      .map((row) => row.id);
    const precedence = [id, ...homesInComponent];
    const overrides: FieldOverride[] = precedence.flatMap((cid) => allOverrides.filter((o) => o.customerId === cid));
    const extensions: ExtensionFact[] = [];
    for (const cid of precedence) {
      for (const row of allExtensions) {
        if (row.entityId !== cid) continue;
        for (const [field, entry] of Object.entries(row.fields)) {
          extensions.push({
            customerId: cid,
            namespace: row.namespace,
            field,
            value: entry.value,
            at: entry.at,
            ...(entry.actor ? { actor: entry.actor } : {}),
          });
        }
      }
    }
    const golden = deriveGolden(kind, records, {
      ...(ctx.settings.namespaces?.size ? { namespaces: ctx.settings.namespaces, extensions } : {}),
      ...(ctx.settings.survivorship ? { survivorship: ctx.settings.survivorship } : {}),
      ...(ctx.settings.departments ? { departments: ctx.settings.departments } : {}),
      ...(ctx.settings.defaultCountry ? { defaultCountry: ctx.settings.defaultCountry } : {}),
      overrides,
    });
    const displayName = displayNameOf(golden);
    const base = { golden, displayName };
    const lookupKeys = lookupKeysOf(records, base);
    if (!prev) {
      const row: CustomerRow = {
        id,
        kind,
        status: 'active',
        displayName,
        createdAt: ctx.now,
        updatedAt: ctx.now,
        version: 1,
        golden,
        lookupKeys,
      };
      rowsToPut.push(row);
      ctx.emit('customer.created', { customer: publicCustomer(row) });
      continue;
    }
    const goldenChanged = !jsonEqual(prev.golden, golden);
    const statusChanged = prev.status !== 'active';
    const keysChanged = !sameStrings(prev.lookupKeys, lookupKeys);
    if (!goldenChanged && !statusChanged && !keysChanged) continue;
    const { mergedInto: formerTarget, ...rest } = prev;
    const row: CustomerRow = {
      ...rest,
      kind,
      status: 'active',
      displayName,
      golden,
      lookupKeys,
      updatedAt: goldenChanged || statusChanged ? ctx.now : prev.updatedAt,
      version: goldenChanged || statusChanged ? prev.version + 1 : prev.version,
    };
    rowsToPut.push(row);
    if (prev.status === 'merged') {
      const splitReason = reason.kind === 'unmerge' ? 'unmerge' : reason.kind === 'identity' ? 'identity' : 'relink';
      result.restored.set(id, formerTarget ?? id);
      ctx.emit('customer.split', {
        from: formerTarget ?? id,
        restored: id,
        reason: splitReason,
        ...(reason.mergeId ? { mergeId: reason.mergeId } : {}),
        ...(reason.linkId ? { linkId: reason.linkId } : {}),
      });
      if (reason.kind !== 'unmerge' && reason.kind !== 'identity') {
        ctx.journal.push({
          id: ctx.newId('jrn'),
          at: ctx.now,
          kind: 'split',
          customerIds: [id, formerTarget ?? id],
          data: { from: formerTarget ?? id, restored: id, reason: splitReason },
          ...(reason.actor ? { actor: reason.actor } : {}),
        });
      }
    } else if (prev.status === 'deleted') {
      ctx.emit('customer.created', { customer: publicCustomer(row) });
    }
    if (goldenChanged && prev.status === 'active') {
      ctx.emit('customer.updated', { customer: publicCustomer(row), changedFields: changedFields(prev, row) });
    }
  }

  // Customers that hold no component any more: merged into the component holding their home, or deleted.
  // The first record in play (in load order) that a customer held, built once when the first such customer comes.
  let firstRecordOf: Map<string, StoredRecord> | undefined;
  for (const row of [...rows.values()].sort(byAge)) {
    if (chosenIds.has(row.id)) continue;
    const ownerRoot = ownerOfHome.get(row.id);
    const into = ownerRoot ? chosenFor.get(ownerRoot) : undefined;
    if (!firstRecordOf) {
      firstRecordOf = new Map();
      for (const record of working.values()) {
        if (record.customerId !== null && !firstRecordOf.has(record.customerId))
          firstRecordOf.set(record.customerId, record);
      }
    }
    const fallback = firstRecordOf.get(row.id);
    const target = into ?? (fallback ? result.customerOf.get(fallback.key) : undefined);
    if (target) {
      if (row.status === 'merged' && row.mergedInto === target) continue;
      const wasActive = row.status === 'active';
      rowsToPut.push({
        ...row,
        status: 'merged',
        mergedInto: target,
        lookupKeys: [],
        updatedAt: ctx.now,
        version: row.version + 1,
      });
      if (wasActive) {
        result.merged.set(row.id, target);
        const mergeReason = reason.kind === 'merge' ? 'manual' : reason.kind === 'identity' ? 'identity' : 'auto';
        ctx.emit('customer.merged', {
          into: target,
          from: row.id,
          reason: mergeReason,
          ...(reason.mergeId ? { mergeId: reason.mergeId } : {}),
          ...(reason.linkId ? { linkId: reason.linkId } : {}),
        });
        if (mergeReason === 'auto') {
          ctx.journal.push({
            id: ctx.newId('jrn'),
            at: ctx.now,
            kind: 'auto-merge',
            customerIds: [target, row.id],
            data: { into: target, from: row.id },
          });
        }
      }
    } else if (row.status !== 'deleted' && loaded.has(row.id)) {
      const { mergedInto: _ignored, ...rest } = row;
      rowsToPut.push({ ...rest, status: 'deleted', lookupKeys: [], updatedAt: ctx.now, version: row.version + 1 });
      ctx.emit('customer.deleted', { customerId: row.id });
    }
  }

  // Tombstones and other changed records outside the components are stored as they are.
  for (const record of changed.values()) {
    if (!result.customerOf.has(record.key)) recordsToPut.push({ ...record, customerId: null });
  }
  if (recordsToPut.length > 0) await tx.putRecords(recordsToPut);
  if (rowsToPut.length > 0) await tx.putCustomers(rowsToPut);
  for (const row of rows.values()) result.statusOf.set(row.id, row.status);
  for (const row of rowsToPut) result.statusOf.set(row.id, row.status);
  return result;
}

/** True when two string lists hold the same strings in the same order. */
function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function changedFields(prev: CustomerRow, next: CustomerRow): string[] {
  const before = prev.golden.fields;
  const after = next.golden.fields;
  const out: string[] = [];
  for (const name of Object.keys(before)) if (!jsonEqual(before[name], after[name])) out.push(name);
  for (const name of Object.keys(after)) {
    if (!Object.hasOwn(before, name) && !jsonEqual(before[name], after[name])) out.push(name);
  }
  if (!jsonEqual(prev.golden.contactPoints, next.golden.contactPoints)) out.push('contactPoints');
  if (!jsonEqual(prev.golden.sources, next.golden.sources)) out.push('sources');
  return out.sort(compareStrings);
}

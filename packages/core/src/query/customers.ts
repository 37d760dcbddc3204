/**
 * Reading customers: by id (following merges), by email, phone, source record or name, a page at a time, and the
 * central view of one customer; the journal and the outbox.
 *
 * @module
 */
import {
  type AbortSignalLike,
  type Customer,
  InvalidArgumentError,
  type InteractionData,
  NotFoundError,
  type OpportunityData,
  type PartyRecordType,
  type StoredRecord,
} from '@crmkit/model';
import type { Hub } from '../api/hub';
import type { FindQuery } from '../api/options';
import type { ActivityView } from '../api/results';
import { recordKey } from '../identity/resolver';
import { nameTokens, normalizeEmail, normalizePhone } from '../normalize';
import { checkLimit, publicCustomer, resolveActive } from '../runtime/customer-rows';
import type { HubRuntime } from '../runtime/hub-runtime';
import { contactKey, nameKey, recordRefKey, referenceKeysOf } from '../runtime/lookup-keys';
import { compareStrings } from '../runtime/stable';
import { decodeCursor, encodeCursor } from './cursors';
import { isGroupMember } from './groups';

/** Customer reads as the Hub's modules use them. */
export interface Customers extends Pick<Hub, 'get' | 'find' | 'list' | 'view' | 'journal' | 'outbox'> {
  /**
   * The customers matching a `find()` query among the first `scan` customers (by id) carrying its first lookup key;
   * `complete` when there were no more. The scoped Hub and plugins widen `scan` until enough of them are visible.
   */
  findCandidates(
    query: FindQuery,
    scan: number,
    signal?: AbortSignalLike,
  ): Promise<{ customers: Customer[]; complete: boolean }>;
  /** Every live record of a customer: its party records and the records that refer to it. */
  recordsOfCustomer(customerId: string): Promise<StoredRecord[]>;
}

/** The lookup keys of a `find()` query, and its name tokens (every one must match). */
function findKeys(query: FindQuery, defaultCountry: string | undefined): { keys: string[]; tokens: string[] } {
  if (query && 'email' in query && typeof query.email === 'string') {
    const email = normalizeEmail(query.email);
    return { keys: email ? [contactKey('email', email)] : [], tokens: [] };
  }
  if (query && 'phone' in query && typeof query.phone === 'string') {
    const phone = normalizePhone(query.phone, defaultCountry ? { defaultCountry } : {});
    return { keys: phone ? [contactKey('phone', phone)] : [], tokens: [] };
  }
  if (query && 'externalId' in query && typeof query.externalId === 'string' && typeof query.source === 'string') {
    const types: PartyRecordType[] = query.type ? [query.type] : ['person', 'organization'];
    return {
      keys: types.map((type) => recordRefKey(recordKey({ source: query.source, type, externalId: query.externalId }))),
      tokens: [],
    };
  }
  if (query && 'name' in query && typeof query.name === 'string') {
    const tokens = nameTokens(query.name);
    return { keys: tokens.length > 0 ? [nameKey(tokens[0]!)] : [], tokens };
  }
  throw new InvalidArgumentError({
    argument: 'query',
    message: '[crmkit/core] find() takes { email }, { phone }, { source, externalId } or { name }.',
  });
}

/** Creates the customer reads of a Hub. */
export function createCustomers(rt: HubRuntime): Customers {
  /**
   * The customers matching a `find()` query among the first `scan` customers (by id) carrying its first lookup key;
   * `complete` when there were no more. The scoped Hub widens `scan` until enough of them are visible.
   */
  async function findCandidates(
    query: FindQuery,
    scan: number,
    signal?: AbortSignalLike,
  ): Promise<{ customers: Customer[]; complete: boolean }> {
    const { keys, tokens } = findKeys(query, rt.settings.defaultCountry);
    if (keys.length === 0) return { customers: [], complete: true };
    return rt.read(signal, async (tx) => {
      const rows = await tx.findCustomersByLookupKeys(keys, scan);
      return {
        customers: rows
          .filter((row) => tokens.every((token) => row.lookupKeys.includes(nameKey(token))))
          .map(publicCustomer),
        complete: rows.length < scan,
      };
    });
  }

  /** Every live record of a customer: its party records and the records that refer to it. */
  async function recordsOfCustomer(customerId: string): Promise<StoredRecord[]> {
    return rt.read(undefined, async (tx) => {
      const row = await resolveActive(tx, customerId);
      if (row?.status !== 'active') return [];
      const own = await tx.listRecordsByCustomer([row.id]);
      const refKeys = referenceKeysOf(row.lookupKeys);
      const referring = refKeys.length > 0 ? await tx.findRecordsByRefKeys(refKeys) : [];
      const seen = new Set<string>();
      return [...own, ...referring].filter((r) => !seen.has(r.key) && seen.add(r.key) && !r.deleted);
    });
  }

  return {
    findCandidates,
    recordsOfCustomer,
    async get(id, callOptions = {}) {
      return rt.read(callOptions.signal, async (tx) => {
        if (callOptions.followMerges === false) {
          const [row] = await tx.getCustomers([id]);
          return row ? publicCustomer(row) : undefined;
        }
        const row = await resolveActive(tx, id);
        return row ? publicCustomer(row) : undefined;
      });
    },

    async find(query, callOptions = {}) {
      const limit = checkLimit(callOptions.limit, 50);
      const { tokens } = findKeys(query, rt.settings.defaultCountry);
      const { customers } = await findCandidates(query, tokens.length > 1 ? 10_000 : limit, callOptions.signal);
      return customers.slice(0, limit);
    },

    async list(callOptions = {}) {
      const limit = checkLimit(callOptions.limit, 50);
      const after = callOptions.cursor === undefined ? undefined : decodeCursor(callOptions.cursor);
      return rt.read(callOptions.signal, async (tx) => {
        const rows = await tx.listCustomers({
          limit: limit + 1,
          status: callOptions.status ?? 'active',
          ...(after === undefined ? {} : { after }),
        });
        const items = rows.slice(0, limit).map(publicCustomer);
        const last = items[items.length - 1];
        return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.id) } : { items };
      });
    },

    async view(id, callOptions = {}) {
      return rt.read(callOptions.signal, async (tx) => {
        const row = await resolveActive(tx, id);
        if (row?.status !== 'active') throw new NotFoundError({ entity: 'customer', id });
        const refKeys = referenceKeysOf(row.lookupKeys);
        const toView = <T>(record: StoredRecord): ActivityView<T> => ({
          key: record.key,
          source: { system: record.source, externalId: record.externalId, observedAt: record.observedAt },
          data: record.data as T,
        });
        // One read for everything that refers to the customer (interactions, opportunities, people of an
        // organisation), the groups, and a person's own records (for their organisations): issued together, so a
        // driver with a connection queue sends each statement as soon as the one before is answered.
        const [referring, allGroups, own] = await Promise.all([
          refKeys.length > 0 ? tx.findRecordsByRefKeys(refKeys) : [],
          tx.getGroups(),
          row.kind === 'person' ? tx.listRecordsByCustomer([row.id]) : [],
        ]);
        const interactions = referring
          .filter((r) => r.type === 'interaction')
          .map((r) => toView<InteractionData>(r))
          .sort((a, b) => compareStrings(b.data.occurredAt, a.data.occurredAt) || compareStrings(a.key, b.key));
        const opportunities = referring
          .filter((r) => r.type === 'opportunity')
          .map((r) => toView<OpportunityData>(r))
          .sort(
            (a, b) =>
              compareStrings(a.data.closeDate ?? '9999', b.data.closeDate ?? '9999') || compareStrings(a.key, b.key),
          );
        const customer = publicCustomer(row);
        const groups = allGroups.filter((group) => isGroupMember(group, customer));
        let related: Customer[];
        if (row.kind === 'person') {
          const orgKeys = [...new Set(own.flatMap((r) => r.refKeys))];
          related =
            orgKeys.length > 0
              ? (await tx.findCustomersByLookupKeys(orgKeys, 100))
                  .filter((c) => c.kind === 'organization')
                  .map(publicCustomer)
              : [];
        } else {
          const people = referring.filter((r) => r.type === 'person');
          const ids = [...new Set(people.map((p) => p.customerId).filter((c): c is string => c !== null))];
          related =
            ids.length > 0 ? (await tx.getCustomers(ids)).filter((c) => c.status === 'active').map(publicCustomer) : [];
        }
        return {
          customer,
          ...(row.id !== id ? { redirectedFrom: id } : {}),
          interactions,
          opportunities,
          groups,
          related: related.sort((a, b) => compareStrings(a.id, b.id)),
        };
      });
    },

    async journal(callOptions = {}) {
      const limit = checkLimit(callOptions.limit, 100, 10_000);
      return rt.read(callOptions.signal, (tx) =>
        tx.listJournal({ limit, ...(callOptions.customerId ? { customerId: callOptions.customerId } : {}) }),
      );
    },

    async outbox(callOptions = {}) {
      const limit = checkLimit(callOptions.limit, 100, 10_000);
      return rt.read(callOptions.signal, (tx) =>
        tx.listOutbox({ limit, ...(callOptions.after === undefined ? {} : { after: callOptions.after }) }),
      );
    },
  };
}

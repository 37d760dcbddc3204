/**
 * `reindex()`: derives the identity keys of every stored live party record again with the current resolver, and
 * takes the records whose keys changed through the identity path, one transaction per batch.
 *
 * @module
 */
import { InvalidArgumentError, type StoredRecord, throwIfAborted } from '@crmkit/model';
import type { Hub } from '../api/hub';
import type { ReindexResult } from '../api/results';
import { updateIdentity } from '../identity/links';
import { lookupKeysStale } from '../identity/relink';
import { type IdentityResolver, rekeyRecord } from '../identity/resolver';
import type { HubRuntime } from '../runtime/hub-runtime';
import type { OperationContext } from '../runtime/operation-context';
import { compareStrings } from '../runtime/stable';
import { PARTY_TYPES } from './ingest';

/**
 * One batch of `reindex()`: first the records an earlier batch moved, unchecked, into a customer the cursor had
 * passed (`revisit`), then the records of active customers after `cursor` in id order, about `batchSize` of them;
 * re-keys the records whose derived keys changed and takes them through {@link updateIdentity}. A relink can move
 * records of a customer not reached yet into one already passed: those whose keys are stale are returned as the
 * next `revisit`.
 */
async function reindexBatch(
  ctx: OperationContext,
  identity: IdentityResolver,
  input: { cursor: string | undefined; revisit: readonly string[]; batchSize: number; actor?: string },
): Promise<{
  records: number;
  rekeyed: number;
  links: number;
  unlinks: number;
  reviews: number;
  cursor: string | undefined;
  revisit: string[];
  done: boolean;
}> {
  const { tx } = ctx;
  const { batchSize } = input;
  const records: StoredRecord[] = input.revisit.length > 0 ? await tx.getRecords(input.revisit) : [];
  const page = await tx.listCustomers({
    status: 'active',
    limit: batchSize,
    ...(input.cursor === undefined ? {} : { after: input.cursor }),
  });
  let cursor = input.cursor;
  let taken = 0;
  const staleCustomers: string[] = [];
  const phone = ctx.settings.defaultCountry ? { defaultCountry: ctx.settings.defaultCountry } : {};
  if (page.length > 0) {
    const byCustomer = new Map<string, StoredRecord[]>();
    for (const record of await tx.listRecordsByCustomer(page.map((row) => row.id))) {
      const list = byCustomer.get(record.customerId!) ?? [];
      list.push(record);
      byCustomer.set(record.customerId!, list);
    }
    for (const row of page) {
      const own = byCustomer.get(row.id) ?? [];
      if (taken > 0 && records.length + own.length > batchSize) break;
      records.push(...own);
      // Keys written by older normalisers (an upgrade) are recomputed even where the match keys did not change.
      if (lookupKeysStale(row, own, phone)) staleCustomers.push(row.id);
      cursor = row.id;
      taken++;
    }
  }
  const exhausted = page.length < batchSize && taken === page.length;

  const checked = new Set<string>();
  const changedParty = new Map<string, StoredRecord>();
  const seeds = new Set<string>(staleCustomers);
  for (const record of records) {
    if (checked.has(record.key) || record.deleted || !PARTY_TYPES.has(record.type)) continue;
    checked.add(record.key);
    const fresh = rekeyRecord(record, identity);
    if (!fresh) continue;
    changedParty.set(record.key, fresh);
    if (record.customerId) seeds.add(record.customerId);
  }
  const result = {
    records: checked.size,
    rekeyed: changedParty.size,
    links: 0,
    unlinks: 0,
    reviews: 0,
    cursor,
    revisit: [] as string[],
    done: false,
  };
  if (changedParty.size > 0 || seeds.size > 0) {
    const update = await updateIdentity(ctx, identity, changedParty, seeds, {
      trigger: 'reindex',
      ...(input.actor ? { actor: input.actor } : {}),
    });
    result.links = update.autoLinks.added.length;
    result.unlinks = update.autoLinks.removed.length;
    result.reviews = update.reviews;
    // Records this batch did not check that now sit in a customer the cursor has passed: the stale ones among
    // them are checked in the next batch.
    const passed = [...(update.relinked?.customerOf ?? [])]
      .filter(
        ([key, customerId]) => !checked.has(key) && cursor !== undefined && compareStrings(customerId, cursor) <= 0,
      )
      .map(([key]) => key);
    if (passed.length > 0) {
      result.revisit = (await tx.getRecords(passed))
        .filter((record) => !record.deleted && rekeyRecord(record, identity) !== undefined)
        .map((record) => record.key)
        .sort(compareStrings);
    }
  }
  result.done = exhausted && result.revisit.length === 0;
  return result;
}

/** Creates `hub.reindex()`. */
export function createReindex(rt: HubRuntime): Pick<Hub, 'reindex'> {
  return {
    async reindex(callOptions = {}) {
      rt.ensureOpen();
      const batchSize = callOptions.batchSize ?? 200;
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > rt.options.maxBatchSize) {
        throw new InvalidArgumentError({
          argument: 'batchSize',
          message: `[crmkit/core] "batchSize" must be an integer from 1 to ${rt.options.maxBatchSize}; got ${String(callOptions.batchSize)}.`,
        });
      }
      const { signal, onProgress, actor } = callOptions;
      const totals: ReindexResult = { records: 0, rekeyed: 0, links: 0, unlinks: 0, reviews: 0 };
      let cursor: string | undefined;
      let revisit: string[] = [];
      while (true) {
        throwIfAborted(signal);
        // The batch function may run again when the store retries a transaction: it only reads `cursor`/`revisit`.
        const batch = await rt.write(signal, (ctx) =>
          reindexBatch(ctx, rt.identity, { cursor, revisit, batchSize, ...(actor ? { actor } : {}) }),
        );
        totals.records += batch.records;
        totals.rekeyed += batch.rekeyed;
        totals.links += batch.links;
        totals.unlinks += batch.unlinks;
        totals.reviews += batch.reviews;
        cursor = batch.cursor;
        revisit = batch.revisit;
        onProgress?.({ records: totals.records, rekeyed: totals.rekeyed });
        if (batch.done) return totals;
      }
    },
  };
}

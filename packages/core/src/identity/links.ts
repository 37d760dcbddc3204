/**
 * Probabilistic identity links in the Hub: recomputing the automatic record-to-record links of new and changed
 * party records, proposing review items for uncertain pairs, and the helpers the review and unlink operations share.
 * Internal to `@crmkit/core`.
 *
 * @module
 */
import type { IdentityLink, JsonValue, ReviewItem, StoredRecord } from '@crmkit/model';
import type { PairScore } from '@crmkit/identity';
import type { IdentityResolver, LivePartyRecord } from './resolver';
import type { OperationContext } from '../runtime/operation-context';
import { type RelinkResult, relink } from './relink';
import { compareStrings, stableStringify } from '../runtime/stable';

/** Default of {@link IdentityResolver.maxCandidates}. */
export const DEFAULT_MAX_CANDIDATES = 50;
/** Default of {@link IdentityResolver.maxBlockSize}. */
export const DEFAULT_MAX_BLOCK_SIZE = 250;

/** The two record keys of a pair in order, and its pair key `${a}|${b}`. */
export function pairOf(x: string, y: string): { a: string; b: string; pairKey: string } {
  const [a, b] = compareStrings(x, y) <= 0 ? [x, y] : [y, x];
  return { a, b, pairKey: `${a}|${b}` };
}

/** A JSON copy of a value: non-finite numbers become `null` (as every store would turn them into). */
function jsonSafe(value: unknown): JsonValue {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (item !== undefined) out[key] = jsonSafe(item);
    }
    return out;
  }
  return null;
}

/** The explanation kept with a link or review item: weight, band, per-field contributions, rule and guard. */
export function explanationOf(score: PairScore): JsonValue {
  return jsonSafe({
    weight: score.weight,
    band: score.band,
    contributions: score.contributions,
    ...(score.rule === undefined ? {} : { rule: score.rule }),
    ...(score.guard === undefined ? {} : { guard: score.guard }),
  });
}

/** The live source record a stored party record holds (same data object, so a matcher's cache hits). */
export function liveParty(record: StoredRecord): LivePartyRecord | undefined {
  if (record.deleted || record.data === null || (record.type !== 'person' && record.type !== 'organization'))
    return undefined;
  return {
    type: record.type,
    source: record.source,
    externalId: record.externalId,
    observedAt: record.observedAt,
    deleted: false,
    data: record.data,
  } as LivePartyRecord;
}

/** A pair the matcher was unsure about, to become a review item once the customers are known. */
export interface ReviewProposal {
  a: string;
  b: string;
  pairKey: string;
  probability: number;
  explanation: JsonValue;
}

/** What {@link refreshAutoLinks} changed. */
export interface AutoLinkChanges {
  /** Automatic links created (new pairs). */
  added: IdentityLink[];
  /** Automatic links removed (the evidence went away, or a record was deleted). */
  removed: IdentityLink[];
  /** Uncertain pairs with no review item yet. */
  proposals: ReviewProposal[];
  /** Record keys at the other end of added links, so the caller can report their customers. */
  touched: Set<string>;
}

/**
 * Recomputes the automatic identity links of new, changed and deleted party records (in `changed`, as they will be
 * stored): every pair of a changed live record and a candidate sharing a blocking key is scored; pairs in the `link`
 * band get an `auto` link unless the pair was rejected (or already has an accepted link), and automatic links that
 * the scores no longer support are removed. Links are a function of the records' current content, so the result
 * does not depend on the order in which records arrive. Uncertain pairs without a review item are returned as
 * proposals. Writes the links; the caller relinks customers afterwards.
 */
export async function refreshAutoLinks(
  ctx: OperationContext,
  identity: IdentityResolver,
  changed: ReadonlyMap<string, StoredRecord>,
): Promise<AutoLinkChanges> {
  const { tx } = ctx;
  const changes: AutoLinkChanges = { added: [], removed: [], proposals: [], touched: new Set() };
  const party = [...changed.values()].filter((r) => r.type === 'person' || r.type === 'organization');
  if (party.length === 0) return changes;
  const existing = await tx.listIdentityLinks(party.map((r) => r.key));
  const autoByPair = new Map<string, IdentityLink>();
  const acceptedPairs = new Set<string>();
  for (const link of existing) {
    const { pairKey } = pairOf(link.a, link.b);
    if (link.kind === 'auto') autoByPair.set(pairKey, link);
    else acceptedPairs.add(pairKey);
  }

  // Score every candidate pair once.
  const scored = new Map<string, { a: string; b: string; score: PairScore }>();
  const matcher = identity.matcher;
  const live = party.filter((r) => !r.deleted && r.blockKeys.length > 0);
  if (matcher && live.length > 0) {
    const candidatesOf = await findCandidates(ctx, live, changed, {
      maxCandidates: identity.maxCandidates ?? DEFAULT_MAX_CANDIDATES,
      maxBlockSize: identity.maxBlockSize ?? DEFAULT_MAX_BLOCK_SIZE,
    });
    const liveOf = new Map<string, LivePartyRecord | undefined>();
    const asLive = (record: StoredRecord) => {
      if (!liveOf.has(record.key)) liveOf.set(record.key, liveParty(record));
      return liveOf.get(record.key);
    };
    for (const record of live) {
      const x = asLive(record);
      if (!x) continue;
      for (const candidate of candidatesOf.get(record.key) ?? []) {
        const pair = pairOf(record.key, candidate.key);
        if (scored.has(pair.pairKey)) continue;
        const y = asLive(candidate);
        if (!y) continue;
        // Most candidates are kept apart: classify them cheaply, explain only the links and reviews.
        if (matcher.classify && matcher.classify(x, y).band === 'apart') continue;
        scored.set(pair.pairKey, { a: pair.a, b: pair.b, score: matcher.score(x, y) });
      }
    }
  }

  const interesting = [...scored.entries()].filter(([, s]) => s.score.band !== 'apart').map(([key]) => key);
  const decided = new Map<string, ReviewItem>();
  if (interesting.length > 0) {
    for (const item of await tx.findReviewItems(interesting))
      if (!decided.has(item.pairKey)) decided.set(item.pairKey, item);
  }

  const keep = new Set<string>();
  /** Links to insert or replace, written together once all pairs are decided. */
  const writes: IdentityLink[] = [];
  // Explanations quote the compared values: those of secret fields are kept as the placeholder.
  const secrets = interesting.length > 0 ? await ctx.secrets() : undefined;
  for (const [pairKey, { a, b, score }] of [...scored.entries()].sort(([x], [y]) => compareStrings(x, y))) {
    if (score.band === 'apart') continue;
    const review = decided.get(pairKey);
    if (review?.status === 'rejected' || acceptedPairs.has(pairKey)) continue;
    const explanation = secrets ? secrets.explanation(explanationOf(score)) : explanationOf(score);
    if (score.band === 'link') {
      keep.add(pairKey);
      const prev = autoByPair.get(pairKey);
      if (prev) {
        if (
          prev.probability !== score.probability ||
          stableStringify(prev.explanation) !== stableStringify(explanation)
        )
          writes.push({ ...prev, probability: score.probability, explanation });
        continue;
      }
      const link: IdentityLink = {
        id: ctx.newId('lnk'),
        a,
        b,
        kind: 'auto',
        probability: score.probability,
        explanation,
        createdAt: ctx.now,
      };
      writes.push(link);
      changes.added.push(link);
      changes.touched.add(a);
      changes.touched.add(b);
    } else if (score.band === 'review' && !review) {
      changes.proposals.push({ a, b, pairKey, probability: score.probability, explanation });
    }
  }
  for (const [pairKey, link] of autoByPair) {
    if (keep.has(pairKey)) continue;
    changes.removed.push(link);
  }
  // One write each for the whole batch (a kept link is never among the removed, so the order does not matter).
  await tx.putIdentityLinks(writes);
  await tx.deleteIdentityLinks(changes.removed.map((link) => link.id));
  return changes;
}

/** Options of {@link updateIdentity}. */
export interface IdentityUpdateOptions {
  /** Who started the operation, recorded on its `link` and `unlink` journal entries. */
  actor?: string;
  /** What started it, recorded as `trigger` on its `link` and `unlink` journal entries (ingest records none). */
  trigger?: 'reindex';
}

/** What {@link updateIdentity} did. */
export interface IdentityUpdate {
  /** Automatic links added and removed, and the uncertain pairs seen. */
  autoLinks: AutoLinkChanges;
  /** The relink of the affected customers; absent when nothing needed one. */
  relinked: RelinkResult | undefined;
  /** The customers that were relinked as seeds: the given ones plus those that held the ends of removed links. */
  seeds: Set<string>;
  /** Review items opened. */
  reviews: number;
}

/**
 * The identity part of every write that changes party records (ingest, re-keying, `reindex()`): recomputes the
 * automatic links of `changedParty` (records as they will be stored), relinks the customers around them (`seeds`
 * plus the customers at the ends of removed links), journals every added and removed link with the matcher's
 * probability, and opens a review item (and a `review.opened` event) for each uncertain pair whose records are in
 * different customers. Runs inside the caller's transaction; `changedParty` records are stored by the relink.
 */
export async function updateIdentity(
  ctx: OperationContext,
  identity: IdentityResolver,
  changedParty: ReadonlyMap<string, StoredRecord>,
  seedCustomers: Iterable<string>,
  options: IdentityUpdateOptions = {},
): Promise<IdentityUpdate> {
  const { tx } = ctx;
  const seeds = new Set(seedCustomers);
  // Automatic identity links follow the records' content; customers the removed ones held are relinked too.
  const autoLinks = await refreshAutoLinks(ctx, identity, changedParty);
  if (autoLinks.removed.length > 0) {
    const ends = autoLinks.removed.flatMap((link) => [link.a, link.b]).filter((key) => !changedParty.has(key));
    for (const record of ends.length > 0 ? await tx.getRecords([...new Set(ends)]) : []) {
      if (record.customerId && !record.deleted) seeds.add(record.customerId);
    }
  }

  const relinked =
    changedParty.size > 0 || seeds.size > 0
      ? await relink(ctx, seeds, changedParty, {
          kind: 'ingest',
          ...(options.actor ? { actor: options.actor } : {}),
        })
      : undefined;

  // Journal the links (with the matcher's explanation), and open review items for uncertain pairs.
  let reviews = 0;
  const pendingEnds = [
    ...new Set([...autoLinks.added, ...autoLinks.removed, ...autoLinks.proposals].flatMap((x) => [x.a, x.b])),
  ].filter((key) => !relinked?.customerOf.has(key));
  const storedCustomer = new Map<string, string | null>();
  if (pendingEnds.length > 0) {
    for (const record of await tx.getRecords(pendingEnds))
      storedCustomer.set(record.key, record.deleted ? null : record.customerId);
  }
  const customerOfKey = (key: string): string | null =>
    relinked?.customerOf.get(key) ?? storedCustomer.get(key) ?? null;
  const customersOf = (...keys: string[]): string[] =>
    [...new Set(keys.map(customerOfKey).filter((id): id is string => id !== null))].sort(compareStrings);
  const attribution = {
    ...(options.trigger ? { trigger: options.trigger } : {}),
  };
  const actor = options.actor ? { actor: options.actor } : {};
  const journalLink = (
    kind: 'link' | 'unlink',
    link: (typeof autoLinks.added)[number],
    detail: { explanation: (typeof autoLinks.added)[number]['explanation'] } | { reason: string },
  ) =>
    ctx.journal.push({
      id: ctx.newId('jrn'),
      at: ctx.now,
      kind,
      customerIds: customersOf(link.a, link.b),
      data: {
        linkId: link.id,
        a: link.a,
        b: link.b,
        kind: link.kind,
        probability: link.probability,
        ...detail,
        ...attribution,
      },
      ...actor,
    });
  for (const link of autoLinks.added) journalLink('link', link, { explanation: link.explanation });
  for (const link of autoLinks.removed) {
    const gone = [link.a, link.b].some((key) => changedParty.get(key)?.deleted === true);
    journalLink('unlink', link, { reason: gone ? 'record deleted' : 'evidence changed' });
  }
  for (const proposal of autoLinks.proposals) {
    const customerIds = customersOf(proposal.a, proposal.b);
    if (customerIds.length < 2) continue; // already one customer (or a side is gone): nothing to decide
    const review: ReviewItem = {
      id: ctx.newId('rev'),
      status: 'open',
      ...proposal,
      customerIds,
      createdAt: ctx.now,
    };
    await tx.putReviewItem(review);
    ctx.emit('review.opened', { review });
    reviews++;
  }
  return { autoLinks, relinked, seeds, reviews };
}

/**
 * Candidates of each changed live record: live records of its type that share a blocking key with it, the stored
 * ones (minus those this batch changes) and the batch's own. A key shared by more than `maxBlockSize` records is not
 * used (like a common name in a big city, it says too little; the engine's own batch blocking does the same), so the
 * size of a block, not arrival order, decides whether a pair is compared. The candidates sharing the most keys come
 * first (then by key), at most `maxCandidates`. One store query covers the whole batch when it returns everything;
 * otherwise each key is asked on its own.
 */
async function findCandidates(
  ctx: OperationContext,
  live: readonly StoredRecord[],
  changed: ReadonlyMap<string, StoredRecord>,
  limits: { maxCandidates: number; maxBlockSize: number },
): Promise<Map<string, StoredRecord[]>> {
  const { tx } = ctx;
  const { maxCandidates, maxBlockSize } = limits;
  const out = new Map<string, StoredRecord[]>();
  for (const type of ['person', 'organization'] as const) {
    const ofType = live.filter((r) => r.type === type);
    if (ofType.length === 0) continue;
    const changedOfType = [...changed.values()].filter((r) => r.type === type).length;
    // Batch records by blocking key.
    const batchByKey = new Map<string, StoredRecord[]>();
    for (const record of ofType) {
      for (const key of record.blockKeys) {
        const list = batchByKey.get(key) ?? [];
        list.push(record);
        batchByKey.set(key, list);
      }
    }
    const allKeys = [...batchByKey.keys()].sort(compareStrings);
    const budget = Math.max(maxCandidates * ofType.length, maxBlockSize + 1) + changedOfType;
    const bulk = await tx.findRecordsByBlockKeys(allKeys, { type, limit: budget });
    const complete = bulk.length < budget;
    // One object per stored record, so a matcher's per-record cache hits across pairs.
    const storedByKey = new Map<string, StoredRecord>();
    const storedByBlock = new Map<string, StoredRecord[]>();
    const index = (records: readonly StoredRecord[]) => {
      for (const record of records) {
        if (changed.has(record.key) || storedByKey.has(record.key)) continue;
        storedByKey.set(record.key, record);
        for (const key of record.blockKeys) {
          const list = storedByBlock.get(key) ?? [];
          list.push(record);
          storedByBlock.set(key, list);
        }
      }
    };
    index(bulk);
    /** Stored members of a block (without the batch's records), or `undefined` when the block is too big. */
    const fetched = new Map<string, StoredRecord[] | undefined>();
    const storedMembers = async (key: string): Promise<StoredRecord[] | undefined> => {
      if (complete) return storedByBlock.get(key) ?? [];
      if (!fetched.has(key)) {
        const limit = maxBlockSize + 1 + changedOfType;
        const rows = await tx.findRecordsByBlockKeys([key], { type, limit });
        index(rows);
        fetched.set(
          key,
          rows.length >= limit
            ? undefined
            : rows.filter((r) => !changed.has(r.key)).map((r) => storedByKey.get(r.key)!),
        );
      }
      return fetched.get(key);
    };
    for (const record of ofType) {
      const shared = new Map<string, { record: StoredRecord; keys: number }>();
      for (const key of record.blockKeys) {
        const stored = await storedMembers(key);
        const batch = batchByKey.get(key) ?? [];
        if (stored === undefined || stored.length + batch.length > maxBlockSize) continue;
        for (const other of [...stored, ...batch]) {
          if (other.key === record.key) continue;
          const entry = shared.get(other.key);
          if (entry) entry.keys++;
          else shared.set(other.key, { record: other, keys: 1 });
        }
      }
      out.set(
        record.key,
        [...shared.values()]
          .sort((x, y) => y.keys - x.keys || compareStrings(x.record.key, y.record.key))
          .slice(0, maxCandidates)
          .map((entry) => entry.record),
      );
    }
  }
  return out;
}

/**
 * What the Hub's calls return (public API, exported by the package entry).
 *
 * @module
 */
import type {
  Customer,
  CustomerGroup,
  IdentityLink,
  InteractionData,
  OpportunityData,
  ReviewItem,
  SourceRef,
} from '@crmkit/model';
import type { CleanedRecord, SupersededRecord } from '../ingest/ingest-checks';
import type { LoadProgress } from './options';

/** What one `ingest()` call did. */
export interface IngestResult {
  /** Records stored for the first time. */
  created: number;
  /** Records whose stored version changed (newer observation or new content). */
  updated: number;
  /** Records received as tombstones that deleted a live record. */
  deleted: number;
  /**
   * Records whose content changed nothing (same content, or older than what is stored). Includes records that were
   * re-keyed: stored with stale identity keys (by an older version or another identity configuration), they got the
   * keys the current resolver derives, and their links and customers were recomputed (no `record.ingested` event).
   */
  unchanged: number;
  /** Active customers touched by the batch (including those of re-keyed records), sorted. */
  customerIds: string[];
  /** Number of events written to the outbox. */
  events: number;
  /** Review items the batch opened (pairs the identity matcher was unsure about). */
  reviews: number;
  /**
   * Records refused because the person they belong to was erased (GDPR Art. 17): their keys carry an erasure
   * tombstone, so a later sync cannot bring the data back. Not stored, no events.
   */
  suppressed: number;
  /** Records whose text was cleaned (only with the text policy `clean`), with the paths cleaned. */
  cleaned: CleanedRecord[];
  /**
   * Copies of a record that lost to another copy with other content in the same batch (same type, source and
   * external id): the newest observation won, deterministically. Identical copies are not listed.
   */
  superseded: SupersededRecord[];
  /** Stored records whose out-of-bounds `observedAt` was replaced (only with `repairTimestamps`). Audited. */
  repaired: number;
}

/** What {@link Hub.load} did: the totals of its batches (no per-record lists, so a load of millions stays small). */
export interface LoadResult extends LoadProgress {
  /** Records whose text was cleaned (only with the text policy `clean`). */
  cleaned: number;
  /** Copies of a record that lost to another copy with other content in the same batch. */
  superseded: number;
}

/** What {@link Hub.reindex} did. */
export interface ReindexResult {
  /**
   * Live party records checked: the records of every active customer, in customer id order. When the run itself
   * moves records (a new link merges customers), a record moved ahead of the cursor is counted twice and one moved
   * behind it is counted only when its keys were stale; otherwise this is the number of live party records.
   */
  records: number;
  /** Records whose stored keys differed from the current resolver's, and were stored with the new keys. */
  rekeyed: number;
  /** Automatic identity links added (each journaled as `link`). */
  links: number;
  /** Automatic identity links removed because the new keys no longer support them (each journaled as `unlink`). */
  unlinks: number;
  /** Review items opened for uncertain pairs. */
  reviews: number;
}

/** Result of a manual merge. */
export interface MergeResult {
  /** Id of the merge; pass it to `unmerge()`. */
  mergeId: string;
  /** The customer that holds the records now. */
  into: string;
  /** The customer that now redirects to `into`. */
  from: string;
}

/** Result of an unmerge. */
export interface UnmergeResult {
  mergeId: string;
  /** The active customers the merge's two sides are again. */
  customerIds: [string, string];
}

/** Result of accepting or rejecting a review item. */
export interface ReviewDecision {
  /** The item as decided. */
  review: ReviewItem;
  /** The link an acceptance created. */
  link?: IdentityLink;
  /** The active customers of the pair's two records afterwards (one when they are one customer), sorted. */
  customerIds: string[];
}

/** Result of {@link Hub.unlink}. */
export interface UnlinkResult {
  /** The link that was removed. */
  linkId: string;
  /** The pair's review item, now `rejected`: the pair is not linked automatically nor proposed again. */
  review: ReviewItem;
  /**
   * The customers of the link's two records afterwards, `a` then `b` (`null` for a deleted record). Equal when the
   * records are still one customer through other evidence (shared keys, other links, a merge).
   */
  customerIds: [string | null, string | null];
}

/** A page of results and the cursor to the next page. */
export interface Page<T> {
  items: T[];
  /** Pass to the next call; absent on the last page. */
  nextCursor?: string;
}

/** An interaction or opportunity as the customer view shows it. */
export interface ActivityView<T> {
  /** Record key: `source/type/externalId`. */
  key: string;
  source: SourceRef;
  data: T;
}

/** Everything the central view knows about one customer. */
export interface CustomerView {
  customer: Customer;
  /** When `id` was merged away, the id that was asked for. */
  redirectedFrom?: string;
  /** Interactions from every source, newest first. */
  interactions: ActivityView<InteractionData>[];
  /** Opportunities from every source, by close date. */
  opportunities: ActivityView<OpportunityData>[];
  /** Groups the customer is a member of (static or by rule). */
  groups: CustomerGroup[];
  /** For a person: the organisations their records refer to; for an organisation: the people that refer to it. */
  related: Customer[];
}

/**
 * The sync engine: moves records between a vendor {@link Adapter} and a crmkit Hub, and back.
 *
 * - **Read** — full passes and incremental runs from the adapter's checkpoint. The checkpoint is stored in the Hub's
 *   store after each batch is ingested, so a crashed run resumes after the last batch that made it (a batch replayed
 *   after a crash changes nothing: ingest is idempotent). (`passes.ts`, `checkpoints.ts`)
 * - **Deletes** — a full pass records which records it saw; only when the pass completes are the source's records it
 *   did not see (and that nobody observed since the pass began) ingested as tombstones. A failed pass deletes nothing.
 * - **Write-back** — central changes (by default: fields a person overrode in the central view) are read from the
 *   Hub's outbox and written to the vendor in batches, each change once: a ledger in the store remembers what was
 *   written, and adapters make creates idempotent. A change the vendor has overtaken is refused by the adapter as
 *   `CONFLICT`; the engine ingests the vendor's newer record instead of overwriting it. (`write-back.ts`)
 * - **Webhooks** — deliveries are verified by the adapter, each event claimed in an inbox in the store before it is
 *   resolved (so concurrent copies of one delivery are processed once; a failed claim is released, a crashed one
 *   expires), and the records resolved and ingested. (`webhook-inbox.ts`)
 * - **Dead letters** — a record the Hub refuses (validation, or a store error the record causes) is set aside in a
 *   dead-letter list with the reason; the rest of its batch and of the pass goes in. Each later run (or
 *   {@link SyncEngine.retryDeadLetters}) reads the set-aside records again by id from the vendor and ingests them;
 *   an entry is cleared once its record goes in. (`dead-letters.ts`, `refusals.ts`)
 *
 * Everything the engine keeps lives in the Hub's store as documents (kinds `crmkit.sync.*`), so it works on every
 * store and survives restarts (`documents.ts` pages through them).
 *
 * @module
 */
export { createSyncEngine } from './engine';
export {
  type DeadLetterRetryReport,
  SYNC_DOCUMENT_KINDS,
  type SyncDeadLetter,
  type SyncEngine,
  type SyncEngineOptions,
  type SyncEvents,
  type SyncHub,
  type SyncIngestResult,
  type SyncInvalidRecord,
  type SyncReport,
  type SyncRunOptions,
  type SyncState,
  type SyncStatus,
  type WriteBackFilter,
  type WebhookReport,
  type WriteOutcome,
  type WriteReport,
} from './types';

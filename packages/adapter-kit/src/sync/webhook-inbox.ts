/**
 * Webhook deliveries: verified by the adapter, each event claimed in an inbox in the store before it is resolved (so
 * concurrent copies of one delivery are processed once; a failed claim is released, a crashed one expires), and the
 * records resolved and ingested.
 *
 * @module
 */
import {
  type AbortSignalLike,
  type Adapter,
  CrmkitError,
  ErrorCode,
  InvalidArgumentError,
  type RefusedSourceRecord,
  type WebhookEvent,
  type WebhookRequest,
} from '@crmkit/model';
import { emptyReport, type SyncContext } from './context';
import type { SyncDeadLetters } from './dead-letters';
import { documentPages } from './documents';
import { SYNC_DOCUMENT_KINDS, type WebhookReport } from './types';

const emptyClaim = { mine: [] as WebhookEvent[], done: 0, busy: 0, busyUntil: 0 };

/** The webhook inbox of the engine described by `ctx`; a claim holds for `claimMs`. */
export function createWebhookInbox(
  ctx: SyncContext,
  claimMs: number,
  letters: SyncDeadLetters,
): {
  handleWebhook(request: WebhookRequest, signal?: AbortSignalLike): Promise<WebhookReport>;
  pruneInbox(olderThanMs: number): Promise<number>;
} {
  const { hub, adapter, name, now, iso } = ctx;

  /**
   * An inbox entry. Absent: never seen. `claimed`: a copy of the delivery is processing the event, until `until`
   * (a claim past `until` belongs to a process that died and may be taken over). `done` (or no status: entries
   * written before claims existed): processed.
   */
  interface InboxEntry {
    status?: 'claimed' | 'done';
    owner?: string;
    until?: string;
    occurredAt?: string;
  }

  /**
   * Claims the events in one transaction: every store runs it atomically (the memory store serialises
   * transactions, PGlite has one connection, PostgreSQL runs it SERIALIZABLE and retries the loser, which then sees
   * the winner's claim). Returns the events this call now owns, and which ones are done or claimed by another copy.
   */
  async function claimEvents(
    events: readonly WebhookEvent[],
    owner: string,
  ): Promise<{ mine: WebhookEvent[]; done: number; busy: number; busyUntil: number }> {
    const byId = new Map(events.map((e) => [`${name}:${e.id}`, e]));
    return hub.store.transaction(async (tx) => {
      const at = now();
      const entries = new Map(
        (await tx.getDocuments(SYNC_DOCUMENT_KINDS.inbox, [...byId.keys()])).map((d) => [
          d.id,
          d.data as unknown as InboxEntry,
        ]),
      );
      const mine: WebhookEvent[] = [];
      let done = 0;
      let busy = 0;
      let busyUntil = at;
      for (const [id, event] of byId) {
        const entry = entries.get(id);
        if (entry && entry.status !== 'claimed') {
          done++;
          continue;
        }
        const until = entry?.until ? Date.parse(entry.until) : Number.NaN;
        if (entry && until > at) {
          busy++;
          busyUntil = Math.max(busyUntil, until);
          continue;
        }
        mine.push(event);
        await tx.putDocument({
          kind: SYNC_DOCUMENT_KINDS.inbox,
          id,
          ref: name,
          data: { status: 'claimed', owner, until: new Date(at + claimMs).toISOString() },
          updatedAt: new Date(at).toISOString(),
        });
      }
      return { mine, done, busy, busyUntil };
    });
  }

  /** Drops this owner's claims (processing failed), so a retried delivery is processed. */
  async function releaseClaims(events: readonly WebhookEvent[], owner: string): Promise<void> {
    const ids = events.map((e) => `${name}:${e.id}`);
    await hub.store.transaction(async (tx) => {
      for (const doc of await tx.getDocuments(SYNC_DOCUMENT_KINDS.inbox, ids)) {
        const entry = doc.data as unknown as InboxEntry;
        if (entry.status === 'claimed' && entry.owner === owner) {
          await tx.deleteDocument(SYNC_DOCUMENT_KINDS.inbox, doc.id);
        }
      }
    });
  }

  async function handleWebhook(request: WebhookRequest, signal?: AbortSignalLike): Promise<WebhookReport> {
    if (!adapter.parseWebhook || !adapter.resolveWebhook) {
      throw new InvalidArgumentError({
        argument: 'adapter',
        message: `[crmkit/adapter-kit] Adapter "${adapter.id}" does not take webhooks.`,
      });
    }
    let events: Awaited<ReturnType<NonNullable<Adapter['parseWebhook']>>>;
    try {
      events = await adapter.parseWebhook(request);
    } catch (error) {
      if (CrmkitError.isInstance(error) && error.code === ErrorCode.WEBHOOK_REJECTED) {
        return { status: 401, events: 0, duplicates: 0, inProgress: 0, records: 0, rejected: error.message };
      }
      throw error;
    }
    // Each event once even when a delivery repeats it.
    const unique = [...new Map(events.map((e) => [e.id, e])).values()];
    const owner = `${now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const { mine, done, busy, busyUntil } = unique.length > 0 ? await claimEvents(unique, owner) : emptyClaim;
    const report: WebhookReport = {
      status: busy > 0 ? 503 : 200,
      events: events.length,
      duplicates: events.length - unique.length + done,
      inProgress: busy,
      records: 0,
      ...(busy > 0 ? { retryAfterSeconds: Math.max(1, Math.ceil((busyUntil - now()) / 1000)) } : {}),
    };
    if (mine.length === 0) return report;
    try {
      const refused: RefusedSourceRecord[] = [];
      const records = await adapter.resolveWebhook(mine, {
        ...(signal ? { signal } : {}),
        onRefused: (r) => refused.push(r),
      });
      // Objects that do not map go to the dead-letter list like the records the Hub refuses.
      await letters.ingestBatch(
        { records, ...(refused.length > 0 ? { refused } : {}) },
        emptyReport('incremental', false),
      );
      report.records = records.length + refused.length;
      // After the ingest: a crash in between leaves the claim to expire, and the vendor's retry is processed then
      // (ingest is idempotent). A failed write of `done` releases the claims like a failed ingest.
      const at = iso();
      await hub.store.transaction(async (tx) => {
        for (const event of mine) {
          await tx.putDocument({
            kind: SYNC_DOCUMENT_KINDS.inbox,
            id: `${name}:${event.id}`,
            ref: name,
            data: { status: 'done', occurredAt: event.occurredAt },
            updatedAt: at,
          });
        }
      });
    } catch (error) {
      await releaseClaims(mine, owner).catch(() => undefined);
      throw error;
    }
    return report;
  }

  async function pruneInbox(olderThanMs: number): Promise<number> {
    const cutoff = now() - olderThanMs;
    let removed = 0;
    for await (const page of documentPages(hub.store, SYNC_DOCUMENT_KINDS.inbox, { ref: name, pageSize: 500 })) {
      const old = page.filter((d) => Date.parse(d.updatedAt) < cutoff);
      if (old.length > 0) {
        await hub.store.transaction(async (tx) => {
          for (const doc of old) await tx.deleteDocument(SYNC_DOCUMENT_KINDS.inbox, doc.id);
        });
        removed += old.length;
      }
    }
    return removed;
  }

  return { handleWebhook, pruneInbox };
}

/**
 * Webhooks: deliveries verified with the app's client secret, and their events resolved to the records HubSpot holds
 * now (a delete becomes a tombstone).
 *
 * @module
 */
import { verifyHubspotRequest } from '@crmkit/adapter-kit';
import {
  type AbortSignalLike,
  type RecordType,
  type RefusedSourceRecord,
  type SourceRecordInput,
  type WebhookEvent,
  type WebhookRequest,
  WebhookRejectedError,
} from '@crmkit/model';
import { toTombstone } from '../mapping';
import { objectTypeOfRecord, parseEngagementId } from '../objects';
import { parseHubspotEvents } from '../webhooks';
import type { HubspotContext } from './context';
import type { BatchReader } from './batch-read';

/** The webhook handling of the adapter described by `ctx` (needs `clientSecret`). */
export function createWebhookHandling(
  ctx: HubspotContext,
  reader: BatchReader,
): {
  parseWebhook(request: WebhookRequest): Promise<WebhookEvent[]>;
  resolveWebhook(
    events: readonly WebhookEvent[],
    options?: { signal?: AbortSignalLike; onRefused?: (refused: RefusedSourceRecord) => void },
  ): Promise<SourceRecordInput[]>;
} {
  const { s, assertOpen } = ctx;
  const now = s.now;
  const { readRecords } = reader;

  const parseWebhook = async (request: WebhookRequest): Promise<WebhookEvent[]> => {
    assertOpen();
    const verification = await verifyHubspotRequest(
      { method: request.method, url: s.webhookUrl ?? request.url, headers: request.headers, body: request.body },
      { clientSecret: s.clientSecret!, now: now() },
    );
    if (!verification.valid) {
      throw new WebhookRejectedError({
        reason: verification.reason,
        message: `[crmkit/hubspot] Webhook refused: ${verification.reason}.`,
      });
    }
    return parseHubspotEvents(request.body, { objects: s.objects, portalId: s.portalId });
  };

  const resolveWebhook = async (
    events: readonly WebhookEvent[],
    options: { signal?: AbortSignalLike; onRefused?: (refused: RefusedSourceRecord) => void } = {},
  ): Promise<SourceRecordInput[]> => {
    assertOpen();
    const latest = new Map<string, WebhookEvent>();
    for (const event of events) {
      const key = `${event.type}\u0000${event.externalId}`;
      const known = latest.get(key);
      if (known === undefined || Date.parse(event.occurredAt) >= Date.parse(known.occurredAt)) {
        // A delete at the same instant as an upsert wins: HubSpot sends the deletion last.
        if (!(known !== undefined && known.action === 'delete' && event.occurredAt === known.occurredAt)) {
          latest.set(key, event);
        }
      }
    }
    const out: SourceRecordInput[] = [];
    const changed: { type: RecordType; externalId: string }[] = [];
    for (const event of latest.values()) {
      const type = objectTypeOfRecord(event.type, event.externalId);
      const id = event.type === 'interaction' ? parseEngagementId(event.externalId)?.id : event.externalId;
      if (type === undefined || id === undefined || !s.objects.includes(type)) continue;
      if (event.action === 'delete') out.push(toTombstone(type, id, event.occurredAt, s.source));
      else changed.push(event);
    }
    const read = await readRecords(changed, options.signal, 'interactive');
    out.push(...read.records);
    if (options.onRefused) for (const refused of read.refused) options.onRefused(refused);
    return out;
  };

  return { parseWebhook, resolveWebhook };
}

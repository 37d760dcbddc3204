/**
 * Parsing HubSpot webhook deliveries (a JSON array of events) into crmkit's `WebhookEvent`s. Pure: the signature is
 * checked by the adapter before this runs.
 *
 * @module
 */

import { type WebhookEvent, WebhookRejectedError } from '@crmkit/model';
import { externalIdOf, HUBSPOT_OBJECTS, type HubspotObjectType, objectTypeOfTypeId } from './objects';

/** Options of {@link parseHubspotEvents}. */
export interface ParseHubspotEventsOptions {
  /** Object types the adapter syncs; events of other types are skipped. Default all. */
  objects?: readonly HubspotObjectType[];
  /** The account id; events of other accounts (the same app installed elsewhere) are skipped. */
  portalId?: string | undefined;
}

const PREFIXES: Record<string, HubspotObjectType> = {
  contact: 'contacts',
  company: 'companies',
  deal: 'deals',
};

function badBody(message: string, cause?: unknown): WebhookRejectedError {
  return new WebhookRejectedError({
    reason: 'bad-body',
    message: `[crmkit/hubspot] Webhook body refused: ${message}`,
    cause,
  });
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return value;
  return undefined;
}

/**
 * Parses the raw body of a (verified) HubSpot webhook delivery into events: `*.creation`, `*.propertyChange` and
 * `*.restore` become `upsert`, `*.deletion` and `contact.privacyDeletion` become `delete`, `*.associationChange`
 * becomes `associate`, and `*.merge` an `upsert` of the surviving object plus a `delete` of each merged one.
 * `object.*` events carry the type in `objectTypeId` (engagements: `0-46` notes, `0-48` calls, `0-47` meetings,
 * `0-27` tasks). Events of types the adapter does not sync are skipped. Throws `WebhookRejectedError` (reason
 * `bad-body`) when the body is not HubSpot's shape.
 *
 * @example
 * ```ts
 * parseHubspotEvents('[{"eventId":1,"subscriptionType":"contact.creation","objectId":51,"occurredAt":1767225600000}]');
 * // [{ id: '1', type: 'person', externalId: '51', action: 'upsert', occurredAt: '2026-01-01T00:00:00.000Z' }]
 * ```
 */
export function parseHubspotEvents(body: string, options: ParseHubspotEventsOptions = {}): WebhookEvent[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw badBody('not JSON', error);
  }
  if (!Array.isArray(json)) throw badBody('expected a JSON array of events');
  const enabled = new Set(options.objects ?? (Object.keys(HUBSPOT_OBJECTS) as HubspotObjectType[]));
  const events: WebhookEvent[] = [];
  json.forEach((raw, index) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badBody(`event ${index} is not an object`);
    const event = raw as Record<string, unknown>;
    const eventId = idOf(event.eventId);
    const subscriptionType = event.subscriptionType;
    const occurredAtMs = event.occurredAt;
    if (eventId === undefined) throw badBody(`event ${index} has no eventId`);
    if (typeof subscriptionType !== 'string' || !subscriptionType.includes('.')) {
      throw badBody(`event ${index} has no subscriptionType`);
    }
    if (typeof occurredAtMs !== 'number' || !Number.isFinite(occurredAtMs) || occurredAtMs < 0) {
      throw badBody(`event ${index} has no occurredAt`);
    }
    const occurredAt = new Date(occurredAtMs).toISOString();
    if (options.portalId !== undefined && event.portalId !== undefined && String(event.portalId) !== options.portalId) {
      return;
    }
    const [prefix, change] = subscriptionType.split('.', 2) as [string, string];
    let type: HubspotObjectType | undefined;
    if (prefix === 'object') {
      type = typeof event.objectTypeId === 'string' ? objectTypeOfTypeId(event.objectTypeId) : undefined;
    } else type = PREFIXES[prefix];
    if (type === undefined || !enabled.has(type)) return;
    const recordType = HUBSPOT_OBJECTS[type].recordType;
    const push = (objectId: string, action: WebhookEvent['action'], id: string) =>
      events.push({ id, type: recordType, externalId: externalIdOf(type, objectId), action, occurredAt });

    switch (change) {
      case 'creation':
      case 'propertyChange':
      case 'restore':
      case 'deletion':
      case 'privacyDeletion': {
        const objectId = idOf(event.objectId);
        if (objectId === undefined) throw badBody(`event ${index} has no objectId`);
        push(objectId, change === 'deletion' || change === 'privacyDeletion' ? 'delete' : 'upsert', eventId);
        return;
      }
      case 'associationChange': {
        const objectId = idOf(event.objectId) ?? idOf(event.fromObjectId);
        if (objectId === undefined) throw badBody(`event ${index} has no objectId or fromObjectId`);
        push(objectId, 'associate', eventId);
        return;
      }
      case 'merge': {
        const survivor = idOf(event.newObjectId) ?? idOf(event.primaryObjectId) ?? idOf(event.objectId);
        if (survivor === undefined) throw badBody(`event ${index} has no primaryObjectId`);
        push(survivor, 'upsert', eventId);
        const merged = Array.isArray(event.mergedObjectIds) ? event.mergedObjectIds : [];
        for (const value of merged) {
          const mergedId = idOf(value);
          if (mergedId !== undefined && mergedId !== survivor)
            push(mergedId, 'delete', `${eventId}:merged:${mergedId}`);
        }
        return;
      }
      default:
        return;
    }
  });
  return events;
}

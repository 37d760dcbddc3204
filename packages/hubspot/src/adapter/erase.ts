/**
 * GDPR erasure: the person's contacts are GDPR-deleted in HubSpot, by id and by the emails not already covered.
 *
 * @module
 */
import { AbortedError, type AbortSignalLike, type EraseRequest, type EraseResult, VendorError } from '@crmkit/model';
import { asSignal, type HubspotContext } from './context';
import type { BatchReader } from './batch-read';

/** The erase of the adapter described by `ctx`. */
export function createEraser(
  ctx: HubspotContext,
  reader: BatchReader,
): (request: EraseRequest, options?: { signal?: AbortSignalLike }) => Promise<EraseResult> {
  const { http, assertOpen } = ctx;
  const { readObjects } = reader;

  const erase = async (request: EraseRequest, options: { signal?: AbortSignalLike } = {}): Promise<EraseResult> => {
    assertOpen();
    const signal = options.signal;
    const ids = [
      ...new Set(
        request.records.filter((r) => r.type === 'person' && /^\d+$/.test(r.externalId)).map((r) => r.externalId),
      ),
    ];
    const problems: string[] = [];
    let erased = 0;
    // Emails of the known contacts are erased with them; only the others are erased by email.
    const covered = new Set<string>();
    if (ids.length > 0) {
      try {
        const { objects } = await readObjects('contacts', ids, signal, 'interactive');
        for (const object of objects.values()) {
          for (const name of ['email', 'hs_additional_emails']) {
            for (const email of (object.properties?.[name] ?? '').split(/[;,\s]+/)) {
              if (email) covered.add(email.toLowerCase());
            }
          }
        }
      } catch (error) {
        if (AbortedError.isInstance(error)) throw error;
      }
    }
    const gdprDelete = async (body: { objectId: string; idProperty?: string }, label: string) => {
      try {
        await http.post(`/crm/v3/objects/contacts/gdpr-delete`, {
          json: body,
          idempotent: true,
          signal: asSignal(signal),
        });
        erased += 1;
      } catch (error) {
        if (AbortedError.isInstance(error)) throw error;
        if (VendorError.isInstance(error) && error.status === 404) return; // already gone
        problems.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    for (const id of ids) await gdprDelete({ objectId: id }, `contact ${id}`);
    const emails = [...new Set(request.emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
    for (const email of emails) {
      if (covered.has(email)) continue;
      await gdprDelete({ objectId: email, idProperty: 'email' }, 'a contact by email');
    }
    if (problems.length > 0) {
      return { status: 'failed', erased, detail: `[crmkit/hubspot] ${problems.join('; ')}`.slice(0, 2000) };
    }
    return {
      status: 'erased',
      erased,
      detail: `HubSpot GDPR-deleted ${erased} contact(s); companies, deals and engagements are not personal records and stay.`,
    };
  };

  return erase;
}

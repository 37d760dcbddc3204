/** The consent ledger and contact arrangements of a customer, and `canContact` on top of them. */

import {
  type ConsentCapture,
  type ContactArrangement,
  type ContactChannel,
  ContactChannelSchema,
  type ContactDecision,
  type ContactPurpose,
  ContactPurposeSchema,
  type JsonValue,
} from '@crmkit/model';
import { compareStrings } from '../runtime/stable';
import { decideContact, parseArrangement, parseConsentCapture } from './contact';
import {
  DOC,
  documentsOf,
  type GovernanceDeps,
  idsOf,
  inputChecks,
  referenceKeys,
  requireRow,
  validationError,
} from './deps';

/** Interaction channels that count as contact on a contact channel (for frequency caps). */
const CHANNEL_OF_INTERACTION: Record<string, ContactChannel> = {
  email: 'email',
  phone: 'phone',
  sms: 'sms',
  whatsapp: 'whatsapp',
  letter: 'post',
  in_person: 'visit',
};

/** What {@link createConsentServices} needs from the Hub. */
export type ConsentDeps = Pick<
  GovernanceDeps,
  'read' | 'write' | 'resolveActive' | 'publicCustomer' | 'isGroupMember' | 'limits' | 'now'
>;

/**
 * The consent services: record and list consent captures, set, remove and list contact arrangements, and
 * `canContact` (consent, arrangements, group rules and frequency caps decided together).
 */
export function createConsentServices(deps: ConsentDeps) {
  const { checkInput, who } = inputChecks(deps);

  async function recordConsent(input: unknown, actor: string): Promise<ConsentCapture> {
    ({ actor } = who(actor));
    const capture = parseConsentCapture(checkInput(input, 'consent', 'The consent capture'));
    return deps.write(
      undefined,
      async (ctx) => {
        const row = await requireRow(deps, ctx.tx, capture.customerId);
        const stored: ConsentCapture = {
          ...capture,
          customerId: row.id,
          id: ctx.newId('cns'),
          recordedAt: ctx.now,
          recordedBy: actor,
        };
        await ctx.tx.putDocument({
          kind: DOC.consent,
          id: stored.id,
          ref: row.id,
          data: stored as unknown as JsonValue,
          updatedAt: ctx.now,
        });
        ctx.audit.push({
          actor,
          action: 'consent.record',
          target: `customer:${row.id}`,
          changes: [{ field: `consent.${capture.channel}.${capture.purpose}`, new: capture.status }],
          at: ctx.now,
        });
        return stored;
      },
      undefined,
      actor,
    );
  }

  /** The documents of `kind` filed under a customer (and the ids merged into it), by id. */
  async function documentsAbout<T extends { id: string }>(kind: string, customerId: string): Promise<T[]> {
    return deps.read(undefined, async (tx) => {
      const row = await requireRow(deps, tx, customerId);
      const docs = await documentsOf(tx, kind, await idsOf(tx, row));
      return docs.map((d) => d.data as unknown as T).sort((a, b) => compareStrings(a.id, b.id));
    });
  }

  async function consents(customerId: string): Promise<ConsentCapture[]> {
    return documentsAbout<ConsentCapture>(DOC.consent, customerId);
  }

  async function setArrangement(customerId: string, input: unknown, actor: string): Promise<ContactArrangement> {
    ({ actor } = who(actor));
    checkInput(customerId, 'customerId', 'The customer id');
    const fields = parseArrangement(checkInput(input, 'arrangement', 'The contact arrangement'));
    return deps.write(
      undefined,
      async (ctx) => {
        const row = await requireRow(deps, ctx.tx, customerId);
        const id = `${row.id}|${fields.channel}`;
        const [prev] = await ctx.tx.getDocuments(DOC.arrangement, [id]);
        const arrangement: ContactArrangement = {
          ...fields,
          customerId: row.id,
          id,
          createdAt: prev ? (prev.data as unknown as ContactArrangement).createdAt : ctx.now,
          updatedAt: ctx.now,
          sources: [],
        };
        await ctx.tx.putDocument({
          kind: DOC.arrangement,
          id,
          ref: row.id,
          data: arrangement as unknown as JsonValue,
          updatedAt: ctx.now,
        });
        ctx.audit.push({
          actor,
          action: 'arrangement.set',
          target: `customer:${row.id}`,
          changes: [
            {
              field: `arrangement.${fields.channel}`,
              ...(prev ? { old: prev.data } : {}),
              new: arrangement as unknown as JsonValue,
            },
          ],
          at: ctx.now,
        });
        return arrangement;
      },
      undefined,
      actor,
    );
  }

  async function removeArrangement(customerId: string, channel: string, actor: string): Promise<void> {
    ({ actor } = who(actor));
    if (!ContactChannelSchema.safeParse(channel).success) {
      throw validationError('channel', [], `Unknown channel "${channel}"`);
    }
    await deps.write(
      undefined,
      async (ctx) => {
        const row = await requireRow(deps, ctx.tx, customerId);
        for (const ref of await idsOf(ctx.tx, row)) {
          const id = `${ref}|${channel}`;
          const [prev] = await ctx.tx.getDocuments(DOC.arrangement, [id]);
          if (!prev) continue;
          await ctx.tx.deleteDocument(DOC.arrangement, id);
          ctx.audit.push({
            actor,
            action: 'arrangement.remove',
            target: `customer:${row.id}`,
            changes: [{ field: `arrangement.${channel}`, old: prev.data }],
            at: ctx.now,
          });
        }
      },
      undefined,
      actor,
    );
  }

  async function arrangements(customerId: string): Promise<ContactArrangement[]> {
    return documentsAbout<ContactArrangement>(DOC.arrangement, customerId);
  }

  async function canContact(
    customerId: string,
    channel: string,
    purpose: string,
    at: string = deps.now(),
  ): Promise<ContactDecision> {
    if (!ContactChannelSchema.safeParse(channel).success) {
      throw validationError(
        'channel',
        [],
        `Unknown channel "${channel}"; expected one of ${ContactChannelSchema.options.join(', ')}`,
      );
    }
    if (!ContactPurposeSchema.safeParse(purpose).success) {
      throw validationError(
        'purpose',
        [],
        `Unknown purpose "${purpose}"; expected one of ${ContactPurposeSchema.options.join(', ')}`,
      );
    }
    if (Number.isNaN(Date.parse(at))) throw validationError('at', [], 'Expected an ISO 8601 timestamp');
    return deps.read(undefined, async (tx) => {
      const row = await deps.resolveActive(tx, customerId);
      if (row?.status !== 'active') {
        const [erased] = await tx.getDocuments(DOC.erasedCustomer, [customerId]);
        return erased
          ? { allowed: false, reason: 'customer-erased', detail: `Customer ${customerId} was erased.` }
          : { allowed: false, reason: 'customer-not-found', detail: `Customer ${customerId} does not exist.` };
      }
      const refs = await idsOf(tx, row);
      const ledger = (await documentsOf(tx, DOC.consent, refs)).map((d) => d.data as unknown as ConsentCapture);
      const own = (await documentsOf(tx, DOC.arrangement, refs)).map((d) => d.data as unknown as ContactArrangement);
      const customer = deps.publicCustomer(row);
      const groups = (await tx.getGroups())
        .filter((group) => deps.isGroupMember(group, customer))
        .sort((a, b) => compareStrings(a.id, b.id));
      const keys = referenceKeys(row);
      const referring = keys.length > 0 ? await tx.findRecordsByRefKeys(keys, 'interaction') : [];
      const previousContacts = referring
        .filter((r) => !r.deleted && r.data !== null)
        .map((r) => r.data as { channel: string; direction: string; occurredAt: string })
        .filter((d) => d.direction === 'outbound' && CHANNEL_OF_INTERACTION[d.channel] === channel)
        .map((d) => d.occurredAt);
      return decideContact({
        customerId: row.id,
        channel: channel as ContactChannel,
        purpose: purpose as ContactPurpose,
        at,
        ledger,
        arrangements: own,
        groups,
        previousContacts,
      });
    });
  }

  return { recordConsent, consents, setArrangement, removeArrangement, arrangements, canContact };
}

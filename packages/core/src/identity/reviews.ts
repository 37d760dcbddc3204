/**
 * Reviews and links by hand: the review queue (pairs the matcher was unsure about), accepting or rejecting an item,
 * the identity links inside a customer, and removing one.
 *
 * @module
 */
import { ConflictError, type IdentityLink, NotFoundError, type ReviewItem, type StoreTransaction } from '@crmkit/model';
import type { Hub } from '../api/hub';
import type { ActorOptions } from '../api/options';
import type { ReviewDecision } from '../api/results';
import { checkActorOptions } from '../golden/override-checks';
import { checkLimit, requireId, resolveActive } from '../runtime/customer-rows';
import type { HubRuntime } from '../runtime/hub-runtime';
import { compareStrings } from '../runtime/stable';
import { pairOf } from './links';
import { relink } from './relink';

function decidedBy(callOptions: ActorOptions): { decidedBy?: string; reason?: string } {
  return {
    ...(callOptions.actor ? { decidedBy: callOptions.actor } : {}),
    ...(callOptions.reason ? { reason: callOptions.reason } : {}),
  };
}

/** The active customers the two records are linked to now, sorted and unique. */
async function pairCustomers(tx: StoreTransaction, a: string, b: string): Promise<string[]> {
  const ids = (await tx.getRecords([a, b])).flatMap((r) => (!r.deleted && r.customerId ? [r.customerId] : []));
  return [...new Set(ids)].sort(compareStrings);
}

/** The customers of `a` and `b` after a relink (records outside it keep their stored customer). */
async function pairCustomersAfter(
  tx: StoreTransaction,
  customerOf: ReadonlyMap<string, string>,
  a: string,
  b: string,
): Promise<[string | null, string | null]> {
  const records = new Map((await tx.getRecords([a, b])).map((r) => [r.key, r]));
  const of = (key: string): string | null => {
    const record = records.get(key);
    if (!record || record.deleted) return null;
    return customerOf.get(key) ?? record.customerId;
  };
  return [of(a), of(b)];
}

/** Creates the review queue, `links()` and `unlink()` of a Hub. */
export function createReviews(rt: HubRuntime): Pick<Hub, 'reviews' | 'links' | 'unlink'> {
  /** Accepts or rejects an open review item, in one transaction. */
  async function decide(
    id: string,
    decision: 'accepted' | 'rejected',
    callOptions: ActorOptions,
  ): Promise<ReviewDecision> {
    requireId(id, 'id');
    return rt.write(callOptions.signal, async (ctx) => {
      const { tx } = ctx;
      const item = await tx.getReviewItem(id);
      if (!item) throw new NotFoundError({ entity: 'review item', id });
      if (item.status !== 'open') {
        throw new ConflictError({ message: `[crmkit/core] Review item "${id}" was already ${item.status}.` });
      }
      const records = await tx.getRecords([item.a, item.b]);
      if (decision === 'accepted' && (records.length < 2 || records.some((r) => r.deleted))) {
        throw new ConflictError({
          message: `[crmkit/core] Review item "${id}" cannot be accepted: one of its records was deleted.`,
        });
      }
      const before = await pairCustomers(tx, item.a, item.b);
      // The pair's automatic link (if the evidence grew since the item opened) makes way for the decision.
      const pairLinks = (await tx.listIdentityLinks([item.a])).filter((l) => pairOf(l.a, l.b).pairKey === item.pairKey);
      await tx.deleteIdentityLinks(pairLinks.map((l) => l.id));
      let link: IdentityLink | undefined;
      if (decision === 'accepted') {
        link = {
          id: ctx.newId('lnk'),
          a: item.a,
          b: item.b,
          kind: 'accepted',
          probability: item.probability,
          explanation: item.explanation,
          createdAt: ctx.now,
          reviewId: item.id,
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        };
        await tx.putIdentityLink(link);
      }
      const review: ReviewItem = {
        ...item,
        status: decision,
        customerIds: before.length > 0 ? before : item.customerIds,
        decidedAt: ctx.now,
        ...decidedBy(callOptions),
        ...(link ? { linkId: link.id } : {}),
      };
      await tx.putReviewItem(review);
      const linkId = link?.id ?? pairLinks[0]?.id;
      const result =
        link || pairLinks.length > 0
          ? await relink(ctx, before, new Map(), {
              kind: 'identity',
              ...(linkId ? { linkId } : {}),
              ...(callOptions.actor ? { actor: callOptions.actor } : {}),
            })
          : undefined;
      const after = await pairCustomersAfter(tx, result?.customerOf ?? new Map(), item.a, item.b);
      const customerIds = [...new Set(after.filter((c): c is string => c !== null))].sort(compareStrings);
      ctx.journal.push({
        id: ctx.newId('jrn'),
        at: ctx.now,
        kind: 'review',
        customerIds: [...new Set([...customerIds, ...before])],
        data: {
          reviewId: item.id,
          decision,
          a: item.a,
          b: item.b,
          probability: item.probability,
          before,
          after: customerIds,
          ...(link ? { linkId: link.id } : {}),
          ...(pairLinks.length > 0 ? { removedLinks: pairLinks.map((l) => l.id) } : {}),
          ...(callOptions.reason ? { reason: callOptions.reason } : {}),
        },
        ...(callOptions.actor ? { actor: callOptions.actor } : {}),
      });
      ctx.emit('review.decided', { review, decision });
      return { review, ...(link ? { link } : {}), customerIds };
    });
  }

  return {
    async links(customerId, callOptions = {}) {
      return rt.read(callOptions.signal, async (tx) => {
        const row = await resolveActive(tx, customerId);
        if (row?.status !== 'active') throw new NotFoundError({ entity: 'customer', id: customerId });
        const keys = new Set((await tx.listRecordsByCustomer([row.id])).map((r) => r.key));
        if (keys.size === 0) return [];
        return (await tx.listIdentityLinks([...keys])).filter((link) => keys.has(link.a) && keys.has(link.b));
      });
    },

    async unlink(linkId, callOptions = {}) {
      callOptions = checkActorOptions(callOptions, rt.limits);
      requireId(linkId, 'linkId');
      return rt.write(callOptions.signal, async (ctx) => {
        const { tx } = ctx;
        const link = await tx.getIdentityLink(linkId);
        if (!link) throw new NotFoundError({ entity: 'identity link', id: linkId });
        await tx.deleteIdentityLink(linkId);
        const before = await pairCustomers(tx, link.a, link.b);
        const { pairKey } = pairOf(link.a, link.b);
        const [existing] = await tx.findReviewItems([pairKey]);
        const review: ReviewItem = {
          ...(existing ?? {
            id: ctx.newId('rev'),
            a: link.a,
            b: link.b,
            pairKey,
            probability: link.probability,
            explanation: link.explanation,
            createdAt: ctx.now,
          }),
          status: 'rejected',
          customerIds: before,
          decidedAt: ctx.now,
          linkId,
          ...decidedBy(callOptions),
        };
        if (!callOptions.actor) delete review.decidedBy;
        if (!callOptions.reason) delete review.reason;
        await tx.putReviewItem(review);
        const result = await relink(ctx, before, new Map(), {
          kind: 'identity',
          linkId,
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        const after = await pairCustomersAfter(tx, result.customerOf, link.a, link.b);
        ctx.journal.push({
          id: ctx.newId('jrn'),
          at: ctx.now,
          kind: 'unlink',
          customerIds: [...new Set([...after.filter((id): id is string => id !== null), ...before])],
          data: {
            linkId,
            a: link.a,
            b: link.b,
            kind: link.kind,
            probability: link.probability,
            reviewId: review.id,
            customers: after,
            ...(callOptions.reason ? { reason: callOptions.reason } : {}),
          },
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        ctx.emit('review.decided', { review, decision: 'rejected' });
        return { linkId, review, customerIds: after };
      });
    },

    reviews: {
      async list(callOptions = {}) {
        const limit = checkLimit(callOptions.limit, 50);
        return rt.read(callOptions.signal, (tx) =>
          tx.listReviewItems({
            limit,
            ...(callOptions.status ? { status: callOptions.status } : {}),
            ...(callOptions.after === undefined ? {} : { after: callOptions.after }),
          }),
        );
      },
      async get(id, callOptions = {}) {
        return rt.read(callOptions.signal, (tx) => tx.getReviewItem(id));
      },
      async accept(id, callOptions = {}) {
        callOptions = checkActorOptions(callOptions, rt.limits);
        if (rt.host.hooks.has('link:before')) {
          const item = await rt.read(callOptions.signal, (tx) => tx.getReviewItem(id));
          if (item?.status === 'open') {
            await rt.host.before('link:before', {
              reviewId: item.id,
              a: item.a,
              b: item.b,
              probability: item.probability,
            });
          }
        }
        return decide(id, 'accepted', callOptions);
      },
      async reject(id, callOptions = {}) {
        callOptions = checkActorOptions(callOptions, rt.limits);
        return decide(id, 'rejected', callOptions);
      },
    },
  };
}

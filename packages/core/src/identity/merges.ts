/**
 * Manual merges and their exact undo: a merge link joins two customers, `unmerge` removes it and recomputes.
 *
 * @module
 */
import { ConflictError, CrmkitError, ErrorCode, type JsonValue, NotFoundError } from '@crmkit/model';
import type { Hub } from '../api/hub';
import { checkActorOptions } from '../golden/override-checks';
import { publicCustomer, requireActive, resolveActive } from '../runtime/customer-rows';
import type { HubRuntime } from '../runtime/hub-runtime';
import { relink } from './relink';

/** Creates `merge()` and `unmerge()` of a Hub. */
export function createMerges(rt: HubRuntime): Pick<Hub, 'merge' | 'unmerge'> {
  return {
    async merge(a, b, callOptions = {}) {
      callOptions = checkActorOptions(callOptions, rt.limits);
      rt.ensureOpen();
      await rt.host.before('merge:before', {
        into: a,
        from: b,
        ...(callOptions.reason ? { reason: callOptions.reason } : {}),
      });
      return rt.write(callOptions.signal, async (ctx) => {
        const rowA = await requireActive(ctx.tx, a, 'a');
        const rowB = await requireActive(ctx.tx, b, 'b');
        if (rowA.id === rowB.id)
          throw new ConflictError({ message: `[crmkit/core] Cannot merge customer "${a}" with itself.` });
        if (rowA.kind !== rowB.kind) {
          throw new ConflictError({
            message: `[crmkit/core] Cannot merge a ${rowA.kind} ("${a}") with a ${rowB.kind} ("${b}").`,
          });
        }
        const mergeId = ctx.newId('mrg');
        await ctx.tx.putMergeLink({
          id: mergeId,
          a: rowA.id,
          b: rowB.id,
          createdAt: ctx.now,
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
          ...(callOptions.reason ? { reason: callOptions.reason } : {}),
        });
        const result = await relink(ctx, [rowA.id, rowB.id], new Map(), {
          kind: 'merge',
          mergeId,
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        const into = result.merged.get(rowA.id) ?? result.merged.get(rowB.id);
        const from = result.merged.has(rowA.id) ? rowA.id : rowB.id;
        if (!into) throw new CrmkitError({ code: ErrorCode.CONFLICT, message: '[crmkit/core] Merge had no effect.' });
        ctx.journal.push({
          id: ctx.newId('jrn'),
          at: ctx.now,
          kind: 'merge',
          customerIds: [into, from],
          data: {
            mergeId,
            into,
            from,
            before: [publicCustomer(rowA), publicCustomer(rowB)] as unknown as JsonValue,
            ...(callOptions.reason ? { reason: callOptions.reason } : {}),
          },
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        return { mergeId, into, from };
      });
    },

    async unmerge(mergeId, callOptions = {}) {
      callOptions = checkActorOptions(callOptions, rt.limits);
      return rt.write(callOptions.signal, async (ctx) => {
        const link = await ctx.tx.getMergeLink(mergeId);
        if (!link) throw new NotFoundError({ entity: 'merge', id: mergeId });
        await ctx.tx.deleteMergeLink(mergeId);
        const holderA = await resolveActive(ctx.tx, link.a);
        const holderB = await resolveActive(ctx.tx, link.b);
        const seeds = [link.a, link.b, holderA?.id, holderB?.id].filter((id): id is string => Boolean(id));
        const result = await relink(ctx, seeds, new Map(), {
          kind: 'unmerge',
          mergeId,
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        const customerOfHome = (home: string): string | undefined => {
          for (const [key, h] of result.homeOf) if (h === home) return result.customerOf.get(key);
          return undefined;
        };
        const sideA = customerOfHome(link.a);
        const sideB = customerOfHome(link.b);
        if (!sideA || !sideB) {
          throw new ConflictError({
            code: ErrorCode.UNMERGE_BLOCKED,
            message: `[crmkit/core] Merge "${mergeId}" cannot be undone: one side has no live records left.`,
          });
        }
        if (sideA === sideB) {
          throw new ConflictError({
            code: ErrorCode.UNMERGE_BLOCKED,
            message: `[crmkit/core] Merge "${mergeId}" cannot be undone: "${link.a}" and "${link.b}" are still linked by shared identity keys or another merge.`,
          });
        }
        ctx.journal.push({
          id: ctx.newId('jrn'),
          at: ctx.now,
          kind: 'unmerge',
          customerIds: [sideA, sideB],
          data: { mergeId, customers: [sideA, sideB] },
          ...(callOptions.actor ? { actor: callOptions.actor } : {}),
        });
        return { mergeId, customerIds: [sideA, sideB] };
      });
    },
  };
}

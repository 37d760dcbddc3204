/** Change requests: opened by anyone, triaged by key users, escalated to and decided by the admin team. */

import {
  validationErrorFromZod,
  type ChangeRequest,
  ChangeRequestInputSchema,
  ConflictError,
  type JsonValue,
  NotFoundError,
  pagesAfterId,
} from '@crmkit/model';
import type { OperationContext } from '../runtime/operation-context';
import { DOC, LIST_PAGE, type GovernanceDeps, inputChecks, requireRow } from './deps';

/** Stores a change request (filed under its department, `-` without one). */
export async function putChange(ctx: OperationContext, request: ChangeRequest): Promise<void> {
  await ctx.tx.putDocument({
    kind: DOC.changeRequest,
    id: request.id,
    ref: request.departmentId ?? '-',
    data: request as unknown as JsonValue,
    updatedAt: ctx.now,
  });
}

/** What {@link createChangeRequestServices} needs from the Hub. */
export type ChangeRequestDeps = Pick<GovernanceDeps, 'read' | 'write' | 'resolveActive' | 'limits'>;

/**
 * The change-request services: `requestChange`, `getChange`, `listChanges` and `stepChange`.
 */
export function createChangeRequestServices(deps: ChangeRequestDeps) {
  const { checkInput } = inputChecks(deps);

  async function requestChange(
    input: unknown,
    requester: { label: string; departmentId: string | null },
  ): Promise<ChangeRequest> {
    const parsed = ChangeRequestInputSchema.safeParse(checkInput(input, 'request', 'The change request'));
    if (!parsed.success)
      throw validationErrorFromZod(parsed.error, {
        basePath: ['request'],
        message: '[crmkit/core] The change request is invalid',
      });
    const data = parsed.data;
    return deps.write(
      undefined,
      async (ctx) => {
        if (data.customerId) await requireRow(deps, ctx.tx, data.customerId);
        const request: ChangeRequest = {
          id: ctx.newId('chg'),
          kind: data.kind,
          title: data.title,
          description: data.description,
          ...(data.customerId ? { customerId: data.customerId } : {}),
          ...(data.field ? { field: data.field } : {}),
          ...(data.proposedValue !== undefined ? { proposedValue: data.proposedValue as JsonValue } : {}),
          status: 'open',
          requestedBy: requester.label,
          departmentId: requester.departmentId,
          // Without a department there is no key user to triage: straight to the admin team.
          queue: requester.departmentId ? 'key_user' : 'admin',
          createdAt: ctx.now,
          updatedAt: ctx.now,
          history: [{ at: ctx.now, actor: requester.label, action: 'opened' }],
        };
        await putChange(ctx, request);
        ctx.audit.push({
          actor: requester.label,
          action: 'change.opened',
          target: `change:${request.id}`,
          changes: [
            { field: 'status', new: 'open' },
            { field: 'queue', new: request.queue },
          ],
          at: ctx.now,
        });
        return request;
      },
      undefined,
      requester.label,
    );
  }

  async function getChange(id: string): Promise<ChangeRequest | undefined> {
    return deps.read(undefined, async (tx) => {
      const [doc] = await tx.getDocuments(DOC.changeRequest, [id]);
      return doc ? (doc.data as unknown as ChangeRequest) : undefined;
    });
  }

  async function listChanges(
    options: {
      departmentId?: string | null;
      status?: ChangeRequest['status'];
      queue?: ChangeRequest['queue'];
      limit?: number;
    } = {},
  ): Promise<ChangeRequest[]> {
    return deps.read(undefined, async (tx) => {
      const ref = options.departmentId === undefined ? undefined : (options.departmentId ?? '-');
      const out: ChangeRequest[] = [];
      const pages = pagesAfterId(
        (page) => tx.listDocuments(DOC.changeRequest, { ...(ref ? { ref } : {}), ...page }),
        LIST_PAGE,
      );
      for await (const page of pages) {
        for (const doc of page) {
          const request = doc.data as unknown as ChangeRequest;
          if (options.status && request.status !== options.status) continue;
          if (options.queue && request.queue !== options.queue) continue;
          out.push(request);
        }
        if (options.limit && out.length >= options.limit) break;
      }
      return options.limit ? out.slice(0, options.limit) : out;
    });
  }

  /**
   * Moves a change request on: `escalate` (key user -> admin team), `resolve`, `reject`, `comment`. `allowed`
   * decides with the request in hand (the scoped Hub checks the actor's department and capability there).
   */
  async function stepChange(
    id: string,
    step: 'escalate' | 'resolve' | 'reject' | 'comment',
    actor: string,
    note: string | undefined,
    allowed: (request: ChangeRequest) => void,
  ): Promise<ChangeRequest> {
    if (note !== undefined) note = checkInput(note, 'note', 'The note');
    return deps.write(
      undefined,
      async (ctx) => {
        const [doc] = await ctx.tx.getDocuments(DOC.changeRequest, [id]);
        if (!doc) throw new NotFoundError({ entity: 'change request', id });
        const request = doc.data as unknown as ChangeRequest;
        allowed(request);
        if (step !== 'comment' && (request.status === 'resolved' || request.status === 'rejected')) {
          throw new ConflictError({ message: `[crmkit/core] Change request "${id}" was already ${request.status}.` });
        }
        if (step === 'escalate' && request.queue === 'admin') {
          throw new ConflictError({ message: `[crmkit/core] Change request "${id}" is with the admin team already.` });
        }
        const action = (
          { escalate: 'escalated', resolve: 'resolved', reject: 'rejected', comment: 'commented' } as const
        )[step];
        const next: ChangeRequest = {
          ...request,
          status:
            step === 'comment'
              ? request.status
              : step === 'escalate'
                ? 'escalated'
                : action === 'resolved'
                  ? 'resolved'
                  : 'rejected',
          queue: step === 'escalate' ? 'admin' : request.queue,
          updatedAt: ctx.now,
          history: [...request.history, { at: ctx.now, actor, action, ...(note ? { note } : {}) }],
        };
        await putChange(ctx, next);
        ctx.audit.push({
          actor,
          action: `change.${action}`,
          target: `change:${id}`,
          ...(note ? { reason: note } : {}),
          changes:
            next.status === request.status && next.queue === request.queue
              ? []
              : [
                  ...(next.status !== request.status
                    ? [{ field: 'status', old: request.status, new: next.status }]
                    : []),
                  ...(next.queue !== request.queue ? [{ field: 'queue', old: request.queue, new: next.queue }] : []),
                ],
          at: ctx.now,
        });
        return next;
      },
      undefined,
      actor,
    );
  }

  return { requestChange, getChange, listChanges, stepChange };
}

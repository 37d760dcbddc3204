/**
 * The GDPR erasure (Art. 17): a person (and confirmed probable duplicates) erased from every store, then from every
 * connected system.
 */

import {
  type ChangeRequest,
  type CustomerRow,
  type ErasureReach,
  type ErasureReport,
  InvalidArgumentError,
  RECORD_DOCUMENT_KIND,
  type StoredRecord,
} from '@crmkit/model';
import type { OperationContext } from '../runtime/operation-context';
import { compareStrings } from '../runtime/stable';
import { appendAdminEntry } from './admin-actions';
import { ERASURE_ACTION, REDACTED_SEQS_FIELD } from './audit';
import { putChange } from './change-requests';
import {
  auditPagesOf,
  DOC,
  documentsOf,
  type GovernanceDeps,
  idsOf,
  inputChecks,
  referenceKeys,
  requireRow,
} from './deps';
import {
  changeRequestsAbout,
  documentsAboutRecords,
  erasedRun,
  personTokens,
  possibleMatchesOf,
  reviewItemsOf,
  workflowRunsAbout,
} from './person-data';

/** What {@link createErasureServices} needs from the Hub. */
export type ErasureDeps = Pick<GovernanceDeps, 'write' | 'resolveActive' | 'relink' | 'adapters' | 'limits'>;

/**
 * The erasure service: `erase` (audited as `gdpr.erase`, with the seqs of the entries it redacted, then
 * `gdpr.erase-report` with what each connected system did).
 */
export function createErasureServices(deps: ErasureDeps) {
  const { who } = inputChecks(deps);

  /**
   * Erases one customer inside the erasure's transaction (see {@link erase}); adds what it reached to `reach` and
   * the audit targets to redact to `targets`. Returns the records erased (for the adapters) and the person's e-mails.
   */
  async function eraseOne(
    ctx: OperationContext,
    row: CustomerRow,
    actor: string,
    reach: ErasureReach,
    targets: Set<string>,
  ): Promise<{ all: StoredRecord[]; emails: string[] }> {
    const { tx } = ctx;
    const ids = await idsOf(tx, row);
    const party = await tx.listRecordsByCustomer([row.id]);
    const keys = referenceKeys(row);
    const referring = keys.length > 0 ? (await tx.findRecordsByRefKeys(keys)).filter((r) => !r.deleted) : [];
    const all = [...party, ...referring.filter((r) => !party.some((p) => p.key === r.key))];
    const tokens = personTokens(row, ids, all);
    const emails = new Set<string>();
    for (const record of party) {
      for (const email of ((record.data as { emails?: unknown[] } | null)?.emails ?? []) as unknown[]) {
        if (typeof email === 'string') emails.add(email.trim().toLowerCase());
        else if (email && typeof email === 'object' && typeof (email as { value?: unknown }).value === 'string') {
          emails.add(
            String((email as { value: string }).value)
              .trim()
              .toLowerCase(),
          );
        }
      }
    }
    // The records become tombstones without data; their keys get erasure tombstones (no resync).
    const tombstones: StoredRecord[] = all.map((record) => ({
      ...record,
      deleted: true,
      data: null,
      contentHash: 'erased',
      matchKeys: [],
      refKeys: [],
      blockKeys: [],
      version: record.version + 1,
    }));
    for (const record of all) {
      await tx.putDocument({
        kind: DOC.erasure,
        id: record.key,
        ref: null,
        data: { erasedAt: ctx.now, system: record.source },
        updatedAt: ctx.now,
      });
    }
    reach.records += all.length;
    const identityLinks = await tx.listIdentityLinks(party.map((r) => r.key));
    await tx.deleteIdentityLinks(identityLinks.map((link) => link.id));
    reach.identityLinks += identityLinks.length;
    // Review items about the person's records lose the matcher's explanation (it carries their values); an open
    // one is rejected (its other side is only a possible match, see erase).
    const partyKeys = new Set(party.map((r) => r.key));
    const items = await reviewItemsOf(tx, partyKeys);
    for (const item of items) {
      if (targets.has(`review:${item.id}`)) continue;
      targets.add(`review:${item.id}`);
      await tx.putReviewItem({
        ...item,
        explanation: { redacted: true },
        status: item.status === 'open' ? 'rejected' : item.status,
        ...(item.status === 'open' ? { decidedAt: ctx.now, decidedBy: actor, reason: 'erased' } : {}),
      });
      reach.reviewItems += 1;
    }
    for (const link of await tx.listMergeLinks(ids)) {
      if (link.reason === undefined) continue;
      const { reason: _reason, ...kept } = link;
      await tx.putMergeLink(kept);
      reach.mergeLinks += 1;
    }
    for (const extension of await tx.getExtensions('customer', ids)) {
      await tx.deleteExtension(extension.namespace, extension.entityType, extension.entityId);
      reach.extensions += 1;
    }
    for (const override of await tx.getOverrides(ids)) {
      await tx.deleteOverride(override.customerId, override.field);
      reach.overrides += 1;
    }
    for (const doc of await documentsOf(tx, DOC.consent, ids)) {
      await tx.deleteDocument(DOC.consent, doc.id);
      reach.consents += 1;
    }
    for (const doc of await documentsOf(tx, DOC.arrangement, ids)) {
      await tx.deleteDocument(DOC.arrangement, doc.id);
      reach.arrangements += 1;
    }
    for (const request of await changeRequestsAbout(tx, ids, tokens)) {
      const open = request.status === 'open' || request.status === 'escalated';
      const erased: ChangeRequest = {
        id: request.id,
        kind: request.kind,
        title: '[erased]',
        description: '',
        ...(request.customerId ? { customerId: request.customerId } : {}),
        ...(request.field ? { field: request.field } : {}),
        status: open ? 'rejected' : request.status,
        requestedBy: request.requestedBy,
        departmentId: request.departmentId,
        queue: request.queue,
        createdAt: request.createdAt,
        updatedAt: ctx.now,
        erasedAt: ctx.now,
        history: [
          ...request.history.map(({ note: _note, ...step }) => step),
          ...(open ? [{ at: ctx.now, actor, action: 'rejected' as const }] : []),
        ],
      };
      await putChange(ctx, erased);
      reach.changeRequests.push(request.id);
      targets.add(`change:${request.id}`);
    }
    for (const run of await workflowRunsAbout(tx, tokens)) {
      await tx.putWorkflowRun(erasedRun(run, ctx.now));
      reach.workflowRuns.push(run.id);
    }
    for (const linked of await documentsAboutRecords(
      tx,
      all.map((r) => r.key),
    )) {
      if (linked.document) await tx.deleteDocument(linked.kind, linked.id);
      for (const link of linked.links) await tx.deleteDocument(RECORD_DOCUMENT_KIND, link.id);
      if (linked.document && !reach.documents.some((d) => d.kind === linked.kind && d.id === linked.id)) {
        reach.documents.push({ kind: linked.kind, id: linked.id });
      }
    }
    const nonParty = tombstones.filter((r) => !partyKeys.has(r.key));
    if (nonParty.length > 0) await tx.putRecords(nonParty);
    await deps.relink(ctx, [row.id], new Map(tombstones.filter((r) => partyKeys.has(r.key)).map((r) => [r.key, r])), {
      kind: 'ingest',
      actor,
    });
    // A deleted customer keeps its last golden record for history; an erased one keeps nothing.
    const rows = await tx.getCustomers(ids);
    await tx.putCustomers(
      rows.map((r) => ({
        ...r,
        displayName: '',
        golden: { kind: r.golden.kind, fields: {}, contactPoints: [], sources: [] },
        lookupKeys: [],
        updatedAt: ctx.now,
        version: r.version + 1,
      })),
    );
    reach.customers.push(...ids);
    reach.journalEntries += await tx.redactJournal(ids);
    reach.outboxEvents += await tx.redactOutbox([...ids, ...all.map((r) => r.key)]);
    for (const id of ids) targets.add(`customer:${id}`);
    for (const record of all) targets.add(`record:${record.key}`);
    for (const id of ids) {
      await tx.putDocument({
        kind: DOC.erasedCustomer,
        id,
        ref: row.id,
        data: { erasedAt: ctx.now, records: all.length },
        updatedAt: ctx.now,
      });
    }
    return { all, emails: [...emails] };
  }

  async function erase(
    customerId: string,
    actor: string,
    reason?: string,
    alsoErase: readonly string[] = [],
  ): Promise<ErasureReport> {
    ({ actor, reason } = who(actor, reason));
    const erased = await deps.write(
      undefined,
      async (ctx) => {
        const { tx } = ctx;
        const row = await requireRow(deps, tx, customerId);
        const reach: ErasureReach = {
          customers: [],
          probableDuplicates: [],
          possibleMatches: [],
          records: 0,
          identityLinks: 0,
          reviewItems: 0,
          mergeLinks: 0,
          overrides: 0,
          extensions: 0,
          consents: 0,
          arrangements: 0,
          changeRequests: [],
          workflowRuns: [],
          journalEntries: 0,
          auditEntries: 0,
          outboxEvents: 0,
          documents: [],
        };
        const targets = new Set<string>();
        // Probable duplicates (one hop: the other sides of the person's open review items) are only possible
        // matches: the matcher was unsure. They are reported (ids only) and erased only when the caller lists them
        // in `alsoErase` (a person confirmed the match); any other id there is refused before anything is written.
        const partyKeys = new Set((await tx.listRecordsByCustomer([row.id])).map((r) => r.key));
        const matches = await possibleMatchesOf(deps, tx, row.id, await reviewItemsOf(tx, partyKeys), partyKeys);
        for (const [index, id] of alsoErase.entries()) {
          if (!matches.some((m) => m.customerId === id)) {
            throw new InvalidArgumentError({
              argument: `alsoErase[${index}]`,
              message: `[crmkit/core] alsoErase[${index}]: "${id}" is not an open probable match of customer "${row.id}" (only customers paired with the person by an open review item can be erased with them).`,
            });
          }
        }
        const subject = await eraseOne(ctx, row, actor, reach, targets);
        const all = [...subject.all];
        const emails = new Set(subject.emails);
        for (const { customerId: dupId, reviewIds } of matches) {
          if (!alsoErase.includes(dupId)) {
            reach.possibleMatches.push({ customerId: dupId, reviewIds });
            continue;
          }
          const dupRow = await deps.resolveActive(tx, dupId);
          if (dupRow?.status !== 'active' || reach.customers.includes(dupRow.id)) continue;
          const dup = await eraseOne(ctx, dupRow, actor, reach, targets);
          all.push(...dup.all.filter((r) => !all.some((a) => a.key === r.key)));
          for (const email of dup.emails) emails.add(email);
          reach.probableDuplicates.push({
            customerId: dupRow.id,
            reviewIds,
            records: dup.all.length,
          });
        }
        // The audit entries about what was erased lose their values and reasons; the erasure entry lists their
        // seqs, which is what makes these redactions verifiable (a redaction no erasure lists is forged).
        const redactedSeqs: number[] = [];
        for (const target of [...targets].sort(compareStrings)) {
          for await (const page of auditPagesOf(tx, target)) {
            // `redactAudit` never redacts an erasure entry: it lists the redactions it authorised.
            for (const entry of page) {
              if (entry.redacted !== true && entry.action !== ERASURE_ACTION) redactedSeqs.push(entry.seq);
            }
          }
        }
        await tx.redactAudit([...targets]);
        redactedSeqs.sort((a, b) => a - b);
        reach.auditEntries = redactedSeqs.length;
        reach.customers.sort(compareStrings);
        reach.changeRequests.sort(compareStrings);
        reach.workflowRuns.sort(compareStrings);
        ctx.audit.push({
          actor,
          action: ERASURE_ACTION,
          target: `customer:${row.id}`,
          ...(reason ? { reason } : {}),
          changes: [
            { field: 'records', new: all.length },
            ...(reach.probableDuplicates.length > 0
              ? [{ field: 'probableDuplicates', new: reach.probableDuplicates.map((d) => d.customerId) }]
              : []),
            ...(reach.possibleMatches.length > 0
              ? [{ field: 'possibleMatches', new: reach.possibleMatches.map((d) => d.customerId) }]
              : []),
            { field: REDACTED_SEQS_FIELD, new: redactedSeqs },
          ],
          at: ctx.now,
        });
        const bySystem = new Map<string, { type: StoredRecord['type']; externalId: string }[]>();
        for (const record of all) {
          const list = bySystem.get(record.source) ?? [];
          list.push({ type: record.type, externalId: record.externalId });
          bySystem.set(record.source, list);
        }
        return {
          customerId: row.id,
          erasedAt: ctx.now,
          bySystem,
          emails: [...emails].sort(),
          count: all.length,
          reach,
        };
      },
      undefined,
      actor,
    );
    // Ask every connected system to erase the person too; report per system.
    const systems: ErasureReport['systems'] = [];
    for (const [system, records] of [...erased.bySystem.entries()].sort(([a], [b]) => compareStrings(a, b))) {
      const adapter = deps.adapters.find((a) => a.source === system);
      if (system.startsWith('plugin:') || system.startsWith('crmkit')) {
        systems.push({ system, records: records.length, status: 'hub-only' });
      } else if (!adapter?.erase || adapter.capabilities.erase !== true) {
        systems.push({
          system,
          records: records.length,
          status: 'not-connected',
          detail: adapter ? 'the adapter cannot erase' : 'no adapter is connected for this system',
        });
      } else {
        try {
          const result = await adapter.erase({ records, emails: erased.emails });
          systems.push({
            system,
            records: records.length,
            status: result.status,
            ...(result.detail ? { detail: result.detail } : {}),
          });
        } catch (error) {
          systems.push({
            system,
            records: records.length,
            status: 'failed',
            detail: error instanceof Error ? error.message : String(error),
          });
        }
      }
    }
    const report: ErasureReport = {
      customerId: erased.customerId,
      erasedAt: erased.erasedAt,
      records: erased.count,
      hub: erased.reach,
      systems,
    };
    await appendAdminEntry(
      deps,
      {
        action: 'gdpr.erase-report',
        target: `customer:${erased.customerId}`,
        changes: systems.map((s) => ({ field: `system.${s.system}`, new: s.status })),
      },
      actor,
    );
    return report;
  }

  return { erase };
}

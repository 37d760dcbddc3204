/** The GDPR export (Art. 15/20): everything held on a person, machine-readable. */

import type {
  AuditEntry,
  ChangeRequest,
  ConsentCapture,
  ContactArrangement,
  Customer,
  ExtensionRow,
  FieldOverride,
  IdentityLink,
  JournalEntry,
  ReviewItem,
  StoredDocument,
  StoredRecord,
  WorkflowRun,
} from '@crmkit/model';
import { appendAdminEntry } from './admin-actions';
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
  dedupeJournal,
  documentsAboutRecords,
  personTokens,
  possibleMatchesOf,
  reviewItemsOf,
  workflowRunsAbout,
} from './person-data';

/**
 * Everything held on a person (GDPR Art. 15/20), machine-readable: every store that erasure reaches has its section
 * (the table in docs/governance.md), so a person sees beforehand what an erasure will remove.
 */
export interface PersonExport {
  format: 'crmkit.person-export.v1';
  exportedAt: string;
  /** The golden record, every field with its provenance. */
  customer: Customer;
  /** Every live source record of the person (all fields, with source and observation time). */
  records: StoredRecord[];
  /** Interactions and opportunities that refer to the person. */
  activities: StoredRecord[];
  identityLinks: IdentityLink[];
  /** Review items naming one of the person's records (any status). */
  reviewItems: ReviewItem[];
  /**
   * Possible matches: active customers whose record waits in the review queue as a likely match of one of the
   * person's records (ids only: the matcher was unsure, so their data may be another person's and is not
   * exported). A person who confirmed the match can erase them with `erase(id, { alsoErase: [customerId] })`.
   */
  possibleMatches: { customerId: string; reviewIds: string[] }[];
  /** Field overrides set on the person's golden record. */
  overrides: FieldOverride[];
  /** Plugin field values (extension rows) of the person's customer ids. */
  extensions: ExtensionRow[];
  consents: ConsentCapture[];
  arrangements: ContactArrangement[];
  /** Change requests about the person (by customer id, or naming one of their ids or e-mail addresses). */
  changeRequests: ChangeRequest[];
  /** Workflow runs whose input, results or history name the person (an id, a record key, an e-mail or phone). */
  workflowRuns: WorkflowRun[];
  /**
   * Other store documents declared to be about the person's records or activities (`crmkit.record-document` links),
   * e.g. the sync engine's dead letters of their records.
   */
  documents: StoredDocument[];
  journal: JournalEntry[];
  /** Audit entries about the person, their records and their change requests. */
  audit: AuditEntry[];
}

/** What {@link createExportServices} needs from the Hub. */
export type ExportDeps = Pick<GovernanceDeps, 'read' | 'write' | 'resolveActive' | 'publicCustomer' | 'limits' | 'now'>;

/**
 * The export service: `exportPerson` (audited as `gdpr.export`).
 */
export function createExportServices(deps: ExportDeps) {
  const { who } = inputChecks(deps);

  async function exportPerson(customerId: string, actor: string): Promise<PersonExport> {
    ({ actor } = who(actor));
    const data = await deps.read(undefined, async (tx) => {
      const row = await requireRow(deps, tx, customerId);
      const ids = await idsOf(tx, row);
      const records = await tx.listRecordsByCustomer([row.id]);
      const keys = referenceKeys(row);
      const activities = keys.length > 0 ? (await tx.findRecordsByRefKeys(keys)).filter((r) => !r.deleted) : [];
      const links = await tx.listIdentityLinks(records.map((r) => r.key));
      const journal: JournalEntry[] = [];
      for (const id of ids) journal.push(...(await tx.listJournal({ customerId: id, limit: 10_000 })));
      const consentDocs = await documentsOf(tx, DOC.consent, ids);
      const arrangementDocs = await documentsOf(tx, DOC.arrangement, ids);
      const tokens = personTokens(row, ids, [...records, ...activities]);
      const changeRequests = await changeRequestsAbout(tx, ids, tokens);
      const partyKeys = new Set(records.map((r) => r.key));
      const reviewItems = await reviewItemsOf(tx, partyKeys);
      const possibleMatches = await possibleMatchesOf(deps, tx, row.id, reviewItems, partyKeys);
      // A review item pairing the person's record with a record of someone else carries that record's values in the
      // matcher's explanation: the export leaves it out.
      const exportedReviewItems = reviewItems.map((item) =>
        partyKeys.has(item.a) && partyKeys.has(item.b) ? item : { ...item, explanation: { redacted: true } },
      );
      const targets = [
        ...ids.map((id) => `customer:${id}`),
        ...records.map((r) => `record:${r.key}`),
        ...changeRequests.map((r) => `change:${r.id}`),
      ];
      const audit: AuditEntry[] = [];
      for (const target of targets) for await (const page of auditPagesOf(tx, target)) audit.push(...page);
      return {
        format: 'crmkit.person-export.v1' as const,
        exportedAt: deps.now(),
        customer: deps.publicCustomer(row),
        records,
        activities,
        identityLinks: links,
        reviewItems: exportedReviewItems,
        possibleMatches,
        overrides: await tx.getOverrides(ids),
        extensions: await tx.getExtensions('customer', ids),
        consents: consentDocs.map((d) => d.data as unknown as ConsentCapture),
        arrangements: arrangementDocs.map((d) => d.data as unknown as ContactArrangement),
        changeRequests,
        workflowRuns: await workflowRunsAbout(tx, tokens),
        documents: (
          await documentsAboutRecords(
            tx,
            [...records, ...activities].map((r) => r.key),
          )
        )
          .map((d) => d.document)
          .filter((d): d is StoredDocument => d !== undefined),
        journal: dedupeJournal(journal),
        audit: audit.sort((a, b) => a.seq - b.seq),
      };
    });
    await appendAdminEntry(deps, { action: 'gdpr.export', target: `customer:${data.customer.id}` }, actor);
    return data;
  }

  return { exportPerson };
}

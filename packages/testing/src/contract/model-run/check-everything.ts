/** The full comparison of store and model, run as a command and at the end of every run. */

import { expect } from 'vitest';
import type {
  AuditEntry,
  CustomerRow,
  ExtensionRow,
  IdentityLink,
  JournalEntry,
  ReviewItem,
  StoredDocument,
  StoredRecord,
  WorkflowRun,
} from '@crmkit/model';
import { compareStrings } from '@crmkit/model';
import { byExtensionKey, WORKFLOW_RUN_STATUSES } from '../fixtures';
import {
  allRecordKeys,
  AUDIT_TARGETS,
  auditHead,
  auditTarget,
  BLOCK_KEYS,
  blockKey,
  type Command,
  customerId,
  CUSTOMERS,
  DOCUMENT_KINDS,
  documentId,
  DOCUMENTS,
  EXTENSION_ENTITIES,
  EXTENSION_TYPES,
  extensionEntityId,
  IDENTITY_LINKS,
  identityLinkId,
  liveRecords,
  LOOKUP_KEYS,
  lookupKey,
  MATCH_KEYS,
  matchKey,
  type Model,
  PARTY_TYPES,
  type Real,
  RECORD_IDS,
  RECORD_TYPES,
  recordKey,
  REF_KEYS,
  refKey,
  REVIEW_STATUSES,
  reviewId,
  REVIEWS,
  sortedRecords,
  sortedRows,
  WORKFLOW_RUNS,
  workflowRunId,
  WORKFLOWS,
} from './model';
import { read, sides } from './specs';
import {
  auditPages,
  expectedAuditPages,
  expectedByBlockKeys,
  expectedDocuments,
  expectedExtensions,
  expectedLinks,
  expectedReviews,
  expectedWorkflowRuns,
  learnSeqs,
} from './read-commands';

export class CheckEverything implements Command {
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    await checkEverything(m, real);
  }
  toString() {
    return 'checkEverything';
  }
}

export async function checkEverything(m: Model, real: Real): Promise<void> {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const types = [undefined, ...RECORD_TYPES];
  // One query at a time: a transaction need not support concurrent calls.
  const actual = await read(real, async (tx) => {
    const byMatchKey: StoredRecord[][] = [];
    for (const i of range(MATCH_KEYS))
      byMatchKey.push(sortedRecords(await tx.findRecordsByMatchKeys([matchKey(m, i)])));
    const byRefKey: StoredRecord[][] = [];
    for (const i of range(REF_KEYS)) {
      for (const type of types) byRefKey.push(sortedRecords(await tx.findRecordsByRefKeys([refKey(m, i)], type)));
    }
    const byCustomer: StoredRecord[][] = [];
    for (const i of range(CUSTOMERS))
      byCustomer.push(sortedRecords(await tx.listRecordsByCustomer([customerId(m, i)])));
    const byLookupKey: CustomerRow[][] = [];
    for (const i of range(LOOKUP_KEYS))
      byLookupKey.push(await tx.findCustomersByLookupKeys([lookupKey(m, i)], CUSTOMERS));
    // Several keys at once: each row once, and the limit applies to the merged, ordered list.
    const allKeys = {
      matchKeys: sortedRecords(await tx.findRecordsByMatchKeys(range(MATCH_KEYS).map((i) => matchKey(m, i)))),
      refKeys: sortedRecords(await tx.findRecordsByRefKeys(range(REF_KEYS).map((i) => refKey(m, i)))),
      customers: sortedRecords(await tx.listRecordsByCustomer(range(CUSTOMERS).map((i) => customerId(m, i)))),
      lookupKeys: [] as CustomerRow[][],
    };
    for (const limit of [1, 2, 3]) {
      allKeys.lookupKeys.push(
        await tx.findCustomersByLookupKeys(
          range(LOOKUP_KEYS).map((i) => lookupKey(m, i)),
          limit,
        ),
      );
    }
    const byBlockKey: StoredRecord[][] = [];
    for (const i of range(BLOCK_KEYS)) {
      for (const type of PARTY_TYPES) {
        byBlockKey.push(await tx.findRecordsByBlockKeys([blockKey(m, i)], { type, limit: RECORD_IDS }));
      }
    }
    for (const type of PARTY_TYPES) {
      for (const limit of [1, 2]) {
        byBlockKey.push(
          await tx.findRecordsByBlockKeys(
            range(BLOCK_KEYS).map((i) => blockKey(m, i)),
            { type, limit },
          ),
        );
      }
    }
    const linksByRecord: IdentityLink[][] = [];
    for (const i of range(RECORD_IDS)) linksByRecord.push(await tx.listIdentityLinks([recordKey(m, 'person', i)]));
    const identityLinks: (IdentityLink | undefined)[] = [];
    for (const i of range(IDENTITY_LINKS)) identityLinks.push(await tx.getIdentityLink(identityLinkId(m, i)));
    const reviews: (ReviewItem | undefined)[] = [];
    for (const i of range(REVIEWS)) reviews.push(await tx.getReviewItem(reviewId(m, i)));
    const reviewsByPair: ReviewItem[][] = [];
    for (const x of range(RECORD_IDS)) {
      for (const y of range(RECORD_IDS)) {
        if (y < x) continue;
        const [a, b] = sides(m, x, y);
        reviewsByPair.push(await tx.findReviewItems([`${a}|${b}`]));
      }
    }
    const reviewsByStatus: ReviewItem[][] = [];
    for (const status of [undefined, ...REVIEW_STATUSES]) {
      reviewsByStatus.push(await tx.listReviewItems({ after: m.ns, limit: 1000, ...(status ? { status } : {}) }));
    }
    const extensions: ExtensionRow[][] = [];
    for (const type of EXTENSION_TYPES) {
      for (const i of range(EXTENSION_ENTITIES)) {
        extensions.push(byExtensionKey(await tx.getExtensions(type, [extensionEntityId(m, i)])));
      }
      extensions.push(
        byExtensionKey(
          await tx.getExtensions(
            type,
            range(EXTENSION_ENTITIES).map((i) => extensionEntityId(m, i)),
          ),
        ),
      );
    }
    const workflowRuns: (WorkflowRun | undefined)[] = [];
    for (const i of range(WORKFLOW_RUNS)) workflowRuns.push(await tx.getWorkflowRun(workflowRunId(m, i)));
    const workflowRunLists: WorkflowRun[][] = [await tx.listWorkflowRuns({ after: m.ns, limit: 1000 })];
    for (const status of WORKFLOW_RUN_STATUSES) {
      workflowRunLists.push(await tx.listWorkflowRuns({ after: m.ns, limit: 1000, status: [status] }));
    }
    for (const workflow of WORKFLOWS) {
      workflowRunLists.push(await tx.listWorkflowRuns({ after: m.ns, limit: 1000, workflow }));
    }
    const documents: StoredDocument[][] = [];
    for (const kind of DOCUMENT_KINDS) {
      documents.push(
        [
          ...(await tx.getDocuments(
            kind,
            range(DOCUMENTS).map((i) => documentId(m, i)),
          )),
        ].sort((x, y) => compareStrings(x.id, y.id)),
      );
      documents.push(await tx.listDocuments(kind, { after: m.ns, limit: 1000 }));
      for (const i of range(CUSTOMERS))
        documents.push(await tx.listDocuments(kind, { ref: customerId(m, i), limit: 1000 }));
    }
    const audit = {
      head: await tx.lastAudit(),
      pages: await auditPages(m, tx, 1000),
      pagesOfTwo: await auditPages(m, tx, 2),
      byTarget: [] as AuditEntry[][][],
    };
    for (const i of range(AUDIT_TARGETS)) audit.byTarget.push(await auditPages(m, tx, 2, auditTarget(m, i)));
    const journal: JournalEntry[][] = [];
    for (const i of range(CUSTOMERS)) journal.push(await tx.listJournal({ customerId: customerId(m, i), limit: 1000 }));
    return {
      governance: { documents, audit, journal },
      allKeys,
      byBlockKey,
      identity: { linksByRecord, identityLinks, reviews, reviewsByPair, reviewsByStatus },
      plugins: { extensions, workflowRuns, workflowRunLists },
      records: sortedRecords(await tx.getRecords(allRecordKeys(m))),
      customers: await tx.listCustomers({ after: m.ns, limit: 1000 }),
      byMatchKey,
      byRefKey,
      byCustomer,
      byLookupKey,
    };
  });
  const live = liveRecords(m);
  const active = sortedRows(m.customers.values()).filter((row) => row.status === 'active');
  const withLookupKeys = active.filter((row) => row.lookupKeys.length > 0);
  const expectedPairs: ReviewItem[][] = [];
  for (const x of range(RECORD_IDS)) {
    for (const y of range(RECORD_IDS)) {
      if (y < x) continue;
      const [a, b] = sides(m, x, y);
      expectedPairs.push(expectedReviews(m).filter((r) => r.pairKey === `${a}|${b}`));
    }
  }
  const expectedExtensionLists = EXTENSION_TYPES.flatMap((type) => [
    ...range(EXTENSION_ENTITIES).map((i) => expectedExtensions(m, type, [extensionEntityId(m, i)])),
    expectedExtensions(
      m,
      type,
      range(EXTENSION_ENTITIES).map((i) => extensionEntityId(m, i)),
    ),
  ]);
  // Strict for workflow runs, documents, audit and journal entries: an optional field left out must be gone.
  const { plugins, governance, ...rest } = actual;
  expect(governance).toStrictEqual({
    documents: DOCUMENT_KINDS.flatMap((kind) => [
      expectedDocuments(m, kind),
      expectedDocuments(m, kind),
      ...range(CUSTOMERS).map((i) => expectedDocuments(m, kind, customerId(m, i))),
    ]),
    audit: {
      head: auditHead(m),
      pages: expectedAuditPages(m, 1000),
      pagesOfTwo: expectedAuditPages(m, 2),
      byTarget: range(AUDIT_TARGETS).map((i) => expectedAuditPages(m, 2, auditTarget(m, i))),
    },
    journal: range(CUSTOMERS).map((i) => m.journal.filter((e) => e.customerIds.includes(customerId(m, i)))),
  });
  expect(plugins).toStrictEqual({
    extensions: expectedExtensionLists,
    workflowRuns: range(WORKFLOW_RUNS).map((i) => m.workflowRuns.get(workflowRunId(m, i))),
    workflowRunLists: [
      expectedWorkflowRuns(m),
      ...WORKFLOW_RUN_STATUSES.map((status) => expectedWorkflowRuns(m, [status])),
      ...WORKFLOWS.map((workflow) => expectedWorkflowRuns(m, undefined, workflow)),
    ],
  });
  expect(rest).toEqual({
    byBlockKey: [
      ...range(BLOCK_KEYS).flatMap((i) =>
        PARTY_TYPES.map((type) => expectedByBlockKeys(m, [blockKey(m, i)], type, RECORD_IDS)),
      ),
      ...PARTY_TYPES.flatMap((type) =>
        [1, 2].map((limit) =>
          expectedByBlockKeys(
            m,
            range(BLOCK_KEYS).map((i) => blockKey(m, i)),
            type,
            limit,
          ),
        ),
      ),
    ],
    identity: {
      linksByRecord: range(RECORD_IDS).map((i) => expectedLinks(m, [recordKey(m, 'person', i)])),
      identityLinks: range(IDENTITY_LINKS).map((i) => m.identityLinks.get(identityLinkId(m, i))),
      reviews: range(REVIEWS).map((i) => m.reviews.get(reviewId(m, i))),
      reviewsByPair: expectedPairs,
      reviewsByStatus: [undefined, ...REVIEW_STATUSES].map((status) => expectedReviews(m, status)),
    },
    allKeys: {
      matchKeys: sortedRecords(live.filter((r) => r.matchKeys.length > 0)),
      refKeys: sortedRecords(live.filter((r) => r.refKeys.length > 0)),
      customers: sortedRecords(live.filter((r) => r.customerId !== null)),
      lookupKeys: [1, 2, 3].map((limit) => withLookupKeys.slice(0, limit)),
    },
    records: sortedRecords(m.records.values()),
    customers: sortedRows(m.customers.values()),
    byMatchKey: range(MATCH_KEYS).map((i) => sortedRecords(live.filter((r) => r.matchKeys.includes(matchKey(m, i))))),
    byRefKey: range(REF_KEYS).flatMap((i) =>
      types.map((type) =>
        sortedRecords(live.filter((r) => r.refKeys.includes(refKey(m, i)) && (type === undefined || r.type === type))),
      ),
    ),
    byCustomer: range(CUSTOMERS).map((i) => sortedRecords(live.filter((r) => r.customerId === customerId(m, i)))),
    byLookupKey: range(LOOKUP_KEYS).map((i) => active.filter((row) => row.lookupKeys.includes(lookupKey(m, i)))),
  });
  await learnSeqs(m, real, 100);
}

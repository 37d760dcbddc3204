/**
 * The model-based test of the store conformance suite: fast-check generates random sequences of writes (records,
 * tombstones, customers, status changes, outbox appends, identity links, review items, plugin extension rows, workflow
 * runs, journal entries, audit entries, governance documents, and redactions of the audit log, the journal and the
 * outbox, some in transactions that then throw) and reads, runs them against the store and against a simple
 * in-memory model of the contract, and compares every read.
 *
 * Each run works in its own namespace (source, keys and ids start with `m000001`...), so runs share one store
 * without seeing each other: earlier runs' customer ids all sort before the current namespace, the outbox is read
 * from the last seq of the previous run and the audit log from the head the run started at. Internal to
 * `@crmkit/testing`.
 *
 * @module
 */

import fc from 'fast-check';
import type { Store } from '@crmkit/model';
import { WORKFLOW_RUN_STATUSES } from './fixtures';
import {
  AUDIT_TARGETS,
  BLOCK_KEYS,
  type Command,
  CUSTOMERS,
  DOCUMENT_KINDS,
  DOCUMENTS,
  EXTENSION_ENTITIES,
  EXTENSION_TYPES,
  IDENTITY_LINKS,
  LOOKUP_KEYS,
  MATCH_KEYS,
  MAX_COMMANDS,
  type Model,
  PARTY_TYPES,
  type Real,
  RECORD_IDS,
  RECORD_TYPES,
  REF_KEYS,
  REVIEW_STATUSES,
  STATUSES,
  WORKFLOW_RUNS,
  WORKFLOWS,
} from './model-run/model';
import {
  customerSpecArb,
  extensionSpecArb,
  failArb,
  linkSpecArb,
  read,
  recordSpecArb,
  reviewSpecArb,
  workflowRunSpecArb,
} from './model-run/specs';
import {
  AdvanceWorkflowRun,
  AppendOutbox,
  DeleteExtension,
  DeleteIdentityLink,
  DeleteIdentityLinks,
  PutCustomers,
  PutExtension,
  PutIdentityLink,
  PutIdentityLinks,
  PutRecords,
  PutReviewItem,
  PutWorkflowRun,
  SetStatus,
} from './model-run/write-commands';
import {
  AppendAudit,
  AppendJournal,
  DeleteDocument,
  documentSpecArb,
  PutDocument,
  RedactAudit,
  RedactJournal,
  RedactOutbox,
} from './model-run/governance-commands';
import {
  FindCustomersByLookupKeys,
  FindRecordsByBlockKeys,
  FindRecordsByMatchKeys,
  FindRecordsByRefKeys,
  GetExtensions,
  ListAuditPages,
  ListCustomerPages,
  ListDocumentPages,
  ListIdentityLinks,
  ListOutbox,
  ListRecordsByCustomer,
  ListReviewPages,
  ListWorkflowRunPages,
} from './model-run/read-commands';
import { CheckEverything, checkEverything } from './model-run/check-everything';

const indexes = (max: number) => fc.uniqueArray(fc.nat(max - 1), { minLength: 1, maxLength: 3 });

const putRecordsArb: fc.Arbitrary<Command> = fc
  .tuple(fc.uniqueArray(recordSpecArb, { minLength: 1, maxLength: 3, selector: (s) => `${s.type}/${s.id}` }), failArb)
  .map(([specs, fail]) => new PutRecords(specs, fail));

const writeArbs: fc.Arbitrary<Command>[] = [
  putRecordsArb,
  fc
    .tuple(fc.uniqueArray(customerSpecArb, { minLength: 1, maxLength: 3, selector: (s) => s.id }), failArb)
    .map(([specs, fail]) => new PutCustomers(specs, fail)),
  fc
    .tuple(fc.nat(CUSTOMERS - 1), fc.constantFrom(...STATUSES), failArb)
    .map(([customer, status, fail]) => new SetStatus(customer, status, fail)),
  fc
    .tuple(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }), failArb)
    .map(([batches, fail]) => new AppendOutbox(batches, fail)),
  fc.tuple(linkSpecArb, failArb).map(([spec, fail]) => new PutIdentityLink(spec, fail)),
  fc.tuple(fc.nat(IDENTITY_LINKS - 1), failArb).map(([id, fail]) => new DeleteIdentityLink(id, fail)),
  fc
    .tuple(fc.array(linkSpecArb, { minLength: 0, maxLength: 4 }), failArb)
    .map(([specs, fail]) => new PutIdentityLinks(specs, fail)),
  fc
    .tuple(fc.array(fc.nat(IDENTITY_LINKS - 1), { minLength: 0, maxLength: 4 }), failArb)
    .map(([ids, fail]) => new DeleteIdentityLinks(ids, fail)),
  fc.tuple(reviewSpecArb, failArb).map(([spec, fail]) => new PutReviewItem(spec, fail)),
  fc.tuple(extensionSpecArb, failArb).map(([spec, fail]) => new PutExtension(spec, fail)),
  fc.tuple(extensionSpecArb, failArb).map(([spec, fail]) => new DeleteExtension(spec, fail)),
  fc.tuple(workflowRunSpecArb, failArb).map(([spec, fail]) => new PutWorkflowRun(spec, fail)),
  fc.tuple(fc.nat(WORKFLOW_RUNS - 1), failArb).map(([id, fail]) => new AdvanceWorkflowRun(id, fail)),
];

/** Writes of governance data: documents, audit entries, journal entries, and redactions. */
const governanceWriteArbs: fc.Arbitrary<Command>[] = [
  fc.tuple(documentSpecArb, failArb).map(([spec, fail]) => new PutDocument(spec, fail)),
  fc
    .tuple(fc.constantFrom(...DOCUMENT_KINDS), fc.nat(DOCUMENTS - 1), failArb)
    .map(([kind, id, fail]) => new DeleteDocument(kind, id, fail)),
  fc
    .tuple(
      fc.array(fc.nat(AUDIT_TARGETS - 1), { minLength: 1, maxLength: 3 }),
      fc.nat(3).map((n) => n > 0),
      failArb,
    )
    .map(([targets, reason, fail]) => new AppendAudit(targets, reason, fail)),
  fc.tuple(indexes(AUDIT_TARGETS), failArb).map(([targets, fail]) => new RedactAudit(targets, fail)),
  fc
    .tuple(fc.array(indexes(CUSTOMERS), { minLength: 1, maxLength: 3 }), failArb)
    .map(([entries, fail]) => new AppendJournal(entries, fail)),
  fc.tuple(indexes(CUSTOMERS), failArb).map(([customers, fail]) => new RedactJournal(customers, fail)),
  fc.tuple(indexes(CUSTOMERS), failArb).map(([customers, fail]) => new RedactOutbox(customers, fail)),
];

const readArbs: fc.Arbitrary<Command>[] = [
  indexes(MATCH_KEYS).map((keys) => new FindRecordsByMatchKeys(keys)),
  fc
    .tuple(indexes(REF_KEYS), fc.option(fc.constantFrom(...RECORD_TYPES), { nil: undefined }))
    .map(([keys, type]) => new FindRecordsByRefKeys(keys, type)),
  indexes(CUSTOMERS).map((ids) => new ListRecordsByCustomer(ids)),
  fc
    .tuple(indexes(LOOKUP_KEYS), fc.integer({ min: 1, max: 4 }))
    .map(([keys, limit]) => new FindCustomersByLookupKeys(keys, limit)),
  fc
    .tuple(fc.integer({ min: 1, max: 4 }), fc.option(fc.constantFrom(...STATUSES), { nil: undefined }))
    .map(([limit, status]) => new ListCustomerPages(limit, status)),
  fc.tuple(fc.nat(50), fc.integer({ min: 1, max: 5 })).map(([from, limit]) => new ListOutbox(from, limit)),
  fc
    .tuple(indexes(BLOCK_KEYS), fc.constantFrom(...PARTY_TYPES), fc.integer({ min: 1, max: 4 }))
    .map(([keys, type, limit]) => new FindRecordsByBlockKeys(keys, type, limit)),
  indexes(RECORD_IDS).map((records) => new ListIdentityLinks(records)),
  fc
    .tuple(fc.integer({ min: 1, max: 3 }), fc.option(fc.constantFrom(...REVIEW_STATUSES), { nil: undefined }))
    .map(([limit, status]) => new ListReviewPages(limit, status)),
  fc
    .tuple(fc.constantFrom(...EXTENSION_TYPES), indexes(EXTENSION_ENTITIES))
    .map(([type, entities]) => new GetExtensions(type, entities)),
  fc
    .tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.option(fc.uniqueArray(fc.constantFrom(...WORKFLOW_RUN_STATUSES), { minLength: 1, maxLength: 3 }), {
        nil: undefined,
      }),
      fc.option(fc.constantFrom(...WORKFLOWS), { nil: undefined }),
    )
    .map(([limit, status, workflow]) => new ListWorkflowRunPages(limit, status, workflow)),
  fc
    .tuple(
      fc.constantFrom(...DOCUMENT_KINDS),
      fc.option(fc.nat(CUSTOMERS - 1), { nil: undefined }),
      fc.integer({ min: 1, max: 3 }),
    )
    .map(([kind, ref, limit]) => new ListDocumentPages(kind, ref, limit)),
  fc
    .tuple(fc.integer({ min: 1, max: 3 }), fc.option(fc.nat(AUDIT_TARGETS - 1), { nil: undefined }))
    .map(([limit, target]) => new ListAuditPages(limit, target)),
  fc.constant(new CheckEverything()),
];

/**
 * Writes are listed twice, so a sequence builds up state before most reads, record writes (which every index check
 * needs, replacements most of all) three times; governance writes once, so they do not crowd out the rest.
 */
const commandArbs: fc.Arbitrary<Command>[] = [
  ...writeArbs,
  ...writeArbs,
  putRecordsArb,
  ...governanceWriteArbs,
  ...readArbs,
];

/**
 * Runs the model-based test against `store`: `numRuns` random command sequences, each in its own namespace.
 * Throws (with fast-check's shrunk counterexample and seed) when the store and the model disagree.
 */
export async function runStoreModel(
  store: Store,
  options: { numRuns: number; endOnFailure?: boolean; seed?: number },
): Promise<void> {
  const { numRuns, endOnFailure = false, seed } = options;
  let run = 0;
  let lastSeq: number | undefined;
  const real: Real = { store };

  /** The last seq in the store now (earlier runs may have ended half-way). */
  async function currentLastSeq(): Promise<number | undefined> {
    let last = lastSeq;
    for (;;) {
      const after = last;
      const page = await read(real, (tx) => tx.listOutbox({ limit: 100, ...(after === undefined ? {} : { after }) }));
      if (page.length === 0) return last;
      last = page[page.length - 1]!.seq;
    }
  }

  await fc.assert(
    fc.asyncProperty(fc.commands(commandArbs, { maxCommands: MAX_COMMANDS, size: 'medium' }), async (commands) => {
      const base = await currentLastSeq();
      const auditBase = await read(real, (tx) => tx.lastAudit());
      const model: Model = {
        ns: `m${String(++run).padStart(6, '0')}`,
        records: new Map(),
        customers: new Map(),
        identityLinks: new Map(),
        reviews: new Map(),
        extensions: new Map(),
        workflowRuns: new Map(),
        documents: new Map(),
        audit: [],
        auditBase,
        journal: [],
        nextJournal: 0,
        outbox: [],
        payloads: new Map(),
        seqs: new Map(),
        base,
        nextEvent: 0,
        nextVersion: 0,
      };
      await fc.asyncModelRun(() => ({ model, real }), commands);
      await checkEverything(model, real);
      lastSeq = model.outbox.length > 0 ? model.seqs.get(model.outbox[model.outbox.length - 1]!) : base;
    }),
    { numRuns, endOnFailure, ...(seed === undefined ? {} : { seed }) },
  );
}

/**
 * Finding what the store holds about a person (tokens, change requests, workflow runs, linked documents, review
 * items, possible matches), shared by the GDPR export and erasure.
 */

import {
  type ChangeRequest,
  type CustomerRow,
  type JournalEntry,
  type JsonValue,
  RECORD_DOCUMENT_KIND,
  type ReviewItem,
  type StoredDocument,
  type StoredRecord,
  type StoreTransaction,
  type WorkflowRun,
  pagesAfterId,
} from '@crmkit/model';
import { parseLookupKey } from '../runtime/lookup-keys';
import { compareStrings } from '../runtime/stable';
import { isTerminalRunStatus } from '../workflows';
import { DOC, LIST_PAGE, type GovernanceDeps } from './deps';

/** What a redacted workflow input or step result becomes. */
const REDACTED_VALUE: JsonValue = { redacted: true };

/**
 * The lowercase strings that identify a person in free-form JSON (workflow inputs, change requests): customer ids,
 * record keys, and the e-mail addresses and phone numbers of the golden record and its lookup keys.
 */
export function personTokens(row: CustomerRow, ids: readonly string[], records: readonly StoredRecord[]): Set<string> {
  const tokens = new Set<string>();
  for (const id of ids) tokens.add(id.toLowerCase());
  for (const record of records) tokens.add(record.key.toLowerCase());
  for (const key of row.lookupKeys) {
    const parsed = parseLookupKey(key);
    if (parsed?.kind === 'email' || parsed?.kind === 'phone') tokens.add(parsed.value.toLowerCase());
  }
  for (const point of row.golden.contactPoints) {
    if (point.kind !== 'email' && point.kind !== 'phone') continue;
    tokens.add(point.value.trim().toLowerCase());
    tokens.add(point.normalized.trim().toLowerCase());
  }
  tokens.delete('');
  return tokens;
}

/** True when `value` holds one of `tokens` as a whole string value (trimmed, case-insensitive), at any depth. */
export function mentionsToken(value: unknown, tokens: ReadonlySet<string>): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      if (tokens.has(current.trim().toLowerCase())) return true;
    } else if (Array.isArray(current)) {
      for (const item of current) stack.push(item);
    } else if (current !== null && typeof current === 'object') {
      for (const item of Object.values(current)) stack.push(item);
    }
  }
  return false;
}

/** True when free text names one of the e-mail `tokens` (those with an `@`), case-insensitive. */
export function textNamesEmail(text: string, tokens: ReadonlySet<string>): boolean {
  const lower = text.toLowerCase();
  for (const token of tokens) if (token.includes('@') && lower.includes(token)) return true;
  return false;
}

/** Change requests about a person: by customer id, or naming one of their tokens (see {@link personTokens}). */
export async function changeRequestsAbout(
  tx: StoreTransaction,
  ids: readonly string[],
  tokens: ReadonlySet<string>,
): Promise<ChangeRequest[]> {
  const out: ChangeRequest[] = [];
  for await (const page of pagesAfterId((request) => tx.listDocuments(DOC.changeRequest, request), LIST_PAGE)) {
    for (const doc of page) {
      const request = doc.data as unknown as ChangeRequest;
      if (
        (request.customerId && ids.includes(request.customerId)) ||
        mentionsToken(request.proposedValue ?? null, tokens) ||
        textNamesEmail(`${request.title}\n${request.description}`, tokens) ||
        request.history.some((step) => step.note !== undefined && textNamesEmail(step.note, tokens))
      ) {
        out.push(request);
      }
    }
  }
  return out;
}

/**
 * Documents declared to be about one of `recordKeys` through {@link RECORD_DOCUMENT_KIND} links (e.g. the sync
 * engine's dead letters), each with its links; a link whose document is gone comes with `document` undefined.
 */
export async function documentsAboutRecords(
  tx: StoreTransaction,
  recordKeys: readonly string[],
): Promise<{ kind: string; id: string; document: StoredDocument | undefined; links: StoredDocument[] }[]> {
  const byDoc = new Map<string, { kind: string; id: string; links: StoredDocument[] }>();
  for (const key of recordKeys) {
    const pages = pagesAfterId(
      (request) => tx.listDocuments(RECORD_DOCUMENT_KIND, { ref: key, ...request }),
      LIST_PAGE,
    );
    for await (const page of pages) {
      for (const link of page) {
        const { kind, id } = link.data as { kind?: unknown; id?: unknown };
        if (typeof kind !== 'string' || typeof id !== 'string') continue;
        const entry = byDoc.get(`${kind}|${id}`) ?? { kind, id, links: [] };
        entry.links.push(link);
        byDoc.set(`${kind}|${id}`, entry);
      }
    }
  }
  const out: { kind: string; id: string; document: StoredDocument | undefined; links: StoredDocument[] }[] = [];
  for (const entry of [...byDoc.values()].sort((a, b) => compareStrings(`${a.kind}|${a.id}`, `${b.kind}|${b.id}`))) {
    const [document] = await tx.getDocuments(entry.kind, [entry.id]);
    out.push({ ...entry, document });
  }
  return out;
}

/** Workflow runs whose input, results, history or error name one of the person's tokens, by id. */
export async function workflowRunsAbout(tx: StoreTransaction, tokens: ReadonlySet<string>): Promise<WorkflowRun[]> {
  const out: WorkflowRun[] = [];
  for await (const page of pagesAfterId((request) => tx.listWorkflowRuns(request), LIST_PAGE)) {
    for (const run of page) {
      if (mentionsToken([run.input, run.results, run.history, run.error ?? null] as unknown, tokens)) out.push(run);
    }
  }
  return out;
}

/**
 * A workflow run after the erasure of the person it was about: input and step results redacted, error messages
 * (which may quote data) replaced; an unfinished run is failed with code `ERASED` and its lease released, so no
 * worker carries on with the person's data (a worker's next write finds the run finished and stops).
 */
export function erasedRun(run: WorkflowRun, now: string): WorkflowRun {
  const finished = isTerminalRunStatus(run.status);
  const { leaseOwner: _owner, leaseUntil: _until, notBefore: _notBefore, error, ...rest } = run;
  const erasedError = error ? { ...error, message: '[erased]' } : undefined;
  return {
    ...rest,
    input: REDACTED_VALUE,
    results: Object.fromEntries(Object.keys(run.results).map((step) => [step, REDACTED_VALUE])),
    history: run.history.map((entry) =>
      entry.error ? { ...entry, error: { code: entry.error.code, message: '[erased]' } } : entry,
    ),
    ...(finished
      ? erasedError
        ? { error: erasedError }
        : {}
      : {
          status: 'failed' as const,
          error: { code: 'ERASED', message: 'The person this run was about was erased (GDPR Art. 17).' },
          finishedAt: now,
        }),
    updatedAt: now,
    version: run.version + 1,
  };
}

/** Review items naming any of these record keys, any status, by id. */
export async function reviewItemsOf(tx: StoreTransaction, recordKeys: ReadonlySet<string>): Promise<ReviewItem[]> {
  if (recordKeys.size === 0) return [];
  const out: ReviewItem[] = [];
  for await (const page of pagesAfterId((request) => tx.listReviewItems(request), LIST_PAGE))
    for (const item of page) if (recordKeys.has(item.a) || recordKeys.has(item.b)) out.push(item);
  return out;
}

/**
 * The probable duplicates of a person: for each open review item pairing one of the person's records with a live
 * record of another customer, that customer id, with the items. Sorted by customer id.
 */
export async function probableDuplicatesOf(
  tx: StoreTransaction,
  customerId: string,
  items: readonly ReviewItem[],
  partyKeys: ReadonlySet<string>,
): Promise<Map<string, ReviewItem[]>> {
  const others = new Map<string, ReviewItem[]>();
  for (const item of items) {
    if (item.status !== 'open') continue;
    const other = partyKeys.has(item.a) ? item.b : item.a;
    if (partyKeys.has(other)) continue;
    others.set(other, [...(others.get(other) ?? []), item]);
  }
  const byCustomer = new Map<string, ReviewItem[]>();
  for (const record of await tx.getRecords([...others.keys()])) {
    if (record.deleted || record.customerId === null || record.customerId === customerId) continue;
    byCustomer.set(record.customerId, [...(byCustomer.get(record.customerId) ?? []), ...others.get(record.key)!]);
  }
  return new Map([...byCustomer.entries()].sort(([a], [b]) => compareStrings(a, b)));
}

/**
 * The possible matches of a person (ids only): the active customers among {@link probableDuplicatesOf}, with the ids
 * of the open review items that pair them with the person.
 */
export async function possibleMatchesOf(
  deps: Pick<GovernanceDeps, 'resolveActive'>,
  tx: StoreTransaction,
  customerId: string,
  items: readonly ReviewItem[],
  partyKeys: ReadonlySet<string>,
): Promise<{ customerId: string; reviewIds: string[] }[]> {
  const out: { customerId: string; reviewIds: string[] }[] = [];
  for (const [dupId, dupItems] of await probableDuplicatesOf(tx, customerId, items, partyKeys)) {
    const dupRow = await deps.resolveActive(tx, dupId);
    if (dupRow?.status !== 'active' || dupRow.id === customerId || out.some((m) => m.customerId === dupRow.id))
      continue;
    out.push({ customerId: dupRow.id, reviewIds: dupItems.map((i) => i.id).sort(compareStrings) });
  }
  return out;
}

/** Journal entries once each (by id), in time order. */
export function dedupeJournal(entries: JournalEntry[]): JournalEntry[] {
  const seen = new Map<string, JournalEntry>();
  for (const entry of entries) seen.set(entry.id, entry);
  return [...seen.values()].sort((a, b) => compareStrings(a.at, b.at) || compareStrings(a.id, b.id));
}

import {
  type Adapter,
  type AuditEntry,
  type ChangeRequest,
  ChangeRequestInputSchema,
  ConflictError,
  type ConsentCapture,
  type ContactArrangement,
  type ContactChannel,
  ContactChannelSchema,
  type ContactDecision,
  type ContactPurpose,
  ContactPurposeSchema,
  type Customer,
  type CustomerRow,
  DEFAULT_INPUT_LIMITS,
  type ErasureReach,
  type ErasureReport,
  type ExtensionRow,
  type FieldOverride,
  formatPath,
  type IdentityLink,
  type InputLimits,
  InvalidArgumentError,
  type JournalEntry,
  type JsonValue,
  NotFoundError,
  type Policy,
  RECORD_DOCUMENT_KIND,
  type RetentionPolicy,
  type ReviewItem,
  RetentionPolicySchema,
  type StoredDocument,
  type StoredRecord,
  type StoreTransaction,
  ValidationError,
  type WorkflowRun,
} from '@crmkit/model';
import type { RelinkReason, RelinkResult } from '../identity/relink';
import type { OperationContext } from '../runtime/operation-context';
import { parseLookupKey, referenceKeysOf } from '../runtime/lookup-keys';
import { outOfBounds } from '../ingest/ingest-checks';
import { checkActorOptions, checkValueLimits } from '../golden/override-checks';
import { compareStrings } from '../runtime/stable';
import { isTerminalRunStatus } from '../workflows';
import { ERASURE_ACTION, REDACTED_SEQS_FIELD } from './audit';
import type { AuditChange } from '@crmkit/model';
import { decideContact, parseArrangement, parseConsentCapture } from './contact';
import { parsePolicy } from './policy';

/** Document kinds the Hub keeps governance data in. */
export const DOC = {
  policyHead: 'policy-head',
  policy: 'policy',
  consent: 'consent',
  arrangement: 'arrangement',
  changeRequest: 'change-request',
  /** One per erased record key: a later sync of that record is refused. */
  erasure: 'erasure',
  /** One per erased customer id. */
  erasedCustomer: 'erased-customer',
  /** One per installed plugin (name), with its version. */
  plugin: 'plugin',
} as const;

/** The kind of the erasure tombstones checked on every ingest. */
export const ERASURE_KIND = DOC.erasure;

/** What the governance services need from the Hub. */
export interface GovernanceDeps {
  write<T>(signal: undefined, fn: (ctx: OperationContext) => Promise<T>, origin?: string, actor?: string): Promise<T>;
  read<T>(signal: undefined, fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  resolveActive(tx: StoreTransaction, id: string): Promise<CustomerRow | undefined>;
  relink(
    ctx: OperationContext,
    seeds: Iterable<string>,
    changed: ReadonlyMap<string, StoredRecord>,
    reason: RelinkReason,
  ): Promise<RelinkResult>;
  publicCustomer(row: CustomerRow): Customer;
  isGroupMember(group: import('@crmkit/model').CustomerGroup, customer: Customer): boolean;
  defaultPolicy: Policy;
  adapters: readonly Adapter[];
  /** The Hub's input limits and text policy, applied to every governance input before it is parsed or stored. */
  limits: InputLimits;
  now(): string;
  newId(prefix: string): string;
}

/** The policy in force: the stored head, else the Hub's configured default. */
export async function loadPolicy(tx: StoreTransaction, fallback: Policy): Promise<Policy> {
  const [head] = await tx.getDocuments(DOC.policyHead, ['current']);
  return head ? (head.data as unknown as Policy) : fallback;
}

/** The customer ids whose governance documents belong to a customer: its id and the homes of its records. */
async function idsOf(tx: StoreTransaction, row: CustomerRow): Promise<string[]> {
  const ids = new Set<string>([row.id]);
  for (const record of await tx.listRecordsByCustomer([row.id])) if (record.homeId) ids.add(record.homeId);
  return [...ids].sort(compareStrings);
}

async function documentsOf(tx: StoreTransaction, kind: string, refs: readonly string[]): Promise<StoredDocument[]> {
  const out: StoredDocument[] = [];
  for (const ref of refs) {
    let after: string | undefined;
    for (;;) {
      const page = await tx.listDocuments(kind, { ref, limit: 500, ...(after ? { after } : {}) });
      out.push(...page);
      if (page.length < 500) break;
      after = page[page.length - 1]!.id;
    }
  }
  return out;
}

async function requireRow(deps: GovernanceDeps, tx: StoreTransaction, id: string): Promise<CustomerRow> {
  const row = await deps.resolveActive(tx, id);
  if (row?.status !== 'active') throw new NotFoundError({ entity: 'customer', id });
  return row;
}

/** Interaction channels that count as contact on a contact channel (for frequency caps). */
const CHANNEL_OF_INTERACTION: Record<string, ContactChannel> = {
  email: 'email',
  phone: 'phone',
  sms: 'sms',
  whatsapp: 'whatsapp',
  letter: 'post',
  in_person: 'visit',
};

function referenceKeys(row: CustomerRow): string[] {
  return referenceKeysOf(row.lookupKeys);
}

function validationError(root: string, path: (string | number)[], message: string): ValidationError {
  const full = [root, ...path];
  return new ValidationError({
    message: `[crmkit/core] ${formatPath(full)}: ${message}`,
    issues: [{ path: full, pathString: formatPath(full), message, issueCode: 'custom' }],
  });
}

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

/** What a redacted workflow input or step result becomes. */
const REDACTED_VALUE: JsonValue = { redacted: true };

/**
 * The lowercase strings that identify a person in free-form JSON (workflow inputs, change requests): customer ids,
 * record keys, and the e-mail addresses and phone numbers of the golden record and its lookup keys.
 */
function personTokens(row: CustomerRow, ids: readonly string[], records: readonly StoredRecord[]): Set<string> {
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
function mentionsToken(value: unknown, tokens: ReadonlySet<string>): boolean {
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
function textNamesEmail(text: string, tokens: ReadonlySet<string>): boolean {
  const lower = text.toLowerCase();
  for (const token of tokens) if (token.includes('@') && lower.includes(token)) return true;
  return false;
}

/** Change requests about a person: by customer id, or naming one of their tokens (see {@link personTokens}). */
async function changeRequestsAbout(
  tx: StoreTransaction,
  ids: readonly string[],
  tokens: ReadonlySet<string>,
): Promise<ChangeRequest[]> {
  const out: ChangeRequest[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await tx.listDocuments(DOC.changeRequest, { limit: 500, ...(after ? { after } : {}) });
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
    if (page.length < 500) break;
    after = page[page.length - 1]!.id;
  }
  return out;
}

/**
 * Documents declared to be about one of `recordKeys` through {@link RECORD_DOCUMENT_KIND} links (e.g. the sync
 * engine's dead letters), each with its links; a link whose document is gone comes with `document` undefined.
 */
async function documentsAboutRecords(
  tx: StoreTransaction,
  recordKeys: readonly string[],
): Promise<{ kind: string; id: string; document: StoredDocument | undefined; links: StoredDocument[] }[]> {
  const byDoc = new Map<string, { kind: string; id: string; links: StoredDocument[] }>();
  for (const key of recordKeys) {
    let after: string | undefined;
    for (;;) {
      const page = await tx.listDocuments(RECORD_DOCUMENT_KIND, { ref: key, limit: 500, ...(after ? { after } : {}) });
      for (const link of page) {
        const { kind, id } = link.data as { kind?: unknown; id?: unknown };
        if (typeof kind !== 'string' || typeof id !== 'string') continue;
        const entry = byDoc.get(`${kind}|${id}`) ?? { kind, id, links: [] };
        entry.links.push(link);
        byDoc.set(`${kind}|${id}`, entry);
      }
      if (page.length < 500) break;
      after = page[page.length - 1]!.id;
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
async function workflowRunsAbout(tx: StoreTransaction, tokens: ReadonlySet<string>): Promise<WorkflowRun[]> {
  const out: WorkflowRun[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await tx.listWorkflowRuns({ limit: 500, ...(after ? { after } : {}) });
    for (const run of page) {
      if (mentionsToken([run.input, run.results, run.history, run.error ?? null] as unknown, tokens)) out.push(run);
    }
    if (page.length < 500) break;
    after = page[page.length - 1]!.id;
  }
  return out;
}

/**
 * A workflow run after the erasure of the person it was about: input and step results redacted, error messages
 * (which may quote data) replaced; an unfinished run is failed with code `ERASED` and its lease released, so no
 * worker carries on with the person's data (a worker's next write finds the run finished and stops).
 */
function erasedRun(run: WorkflowRun, now: string): WorkflowRun {
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
async function reviewItemsOf(tx: StoreTransaction, recordKeys: ReadonlySet<string>): Promise<ReviewItem[]> {
  if (recordKeys.size === 0) return [];
  const out: ReviewItem[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await tx.listReviewItems({ limit: 500, ...(after ? { after } : {}) });
    for (const item of page) if (recordKeys.has(item.a) || recordKeys.has(item.b)) out.push(item);
    if (page.length < 500) break;
    after = page[page.length - 1]!.id;
  }
  return out;
}

/**
 * The probable duplicates of a person: for each open review item pairing one of the person's records with a live
 * record of another customer, that customer id, with the items. Sorted by customer id.
 */
async function probableDuplicatesOf(
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
async function possibleMatchesOf(
  deps: GovernanceDeps,
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

/** What a retention run purged. */
export interface PurgeReport {
  at: string;
  /** Records tombstoned, per rule (by index in the rule list). */
  purged: { rule: RetentionPolicy; records: number }[];
  /**
   * Records a rule would have reached whose `observedAt` lies outside the Hub's time bounds (e.g. year 0, stored
   * before the bounds existed): their real age is unknown, so they are left alone. Repair them with
   * `ingest(records, { repairTimestamps: true })`; the next purge then treats them like any other. By key, once.
   */
  outOfRange: { key: string; observedAt: string }[];
}

/** The earliest cutoff a purge asks the store for: year 1 (no store need compare times before it). */
const EARLIEST_CUTOFF_MS = Date.parse('0001-01-01T00:00:00Z');

/**
 * The governance and privacy services of the Hub: policy versions, the admin-action trail, the consent ledger and
 * contact arrangements with `canContact`, change requests, and GDPR export, erasure and retention. Permission
 * checks live in the scoped Hub (`hub.as(actor)`); these functions run as whoever the caller says.
 */
export function createGovernanceServices(deps: GovernanceDeps) {
  async function policy(): Promise<Policy> {
    return deps.read(undefined, (tx) => loadPolicy(tx, deps.defaultPolicy));
  }

  async function setPolicy(input: unknown, actor: string, reason?: string): Promise<Policy> {
    ({ actor, reason } = who(actor, reason));
    const parsed = parsePolicy(input);
    return deps.write(
      undefined,
      async (ctx) => {
        const current = await loadPolicy(ctx.tx, deps.defaultPolicy);
        const next: Policy = { ...parsed, version: current.version + 1 };
        const data = next as unknown as JsonValue;
        await ctx.tx.putDocument({ kind: DOC.policyHead, id: 'current', ref: null, data, updatedAt: ctx.now });
        // The audit entry and events of this operation follow the new policy's secret fields.
        ctx.forgetSecrets();
        await ctx.tx.putDocument({
          kind: DOC.policy,
          id: String(next.version).padStart(10, '0'),
          ref: null,
          data,
          updatedAt: ctx.now,
        });
        ctx.audit.push({
          actor,
          action: 'policy.update',
          target: 'policy',
          ...(reason ? { reason } : {}),
          changes: [{ field: 'version', old: current.version, new: next.version }, ...policyDiff(current, next)],
          at: ctx.now,
        });
        return next;
      },
      undefined,
      actor,
    );
  }

  async function policyHistory(): Promise<Policy[]> {
    return deps.read(undefined, async (tx) => {
      const docs = await tx.listDocuments(DOC.policy, { limit: 1000 });
      return docs.map((d) => d.data as unknown as Policy);
    });
  }

  /** Records an admin action made outside the Hub: validated and bounded ({@link parseAdminAction}). */
  async function recordAdminAction(input: unknown, actor: string): Promise<void> {
    ({ actor } = who(actor));
    await appendAdminEntry(parseAdminAction(input, deps.limits), actor);
  }

  /** Appends an entry the Hub itself writes about an admin action (`gdpr.export`, `gdpr.erase-report`). */
  async function appendAdminEntry(input: AdminActionInput, actor: string): Promise<void> {
    await deps.write(
      undefined,
      async (ctx) => {
        ctx.audit.push({
          actor,
          action: input.action,
          target: input.target,
          ...(input.reason ? { reason: input.reason } : {}),
          changes: input.changes ?? [],
          at: ctx.now,
        });
      },
      undefined,
      actor,
    );
  }

  // -------------------------------------------------------------------------------------------------------------
  // Consent ledger and contact arrangements
  // -------------------------------------------------------------------------------------------------------------

  /**
   * The input limits and text policy (as for source records) on a governance input, before it is parsed or stored:
   * returns it (cleaned under the text policy `clean`), or throws a `ValidationError` with the path under `root`.
   */
  function checkInput<T>(input: T, root: string, what: string): T {
    return checkValueLimits(input, deps.limits, [root], what);
  }

  /**
   * The actor and reason of a call, checked ({@link checkActorOptions}: bounded, text every store can keep) before
   * they reach an audit entry; `VALIDATION_FAILED` at `options.actor` / `options.reason` otherwise.
   */
  function who(actor: string, reason?: string): { actor: string; reason?: string } {
    return checkActorOptions({ actor, ...(reason !== undefined ? { reason } : {}) }, deps.limits);
  }

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

  async function consents(customerId: string): Promise<ConsentCapture[]> {
    return deps.read(undefined, async (tx) => {
      const row = await requireRow(deps, tx, customerId);
      const docs = await documentsOf(tx, DOC.consent, await idsOf(tx, row));
      return docs.map((d) => d.data as unknown as ConsentCapture).sort((a, b) => compareStrings(a.id, b.id));
    });
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
    return deps.read(undefined, async (tx) => {
      const row = await requireRow(deps, tx, customerId);
      const docs = await documentsOf(tx, DOC.arrangement, await idsOf(tx, row));
      return docs.map((d) => d.data as unknown as ContactArrangement).sort((a, b) => compareStrings(a.id, b.id));
    });
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

  // -------------------------------------------------------------------------------------------------------------
  // Change requests
  // -------------------------------------------------------------------------------------------------------------

  async function requestChange(
    input: unknown,
    requester: { label: string; departmentId: string | null },
  ): Promise<ChangeRequest> {
    const parsed = ChangeRequestInputSchema.safeParse(checkInput(input, 'request', 'The change request'));
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => {
        const path = ['request', ...issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k))];
        return { path, pathString: formatPath(path), message: issue.message, issueCode: issue.code };
      });
      throw new ValidationError({
        message: `[crmkit/core] The change request is invalid at ${issues[0]?.pathString}: ${issues[0]?.message}`,
        issues,
      });
    }
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

  async function putChange(ctx: OperationContext, request: ChangeRequest): Promise<void> {
    await ctx.tx.putDocument({
      kind: DOC.changeRequest,
      id: request.id,
      ref: request.departmentId ?? '-',
      data: request as unknown as JsonValue,
      updatedAt: ctx.now,
    });
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
      let after: string | undefined;
      for (;;) {
        const page = await tx.listDocuments(DOC.changeRequest, {
          limit: 500,
          ...(ref ? { ref } : {}),
          ...(after ? { after } : {}),
        });
        for (const doc of page) {
          const request = doc.data as unknown as ChangeRequest;
          if (options.status && request.status !== options.status) continue;
          if (options.queue && request.queue !== options.queue) continue;
          out.push(request);
        }
        if (page.length < 500 || (options.limit && out.length >= options.limit)) break;
        after = page[page.length - 1]!.id;
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

  // -------------------------------------------------------------------------------------------------------------
  // GDPR
  // -------------------------------------------------------------------------------------------------------------

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
      for (const target of targets) {
        let after: number | undefined;
        for (;;) {
          const page = await tx.listAudit({ target, limit: 1000, ...(after !== undefined ? { after } : {}) });
          audit.push(...page);
          if (page.length < 1000) break;
          after = page[page.length - 1]!.seq;
        }
      }
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
    await appendAdminEntry({ action: 'gdpr.export', target: `customer:${data.customer.id}` }, actor);
    return data;
  }

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
    for (const link of await tx.listIdentityLinks(party.map((r) => r.key))) {
      await tx.deleteIdentityLink(link.id);
      reach.identityLinks += 1;
    }
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
          let after: number | undefined;
          for (;;) {
            const page = await tx.listAudit({ target, limit: 1000, ...(after !== undefined ? { after } : {}) });
            // `redactAudit` never redacts an erasure entry: it lists the redactions it authorised.
            for (const entry of page) {
              if (entry.redacted !== true && entry.action !== ERASURE_ACTION) redactedSeqs.push(entry.seq);
            }
            if (page.length < 1000) break;
            after = page[page.length - 1]!.seq;
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
      {
        action: 'gdpr.erase-report',
        target: `customer:${erased.customerId}`,
        changes: systems.map((s) => ({ field: `system.${s.system}`, new: s.status })),
      },
      actor,
    );
    return report;
  }

  async function purge(
    rules: readonly RetentionPolicy[],
    actor: string,
    nowIso: string = deps.now(),
  ): Promise<PurgeReport> {
    ({ actor } = who(actor));
    const checked = rules.map((rule, index) => {
      const parsed = RetentionPolicySchema.safeParse(rule);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw validationError(
          'retention',
          [index, ...issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k))],
          issue.message,
        );
      }
      return parsed.data;
    });
    const report: PurgeReport = { at: nowIso, purged: [], outOfRange: [] };
    const outOfRange = new Map<string, string>();
    const now = Date.parse(nowIso);
    for (const rule of checked) {
      // Bounded: a rule reaching before year 1 (or past what a Date holds) purges everything from year 1 on.
      const cutoff = new Date(Math.max(EARLIEST_CUTOFF_MS, now - rule.maxAgeDays * 86_400_000)).toISOString();
      let purged = 0;
      // Records this rule leaves alone (other sources, times out of range): the store lists them first again, so
      // each page asks for that many more.
      const passed = new Set<string>();
      for (;;) {
        const batch = await deps.write(
          undefined,
          async (ctx) => {
            const limit = 200 + passed.size;
            const old = await ctx.tx.listRecords({ type: rule.entity, observedBefore: cutoff, limit });
            const due: StoredRecord[] = [];
            for (const record of old) {
              if (passed.has(record.key)) continue;
              if (rule.sources && !rule.sources.includes(record.source)) passed.add(record.key);
              else if (outOfBounds(record.observedAt, deps.limits, new Date(now))) {
                passed.add(record.key);
                outOfRange.set(record.key, record.observedAt);
              } else due.push(record);
            }
            if (due.length === 0) return { done: old.length < limit, count: 0, more: old.length >= limit };
            const tombstones = due.map((record) => ({
              ...record,
              deleted: true,
              data: null,
              contentHash: 'purged',
              matchKeys: [],
              refKeys: [],
              blockKeys: [],
              version: record.version + 1,
            }));
            if (rule.entity === 'person' || rule.entity === 'organization') {
              await deps.relink(
                ctx,
                tombstones.map((r) => r.customerId).filter((id): id is string => id !== null),
                new Map(tombstones.map((r) => [r.key, r])),
                { kind: 'ingest', actor },
              );
            } else await ctx.tx.putRecords(tombstones);
            for (const record of due) {
              ctx.audit.push({
                actor,
                action: 'retention.purge',
                target: `record:${record.key}`,
                changes: [],
                at: ctx.now,
              });
            }
            return { done: old.length < limit, count: due.length, more: false };
          },
          undefined,
          actor,
        );
        purged += batch.count;
        if (batch.done || (batch.count === 0 && !batch.more)) break;
      }
      report.purged.push({ rule, records: purged });
    }
    report.outOfRange = [...outOfRange]
      .map(([key, observedAt]) => ({ key, observedAt }))
      .sort((a, b) => compareStrings(a.key, b.key));
    return report;
  }

  return {
    policy,
    setPolicy,
    policyHistory,
    recordAdminAction,
    recordConsent,
    consents,
    setArrangement,
    removeArrangement,
    arrangements,
    canContact,
    requestChange,
    getChange,
    listChanges,
    stepChange,
    exportPerson,
    erase,
    purge,
    checkInput,
  };
}

/** The governance services, as {@link createGovernanceServices} returns them. */
export type GovernanceServices = ReturnType<typeof createGovernanceServices>;

function dedupeJournal(entries: JournalEntry[]): JournalEntry[] {
  const seen = new Map<string, JournalEntry>();
  for (const entry of entries) seen.set(entry.id, entry);
  return [...seen.values()].sort((a, b) => compareStrings(a.at, b.at) || compareStrings(a.id, b.id));
}

/** The roles whose grants changed between two policies, as audit changes (old and new role policies). */
function policyDiff(before: Policy, after: Policy): AuditChange[] {
  const changes: AuditChange[] = [];
  for (const role of Object.keys(after.roles) as (keyof Policy['roles'])[]) {
    const a = JSON.stringify(before.roles[role]);
    const b = JSON.stringify(after.roles[role]);
    if (a !== b) {
      changes.push({
        field: `roles.${role}`,
        old: before.roles[role] as unknown as JsonValue,
        new: after.roles[role] as unknown as JsonValue,
      });
    }
  }
  if (JSON.stringify(before.secretFields) !== JSON.stringify(after.secretFields)) {
    changes.push({ field: 'secretFields', old: before.secretFields, new: after.secretFields });
  }
  return changes;
}

/** Throws unless a value is one of the allowed ids (for argument checks). */
export function requireString(value: unknown, argument: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidArgumentError({ argument, message: `[crmkit/core] "${argument}" must be a non-empty string.` });
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Admin actions recorded from outside the Hub
// ---------------------------------------------------------------------------------------------------------------

/** An admin action made outside the Hub, as recorded in the audit log. */
export interface AdminActionInput {
  /** `area.verb`, e.g. `adapter.credentials`, `plugin.configure`. */
  action: string;
  /** What it was done to, e.g. `adapter:hubspot`. */
  target: string;
  changes?: AuditChange[];
  reason?: string;
}

/** Bounds of a recorded admin action: what one audit entry from outside the Hub may carry. */
export const ADMIN_ACTION_LIMITS = {
  /** Characters of `action`. */
  action: 100,
  /** Characters of `target`. */
  target: 256,
  /** Characters of `reason`. */
  reason: 2000,
  /** Entries of `changes`. */
  changes: 100,
  /** Characters of a change's `field`. */
  field: 256,
  /** Characters of the JSON of all `changes` together. */
  changesJson: 32_768,
  /** Nesting depth of a change's `old` / `new` value. */
  depth: 32,
} as const;

/**
 * Areas whose audit entries only the Hub writes (`policy.update`, `customer.merge`, `gdpr.erase`, `record.update`
 * ...): an action in one of them cannot be recorded by hand, by any actor.
 */
const HUB_AREAS: ReadonlySet<string> = new Set([
  'arrangement',
  'change',
  'consent',
  'customer',
  'gdpr',
  'group',
  'identity',
  'journal',
  'policy',
  'record',
  'retention',
]);
/** Single actions the Hub writes in areas that are otherwise open to admin actions. */
const HUB_ACTIONS: ReadonlySet<string> = new Set(['plugin.install', 'plugin.upgrade']);

/**
 * The capability an actor needs to record an admin action, by the action's area: `adapter.*` needs
 * `adapter.manage`, `plugin.*` and `workflow.*` need `plugin.manage`, any other area `policy.manage`.
 */
export function adminActionCapability(action: unknown): 'adapter.manage' | 'plugin.manage' | 'policy.manage' {
  const area = typeof action === 'string' ? action.slice(0, action.indexOf('.') >>> 0) : '';
  if (area === 'adapter') return 'adapter.manage';
  if (area === 'plugin' || area === 'workflow') return 'plugin.manage';
  return 'policy.manage';
}

/**
 * Validates an admin action recorded from outside the Hub, within {@link ADMIN_ACTION_LIMITS}: a well-formed
 * `action` outside the Hub's own areas, a `target`, an optional `reason`, and `changes` as `{ field, old?, new?,
 * secret? }` with JSON values (a secret change carries no values). Throws a {@link ValidationError} at the offending
 * path (`input.action`, `input.changes[0].field` ...); messages never quote the values. The input limits and text
 * policy (`limits`, default {@link DEFAULT_INPUT_LIMITS}) are checked first.
 */
export function parseAdminAction(input: unknown, limits: InputLimits = DEFAULT_INPUT_LIMITS): AdminActionInput {
  const L = ADMIN_ACTION_LIMITS;
  // The input limits and text rule first (no NUL or unpaired surrogate in any key or text, bounded depth and size):
  // an action is stored like any other audit entry, on every store.
  input = checkValueLimits(input, limits, ['input'], 'The admin action');
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw validationError('input', [], 'Expected { action, target, changes?, reason? }');
  }
  const { action, target, changes, reason } = input as Record<string, unknown>;
  if (typeof action !== 'string' || action.length > L.action || !/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/.test(action)) {
    throw validationError(
      'input',
      ['action'],
      `Expected an action such as "adapter.credentials" (at most ${L.action} characters)`,
    );
  }
  const area = action.slice(0, action.indexOf('.'));
  if (HUB_AREAS.has(area) || HUB_ACTIONS.has(action)) {
    throw validationError(
      'input',
      ['action'],
      `"${action}" entries are written by the Hub itself and cannot be recorded`,
    );
  }
  if (typeof target !== 'string' || target.length === 0 || target.length > L.target) {
    throw validationError(
      'input',
      ['target'],
      `Expected a target such as "adapter:hubspot" (1 to ${L.target} characters)`,
    );
  }
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > L.reason)) {
    throw validationError('input', ['reason'], `Expected a reason of at most ${L.reason} characters`);
  }
  if (changes !== undefined && !Array.isArray(changes)) {
    throw validationError('input', ['changes'], 'Expected a list of { field, old?, new?, secret? }');
  }
  const list = (changes ?? []) as unknown[];
  if (list.length > L.changes) {
    throw validationError('input', ['changes'], `Expected at most ${L.changes} changes, got ${list.length}`);
  }
  const out: AuditChange[] = [];
  for (const [index, change] of list.entries()) {
    if (change === null || typeof change !== 'object' || Array.isArray(change)) {
      throw validationError('input', ['changes', index], 'Expected { field, old?, new?, secret? }');
    }
    const entry = change as Record<string, unknown>;
    const unknown = Object.keys(entry).find((key) => !['field', 'old', 'new', 'secret'].includes(key));
    if (unknown !== undefined) throw validationError('input', ['changes', index, unknown], 'Unknown key');
    if (typeof entry.field !== 'string' || entry.field.length === 0 || entry.field.length > L.field) {
      throw validationError(
        'input',
        ['changes', index, 'field'],
        `Expected a field name of 1 to ${L.field} characters`,
      );
    }
    if (entry.secret !== undefined && typeof entry.secret !== 'boolean') {
      throw validationError('input', ['changes', index, 'secret'], 'Expected true or false');
    }
    if (entry.secret === true && ('old' in entry || 'new' in entry)) {
      throw validationError('input', ['changes', index], 'A secret change carries no values (only that it changed)');
    }
    for (const key of ['old', 'new'] as const) {
      if (key in entry && !isJson(entry[key], L.depth)) {
        throw validationError('input', ['changes', index, key], `Expected a JSON value nested at most ${L.depth} deep`);
      }
    }
    out.push({
      field: entry.field,
      ...('old' in entry ? { old: entry.old as JsonValue } : {}),
      ...('new' in entry ? { new: entry.new as JsonValue } : {}),
      ...(entry.secret === true ? { secret: true } : {}),
    });
  }
  const size = JSON.stringify(out).length;
  if (size > L.changesJson) {
    throw validationError('input', ['changes'], `Too large: ${size} characters of JSON, at most ${L.changesJson}`);
  }
  return { action, target, changes: out, ...(reason ? { reason } : {}) };
}

/** A JSON value (finite numbers, plain objects and arrays) nested at most `depth` deep. */
function isJson(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || depth <= 0) return false;
  if (Array.isArray(value)) return value.every((item) => isJson(item, depth - 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((item) => isJson(item, depth - 1));
}

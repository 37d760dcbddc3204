/**
 * What every governance module shares: the document kinds, the dependencies the Hub passes in
 * ({@link GovernanceDeps}), and the small store and input helpers built on them.
 */

import {
  type Adapter,
  type Customer,
  type CustomerRow,
  formatPath,
  type InputLimits,
  NotFoundError,
  type Policy,
  type StoredDocument,
  type StoredRecord,
  type StoreTransaction,
  ValidationError,
  listAllAfterId,
  type AuditEntry,
  pagesAfter,
} from '@crmkit/model';
import type { RelinkReason, RelinkResult } from '../identity/relink';
import type { OperationContext } from '../runtime/operation-context';
import { referenceKeysOf } from '../runtime/lookup-keys';
import { checkActorOptions, checkValueLimits } from '../golden/override-checks';
import { compareStrings } from '../runtime/stable';

/** How governance reads whole lists from the store: 500 rows a read. */
export const LIST_PAGE = { pageSize: 500 } as const;

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
export async function idsOf(tx: StoreTransaction, row: CustomerRow): Promise<string[]> {
  const ids = new Set<string>([row.id]);
  for (const record of await tx.listRecordsByCustomer([row.id])) if (record.homeId) ids.add(record.homeId);
  return [...ids].sort(compareStrings);
}

/** The audit entries about `target`, in `seq` order, a page (1,000 entries) at a time. */
export function auditPagesOf(tx: StoreTransaction, target: string): AsyncGenerator<AuditEntry[], void, undefined> {
  return pagesAfter<AuditEntry, number>(
    (request) => tx.listAudit({ target, ...request }),
    (entry) => entry.seq,
    {
      pageSize: 1000,
    },
  );
}

/** Every document of `kind` filed under one of `refs` (paged through). */
export async function documentsOf(
  tx: StoreTransaction,
  kind: string,
  refs: readonly string[],
): Promise<StoredDocument[]> {
  const out: StoredDocument[] = [];
  for (const ref of refs)
    out.push(...(await listAllAfterId((page) => tx.listDocuments(kind, { ref, ...page }), LIST_PAGE)));
  return out;
}

/** The active customer `id` resolves to; `NOT_FOUND` otherwise. */
export async function requireRow(
  deps: Pick<GovernanceDeps, 'resolveActive'>,
  tx: StoreTransaction,
  id: string,
): Promise<CustomerRow> {
  const row = await deps.resolveActive(tx, id);
  if (row?.status !== 'active') throw new NotFoundError({ entity: 'customer', id });
  return row;
}

/** The lookup keys other records refer to a customer by (record keys, e-mail addresses, phone numbers). */
export function referenceKeys(row: CustomerRow): string[] {
  return referenceKeysOf(row.lookupKeys);
}

/** A `ValidationError` at `root` + `path`. */
export function validationError(root: string, path: (string | number)[], message: string): ValidationError {
  const full = [root, ...path];
  return new ValidationError({
    message: `[crmkit/core] ${formatPath(full)}: ${message}`,
    issues: [{ path: full, pathString: formatPath(full), message, issueCode: 'custom' }],
  });
}

/** The input checks every governance module applies, bound to the Hub's limits. */
export function inputChecks(deps: Pick<GovernanceDeps, 'limits'>) {
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

  return { checkInput, who };
}

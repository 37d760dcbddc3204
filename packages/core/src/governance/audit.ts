/**
 * The hash-chained audit log: building entries, verifying a chain, and diffing golden fields.
 *
 * All hashes are lowercase hex SHA-256 of the UTF-8 bytes of a string. Entries are written in format 2
 * (`v: 2`):
 *
 * - `salt` = 32 random hex characters, fresh per entry;
 * - `changesDigest` = SHA-256 of `salt + ":" + stableStringify(changes)`, `changes` as written (secret values
 *   already dropped); `reasonDigest` = SHA-256 of `salt + ":" + stableStringify(reason)` when there is a reason;
 * - `hash` = SHA-256 of `stableStringify(rest)`, where `rest` is the entry as stored without `hash` and without the
 *   redactable members `changes`, `reason`, `salt` and `redacted`: every other stored key (`v`, `seq`, `at`, `actor`,
 *   `action`, `target`, `changesDigest`, `reasonDigest`, `prevHash`, and any key someone adds) is covered, so
 *   editing, adding or removing one breaks the chain;
 * - `prevHash` = the previous entry's `hash`, {@link GENESIS_HASH} for the first entry (`seq` 1).
 *
 * A redaction (GDPR erasure) replaces `changes` by `null`, removes `reason` and `salt` and sets `redacted: true`:
 * the commitments stay, so the chain still verifies, and without the salt a removed value cannot be recovered by
 * guessing it against its commitment. A redaction is legitimate only when a later `gdpr.erase` entry lists its `seq`
 * in a change of field {@link REDACTED_SEQS_FIELD}; a redaction no erasure lists is reported as forged, as is a
 * value replaced without its matching commitment.
 *
 * Format 1 (no `v`, written before format 2) is verified with its own rule: `changesDigest` = SHA-256 of
 * `stableStringify(changes)` and `hash` = SHA-256 of `stableStringify({ seq, at, actor, action, target, reason,
 * changesDigest, prevHash })` (`reason` `null` when absent). Its `reason` is not redactable and its redactions are
 * not checked against an erasure. A format-1 entry after a format-2 entry is refused.
 *
 * @module
 */
import {
  type AbortSignalLike,
  type AuditChange,
  type AuditEntry,
  type AuditVerification,
  InvalidArgumentError,
  type JsonValue,
  type Store,
  throwIfAborted,
} from '@crmkit/model';
import { compareStrings, stableStringify } from '../runtime/stable';
import { canonicalChangesJson } from './canonical';
import { bytesToHex, sha256HexSync } from './sha256';

/**
 * SHA-256 of the UTF-8 bytes of `text`, as 64 lowercase hex characters. Computed synchronously in JavaScript (see
 * `sha256.ts`); async so that callers need not change if a runtime's native digest is used later.
 */
export async function sha256Hex(text: string): Promise<string> {
  return sha256HexSync(text);
}

/** The `prevHash` of the first entry: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a caller supplies for one audit entry; {@link buildAuditEntries} adds `seq`, the digest and the hashes. */
export interface AuditInput {
  /** Who did it, as `actorLabel(actor)` writes it (`user:u_1`). */
  actor: string;
  /** What was done, e.g. `customer.override`. */
  action: string;
  /** What it was done to, e.g. `customer:cus_1`. */
  target: string;
  reason?: string;
  /** The changed fields, e.g. from {@link diffFields}. */
  changes: AuditChange[];
  /** When (ISO timestamp). */
  at: string;
}

/** The members of a format-2 entry that a redaction may change; every other stored member is hashed. */
const REDACTABLE = new Set(['hash', 'changes', 'reason', 'salt', 'redacted']);

/** The field of a `gdpr.erase` entry's change that lists the `seq`s of the entries its erasure redacted. */
export const REDACTED_SEQS_FIELD = 'audit.redacted';

/** The action of the entries whose {@link REDACTED_SEQS_FIELD} change authorises redactions. */
export const ERASURE_ACTION = 'gdpr.erase';

/**
 * The hashed members of a format-2 entry that the Hub writes, in canonical (code-unit) order. An entry with only
 * these keys (and redactable ones) is serialised directly; any other key takes the general path.
 */
const HASHED_V2 = ['action', 'actor', 'at', 'changesDigest', 'prevHash', 'reasonDigest', 'seq', 'target', 'v'] as const;
const HASHED_V2_SET = new Set<string>(HASHED_V2);

/**
 * The string a format-2 `hash` is computed over: every stored member but the redactable ones, canonical JSON
 * (`stableStringify` of the entry without them; built directly when the entry has only the keys the Hub writes).
 */
function hashInputV2(entry: AuditEntry): string {
  for (const key of Object.keys(entry)) {
    if (!HASHED_V2_SET.has(key) && !REDACTABLE.has(key)) {
      const rest: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(entry)) if (!REDACTABLE.has(name)) rest[name] = value;
      return stableStringify(rest);
    }
  }
  let out = '{';
  for (const key of HASHED_V2) {
    const value = entry[key];
    if (value === undefined) continue;
    out += `${out.length === 1 ? '"' : ',"'}${key}":${stableStringify(value)}`;
  }
  return `${out}}`;
}

/** The salted commitment to the changes of an entry. */
function changesCommitment(salt: string, changes: unknown): string {
  return sha256HexSync(`${salt}:${canonicalChangesJson(changes)}`);
}

/** The salted commitment to the reason of an entry. */
function reasonCommitment(salt: string, reason: unknown): string {
  return sha256HexSync(`${salt}:${stableStringify(reason)}`);
}

/**
 * Random bytes for salts, drawn from WebCrypto (where the runtime has it) a few thousand at a time: one
 * `getRandomValues` call per 256 entries instead of one per entry. Each byte is used once.
 */
const saltPool = new Uint8Array(4096);
let saltPoolOffset = saltPool.length;

/** 32 random hex characters (16 bytes from {@link saltPool}). */
function randomSalt(): string {
  if (saltPoolOffset + 16 > saltPool.length) {
    const webCrypto = (globalThis as { crypto?: { getRandomValues?: (array: Uint8Array) => Uint8Array } }).crypto;
    if (webCrypto?.getRandomValues) webCrypto.getRandomValues(saltPool);
    else for (let i = 0; i < saltPool.length; i++) saltPool[i] = Math.floor(Math.random() * 256);
    saltPoolOffset = 0;
  }
  const salt = bytesToHex(saltPool, saltPoolOffset, 16);
  // Used bytes are not kept around once the salt is taken.
  saltPool.fill(0, saltPoolOffset, saltPoolOffset + 16);
  saltPoolOffset += 16;
  return salt;
}

/** Options of {@link buildAuditEntries}. */
export interface BuildAuditOptions {
  /** Makes the salt of each entry (32 lowercase hex characters); default: random. For reproducible tests. */
  salt?: () => string;
  /**
   * Field patterns whose values never enter the log (the policy's `secretFields`): `*`, an exact path, or
   * `prefix.*`. A change is secret when its field matches a pattern, when it is the `prefix` of a `prefix.*`
   * pattern, or when it is an ancestor of a secret path (its value would contain the secret).
   */
  secretFields?: readonly string[];
}

/** Options of {@link verifyAuditLog}. */
export interface VerifyAuditOptions {
  /**
   * A head published earlier (the `head` of a previous verification, kept elsewhere). The log must reach it and
   * its entry at `expectedHead.seq` must have that hash: this detects a truncated tail and a history rewritten
   * (with recomputed hashes) up to that point. Entries appended after it are fine.
   */
  expectedHead?: { seq: number; hash: string };
}

/** Options of {@link verifyStoreAudit}. */
export interface VerifyStoreAuditOptions extends VerifyAuditOptions {
  /** Entries read per read-only transaction; default 500. */
  pageSize?: number;
  /** Stops reading (throws `AbortedError`) between pages once aborted. */
  signal?: AbortSignalLike;
}

const HEX64 = /^[0-9a-f]{64}$/;
const SALT = /^[0-9a-f]{32}$/;
const KEYS_V1 = new Set([
  'seq',
  'at',
  'actor',
  'action',
  'target',
  'reason',
  'changes',
  'changesDigest',
  'redacted',
  'prevHash',
  'hash',
]);
const KEYS_V2 = new Set([...KEYS_V1, 'v', 'reasonDigest', 'salt']);
const DEFAULT_PAGE_SIZE = 500;

/** True when `field` is covered by one of the secret `patterns` (see {@link BuildAuditOptions.secretFields}). */
export function isSecretField(field: string, patterns: readonly string[]): boolean {
  for (const pattern of patterns) {
    if (pattern === '*' || pattern === field) return true;
    const path = pattern.endsWith('.*') ? pattern.slice(0, -2) : pattern;
    // `prefix.*` covers `prefix` itself and everything below it.
    if (path !== pattern && (field === path || field.startsWith(`${path}.`))) return true;
    // A change of an ancestor (`attributes`) carries the secret (`attributes.hr.salary`) inside its value.
    if (path.startsWith(`${field}.`)) return true;
  }
  return false;
}

/** The change as it is written: a fresh object (values shared, not copied), secret values dropped, `undefined` members left out. */
function sanitizeChange(change: AuditChange, secretFields: readonly string[], index: number): AuditChange {
  if (change === null || typeof change !== 'object' || typeof change.field !== 'string' || change.field === '') {
    throw new InvalidArgumentError({
      argument: `changes[${index}].field`,
      message: 'Every audit change needs a non-empty field',
    });
  }
  if (change.secret === true || isSecretField(change.field, secretFields)) return { field: change.field, secret: true };
  const written: AuditChange = { field: change.field };
  // Values are not copied: the store keeps its own copy, and callers pass values they no longer change.
  if (change.old !== undefined) written.old = change.old;
  if (change.new !== undefined) written.new = change.new;
  return written;
}

/** The string a format-1 `hash` is computed over (see the module documentation). */
function hashInputV1(entry: Omit<AuditEntry, 'hash' | 'changes' | 'redacted'>): string {
  return stableStringify({
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    reason: entry.reason ?? null,
    changesDigest: entry.changesDigest,
    prevHash: entry.prevHash,
  });
}

function requireString(value: unknown, argument: string): void {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidArgumentError({ argument, message: `${argument} must be a non-empty string` });
  }
}

/**
 * Builds the entries that extend the chain after `last` (`undefined` for an empty log), one per input, in order:
 * `seq` continues from `last.seq`, each `prevHash` is the previous `hash`, `changesDigest` and `hash` are computed as
 * the module documentation says. Changes of secret fields (see {@link BuildAuditOptions.secretFields}, or marked
 * `secret: true` by the caller) are written as `{ field, secret: true }` without values, before digesting, so no
 * secret reaches the log nor any hash input. Change values are copied. The caller appends the result in the
 * same transaction it read `last` in (`appendAudit` refuses a taken `seq`).
 */
export async function buildAuditEntries(
  last: AuditEntry | undefined,
  inputs: readonly AuditInput[],
  options: BuildAuditOptions = {},
): Promise<AuditEntry[]> {
  const secretFields = options.secretFields ?? [];
  if (last !== undefined && (!Number.isSafeInteger(last.seq) || last.seq < 1 || !HEX64.test(last.hash))) {
    throw new InvalidArgumentError({ argument: 'last', message: 'The last audit entry has no valid seq and hash' });
  }
  let seq = last?.seq ?? 0;
  let prevHash = last?.hash ?? GENESIS_HASH;
  const entries: AuditEntry[] = [];
  for (const [i, input] of inputs.entries()) {
    requireString(input.actor, `inputs[${i}].actor`);
    requireString(input.action, `inputs[${i}].action`);
    requireString(input.target, `inputs[${i}].target`);
    requireString(input.at, `inputs[${i}].at`);
    if (input.reason !== undefined && typeof input.reason !== 'string') {
      throw new InvalidArgumentError({ argument: `inputs[${i}].reason`, message: 'reason must be a string' });
    }
    if (!Array.isArray(input.changes)) {
      throw new InvalidArgumentError({ argument: `inputs[${i}].changes`, message: 'changes must be an array' });
    }
    const changes = input.changes.map((change, j) => sanitizeChange(change, secretFields, j));
    seq += 1;
    const salt = options.salt ? options.salt() : randomSalt();
    if (typeof salt !== 'string' || !SALT.test(salt)) {
      throw new InvalidArgumentError({ argument: 'options.salt', message: 'salt() must return 32 hex characters' });
    }
    const changesDigest = changesCommitment(salt, changes);
    // Two literal shapes (with and without a reason), members in the order they are stored.
    const stored: AuditEntry =
      input.reason === undefined
        ? {
            v: 2,
            seq,
            at: input.at,
            actor: input.actor,
            action: input.action,
            target: input.target,
            changes,
            changesDigest,
            salt,
            prevHash,
            hash: '',
          }
        : {
            v: 2,
            seq,
            at: input.at,
            actor: input.actor,
            action: input.action,
            target: input.target,
            reason: input.reason,
            changes,
            changesDigest,
            reasonDigest: reasonCommitment(salt, input.reason),
            salt,
            prevHash,
            hash: '',
          };
    stored.hash = sha256HexSync(hashInputV2(stored));
    entries.push(stored);
    prevHash = stored.hash;
  }
  return entries;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** Why `entry` is not shaped like an audit entry, or `undefined` when it is. */
function malformed(entry: AuditEntry): string | undefined {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return 'not an object';
  if (entry.v !== undefined && entry.v !== 2) return `unknown format version ${JSON.stringify(entry.v)}`;
  const allowed = entry.v === 2 ? KEYS_V2 : KEYS_V1;
  for (const key of Object.keys(entry)) {
    if (!allowed.has(key)) return `unexpected key ${JSON.stringify(key)}`;
  }
  if (!Number.isSafeInteger(entry.seq)) return 'seq is not an integer';
  for (const key of ['at', 'actor', 'action', 'target'] as const) {
    if (!isNonEmptyString(entry[key])) return `${key} is not a non-empty string`;
  }
  if (entry.reason !== undefined && typeof entry.reason !== 'string') return 'reason is not a string';
  for (const key of ['changesDigest', 'prevHash', 'hash'] as const) {
    if (typeof entry[key] !== 'string' || !HEX64.test(entry[key])) return `${key} is not a SHA-256 hex digest`;
  }
  if (entry.reasonDigest !== undefined && (typeof entry.reasonDigest !== 'string' || !HEX64.test(entry.reasonDigest))) {
    return 'reasonDigest is not a SHA-256 hex digest';
  }
  if (entry.salt !== undefined && (typeof entry.salt !== 'string' || !SALT.test(entry.salt))) {
    return 'salt is not 32 hex characters';
  }
  if (entry.redacted !== undefined && typeof entry.redacted !== 'boolean') return 'redacted is not a boolean';
  if (entry.changes !== null) {
    if (!Array.isArray(entry.changes)) return 'changes is neither an array nor null';
    for (const change of entry.changes) {
      if (change === null || typeof change !== 'object' || !isNonEmptyString(change.field)) {
        return 'a change has no field';
      }
      if (change.secret !== undefined && typeof change.secret !== 'boolean') return 'a change has a non-boolean secret';
      if (change.secret === true && (change.old !== undefined || change.new !== undefined)) {
        return `secret change of ${change.field} carries a value`;
      }
    }
  }
  return undefined;
}

/** Why the redactable members of a format-2 entry do not match its commitments, or `undefined` when they do. */
function commitmentProblem(entry: AuditEntry): string | undefined {
  if (entry.redacted === true) {
    if (entry.changes !== null) return 'redacted entry still has changes';
    if (entry.reason !== undefined) return 'redacted entry still has a reason';
    if (entry.salt !== undefined) return 'redacted entry still has its salt';
    return undefined;
  }
  if (entry.changes === null) return 'changes removed without redacted: true';
  if (entry.salt === undefined) return 'salt removed without redacted: true';
  if (changesCommitment(entry.salt, entry.changes) !== entry.changesDigest) {
    return 'changesDigest does not match the changes (value changed without its commitment)';
  }
  if (entry.reason === undefined) {
    if (entry.reasonDigest !== undefined) return 'reason removed without redacted: true';
  } else if (entry.reasonDigest === undefined || reasonCommitment(entry.salt, entry.reason) !== entry.reasonDigest) {
    return 'reasonDigest does not match the reason (value changed without its commitment)';
  }
  return undefined;
}

/** The `seq`s an erasure entry says it redacted (its {@link REDACTED_SEQS_FIELD} change), if any. */
function redactedSeqsOf(entry: AuditEntry): number[] {
  if (entry.action !== ERASURE_ACTION || entry.changes === null) return [];
  const out: number[] = [];
  for (const change of entry.changes) {
    if (change.field !== REDACTED_SEQS_FIELD || !Array.isArray(change.new)) continue;
    for (const seq of change.new) if (typeof seq === 'number' && Number.isSafeInteger(seq)) out.push(seq);
  }
  return out;
}

/**
 * Verifies an audit log given in `seq` order (an array, any iterable, or an async iterable such as a paged store
 * read). Checks, entry by entry, stopping at the first problem:
 *
 * 1. the entry is well formed (known keys only, strings, 64-hex hashes, `changes` an array or `null`, secret
 *    changes carry no value), and a format-1 entry does not follow a format-2 one;
 * 2. `seq` is 1 for the first entry and one more than the previous after that (no gap, repeat or reordering);
 * 3. `prevHash` is the previous entry's `hash` ({@link GENESIS_HASH} for the first);
 * 4. a redacted entry has no changes (format 2: nor reason nor salt), one without `redacted: true` has them;
 * 5. the commitments match the values (format 2: `changesDigest` and `reasonDigest` with the salt; format 1:
 *    `changesDigest`), unless redacted;
 * 6. `hash` recomputes (format 2: over every stored member but the redactable ones);
 * 7. with `expectedHead`: the entry at `expectedHead.seq` has `expectedHead.hash`, and the log reaches it;
 * 8. at the end: every redacted format-2 entry is listed by a later `gdpr.erase` entry (else the first one not
 *    listed is reported as a forged redaction).
 *
 * Returns `ok`, how many entries were read, the first `problem` (`seq` is the entry where the chain breaks),
 * and `head`: the last entry that verified before the problem (on success, the log's last entry; publish it to
 * detect a truncated tail later). An empty log is ok without a head. Without `expectedHead`, removing entries at the
 * end cannot be detected, nor can a rewrite that recomputes every later hash.
 */
export async function verifyAuditLog(
  entries: AsyncIterable<AuditEntry> | Iterable<AuditEntry>,
  options: VerifyAuditOptions = {},
): Promise<AuditVerification> {
  const expectedHead = options.expectedHead;
  if (
    expectedHead !== undefined &&
    (!Number.isSafeInteger(expectedHead.seq) ||
      expectedHead.seq < 0 ||
      typeof expectedHead.hash !== 'string' ||
      !HEX64.test(expectedHead.hash) ||
      (expectedHead.seq === 0 && expectedHead.hash !== GENESIS_HASH))
  ) {
    throw new InvalidArgumentError({
      argument: 'options.expectedHead',
      message: 'expectedHead must be a { seq, hash } of an audit entry (seq >= 1, 64 hex characters)',
    });
  }
  let count = 0;
  let head: { seq: number; hash: string } | undefined;
  let formatTwoSeen = false;
  /** Redacted format-2 entries no erasure has listed yet: seq -> the hash of the entry before it. */
  const unlisted = new Map<number, string>();
  const fail = (seq: number, reason: string, at = head): AuditVerification => ({
    ok: false,
    entries: count,
    ...(at ? { head: at } : {}),
    problem: { seq, reason },
  });
  for await (const entry of entries) {
    count += 1;
    const seq = (head?.seq ?? 0) + 1;
    const prevHash = head?.hash ?? GENESIS_HASH;
    const shape = malformed(entry);
    if (shape !== undefined) return fail(seq, `malformed entry: ${shape}`);
    if (entry.seq !== seq) return fail(seq, `expected seq ${seq}, found ${entry.seq} (missing, repeated or reordered)`);
    if (entry.prevHash !== prevHash) return fail(seq, "prevHash does not match the previous entry's hash");
    if (entry.v === 2) {
      formatTwoSeen = true;
      const problem = commitmentProblem(entry);
      if (problem !== undefined) return fail(seq, problem);
      if (sha256HexSync(hashInputV2(entry)) !== entry.hash) return fail(seq, 'hash does not match the entry');
      // The erasure entry is never redacted (it authorises the others); redacted, its list would be gone.
      if (entry.redacted === true && entry.action === ERASURE_ACTION) {
        return fail(seq, `${ERASURE_ACTION} entry redacted: the redactions it authorised can no longer be verified`);
      }
      if (entry.redacted === true) unlisted.set(seq, prevHash);
      for (const listed of redactedSeqsOf(entry)) if (listed < seq) unlisted.delete(listed);
    } else {
      if (formatTwoSeen) return fail(seq, 'format-1 entry after a format-2 entry');
      if (entry.redacted === true && entry.changes !== null) return fail(seq, 'redacted entry still has changes');
      if (entry.changes === null && entry.redacted !== true) return fail(seq, 'changes removed without redacted: true');
      if (entry.changes !== null && sha256HexSync(canonicalChangesJson(entry.changes)) !== entry.changesDigest) {
        return fail(seq, 'changesDigest does not match the changes');
      }
      if (sha256HexSync(hashInputV1(entry)) !== entry.hash) return fail(seq, 'hash does not match the entry');
    }
    if (expectedHead !== undefined && seq === expectedHead.seq && entry.hash !== expectedHead.hash) {
      return fail(seq, 'hash differs from the published head (history rewritten)');
    }
    head = { seq, hash: entry.hash };
  }
  if (unlisted.size > 0) {
    const first = Math.min(...unlisted.keys());
    const before = first > 1 ? { seq: first - 1, hash: unlisted.get(first)! } : undefined;
    return fail(first, `redacted without a later ${ERASURE_ACTION} entry that lists it (forged redaction)`, before);
  }
  const lastSeq = head?.seq ?? 0;
  if (expectedHead !== undefined && lastSeq < expectedHead.seq) {
    return fail(lastSeq + 1, `log ends at seq ${lastSeq} before the published head ${expectedHead.seq} (truncated)`);
  }
  return { ok: true, entries: count, ...(head ? { head } : {}) };
}

/** The store's audit log in `seq` order, one read-only transaction per page. */
async function* readAuditPages(
  store: Store,
  pageSize: number,
  signal: AbortSignalLike | undefined,
): AsyncGenerator<AuditEntry> {
  let after: number | undefined;
  for (;;) {
    throwIfAborted(signal);
    const cursor = after;
    const page = await store.transaction(
      (tx) => tx.listAudit({ ...(cursor !== undefined ? { after: cursor } : {}), limit: pageSize }),
      { readOnly: true, ...(signal ? { signal } : {}) },
    );
    yield* page;
    const lastSeq = page.at(-1)?.seq;
    // A short page ends the log; a store that does not advance is stopped by the verifier's seq check.
    if (page.length < pageSize || typeof lastSeq !== 'number' || (after !== undefined && lastSeq <= after)) return;
    after = lastSeq;
  }
}

/**
 * Reads a store's whole audit log in pages of `pageSize` entries (each page in its own read-only transaction;
 * entries are append-only, so pages stay consistent) and verifies it with {@link verifyAuditLog}. Stops reading
 * at the first problem. Throws `AbortedError` when `signal` aborts.
 */
export async function verifyStoreAudit(
  store: Store,
  options: VerifyStoreAuditOptions = {},
): Promise<AuditVerification> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new InvalidArgumentError({ argument: 'options.pageSize', message: 'pageSize must be a positive integer' });
  }
  return verifyAuditLog(
    readAuditPages(store, pageSize, options.signal),
    options.expectedHead ? { expectedHead: options.expectedHead } : {},
  );
}

/**
 * The changes between two flat maps of field -> value (golden fields such as `displayName` or
 * `attributes.sales.tier`), sorted by field (code-unit order). Values equal as canonical JSON are not changes; a
 * field absent (or `undefined`) on one side has no `old` (added) or no `new` (removed). Values are not copied.
 */
export function diffFields(
  before: Readonly<Record<string, JsonValue>>,
  after: Readonly<Record<string, JsonValue>>,
): AuditChange[] {
  const fields = new Set<string>();
  for (const field of Object.keys(before)) if (before[field] !== undefined) fields.add(field);
  for (const field of Object.keys(after)) if (after[field] !== undefined) fields.add(field);
  const changes: AuditChange[] = [];
  for (const field of [...fields].sort(compareStrings)) {
    const old = Object.hasOwn(before, field) ? before[field] : undefined;
    const next = Object.hasOwn(after, field) ? after[field] : undefined;
    if (old !== undefined && next !== undefined && stableStringify(old) === stableStringify(next)) continue;
    const change: AuditChange = { field };
    if (old !== undefined) change.old = old;
    if (next !== undefined) change.new = next;
    changes.push(change);
  }
  return changes;
}

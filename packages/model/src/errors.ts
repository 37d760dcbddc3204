/**
 * One error hierarchy for every crmkit package.
 *
 * Each class carries a `Symbol.for` marker so {@link CrmkitError.isInstance} works even when two copies of
 * `@crmkit/model` end up in one bundle (where `instanceof` fails).
 *
 * @module
 */

/** Stable, UPPER_SNAKE error codes. Codes never change meaning; new ones may be added in minor versions. */
export const ErrorCode = {
  /** Input failed schema validation; see `issues` for the offending paths. */
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  /** An argument to a function is not acceptable (wrong shape, out of range). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The entity asked for does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The operation conflicts with the current state (for example merging a customer into itself). */
  CONFLICT: 'CONFLICT',
  /** Unmerge is not possible because the customers are still linked by an identity rule. */
  UNMERGE_BLOCKED: 'UNMERGE_BLOCKED',
  /** A store, adapter, channel or plugin implements a contract version this host does not support. */
  UNSUPPORTED_SPECIFICATION_VERSION: 'UNSUPPORTED_SPECIFICATION_VERSION',
  /** The operation was cancelled through its `AbortSignal`. */
  ABORTED: 'ABORTED',
  /** The store failed; the transaction was rolled back. */
  STORE_FAILED: 'STORE_FAILED',
  /** The Hub was used after `close()`. */
  CLOSED: 'CLOSED',
  /** The actor (a plugin, later a user or API key) is not allowed to read or write what it asked for. */
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  /** A plugin's manifest is not acceptable (unknown dependency, cycle, conflicting namespace, bad declaration). */
  PLUGIN_INVALID: 'PLUGIN_INVALID',
  /** A before-hook vetoed the operation; nothing was written. */
  VETOED: 'VETOED',
  /** A step or hook took longer than its time limit. */
  TIMEOUT: 'TIMEOUT',
  /** A workflow run failed (and was compensated where it could be). */
  WORKFLOW_FAILED: 'WORKFLOW_FAILED',
  /** A message may not be sent: `canContact` said no (no consent, no arrangement, quiet hours, frequency cap ...). */
  CONTACT_REFUSED: 'CONTACT_REFUSED',
  /** A vendor API (HubSpot, Salesforce ...) answered with an error status or could not be reached. */
  VENDOR_ERROR: 'VENDOR_ERROR',
  /** A vendor API kept rate limiting and the next wait would exceed the caller's wait budget. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A paginated vendor API handed back a cursor it had given before (it would loop forever). */
  PAGINATION_LOOP: 'PAGINATION_LOOP',
  /** A webhook delivery was refused: missing, bad or stale signature, or a body that is not the vendor's shape. */
  WEBHOOK_REJECTED: 'WEBHOOK_REJECTED',
  /** A sync run stopped before its pass completed; its checkpoint is kept and the next run resumes from it. */
  SYNC_FAILED: 'SYNC_FAILED',
  /** An embedded database folder is already open in another process (or earlier in this one): one opener at a time. */
  STORE_LOCKED: 'STORE_LOCKED',
} as const;

/** Union of every {@link ErrorCode} value. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const crmkitMarker = Symbol.for('crmkit.error');

/** Longest user value an error message quotes; longer ones are cut with an ellipsis and their length. */
export const MAX_QUOTED_LENGTH = 120;
/** Longest error message; a longer one keeps its start and end around a note of what was cut. */
export const MAX_MESSAGE_LENGTH = 2_000;

/**
 * Shortens user text for an error message: at most `max` characters, the cut marked with an ellipsis and the
 * original length (`"abc…" (1048576 characters)`), so a 1 MB id never ends up in a log whole.
 *
 * @example
 * ```ts
 * truncateText('x'.repeat(1000)); // 'xxx…xxx… (1000 characters)'
 * ```
 */
export function truncateText(text: string, max = MAX_QUOTED_LENGTH): string {
  if (text.length <= max) return text;
  let end = max;
  // Do not cut a surrogate pair in two.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}… (${text.length} characters)`;
}

/**
 * Quotes a user value for an error message: JSON-quoted, truncated by {@link truncateText}. Every crmkit message
 * that quotes what a caller supplied goes through it.
 *
 * @example
 * ```ts
 * `Invalid field name ${quoteValue(field)}.`
 * ```
 */
export function quoteValue(value: unknown, max = MAX_QUOTED_LENGTH): string {
  if (typeof value === 'string') {
    if (value.length <= max) return JSON.stringify(value);
    return `${JSON.stringify(value.slice(0, max))}… (${value.length} characters)`;
  }
  let text: string;
  try {
    text =
      typeof value === 'bigint' || typeof value === 'symbol' ? String(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return truncateText(text, max);
}

const LONG_QUOTED = new RegExp(`"((?:[^"\\\\]|\\\\.){${MAX_QUOTED_LENGTH + 1},})"`, 'g');

/**
 * The safety net for messages built without {@link quoteValue}: every double-quoted segment longer than
 * {@link MAX_QUOTED_LENGTH} is cut like `quoteValue` cuts it, then the whole message is capped at
 * {@link MAX_MESSAGE_LENGTH} (its start and end kept, with a note of how much was cut).
 */
function capMessage(message: string): string {
  if (message.length <= MAX_QUOTED_LENGTH) return message;
  message = message.replace(
    LONG_QUOTED,
    (_, inner: string) => `"${inner.slice(0, MAX_QUOTED_LENGTH)}…" (${inner.length} characters)`,
  );
  if (message.length <= MAX_MESSAGE_LENGTH) return message;
  const keep = Math.floor((MAX_MESSAGE_LENGTH - 60) / 2);
  return `${message.slice(0, keep)} … (${message.length - 2 * keep} characters cut) … ${message.slice(-keep)}`;
}

/** Constructor options shared by every crmkit error. */
export interface CrmkitErrorOptions {
  /** Stable machine-readable code. */
  code: ErrorCode | (string & {});
  /** Human-readable message; locate it, e.g. `[crmkit/core] Customer "cus_1" not found.` */
  message: string;
  /** The underlying error, if any. Never blank a stack: wrap with `cause`. */
  cause?: unknown;
}

/**
 * Base class of every error crmkit throws.
 *
 * @example
 * ```ts
 * try { await hub.ingest(records); }
 * catch (error) {
 *   if (ValidationError.isInstance(error)) console.log(error.issues[0]?.path);
 *   else if (CrmkitError.isInstance(error)) console.log(error.code);
 * }
 * ```
 */
export class CrmkitError extends Error {
  protected readonly [crmkitMarker] = true;
  /** Stable machine-readable code (see {@link ErrorCode}). */
  readonly code: string;

  constructor({ code, message, cause }: CrmkitErrorOptions) {
    super(capMessage(message), cause === undefined ? undefined : { cause });
    this.name = 'CrmkitError';
    this.code = code;
  }

  /** True when `error` is a crmkit error, from this or any other copy of the package. */
  static isInstance(error: unknown): error is CrmkitError {
    return hasMarker(error, crmkitMarker);
  }
}

function hasMarker(error: unknown, marker: symbol): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
}

/** One problem found while validating input. */
export interface ValidationIssue {
  /** Where the problem is, as a list of keys from the root of the input (e.g. `[3, 'data', 'emails', 0]`). */
  path: (string | number)[];
  /** The same path as a dotted string, e.g. `records[3].data.emails[0]`. */
  pathString: string;
  /** What is wrong. */
  message: string;
  /** The validator's own issue code (for example zod's `invalid_type`). */
  issueCode: string;
}

/** Turns a path array into `records[3].data.emails[0]` form. */
export function formatPath(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

const validationMarker = Symbol.for('crmkit.error.validation');

/** Options for {@link ValidationError}. */
export interface ValidationErrorOptions {
  message: string;
  issues: ValidationIssue[];
  /** Index of the offending item inside a batch. */
  index?: number;
  /** Source system of the offending record, when known. */
  source?: string;
  /** External id of the offending record, when known. */
  externalId?: string;
  cause?: unknown;
}

/** Input failed validation. Nothing of the operation was written. Code `VALIDATION_FAILED`. */
export class ValidationError extends CrmkitError {
  protected readonly [validationMarker] = true;
  /** Every problem found, each with its path. */
  readonly issues: ValidationIssue[];
  /** Index of the offending item inside a batch, when the input was a batch. */
  readonly index: number | undefined;
  /** Source system of the offending record, when known. */
  readonly source: string | undefined;
  /** External id of the offending record, when known. */
  readonly externalId: string | undefined;
  /** Path of the first issue, for quick reporting. */
  readonly path: (string | number)[];

  constructor(options: ValidationErrorOptions) {
    super({ code: ErrorCode.VALIDATION_FAILED, message: options.message, cause: options.cause });
    this.name = 'ValidationError';
    this.issues = options.issues;
    this.index = options.index;
    this.source = options.source;
    this.externalId = options.externalId;
    this.path = options.issues[0]?.path ?? [];
  }

  /** True when `error` is a {@link ValidationError} from any copy of the package. */
  static override isInstance(error: unknown): error is ValidationError {
    return hasMarker(error, validationMarker);
  }
}

const notFoundMarker = Symbol.for('crmkit.error.not-found');

/** The entity asked for does not exist. Code `NOT_FOUND`. */
export class NotFoundError extends CrmkitError {
  protected readonly [notFoundMarker] = true;
  /** Kind of entity, e.g. `customer`. */
  readonly entity: string;
  /** The id that was not found. */
  readonly id: string;

  constructor(options: { entity: string; id: string; message?: string; cause?: unknown }) {
    super({
      code: ErrorCode.NOT_FOUND,
      message: options.message ?? `[crmkit] ${capitalize(options.entity)} ${quoteValue(options.id)} not found.`,
      cause: options.cause,
    });
    this.name = 'NotFoundError';
    this.entity = options.entity;
    this.id = options.id;
  }

  /** True when `error` is a {@link NotFoundError} from any copy of the package. */
  static override isInstance(error: unknown): error is NotFoundError {
    return hasMarker(error, notFoundMarker);
  }
}

const conflictMarker = Symbol.for('crmkit.error.conflict');

/** The operation conflicts with the current state. Code `CONFLICT` or `UNMERGE_BLOCKED`. */
export class ConflictError extends CrmkitError {
  protected readonly [conflictMarker] = true;

  constructor(options: {
    message: string;
    code?: typeof ErrorCode.CONFLICT | typeof ErrorCode.UNMERGE_BLOCKED;
    cause?: unknown;
  }) {
    super({ code: options.code ?? ErrorCode.CONFLICT, message: options.message, cause: options.cause });
    this.name = 'ConflictError';
  }

  /** True when `error` is a {@link ConflictError} from any copy of the package. */
  static override isInstance(error: unknown): error is ConflictError {
    return hasMarker(error, conflictMarker);
  }
}

const invalidArgumentMarker = Symbol.for('crmkit.error.invalid-argument');

/** An argument is not acceptable. Code `INVALID_ARGUMENT`. */
export class InvalidArgumentError extends CrmkitError {
  protected readonly [invalidArgumentMarker] = true;
  /** Name (or dotted path) of the offending argument. */
  readonly argument: string;

  constructor(options: { argument: string; message: string; cause?: unknown }) {
    super({ code: ErrorCode.INVALID_ARGUMENT, message: options.message, cause: options.cause });
    this.name = 'InvalidArgumentError';
    this.argument = options.argument;
  }

  /** True when `error` is an {@link InvalidArgumentError} from any copy of the package. */
  static override isInstance(error: unknown): error is InvalidArgumentError {
    return hasMarker(error, invalidArgumentMarker);
  }
}

const unsupportedMarker = Symbol.for('crmkit.error.unsupported-specification');

/** A plugged-in implementation speaks a contract version the host does not. Code `UNSUPPORTED_SPECIFICATION_VERSION`. */
export class UnsupportedSpecificationError extends CrmkitError {
  protected readonly [unsupportedMarker] = true;
  /** Which contract: `store`, `adapter`, `channel` or `plugin`. */
  readonly contract: string;
  /** The version the implementation declared. */
  readonly version: unknown;

  constructor(options: {
    contract: string;
    name: string;
    version: unknown;
    supported: readonly string[];
    /** Replaces the default message (e.g. for a dependency whose version is not known). */
    message?: string;
  }) {
    super({
      code: ErrorCode.UNSUPPORTED_SPECIFICATION_VERSION,
      message:
        options.message ??
        `[crmkit] ${capitalize(options.contract)} "${options.name}" implements specification version ${JSON.stringify(
          options.version,
        )}; this host supports ${options.supported.map((v) => `"${v}"`).join(', ')}.`,
    });
    this.name = 'UnsupportedSpecificationError';
    this.contract = options.contract;
    this.version = options.version;
  }

  /** True when `error` is an {@link UnsupportedSpecificationError} from any copy of the package. */
  static override isInstance(error: unknown): error is UnsupportedSpecificationError {
    return hasMarker(error, unsupportedMarker);
  }
}

const abortedMarker = Symbol.for('crmkit.error.aborted');

/** The operation was cancelled through its `AbortSignal`; nothing was written. Code `ABORTED`. */
export class AbortedError extends CrmkitError {
  protected readonly [abortedMarker] = true;

  constructor(options: { message?: string; cause?: unknown } = {}) {
    super({
      code: ErrorCode.ABORTED,
      message: options.message ?? '[crmkit] The operation was aborted.',
      cause: options.cause,
    });
    this.name = 'AbortedError';
  }

  /** True when `error` is an {@link AbortedError} from any copy of the package. */
  static override isInstance(error: unknown): error is AbortedError {
    return hasMarker(error, abortedMarker);
  }
}

const permissionMarker = Symbol.for('crmkit.error.permission-denied');

/**
 * The actor may not do what it asked: a plugin wrote outside its grant, read an entity it did not declare, or used
 * a hook or event it did not declare. Nothing of the operation was written. Code `PERMISSION_DENIED`.
 */
export class PermissionDeniedError extends CrmkitError {
  protected readonly [permissionMarker] = true;
  /** Who asked, e.g. `plugin:sales`. */
  readonly actor: string;
  /** What it tried: `read`, `write`, `hook`, `command` ... */
  readonly operation: string;
  /** The offending target, as a dotted path (e.g. `attributes.service.slaTier` or `records[0].type`). */
  readonly path: string;

  constructor(options: { actor: string; operation: string; path: string; message?: string; cause?: unknown }) {
    super({
      code: ErrorCode.PERMISSION_DENIED,
      message:
        options.message ??
        `[crmkit] ${options.actor} may not ${options.operation} "${options.path}": it is outside its grant.`,
      cause: options.cause,
    });
    this.name = 'PermissionDeniedError';
    this.actor = options.actor;
    this.operation = options.operation;
    this.path = options.path;
  }

  /** True when `error` is a {@link PermissionDeniedError} from any copy of the package. */
  static override isInstance(error: unknown): error is PermissionDeniedError {
    return hasMarker(error, permissionMarker);
  }
}

const pluginInvalidMarker = Symbol.for('crmkit.error.plugin-invalid');

/** A plugin manifest was refused when the Hub started. Code `PLUGIN_INVALID`. */
export class PluginInvalidError extends CrmkitError {
  protected readonly [pluginInvalidMarker] = true;
  /** Name of the refused plugin (`?` when it has none). */
  readonly plugin: string;
  /** Where in the manifest the problem is, e.g. `dependsOn.billing` or `fields.person.tier`. */
  readonly path: string;

  constructor(options: { plugin: string; path: string; message: string; cause?: unknown }) {
    super({
      code: ErrorCode.PLUGIN_INVALID,
      message: `[crmkit] Plugin "${options.plugin}" is refused at ${options.path || '(root)'}: ${options.message}`,
      cause: options.cause,
    });
    this.name = 'PluginInvalidError';
    this.plugin = options.plugin;
    this.path = options.path;
  }

  /** True when `error` is a {@link PluginInvalidError} from any copy of the package. */
  static override isInstance(error: unknown): error is PluginInvalidError {
    return hasMarker(error, pluginInvalidMarker);
  }
}

const vetoMarker = Symbol.for('crmkit.error.vetoed');

/** A before-hook vetoed the operation; nothing was written. Code `VETOED`. */
export class VetoError extends CrmkitError {
  protected readonly [vetoMarker] = true;
  /** The hook, e.g. `ingest:before`. */
  readonly hook: string;
  /** Who vetoed: the plugin name or the id the handler was registered with. */
  readonly by: string;
  /** The reason the handler gave. */
  readonly reason: string;

  constructor(options: { hook: string; by: string; reason: string }) {
    super({
      code: ErrorCode.VETOED,
      message: `[crmkit] ${options.by} vetoed ${options.hook}: ${options.reason}`,
    });
    this.name = 'VetoError';
    this.hook = options.hook;
    this.by = options.by;
    this.reason = options.reason;
  }

  /** True when `error` is a {@link VetoError} from any copy of the package. */
  static override isInstance(error: unknown): error is VetoError {
    return hasMarker(error, vetoMarker);
  }
}

const timeoutMarker = Symbol.for('crmkit.error.timeout');

/** A step or hook took longer than its limit. Code `TIMEOUT`. */
export class TimeoutError extends CrmkitError {
  protected readonly [timeoutMarker] = true;
  /** The limit, in milliseconds. */
  readonly timeoutMs: number;

  constructor(options: { what: string; timeoutMs: number }) {
    super({ code: ErrorCode.TIMEOUT, message: `[crmkit] ${options.what} timed out after ${options.timeoutMs} ms.` });
    this.name = 'TimeoutError';
    this.timeoutMs = options.timeoutMs;
  }

  /** True when `error` is a {@link TimeoutError} from any copy of the package. */
  static override isInstance(error: unknown): error is TimeoutError {
    return hasMarker(error, timeoutMarker);
  }
}

const contactRefusedMarker = Symbol.for('crmkit.error.contact-refused');

/** A send was refused because the customer may not be contacted; nothing was sent. Code `CONTACT_REFUSED`. */
export class ContactRefusedError extends CrmkitError {
  protected readonly [contactRefusedMarker] = true;
  /** The customer. */
  readonly customerId: string;
  /** Why (`no-consent`, `quiet-hours`, `frequency-cap` ...), as `canContact` decided. */
  readonly reason: string;

  constructor(options: { customerId: string; reason: string; detail: string }) {
    super({
      code: ErrorCode.CONTACT_REFUSED,
      message: `[crmkit] Contact refused (${options.reason}): ${options.detail}`,
    });
    this.name = 'ContactRefusedError';
    this.customerId = options.customerId;
    this.reason = options.reason;
  }

  /** True when `error` is a {@link ContactRefusedError} from any copy of the package. */
  static override isInstance(error: unknown): error is ContactRefusedError {
    return hasMarker(error, contactRefusedMarker);
  }
}

const vendorMarker = Symbol.for('crmkit.error.vendor');

/** Options for {@link VendorError}. */
export interface VendorErrorOptions {
  /** The vendor, e.g. `hubspot`. */
  vendor: string;
  /** HTTP status of the last answer; `undefined` when no answer arrived (network error, timeout). */
  status?: number;
  /** The vendor's request or correlation id, when it sent one. */
  requestId?: string;
  /** True when the same request may succeed later (429, 5xx, network errors, timeouts). */
  retryable: boolean;
  /** A safe message: no credentials, at most a short, redacted excerpt of the answer's body. */
  message: string;
  cause?: unknown;
}

/**
 * A vendor API answered with an error status (after retries) or could not be reached. The message never contains
 * credentials or the request's headers, and at most a short, redacted excerpt of the answer. Code `VENDOR_ERROR`.
 */
export class VendorError extends CrmkitError {
  protected readonly [vendorMarker] = true;
  /** The vendor, e.g. `hubspot`. */
  readonly vendor: string;
  /** HTTP status of the last answer; `undefined` when no answer arrived. */
  readonly status: number | undefined;
  /** The vendor's request or correlation id, when it sent one (quote it to the vendor's support). */
  readonly requestId: string | undefined;
  /** True when the same request may succeed later. */
  readonly retryable: boolean;

  constructor(options: VendorErrorOptions) {
    super({ code: ErrorCode.VENDOR_ERROR, message: options.message, cause: options.cause });
    this.name = 'VendorError';
    this.vendor = options.vendor;
    this.status = options.status;
    this.requestId = options.requestId;
    this.retryable = options.retryable;
  }

  /** True when `error` is a {@link VendorError} from any copy of the package. */
  static override isInstance(error: unknown): error is VendorError {
    return hasMarker(error, vendorMarker);
  }
}

const rateLimitMarker = Symbol.for('crmkit.error.rate-limited');

/**
 * A vendor API kept answering 429 and waiting for it again would exceed the caller's wait budget; retry after
 * `retryAfterMs` at the earliest. Code `RATE_LIMITED`.
 */
export class RateLimitError extends CrmkitError {
  protected readonly [rateLimitMarker] = true;
  /** The vendor, e.g. `hubspot`. */
  readonly vendor: string;
  /** How long to wait before the next attempt, in milliseconds. */
  readonly retryAfterMs: number;
  /** The vendor's request or correlation id of the last answer, when it sent one. */
  readonly requestId: string | undefined;

  constructor(options: {
    vendor: string;
    retryAfterMs: number;
    requestId?: string;
    message?: string;
    cause?: unknown;
  }) {
    super({
      code: ErrorCode.RATE_LIMITED,
      message:
        options.message ??
        `[crmkit] ${options.vendor} is rate limiting; retry after ${Math.ceil(options.retryAfterMs)} ms.`,
      cause: options.cause,
    });
    this.name = 'RateLimitError';
    this.vendor = options.vendor;
    this.retryAfterMs = options.retryAfterMs;
    this.requestId = options.requestId;
  }

  /** True when `error` is a {@link RateLimitError} from any copy of the package. */
  static override isInstance(error: unknown): error is RateLimitError {
    return hasMarker(error, rateLimitMarker);
  }
}

const webhookMarker = Symbol.for('crmkit.error.webhook-rejected');

/** A webhook delivery was refused and nothing was ingested. Code `WEBHOOK_REJECTED`; answer it with HTTP 401. */
export class WebhookRejectedError extends CrmkitError {
  protected readonly [webhookMarker] = true;
  /** Why: `bad-signature`, `expired`, `missing-header`, `bad-timestamp` or `bad-body`. */
  readonly reason: string;

  constructor(options: { reason: string; message: string; cause?: unknown }) {
    super({ code: ErrorCode.WEBHOOK_REJECTED, message: options.message, cause: options.cause });
    this.name = 'WebhookRejectedError';
    this.reason = options.reason;
  }

  /** True when `error` is a {@link WebhookRejectedError} from any copy of the package. */
  static override isInstance(error: unknown): error is WebhookRejectedError {
    return hasMarker(error, webhookMarker);
  }
}

const storeLockedMarker = Symbol.for('crmkit.error.store-locked');

/** The lock file of an embedded folder, `crmkit.lock` inside it, with the folder's own path separator. */
function lockFileOf(dataDir: string): string {
  const separator = dataDir.includes('\\') && !dataDir.includes('/') ? '\\' : '/';
  return `${dataDir.replace(/[\\/]+$/, '')}${separator}crmkit.lock`;
}

/**
 * An embedded database folder is held by another opener: a second process, or a second open in this process. One
 * folder has one opener at a time; processes that need the same data share a PostgreSQL server. Code
 * `STORE_LOCKED`.
 */
export class StoreLockedError extends CrmkitError {
  protected readonly [storeLockedMarker] = true;
  /** The folder that is held (absolute path). */
  readonly dataDir: string;
  /** Process id of the holder. */
  readonly pid: number;
  /** Host name of the holder. */
  readonly hostname: string;

  constructor(options: { dataDir: string; pid: number; hostname: string; message?: string; cause?: unknown }) {
    super({
      code: ErrorCode.STORE_LOCKED,
      message:
        options.message ??
        `[crmkit] The database folder "${options.dataDir}" is open in process ${options.pid} on ${options.hostname}. ` +
          'One process may open an embedded folder at a time; close it there first, or share a PostgreSQL server. ' +
          'A holder in another container or on another machine cannot be checked from here: if no process uses the ' +
          `folder, delete ${lockFileOf(options.dataDir)}.`,
      cause: options.cause,
    });
    this.name = 'StoreLockedError';
    this.dataDir = options.dataDir;
    this.pid = options.pid;
    this.hostname = options.hostname;
  }

  /** True when `error` is a {@link StoreLockedError} from any copy of the package. */
  static override isInstance(error: unknown): error is StoreLockedError {
    return hasMarker(error, storeLockedMarker);
  }
}

const storeMarker = Symbol.for('crmkit.error.store');

/**
 * The store failed; the transaction was rolled back. Code `STORE_FAILED`. `sqlState` is the database's SQLSTATE
 * when it gave one (e.g. `22P05` for text it cannot store, `08006` for a dropped connection), so callers can tell data
 * the database refused (classes 22, 23, 54) from a database that is failing.
 */
export class StoreError extends CrmkitError {
  protected readonly [storeMarker] = true;
  /** The database's five-character SQLSTATE, when it gave one. */
  readonly sqlState: string | undefined;

  constructor(options: { message: string; sqlState?: string | undefined; cause?: unknown }) {
    super({ code: ErrorCode.STORE_FAILED, message: options.message, cause: options.cause });
    this.name = 'StoreError';
    this.sqlState = options.sqlState;
  }

  /** True when `error` is a {@link StoreError} from any copy of the package. */
  static override isInstance(error: unknown): error is StoreError {
    return hasMarker(error, storeMarker);
  }
}

/**
 * The part of `AbortSignal` crmkit reads. Any runtime's `AbortSignal` fits; declared here so the model needs no
 * DOM or Node type library.
 */
export interface AbortSignalLike {
  /** True once the operation should stop. */
  readonly aborted: boolean;
  /** Why it was aborted. */
  readonly reason?: unknown;
}

/** Throws an {@link AbortedError} when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

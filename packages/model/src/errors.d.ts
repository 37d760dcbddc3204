/**
 * One error hierarchy for every crmkit package.
 *
 * Each class carries a `Symbol.for` marker so {@link CrmkitError.isInstance} works even when two copies of
 * `@crmkit/model` end up in one bundle (where `instanceof` fails).
 *
 * @module
 */
/** Stable, UPPER_SNAKE error codes. Codes never change meaning; new ones may be added in minor versions. */
export declare const ErrorCode: {
  /** Input failed schema validation; see `issues` for the offending paths. */
  readonly VALIDATION_FAILED: 'VALIDATION_FAILED';
  /** An argument to a function is not acceptable (wrong shape, out of range). */
  readonly INVALID_ARGUMENT: 'INVALID_ARGUMENT';
  /** The entity asked for does not exist. */
  readonly NOT_FOUND: 'NOT_FOUND';
  /** The operation conflicts with the current state (for example merging a customer into itself). */
  readonly CONFLICT: 'CONFLICT';
  /** Unmerge is not possible because the customers are still linked by an identity rule. */
  readonly UNMERGE_BLOCKED: 'UNMERGE_BLOCKED';
  /** A store, adapter, channel or plugin implements a contract version this host does not support. */
  readonly UNSUPPORTED_SPECIFICATION_VERSION: 'UNSUPPORTED_SPECIFICATION_VERSION';
  /** The operation was cancelled through its `AbortSignal`. */
  readonly ABORTED: 'ABORTED';
  /** The store failed; the transaction was rolled back. */
  readonly STORE_FAILED: 'STORE_FAILED';
  /** The Hub was used after `close()`. */
  readonly CLOSED: 'CLOSED';
  /** The actor (a plugin, later a user or API key) is not allowed to read or write what it asked for. */
  readonly PERMISSION_DENIED: 'PERMISSION_DENIED';
  /** A plugin's manifest is not acceptable (unknown dependency, cycle, conflicting namespace, bad declaration). */
  readonly PLUGIN_INVALID: 'PLUGIN_INVALID';
  /** A before-hook vetoed the operation; nothing was written. */
  readonly VETOED: 'VETOED';
  /** A step or hook took longer than its time limit. */
  readonly TIMEOUT: 'TIMEOUT';
  /** A workflow run failed (and was compensated where it could be). */
  readonly WORKFLOW_FAILED: 'WORKFLOW_FAILED';
  /** A message may not be sent: `canContact` said no (no consent, no arrangement, quiet hours, frequency cap ...). */
  readonly CONTACT_REFUSED: 'CONTACT_REFUSED';
  /** A vendor API (HubSpot, Salesforce ...) answered with an error status or could not be reached. */
  readonly VENDOR_ERROR: 'VENDOR_ERROR';
  /** A vendor API kept rate limiting and the next wait would exceed the caller's wait budget. */
  readonly RATE_LIMITED: 'RATE_LIMITED';
  /** A paginated vendor API handed back a cursor it had given before (it would loop forever). */
  readonly PAGINATION_LOOP: 'PAGINATION_LOOP';
  /** A webhook delivery was refused: missing, bad or stale signature, or a body that is not the vendor's shape. */
  readonly WEBHOOK_REJECTED: 'WEBHOOK_REJECTED';
  /** A sync run stopped before its pass completed; its checkpoint is kept and the next run resumes from it. */
  readonly SYNC_FAILED: 'SYNC_FAILED';
  /** An embedded database folder is already open in another process (or earlier in this one): one opener at a time. */
  readonly STORE_LOCKED: 'STORE_LOCKED';
};
/** Union of every {@link ErrorCode} value. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
declare const crmkitMarker: unique symbol;
/** Longest user value an error message quotes; longer ones are cut with an ellipsis and their length. */
export declare const MAX_QUOTED_LENGTH = 120;
/** Longest error message; a longer one keeps its start and end around a note of what was cut. */
export declare const MAX_MESSAGE_LENGTH = 2000;
/**
 * Shortens user text for an error message: at most `max` characters, the cut marked with an ellipsis and the
 * original length (`"abc…" (1048576 characters)`), so a 1 MB id never ends up in a log whole.
 *
 * @example
 * ```ts
 * truncateText('x'.repeat(1000)); // 'xxx…xxx… (1000 characters)'
 * ```
 */
export declare function truncateText(text: string, max?: number): string;
/**
 * Quotes a user value for an error message: JSON-quoted, truncated by {@link truncateText}. Every crmkit message
 * that quotes what a caller supplied goes through it.
 *
 * @example
 * ```ts
 * `Invalid field name ${quoteValue(field)}.`
 * ```
 */
export declare function quoteValue(value: unknown, max?: number): string;
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
export declare class CrmkitError extends Error {
  protected readonly [crmkitMarker] = true;
  /** Stable machine-readable code (see {@link ErrorCode}). */
  readonly code: string;
  constructor({ code, message, cause }: CrmkitErrorOptions);
  /** True when `error` is a crmkit error, from this or any other copy of the package. */
  static isInstance(error: unknown): error is CrmkitError;
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
export declare function formatPath(path: readonly PropertyKey[], root?: string): string;
declare const validationMarker: unique symbol;
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
export declare class ValidationError extends CrmkitError {
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
  constructor(options: ValidationErrorOptions);
  /** True when `error` is a {@link ValidationError} from any copy of the package. */
  static isInstance(error: unknown): error is ValidationError;
}
declare const notFoundMarker: unique symbol;
/** The entity asked for does not exist. Code `NOT_FOUND`. */
export declare class NotFoundError extends CrmkitError {
  protected readonly [notFoundMarker] = true;
  /** Kind of entity, e.g. `customer`. */
  readonly entity: string;
  /** The id that was not found. */
  readonly id: string;
  constructor(options: {
    entity: string;
    id: string;
    message?: string;
    cause?: unknown;
  });
  /** True when `error` is a {@link NotFoundError} from any copy of the package. */
  static isInstance(error: unknown): error is NotFoundError;
}
declare const conflictMarker: unique symbol;
/** The operation conflicts with the current state. Code `CONFLICT` or `UNMERGE_BLOCKED`. */
export declare class ConflictError extends CrmkitError {
  protected readonly [conflictMarker] = true;
  constructor(options: {
    message: string;
    code?: typeof ErrorCode.CONFLICT | typeof ErrorCode.UNMERGE_BLOCKED;
    cause?: unknown;
  });
  /** True when `error` is a {@link ConflictError} from any copy of the package. */
  static isInstance(error: unknown): error is ConflictError;
}
declare const invalidArgumentMarker: unique symbol;
/** An argument is not acceptable. Code `INVALID_ARGUMENT`. */
export declare class InvalidArgumentError extends CrmkitError {
  protected readonly [invalidArgumentMarker] = true;
  /** Name (or dotted path) of the offending argument. */
  readonly argument: string;
  constructor(options: {
    argument: string;
    message: string;
    cause?: unknown;
  });
  /** True when `error` is an {@link InvalidArgumentError} from any copy of the package. */
  static isInstance(error: unknown): error is InvalidArgumentError;
}
declare const unsupportedMarker: unique symbol;
/** A plugged-in implementation speaks a contract version the host does not. Code `UNSUPPORTED_SPECIFICATION_VERSION`. */
export declare class UnsupportedSpecificationError extends CrmkitError {
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
  });
  /** True when `error` is an {@link UnsupportedSpecificationError} from any copy of the package. */
  static isInstance(error: unknown): error is UnsupportedSpecificationError;
}
declare const abortedMarker: unique symbol;
/** The operation was cancelled through its `AbortSignal`; nothing was written. Code `ABORTED`. */
export declare class AbortedError extends CrmkitError {
  protected readonly [abortedMarker] = true;
  constructor(options?: {
    message?: string;
    cause?: unknown;
  });
  /** True when `error` is an {@link AbortedError} from any copy of the package. */
  static isInstance(error: unknown): error is AbortedError;
}
declare const permissionMarker: unique symbol;
/**
 * The actor may not do what it asked: a plugin wrote outside its grant, read an entity it did not declare, or used
 * a hook or event it did not declare. Nothing of the operation was written. Code `PERMISSION_DENIED`.
 */
export declare class PermissionDeniedError extends CrmkitError {
  protected readonly [permissionMarker] = true;
  /** Who asked, e.g. `plugin:sales`. */
  readonly actor: string;
  /** What it tried: `read`, `write`, `hook`, `command` ... */
  readonly operation: string;
  /** The offending target, as a dotted path (e.g. `attributes.service.slaTier` or `records[0].type`). */
  readonly path: string;
  constructor(options: {
    actor: string;
    operation: string;
    path: string;
    message?: string;
    cause?: unknown;
  });
  /** True when `error` is a {@link PermissionDeniedError} from any copy of the package. */
  static isInstance(error: unknown): error is PermissionDeniedError;
}
declare const pluginInvalidMarker: unique symbol;
/** A plugin manifest was refused when the Hub started. Code `PLUGIN_INVALID`. */
export declare class PluginInvalidError extends CrmkitError {
  protected readonly [pluginInvalidMarker] = true;
  /** Name of the refused plugin (`?` when it has none). */
  readonly plugin: string;
  /** Where in the manifest the problem is, e.g. `dependsOn.billing` or `fields.person.tier`. */
  readonly path: string;
  constructor(options: {
    plugin: string;
    path: string;
    message: string;
    cause?: unknown;
  });
  /** True when `error` is a {@link PluginInvalidError} from any copy of the package. */
  static isInstance(error: unknown): error is PluginInvalidError;
}
declare const vetoMarker: unique symbol;
/** A before-hook vetoed the operation; nothing was written. Code `VETOED`. */
export declare class VetoError extends CrmkitError {
  protected readonly [vetoMarker] = true;
  /** The hook, e.g. `ingest:before`. */
  readonly hook: string;
  /** Who vetoed: the plugin name or the id the handler was registered with. */
  readonly by: string;
  /** The reason the handler gave. */
  readonly reason: string;
  constructor(options: {
    hook: string;
    by: string;
    reason: string;
  });
  /** True when `error` is a {@link VetoError} from any copy of the package. */
  static isInstance(error: unknown): error is VetoError;
}
declare const timeoutMarker: unique symbol;
/** A step or hook took longer than its limit. Code `TIMEOUT`. */
export declare class TimeoutError extends CrmkitError {
  protected readonly [timeoutMarker] = true;
  /** The limit, in milliseconds. */
  readonly timeoutMs: number;
  constructor(options: {
    what: string;
    timeoutMs: number;
  });
  /** True when `error` is a {@link TimeoutError} from any copy of the package. */
  static isInstance(error: unknown): error is TimeoutError;
}
declare const contactRefusedMarker: unique symbol;
/** A send was refused because the customer may not be contacted; nothing was sent. Code `CONTACT_REFUSED`. */
export declare class ContactRefusedError extends CrmkitError {
  protected readonly [contactRefusedMarker] = true;
  /** The customer. */
  readonly customerId: string;
  /** Why (`no-consent`, `quiet-hours`, `frequency-cap` ...), as `canContact` decided. */
  readonly reason: string;
  constructor(options: {
    customerId: string;
    reason: string;
    detail: string;
  });
  /** True when `error` is a {@link ContactRefusedError} from any copy of the package. */
  static isInstance(error: unknown): error is ContactRefusedError;
}
declare const vendorMarker: unique symbol;
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
export declare class VendorError extends CrmkitError {
  protected readonly [vendorMarker] = true;
  /** The vendor, e.g. `hubspot`. */
  readonly vendor: string;
  /** HTTP status of the last answer; `undefined` when no answer arrived. */
  readonly status: number | undefined;
  /** The vendor's request or correlation id, when it sent one (quote it to the vendor's support). */
  readonly requestId: string | undefined;
  /** True when the same request may succeed later. */
  readonly retryable: boolean;
  constructor(options: VendorErrorOptions);
  /** True when `error` is a {@link VendorError} from any copy of the package. */
  static isInstance(error: unknown): error is VendorError;
}
declare const rateLimitMarker: unique symbol;
/**
 * A vendor API kept answering 429 and waiting for it again would exceed the caller's wait budget; retry after
 * `retryAfterMs` at the earliest. Code `RATE_LIMITED`.
 */
export declare class RateLimitError extends CrmkitError {
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
  });
  /** True when `error` is a {@link RateLimitError} from any copy of the package. */
  static isInstance(error: unknown): error is RateLimitError;
}
declare const webhookMarker: unique symbol;
/** A webhook delivery was refused and nothing was ingested. Code `WEBHOOK_REJECTED`; answer it with HTTP 401. */
export declare class WebhookRejectedError extends CrmkitError {
  protected readonly [webhookMarker] = true;
  /** Why: `bad-signature`, `expired`, `missing-header`, `bad-timestamp` or `bad-body`. */
  readonly reason: string;
  constructor(options: {
    reason: string;
    message: string;
    cause?: unknown;
  });
  /** True when `error` is a {@link WebhookRejectedError} from any copy of the package. */
  static isInstance(error: unknown): error is WebhookRejectedError;
}
declare const storeLockedMarker: unique symbol;
/**
 * An embedded database folder is held by another opener: a second process, or a second open in this process. One
 * folder has one opener at a time; processes that need the same data share a PostgreSQL server. Code
 * `STORE_LOCKED`.
 */
export declare class StoreLockedError extends CrmkitError {
  protected readonly [storeLockedMarker] = true;
  /** The folder that is held (absolute path). */
  readonly dataDir: string;
  /** Process id of the holder. */
  readonly pid: number;
  /** Host name of the holder. */
  readonly hostname: string;
  constructor(options: {
    dataDir: string;
    pid: number;
    hostname: string;
    message?: string;
    cause?: unknown;
  });
  /** True when `error` is a {@link StoreLockedError} from any copy of the package. */
  static isInstance(error: unknown): error is StoreLockedError;
}
declare const storeMarker: unique symbol;
/**
 * The store failed; the transaction was rolled back. Code `STORE_FAILED`. `sqlState` is the database's SQLSTATE
 * when it gave one (e.g. `22P05` for text it cannot store, `08006` for a dropped connection), so callers can tell data
 * the database refused (classes 22, 23, 54) from a database that is failing.
 */
export declare class StoreError extends CrmkitError {
  protected readonly [storeMarker] = true;
  /** The database's five-character SQLSTATE, when it gave one. */
  readonly sqlState: string | undefined;
  constructor(options: {
    message: string;
    sqlState?: string | undefined;
    cause?: unknown;
  });
  /** True when `error` is a {@link StoreError} from any copy of the package. */
  static isInstance(error: unknown): error is StoreError;
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
export declare function throwIfAborted(signal: AbortSignalLike | undefined): void;
//# sourceMappingURL=errors.d.ts.map

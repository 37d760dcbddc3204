/**
 * Checks of the arguments store methods receive: a bad one is refused with `INVALID_ARGUMENT` naming it before any
 * SQL runs.
 *
 * @module
 */
import { InvalidArgumentError } from '@crmkit/model';

/** Refuses `values` unless it is an array of strings. */
export function requireStrings(argument: string, values: readonly unknown[]): void {
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
    throw new InvalidArgumentError({
      argument,
      message: `[crmkit/store-postgres] "${argument}" must be an array of strings.`,
    });
  }
}

/** A `limit` option: a non-negative integer. */
export function requireLimit(limit: unknown): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    throw new InvalidArgumentError({
      argument: 'limit',
      message: '[crmkit/store-postgres] "limit" must be a non-negative integer.',
    });
  }
  return limit;
}

/** A sequence number: a safe integer. */
export function requireSeq(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError({
      argument,
      message: `[crmkit/store-postgres] "${argument}" must be an integer.`,
    });
  }
  return value;
}

/** An `after` position as a bigint parameter: the entries after it are those after its floor. */
export function requireAfter(after: unknown): number | null {
  if (after === undefined) return null;
  if (typeof after !== 'number' || !Number.isFinite(after)) {
    throw new InvalidArgumentError({
      argument: 'after',
      message: '[crmkit/store-postgres] "after" must be a finite number.',
    });
  }
  return Math.floor(after);
}

/** Refuses `value` unless each of `fields` is set on it (`argument.field` names the missing one). */
export function requireFields(argument: string, value: unknown, fields: readonly string[]): void {
  const object = value as Record<string, unknown> | null;
  const missing = fields.find((field) => object === null || typeof object !== 'object' || object[field] === undefined);
  if (missing) {
    throw new InvalidArgumentError({
      argument: `${argument}.${missing}`,
      message: `[crmkit/store-postgres] "${argument}.${missing}" is required.`,
    });
  }
}

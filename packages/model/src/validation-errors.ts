/**
 * Building {@link ValidationError}s: one issue found by hand ({@link validationIssue}), the message that names the
 * first issue ({@link validationErrorOf}), and the one conversion of a zod error ({@link issuesFromZod},
 * {@link validationErrorFromZod}).
 *
 * @module
 */
import { formatPath, ValidationError, type ValidationErrorOptions, type ValidationIssue } from './errors';

/**
 * One {@link ValidationIssue} at `path`, its `pathString` formatted under `root`.
 *
 * @example
 * ```ts
 * validationIssue(['value', 0], 'Expected a string', 'invalid_type'); // { path: ['value', 0], pathString: 'value[0]', ... }
 * ```
 */
export function validationIssue(
  path: (string | number)[],
  message: string,
  issueCode: string,
  root = '',
): ValidationIssue {
  return { path, pathString: formatPath(path, root), message, issueCode };
}

/** Options of {@link validationErrorOf}. */
export interface ValidationErrorOfOptions extends Omit<ValidationErrorOptions, 'message' | 'issues'> {
  /**
   * What was invalid, e.g. `'[crmkit/core] Plugin fields are invalid'`; the message becomes
   * `<message> at <first path>: <first problem>`. A function gets the issues and returns the whole message.
   */
  message: string | ((issues: ValidationIssue[]) => string);
}

/**
 * The one way a {@link ValidationError} (code `VALIDATION_FAILED`) names its first issue in its message:
 * `<message> at <first path>: <first problem>` (`<message>: <first problem>` when that path is empty).
 *
 * @example
 * ```ts
 * throw validationErrorOf(issues, { message: '[crmkit/core] Plugin fields are invalid' });
 * // ValidationError: [crmkit/core] Plugin fields are invalid at values.score: Expected a number
 * ```
 */
export function validationErrorOf(issues: ValidationIssue[], options: ValidationErrorOfOptions): ValidationError {
  const { message, ...rest } = options;
  const first = issues[0];
  const text =
    typeof message === 'function'
      ? message(issues)
      : first === undefined
        ? message
        : first.pathString === ''
          ? `${message}: ${first.message}`
          : `${message} at ${first.pathString}: ${first.message}`;
  return new ValidationError({ ...rest, message: text, issues });
}

/** The parts of a zod error that {@link issuesFromZod} reads (any zod 4 `ZodError` fits). */
export interface ZodErrorLike {
  issues: readonly { code: string; path: readonly PropertyKey[]; message: string; keys?: readonly string[] }[];
}

/** Options of {@link issuesFromZod}. */
export interface IssuesFromZodOptions {
  /** Keys put in front of every issue's path, e.g. `['input']` or `[3, 'data']`. @default [] */
  basePath?: readonly (string | number)[];
  /** Name the `pathString` starts with, e.g. `'settings'` gives `settings.credentials.token`. @default '' */
  root?: string;
  /**
   * How an `unrecognized_keys` issue is reported: `'object'` (default) as zod does, one issue at the object; `'key'`
   * one issue per unknown key, at the key itself, with the message `Unknown key "<key>"` (or `unknownKeyMessage`).
   */
  unknownKeys?: 'object' | 'key';
  /** With `unknownKeys: 'key'`: the message for an unknown key, given the path of the object holding it. */
  unknownKeyMessage?: (objectPath: (string | number)[], key: string) => string | undefined;
}

/**
 * The one conversion of zod issues into {@link ValidationIssue}s: paths prefixed with `basePath` (symbol keys as
 * strings), `pathString` formatted under `root`, zod's issue code kept.
 *
 * @example
 * ```ts
 * const parsed = schema.safeParse(input);
 * if (!parsed.success) issuesFromZod(parsed.error, { basePath: ['input'] }); // [{ path: ['input', 'name'], pathString: 'input.name', ... }]
 * ```
 */
export function issuesFromZod(error: ZodErrorLike, options: IssuesFromZodOptions = {}): ValidationIssue[] {
  const { basePath = [], root = '' } = options;
  const issues: ValidationIssue[] = [];
  for (const issue of error.issues) {
    const path = [...basePath, ...issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key))] as (
      | string
      | number
    )[];
    if (options.unknownKeys === 'key' && issue.code === 'unrecognized_keys' && issue.keys) {
      for (const key of issue.keys) {
        const at = [...path, key];
        const message = options.unknownKeyMessage?.(path, key) ?? `Unknown key "${key}"`;
        issues.push(validationIssue(at, message, issue.code, root));
      }
      continue;
    }
    issues.push(validationIssue(path, issue.message, issue.code, root));
  }
  return issues;
}

/** Options of {@link validationErrorFromZod}: where the issues go, and the message as {@link validationErrorOf} makes it. */
export interface ValidationErrorFromZodOptions extends IssuesFromZodOptions, Omit<ValidationErrorOfOptions, 'cause'> {}

/**
 * The one conversion of a zod error into a {@link ValidationError} (code `VALIDATION_FAILED`): every issue by
 * {@link issuesFromZod}, the zod error as `cause`.
 *
 * @example
 * ```ts
 * const parsed = SettingsSchema.safeParse(input);
 * if (!parsed.success)
 *   throw validationErrorFromZod(parsed.error, { root: 'settings', message: '[crmkit/hubspot] Invalid settings' });
 * // ValidationError: [crmkit/hubspot] Invalid settings at settings.portalId: Invalid input: expected string
 * ```
 */
export function validationErrorFromZod(error: ZodErrorLike, options: ValidationErrorFromZodOptions): ValidationError {
  const { basePath, root, unknownKeys, unknownKeyMessage, message, ...rest } = options;
  const issues = issuesFromZod(error, {
    ...(basePath ? { basePath } : {}),
    ...(root !== undefined ? { root } : {}),
    ...(unknownKeys ? { unknownKeys } : {}),
    ...(unknownKeyMessage ? { unknownKeyMessage } : {}),
  });
  return validationErrorOf(issues, { ...rest, message, cause: error });
}

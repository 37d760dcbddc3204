import { readFile } from 'node:fs/promises';
import { type EntityKind, FIELD_NAMES, type FieldName, type Thresholds } from '@crmkit/identity';
import { InvalidArgumentError, issuesFromZod, ValidationError, type ValidationIssue } from '@crmkit/model';
import { z } from 'zod';

/**
 * What `map.json` says: which CSV column holds the record id, which columns hold which identity field, and how
 * to match. Columns not named in `columns` are ignored.
 *
 * @example
 * ```json
 * { "id": "customer_no", "columns": { "First name": "givenName", "Last name": "familyName", "E-mail": "email" },
 *   "defaultCountry": "DE" }
 * ```
 */
export interface ColumnMap {
  /** The column that holds the record id (unique within each file). */
  id: string;
  /** CSV column name to identity field (one of `FIELD_NAMES` of `@crmkit/identity`). Several columns may map to
   * the same field (two e-mail columns): the record then has several values for it. */
  columns: Record<string, FieldName>;
  /** What the records are. Default: `organization` when `organizationName` is mapped and no person field
   * (`givenName`, `familyName`, `fullName`, `birthDate`) is, else `person`. */
  entity?: EntityKind | undefined;
  /** Country (ISO 3166 alpha-2, e.g. `DE`) for phone numbers written without a calling code. */
  defaultCountry?: string | undefined;
  /** How to read ambiguous dates such as `03/04/1990`. Default `dmy`. */
  dateOrder?: 'dmy' | 'mdy' | undefined;
  /** Match probability at or above which pairs are linked (`link`, default 0.95) or sent to review (`review`,
   * default 0.6). */
  thresholds?: Partial<Thresholds> | undefined;
}

const MAP_KEYS = ['id', 'columns', 'entity', 'defaultCountry', 'dateOrder', 'thresholds'] as const;
const PERSON_FIELDS: readonly FieldName[] = ['givenName', 'familyName', 'fullName', 'birthDate'];
const fieldSet: ReadonlySet<string> = new Set(FIELD_NAMES);
const probability = z
  .number({ error: 'must be a number between 0 and 1' })
  .min(0, 'must be between 0 and 1')
  .max(1, 'must be between 0 and 1');

const columnMapSchema = z
  .object(
    {
      $schema: z.string().optional(),
      id: z
        .string({ error: 'is required: the name of the column that holds the record id' })
        .trim()
        .min(1, 'must name the column that holds the record id'),
      columns: z
        .record(z.string(), z.string({ error: 'must be a field name (a string)' }), {
          error: 'is required: an object from CSV column name to field name',
        })
        .superRefine((columns, ctx) => {
          const entries = Object.entries(columns);
          if (entries.length === 0) ctx.addIssue({ code: 'custom', message: 'maps no column; map at least one' });
          for (const [column, field] of entries) {
            if (!fieldSet.has(field)) {
              ctx.addIssue({
                code: 'custom',
                path: [column],
                message: `column ${JSON.stringify(column)} maps to unknown field ${JSON.stringify(field)} (valid fields: ${FIELD_NAMES.join(', ')})`,
              });
            }
          }
        }),
      entity: z.enum(['person', 'organization'], { error: 'must be "person" or "organization"' }).optional(),
      defaultCountry: z
        .string({ error: 'must be a two-letter country code such as "DE"' })
        .regex(/^[A-Za-z]{2}$/, 'must be a two-letter country code such as "DE"')
        .transform((code) => code.toUpperCase())
        .optional(),
      dateOrder: z.enum(['dmy', 'mdy'], { error: 'must be "dmy" or "mdy"' }).optional(),
      thresholds: z
        .object(
          { link: probability.optional(), review: probability.optional() },
          { error: 'must be an object such as { "link": 0.95, "review": 0.6 }' },
        )
        .strict()
        .refine((t) => t.link === undefined || t.review === undefined || t.review <= t.link, {
          message: 'review must not be above link',
        })
        .optional(),
    },
    { error: 'must be a JSON object with "id" and "columns"' },
  )
  .strict();

/**
 * Validates a column map (the parsed content of `map.json`).
 *
 * @param input The parsed JSON.
 * @param label Name of the map in error messages, e.g. the file name.
 * @returns The map, with `defaultCountry` upper-cased.
 * @throws ValidationError naming every problem, e.g. the column that maps to an unknown field (and the valid ones).
 */
export function parseColumnMap(input: unknown, label = 'map'): ColumnMap {
  const parsed = columnMapSchema.safeParse(input);
  if (parsed.success) {
    const { $schema: _schema, ...map } = parsed.data;
    return map as ColumnMap;
  }
  const zodIssues = parsed.error.issues;
  const issues: ValidationIssue[] = issuesFromZod(parsed.error).map((issue, i) => {
    const { path, pathString } = issue;
    let message = issue.message;
    const source = zodIssues[i]!;
    if (source.code === 'unrecognized_keys') {
      const where = pathString === '' ? '' : ` in ${pathString}`;
      const valid = pathString === '' ? MAP_KEYS.join(', ') : 'link, review';
      message = `unknown key${source.keys.length > 1 ? 's' : ''} ${source.keys.map((k) => JSON.stringify(k)).join(', ')}${where} (valid keys: ${valid})`;
    } else if (!(path[0] === 'columns' && path.length === 2) && pathString !== '') {
      message = `${pathString} ${message}`;
    }
    return { ...issue, message };
  });
  throw new ValidationError({
    message: `[crmkit/cli] ${label}: ${issues.map((issue) => issue.message).join('; ')}`,
    issues,
  });
}

/**
 * Reads and validates `map.json`.
 *
 * @throws InvalidArgumentError when the file cannot be read; ValidationError when it is not JSON or not a valid map.
 */
export async function readColumnMap(path: string, label = path): Promise<ColumnMap> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'map',
      message: `[crmkit/cli] cannot read the map file ${label}: ${describeFsError(error)}`,
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError({
      message: `[crmkit/cli] ${label} is not valid JSON: ${reason}`,
      issues: [{ path: [], pathString: '', message: reason, issueCode: 'invalid_json' }],
      cause: error,
    });
  }
  return parseColumnMap(json, label);
}

/** The entity kind a map resolves: its `entity`, else inferred from the mapped fields. */
export function entityOf(map: ColumnMap): EntityKind {
  if (map.entity) return map.entity;
  const fields = new Set(Object.values(map.columns));
  const organization = fields.has('organizationName') && !PERSON_FIELDS.some((field) => fields.has(field));
  return organization ? 'organization' : 'person';
}

/** `no such file or directory` and the like, from a Node.js file system error. */
export function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

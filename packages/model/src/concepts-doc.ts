/**
 * Renders the shape of every source record type from the zod schemas, for the generated section of
 * docs/concepts.md (`npm run docs:concepts` writes it; `concepts-doc.test.ts` fails when the file is out of date).
 * Not part of the package's public entry.
 *
 * @module
 */
import { z } from 'zod';
import { RecordDataSchemas, RecordTypeSchema, SourceRecordEnvelopeSchema } from './source-record';

/** The markers around the generated section in docs/concepts.md. */
export const CONCEPTS_MARKERS = {
  start: '<!-- generated:source-records:start -->',
  end: '<!-- generated:source-records:end -->',
} as const;

/** The command that regenerates the section. */
export const CONCEPTS_COMMAND = 'npm run docs:concepts';

type Json = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, Json>;
  required?: string[];
  items?: Json;
  anyOf?: Json[];
  oneOf?: Json[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  additionalProperties?: Json | boolean;
  $ref?: string;
};

interface Row {
  path: string;
  type: string;
  required: boolean;
  limits: string;
  description: string;
}

const FORMATS: Record<string, string> = {
  'date-time': 'timestamp (ISO 8601 with offset)',
  date: 'date (YYYY-MM-DD)',
  email: 'email address',
};

const isObject = (s: Json): boolean => s.type === 'object' && s.properties !== undefined;
const variants = (s: Json): Json[] | undefined => s.anyOf ?? s.oneOf;
const literal = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(s: Json): string {
  if (s.$ref) return 'JSON value';
  if (s.const !== undefined) return literal(s.const);
  if (s.enum) return s.enum.map(literal).join(' | ');
  const options = variants(s);
  if (options) return options.map((o) => (isObject(o) ? `{ ${variantLabel(o)} }` : scalar(o))).join(' or ');
  if (s.type === 'array') return `array of ${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object') {
    if (s.properties) return 'object';
    const values = typeof s.additionalProperties === 'object' ? typeOf(s.additionalProperties) : 'any';
    return `object of ${values}`;
  }
  if (s.type === 'string' && s.format && FORMATS[s.format]) return FORMATS[s.format] as string;
  if (s.type === 'integer') return 'integer';
  if (Array.isArray(s.type)) return s.type.join(' or ');
  if (s.type) return s.type;
  return 'any';
}

function limitsOf(s: Json): string {
  const parts: string[] = [];
  const range = (min: number | undefined, max: number | undefined, unit: string): void => {
    if (min !== undefined && max !== undefined) parts.push(`${min}-${max} ${unit}`);
    else if (max !== undefined) parts.push(`at most ${max} ${unit}`);
    else if (min !== undefined) parts.push(`at least ${min} ${min === 1 ? unit.slice(0, -1) : unit}`);
  };
  range(s.minLength, s.maxLength, 'chars');
  range(s.minItems, s.maxItems, 'items');
  // The bounds zod gives every `int()` are no limit a reader needs to know.
  const minimum = s.minimum === Number.MIN_SAFE_INTEGER ? undefined : s.minimum;
  const maximum = s.maximum === Number.MAX_SAFE_INTEGER ? undefined : s.maximum;
  if (minimum !== undefined || maximum !== undefined) {
    parts.push(
      minimum !== undefined && maximum !== undefined
        ? `${minimum} to ${maximum}`
        : minimum !== undefined
          ? `>= ${minimum}`
          : `<= ${maximum}`,
    );
  }
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  // Formats (timestamps, dates) carry long generated patterns; the format names the rule.
  if (s.pattern && !s.format) parts.push(`matches \`${s.pattern}\``);
  if (s.default !== undefined) parts.push(`default ${literal(s.default)}`);
  return parts.join(', ');
}

/** A scalar variant of a union with its own limits, e.g. `string (at most 64 chars)`. */
function scalar(s: Json): string {
  const limits = limitsOf(s);
  return limits ? `${typeOf(s)} (${limits})` : typeOf(s);
}

/** A label for one object variant of a union: its discriminating literal, or its required keys. */
function variantLabel(s: Json): string {
  for (const [key, value] of Object.entries(s.properties ?? {})) {
    if (value.const !== undefined) return `${key}: ${literal(value.const)}`;
  }
  return (s.required ?? Object.keys(s.properties ?? {})).join(', ');
}

function rows(s: Json, prefix: string, out: Row[]): void {
  const required = new Set(s.required ?? []);
  for (const [key, field] of Object.entries(s.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.push({
      path,
      type: typeOf(field),
      required: required.has(key) && field.default === undefined,
      limits: limitsOf(field),
      description: field.description ?? '',
    });
    nested(field, path, out);
  }
}

/** Rows for the fields inside a field: an object, the items of an array, the object variants of a union. */
function nested(s: Json, path: string, out: Row[]): void {
  if (isObject(s)) rows(s, path, out);
  else if (s.type === 'array' && s.items) nested(s.items, `${path}[]`, out);
  else {
    const options = (variants(s) ?? []).filter(isObject);
    if (options.length === 1) rows(options[0] as Json, path, out);
    else for (const option of options) rows(option, `${path} {${variantLabel(option)}}`, out);
  }
  // Scalar limits of a union's non-object variants (e.g. an email as a plain string) are shown on the field itself.
}

function table(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  const out: Row[] = [];
  rows(json, '', out);
  const lines = ['| field | type | required | limits | description |', '|---|---|---|---|---|'];
  for (const row of out) {
    lines.push(
      `| \`${cell(row.path)}\` | ${cell(row.type)} | ${row.required ? 'yes' : 'no'} | ${cell(row.limits)} | ${cell(row.description)} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The generated section (without the markers): the envelope every source record shares, then the `data` of each
 * record type, one table per type, from the zod schemas of `@crmkit/model` (input side: what `ingest()` accepts).
 */
export function renderSourceRecordShapes(): string {
  const parts = [
    `<!-- Generated from the zod schemas in packages/model by \`${CONCEPTS_COMMAND}\`; do not edit by hand. -->`,
    '',
    '### The envelope (every record)',
    '',
    table(SourceRecordEnvelopeSchema),
    '',
    'A record with `deleted: true` is a tombstone and needs no `data`; any other record has the `data` of its `type`.',
    'Besides these field limits, every record keeps to the [input limits](limits.md) (size, depth, key count, text,',
    'time bounds).',
  ];
  for (const type of RecordTypeSchema.options) {
    parts.push('', `### \`${type}\` data`, '', table(RecordDataSchemas[type]));
  }
  return `${parts.join('\n')}\n`;
}

/**
 * `document` with the text between the markers replaced by `section`. Throws when the markers are missing.
 */
export function replaceGeneratedSection(document: string, section: string): string {
  const start = document.indexOf(CONCEPTS_MARKERS.start);
  const end = document.indexOf(CONCEPTS_MARKERS.end);
  if (start < 0 || end < start) {
    throw new Error(`docs/concepts.md has no ${CONCEPTS_MARKERS.start} ... ${CONCEPTS_MARKERS.end} section`);
  }
  return `${document.slice(0, start + CONCEPTS_MARKERS.start.length)}\n${section}${document.slice(end)}`;
}

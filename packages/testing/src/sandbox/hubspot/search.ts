/** CRM search: filterGroups, sorts, query, paging (with HubSpot's limits). */
import { isRecord, validationError } from './http-util';
import type { ObjectTypeInfo } from './object-types';
import { type PropertyRegistry, parseInstant } from './properties';
import { type ObjectStore, type StoredObject, propertyValue } from './store';

/** HubSpot's cap on the results reachable through one search query. */
export const SEARCH_RESULT_CAP = 10_000;

const OPERATORS = new Set([
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
]);

interface Filter {
  propertyName: string;
  operator: string;
  value?: string;
  highValue?: string;
  values?: string[];
  kind: 'number' | 'date' | 'string';
}

interface Sort {
  propertyName: string;
  direction: 'ASCENDING' | 'DESCENDING';
  kind: 'number' | 'date' | 'string';
}

/** A parsed search request. */
export interface SearchRequest {
  filterGroups: Filter[][];
  sorts: Sort[];
  query?: string;
  properties?: string[];
  limit: number;
  offset: number;
}

function kindOf(props: PropertyRegistry, type: ObjectTypeInfo, name: string): 'number' | 'date' | 'string' {
  const def = props.get(type, name);
  if (!def) throw validationError(`There was a problem with the request: Unable to find property ${name}.`);
  if (def.type === 'number') return 'number';
  if (def.type === 'date' || def.type === 'datetime') return 'date';
  return 'string';
}

function str(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : String(value);
}

/** Validates and parses a search body. */
export function parseSearchRequest(props: PropertyRegistry, type: ObjectTypeInfo, body: unknown): SearchRequest {
  const input = body === undefined ? {} : body;
  if (!isRecord(input)) throw validationError('Invalid input JSON: search body must be an object.');
  const groups = input.filterGroups ?? [];
  if (!Array.isArray(groups)) throw validationError('filterGroups must be an array.');
  if (groups.length > 5) throw validationError('Too many filter groups: at most 5 are allowed.');
  let total = 0;
  const filterGroups = groups.map((group) => {
    const filters = isRecord(group) && Array.isArray(group.filters) ? group.filters : undefined;
    if (!filters) throw validationError('Each filter group must have a "filters" array.');
    if (filters.length > 6) throw validationError('Too many filters in a group: at most 6 are allowed.');
    total += filters.length;
    return filters.map((f): Filter => {
      if (!isRecord(f) || typeof f.propertyName !== 'string' || typeof f.operator !== 'string') {
        throw validationError('Each filter needs propertyName and operator.');
      }
      const operator = f.operator.toUpperCase();
      if (!OPERATORS.has(operator)) throw validationError(`Unknown filter operator ${f.operator}.`);
      const filter: Filter = { propertyName: f.propertyName, operator, kind: kindOf(props, type, f.propertyName) };
      const value = str(f.value);
      const highValue = str(f.highValue);
      if (value !== undefined) filter.value = value;
      if (highValue !== undefined) filter.highValue = highValue;
      if (Array.isArray(f.values)) filter.values = f.values.map((v) => String(v));
      if (['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN'].includes(operator)) {
        if (filter.value === undefined) throw validationError(`Operator ${operator} needs a value.`);
      }
      if (operator === 'BETWEEN' && (filter.value === undefined || filter.highValue === undefined)) {
        throw validationError('Operator BETWEEN needs value and highValue.');
      }
      if ((operator === 'IN' || operator === 'NOT_IN') && !filter.values) {
        throw validationError(`Operator ${operator} needs values.`);
      }
      return filter;
    });
  });
  if (total > 18) throw validationError('Too many filters: at most 18 are allowed.');
  const sorts: Sort[] = [];
  const rawSorts = input.sorts ?? [];
  if (!Array.isArray(rawSorts)) throw validationError('sorts must be an array.');
  for (const raw of rawSorts) {
    let spec: unknown = raw;
    if (typeof raw === 'string') {
      const trimmed = raw.trim();
      if (trimmed.startsWith('{')) {
        try {
          spec = JSON.parse(trimmed);
        } catch {
          throw validationError(`Invalid sort ${raw}.`);
        }
      } else {
        const desc = trimmed.startsWith('-');
        spec = { propertyName: desc ? trimmed.slice(1) : trimmed, direction: desc ? 'DESCENDING' : 'ASCENDING' };
      }
    }
    if (!isRecord(spec) || typeof spec.propertyName !== 'string')
      throw validationError('Each sort needs propertyName.');
    const direction = String(spec.direction ?? 'ASCENDING').toUpperCase() === 'DESCENDING' ? 'DESCENDING' : 'ASCENDING';
    sorts.push({ propertyName: spec.propertyName, direction, kind: kindOf(props, type, spec.propertyName) });
  }
  const limit = input.limit === undefined ? 10 : Number(input.limit);
  if (!Number.isInteger(limit) || limit < 0 || limit > 200) {
    throw validationError('limit must be an integer between 0 and 200.');
  }
  const afterRaw = str(input.after);
  const offset = afterRaw === undefined || afterRaw === '' ? 0 : Number(afterRaw);
  if (!Number.isInteger(offset) || offset < 0) throw validationError(`Invalid after: ${afterRaw}.`);
  if (offset >= SEARCH_RESULT_CAP) {
    throw validationError(
      `There was a problem with the request: the search API returns at most ${SEARCH_RESULT_CAP} results per query; after=${offset} is beyond it.`,
    );
  }
  const properties = Array.isArray(input.properties) ? input.properties.map((p) => String(p)) : undefined;
  const query = str(input.query);
  return { filterGroups, sorts, query, properties, limit, offset };
}

function comparable(kind: Filter['kind'], value: string): number | string {
  if (kind === 'number') return Number(value);
  if (kind === 'date') return parseInstant(value);
  return value.toLowerCase();
}

function compare(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function tokens(value: string): string[] {
  const lower = value.toLowerCase();
  return [lower, ...lower.split(/[^\p{L}\p{N}]+/u).filter((t) => t !== '')];
}

function containsToken(actual: string, wanted: string): boolean {
  const w = wanted.toLowerCase();
  if (w.includes('*')) {
    const pattern = new RegExp(
      `^${w
        .split('*')
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    return tokens(actual).some((t) => pattern.test(t));
  }
  return tokens(actual).includes(w);
}

function matches(obj: StoredObject, f: Filter): boolean {
  const actual = propertyValue(obj, f.propertyName);
  const has = actual !== undefined && actual !== '';
  switch (f.operator) {
    case 'HAS_PROPERTY':
      return has;
    case 'NOT_HAS_PROPERTY':
      return !has;
    case 'NEQ':
      return !has || compare(comparable(f.kind, actual), comparable(f.kind, f.value!)) !== 0;
    case 'NOT_IN':
      return !has || !f.values!.some((v) => compare(comparable(f.kind, actual), comparable(f.kind, v)) === 0);
    case 'NOT_CONTAINS_TOKEN':
      return !has || !containsToken(actual, f.value!);
  }
  if (!has) return false;
  const a = comparable(f.kind, actual);
  switch (f.operator) {
    case 'EQ':
      return compare(a, comparable(f.kind, f.value!)) === 0;
    case 'LT':
      return compare(a, comparable(f.kind, f.value!)) < 0;
    case 'LTE':
      return compare(a, comparable(f.kind, f.value!)) <= 0;
    case 'GT':
      return compare(a, comparable(f.kind, f.value!)) > 0;
    case 'GTE':
      return compare(a, comparable(f.kind, f.value!)) >= 0;
    case 'BETWEEN':
      return compare(a, comparable(f.kind, f.value!)) >= 0 && compare(a, comparable(f.kind, f.highValue!)) <= 0;
    case 'IN':
      return f.values!.some((v) => compare(a, comparable(f.kind, v)) === 0);
    case 'CONTAINS_TOKEN':
      return containsToken(actual, f.value!);
    default:
      return false;
  }
}

function matchesQuery(obj: StoredObject, query: string): boolean {
  const words = query
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length === 0) return true;
  return words.every((word) =>
    obj.type.queryProperties.some((name) => {
      const value = propertyValue(obj, name);
      return value !== undefined && tokens(value).some((t) => t.startsWith(word));
    }),
  );
}

/** Runs a search: the page of matching objects and the total count of matches. */
export function runSearch(
  store: ObjectStore,
  type: ObjectTypeInfo,
  req: SearchRequest,
): { total: number; page: StoredObject[] } {
  const hits: StoredObject[] = [];
  for (const obj of store.iterate(type)) {
    if (obj.archivedAt !== undefined) continue;
    if (req.filterGroups.length > 0 && !req.filterGroups.some((group) => group.every((f) => matches(obj, f)))) {
      continue;
    }
    if (req.query !== undefined && !matchesQuery(obj, req.query)) continue;
    hits.push(obj);
  }
  if (req.sorts.length > 0) {
    const keys = new Map<StoredObject, (number | string | undefined)[]>();
    for (const obj of hits) {
      keys.set(
        obj,
        req.sorts.map((s) => {
          const v = propertyValue(obj, s.propertyName);
          return v === undefined || v === '' ? undefined : comparable(s.kind, v);
        }),
      );
    }
    hits.sort((x, y) => {
      const kx = keys.get(x)!;
      const ky = keys.get(y)!;
      for (const [i, s] of req.sorts.entries()) {
        const a = kx[i];
        const b = ky[i];
        if (a === b) continue;
        // Missing values sort last in either direction.
        if (a === undefined) return 1;
        if (b === undefined) return -1;
        const c = compare(a, b);
        if (c !== 0) return s.direction === 'DESCENDING' ? -c : c;
      }
      return x.id - y.id;
    });
  }
  return { total: hits.length, page: hits.slice(req.offset, req.offset + req.limit) };
}

/// <reference types="node" />
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseCsvText } from '@crmkit/identity';

/** The fields a record-linkage record may carry (the field names of `@crmkit/identity`). */
export type IdentityFieldName =
  | 'givenName'
  | 'familyName'
  | 'fullName'
  | 'birthDate'
  | 'email'
  | 'phone'
  | 'street'
  | 'houseNumber'
  | 'postcode'
  | 'city'
  | 'region'
  | 'country'
  | 'organizationName'
  | 'nationalId';

/**
 * A record as a record-linkage engine sees it: structurally the same as `IdentityRecord` of `@crmkit/identity`
 * (this package does not depend on it). A missing field is absent (or `null`); values are raw strings, not
 * normalised.
 */
export interface IdentityRecordLike {
  /** Record id, unique within a data set. Never encodes the true entity. */
  id: string;
  /** The system the record came from, when known. */
  source?: string;
  /** Field values by field name. */
  fields: Partial<Record<IdentityFieldName, string | null>>;
}

/** Names of the public record-linkage data sets {@link loadIdentityDataset} can read. */
export type IdentityDatasetName = 'febrl1' | 'febrl2' | 'febrl3' | 'fake1000' | 'restaurants';

/** A public record-linkage data set with its ground truth kept apart from the records. */
export interface IdentityDataset {
  /** The data set name, e.g. `febrl3`. */
  name: string;
  /** What the records describe. */
  entity: 'person' | 'organization';
  /** The records, ids `r<row index>` (0-based, in file order), without any truth column. */
  records: IdentityRecordLike[];
  /** Record id -> true entity id. Keep it away from the matcher. */
  entityOf: Map<string, string>;
  /** Number of record pairs that belong to the same true entity. */
  truePairs: number;
  /** CSV column -> record field, for documentation (unmapped columns are not listed). */
  columns: Record<string, string>;
}

/** Options of {@link loadIdentityDataset}. */
export interface LoadIdentityDatasetOptions {
  /** The `identity` data folder; defaults to {@link identityDataDir}. */
  dir?: string;
}

/** Pairwise precision/recall of a clustering against the truth; see {@link evaluateClusters}. */
export interface PairwiseEvaluation {
  /** truePositives / (truePositives + falsePositives); 1 when no pair was predicted. */
  precision: number;
  /** truePositives / (truePositives + falseNegatives); 1 when there is no true pair. */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
  /** Pairs in the same predicted cluster and the same true entity. */
  truePositives: number;
  /** Pairs in the same predicted cluster but different true entities. */
  falsePositives: number;
  /** Pairs of the same true entity that were not put in the same predicted cluster. */
  falseNegatives: number;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function findWorkspaceRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const json = JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown };
        if (json.workspaces !== undefined) return dir;
      } catch {
        // an unreadable package.json is not the root; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The folder of the record-linkage data sets: `$CRMKIT_DATA_DIR/identity` when `CRMKIT_DATA_DIR` is set, else
 * `../shared/data/identity` beside the monorepo root (the nearest folder at or above `process.cwd()` whose
 * `package.json` has `workspaces`). `undefined` when that folder does not exist, so tests and benchmarks can skip.
 */
export function identityDataDir(): string | undefined {
  const env = process.env.CRMKIT_DATA_DIR;
  let dir: string | undefined;
  if (env) dir = join(env, 'identity');
  else {
    const root = findWorkspaceRoot(process.cwd());
    if (root !== undefined) dir = resolve(root, '../shared/data/identity');
  }
  return dir !== undefined && isDirectory(dir) ? dir : undefined;
}

/** A field written in single quotes (the restaurant ids `'0'`), as opposed to a leading apostrophe. */
const SINGLE_QUOTED = /^'(.*)'$/s;

/**
 * Reads a record-linkage CSV file with `@crmkit/identity`'s CSV reader (comma-separated, `"double-quoted"` fields
 * with `""` escapes and line breaks, blanks around fields dropped, blank lines skipped), and unwraps fields written
 * in single quotes (`'0'` -> `0`, as the restaurant ids; `'s-Hertogenbosch` stays). Returns the rows, header
 * included.
 *
 * @example
 * ```ts
 * parseCsv(`a, b\n"x, y", '1'`); // [['a', 'b'], ['x, y', '1']]
 * ```
 */
export function parseCsv(text: string): string[][] {
  return parseCsvText(text, 'dataset.csv').map((row) =>
    row.fields.map((field) => SINGLE_QUOTED.exec(field)?.[1] ?? field),
  );
}

interface DatasetSpec {
  file: string;
  entity: 'person' | 'organization';
  truth: string;
  columns: Record<string, IdentityFieldName>;
  entityFromTruth: (value: string, row: number) => string;
}

const FEBRL_COLUMNS: Record<string, IdentityFieldName> = {
  given_name: 'givenName',
  surname: 'familyName',
  street_number: 'houseNumber',
  address_1: 'street',
  suburb: 'city',
  postcode: 'postcode',
  state: 'region',
  date_of_birth: 'birthDate',
  soc_sec_id: 'nationalId',
};

const FEBRL_ID = /^rec-(\d+)-(?:org|dup-\d+)$/;

function febrlEntity(value: string, row: number): string {
  const m = FEBRL_ID.exec(value);
  if (!m) throw new Error(`febrl: unexpected rec_id ${JSON.stringify(value)} in data row ${row}`);
  return m[1]!;
}

function plainEntity(value: string, row: number): string {
  if (value === '') throw new Error(`missing truth value in data row ${row}`);
  return value;
}

const DATASETS: Record<IdentityDatasetName, DatasetSpec> = {
  febrl1: {
    file: 'febrl/dataset1.csv',
    entity: 'person',
    truth: 'rec_id',
    columns: FEBRL_COLUMNS,
    entityFromTruth: febrlEntity,
  },
  febrl2: {
    file: 'febrl/dataset2.csv',
    entity: 'person',
    truth: 'rec_id',
    columns: FEBRL_COLUMNS,
    entityFromTruth: febrlEntity,
  },
  febrl3: {
    file: 'febrl/dataset3.csv',
    entity: 'person',
    truth: 'rec_id',
    columns: FEBRL_COLUMNS,
    entityFromTruth: febrlEntity,
  },
  fake1000: {
    file: 'splink-fake-1000/fake_1000.csv',
    entity: 'person',
    truth: 'cluster',
    columns: { first_name: 'givenName', surname: 'familyName', dob: 'birthDate', city: 'city', email: 'email' },
    entityFromTruth: plainEntity,
  },
  restaurants: {
    // the union of restaurant-1.csv (112 rows) and restaurant-2.csv (752 rows), matched pairs adjacent
    file: 'restaurant/restaurant-nophone-training.csv',
    entity: 'organization',
    truth: 'unique_id',
    columns: { name: 'organizationName', address: 'street', city: 'city' },
    entityFromTruth: plainEntity,
  },
};

/**
 * Loads one of the public record-linkage data sets of `shared/data/identity` (see its README for terms and
 * published figures):
 *
 * - `febrl1` (1,000 records, 500 true pairs), `febrl2` (5,000 / 1,934), `febrl3` (5,000 / 6,538): the Febrl
 *   synthetic Australian persons; `rec-<n>-org|dup-<k>` gives the entity `<n>`.
 * - `fake1000` (1,000 / 2,031): Splink's `fake_1000.csv`; entity = `cluster`.
 * - `restaurants` (864 / 112): Fodor's/Zagat restaurants (`restaurant-nophone-training.csv`); entity =
 *   `unique_id`; the address line goes to `street`.
 *
 * Records get ids `r<row index>` and no truth; `entityOf` maps them to their true entity. Empty cells are left out;
 * values are kept as strings exactly as in the file (Febrl is lower case; dates `YYYYMMDD`).
 *
 * @throws Error when the data folder is absent or a file does not have the expected columns.
 * @example
 * ```ts
 * const febrl = await loadIdentityDataset('febrl3');
 * const clusterOf = myMatcher(febrl.records);
 * console.log(evaluateClusters(clusterOf, febrl.entityOf).f1);
 * ```
 */
export async function loadIdentityDataset(
  name: IdentityDatasetName,
  options: LoadIdentityDatasetOptions = {},
): Promise<IdentityDataset> {
  const spec = DATASETS[name];
  if (spec === undefined) throw new Error(`unknown identity data set ${JSON.stringify(name)}`);
  const dir = options.dir ?? identityDataDir();
  if (dir === undefined) {
    throw new Error('identity data folder not found: set CRMKIT_DATA_DIR or provide ../shared/data/identity');
  }
  const path = join(dir, spec.file);
  const rows = parseCsv(await readFile(path, 'utf8'));
  const header = rows[0];
  if (header === undefined) throw new Error(`${path}: empty file`);
  const truthCol = header.indexOf(spec.truth);
  if (truthCol < 0) throw new Error(`${path}: no ${spec.truth} column`);
  const mapped: [number, IdentityFieldName][] = [];
  for (const [column, field] of Object.entries(spec.columns)) {
    const col = header.indexOf(column);
    if (col < 0) throw new Error(`${path}: no ${column} column`);
    mapped.push([col, field]);
  }
  const records: IdentityRecordLike[] = [];
  const entityOf = new Map<string, string>();
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length !== header.length) {
      throw new Error(`${path}: data row ${r - 1} has ${row.length} cells, expected ${header.length}`);
    }
    const id = `r${r - 1}`;
    const fields: IdentityRecordLike['fields'] = {};
    for (const [col, field] of mapped) {
      const value = row[col]!;
      if (value !== '') fields[field] = value;
    }
    records.push({ id, fields });
    entityOf.set(id, spec.entityFromTruth(row[truthCol]!, r - 1));
  }
  return {
    name,
    entity: spec.entity,
    records,
    entityOf,
    truePairs: truePairCount(entityOf),
    columns: { ...spec.columns },
  };
}

function pairs(n: number): number {
  return (n * (n - 1)) / 2;
}

/** Number of record pairs that share a true entity: the sum of n*(n-1)/2 over the entities' sizes. */
export function truePairCount(entityOf: Map<string, string>): number {
  const sizes = new Map<string, number>();
  for (const entity of entityOf.values()) sizes.set(entity, (sizes.get(entity) ?? 0) + 1);
  let total = 0;
  for (const n of sizes.values()) total += pairs(n);
  return total;
}

/**
 * Pairwise evaluation of a clustering: the predicted pairs are all pairs of records in the same predicted cluster,
 * the true pairs all pairs of records of the same true entity. Computed from cluster sizes and a contingency table
 * (sums of n*(n-1)/2), never by listing pairs, so a million records take well under a second.
 *
 * Only the records in `entityOf` are evaluated: those missing from `clusterOf` count as singletons; ids in
 * `clusterOf` but not in `entityOf` are ignored.
 *
 * @param clusterOf record id -> predicted cluster id
 * @param entityOf record id -> true entity id
 */
export function evaluateClusters(clusterOf: Map<string, string>, entityOf: Map<string, string>): PairwiseEvaluation {
  const clusterIndex = new Map<string, number>();
  const entityIndex = new Map<string, number>();
  const clusterSizes: number[] = [];
  const entitySizes: number[] = [];
  const recordCluster = new Int32Array(entityOf.size);
  const recordEntity = new Int32Array(entityOf.size);
  let r = 0;
  for (const [id, entity] of entityOf) {
    let e = entityIndex.get(entity);
    if (e === undefined) {
      e = entitySizes.length;
      entityIndex.set(entity, e);
      entitySizes.push(0);
    }
    entitySizes[e]!++;
    const cluster = clusterOf.get(id);
    let c: number;
    if (cluster === undefined) {
      c = clusterSizes.length; // a singleton of its own
      clusterSizes.push(1);
    } else {
      const known = clusterIndex.get(cluster);
      if (known === undefined) {
        c = clusterSizes.length;
        clusterIndex.set(cluster, c);
        clusterSizes.push(1);
      } else {
        c = known;
        clusterSizes[c]!++;
      }
    }
    recordCluster[r] = c;
    recordEntity[r] = e;
    r++;
  }
  // contingency table, one cluster at a time: bucket the records by cluster (counting sort), then count the true
  // entities inside each cluster with a scratch array
  const clusters = clusterSizes.length;
  const offsets = new Int32Array(clusters + 1);
  for (let c = 0; c < clusters; c++) offsets[c + 1] = offsets[c]! + clusterSizes[c]!;
  const fill = offsets.slice(0, clusters);
  const byCluster = new Int32Array(r);
  for (let i = 0; i < r; i++) byCluster[fill[recordCluster[i]!]!++] = recordEntity[i]!;
  const counts = new Int32Array(entitySizes.length);
  let truePositives = 0;
  for (let c = 0; c < clusters; c++) {
    const from = offsets[c]!;
    const to = offsets[c + 1]!;
    if (to - from < 2) continue;
    for (let i = from; i < to; i++) truePositives += counts[byCluster[i]!]!++; // each earlier equal entity: one pair
    for (let i = from; i < to; i++) counts[byCluster[i]!] = 0;
  }
  let predicted = 0;
  for (const n of clusterSizes) predicted += pairs(n);
  let actual = 0;
  for (const n of entitySizes) actual += pairs(n);
  const falsePositives = predicted - truePositives;
  const falseNegatives = actual - truePositives;
  const precision = predicted === 0 ? 1 : truePositives / predicted;
  const recall = actual === 0 ? 1 : truePositives / actual;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, truePositives, falsePositives, falseNegatives };
}

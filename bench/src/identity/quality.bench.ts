/**
 * Linkage quality on public data sets with ground truth, unsupervised (the matcher never sees the truth: records
 * get ids `r<row>` and the truth stays in `entityOf`). One default configuration per entity kind, nothing tuned per
 * data set. Prints precision, recall and F1 of pairwise links (all pairs inside each predicted cluster against all
 * pairs inside each true entity) and times `resolve`. Run with `npm run bench`; figures go in docs/benchmarks.md.
 *
 * The data sets live outside the repository (`../shared/data/identity`, or `CRMKIT_DATA_DIR`); without them the
 * benchmark says so and skips.
 */
import {
  evaluateClusters,
  type IdentityDataset,
  type IdentityDatasetName,
  identityDataDir,
  loadIdentityDataset,
} from '@crmkit/testing';
import { bench, describe } from 'vitest';
import { type IdentityRecord, resolve } from '@crmkit/identity';

const dir = identityDataDir();
if (!dir) console.log('[identity quality bench] ../shared/data/identity not found (set CRMKIT_DATA_DIR): SKIPPED.');

const SETS: IdentityDatasetName[] = ['febrl1', 'febrl2', 'febrl3', 'fake1000', 'restaurants'];

function format(x: number): string {
  return x.toFixed(4);
}

/** The naive baseline the issue names: exact agreement on given name, family name and birth date. */
function exactBaseline(ds: IdentityDataset): Map<string, string> {
  const clusterOf = new Map<string, string>();
  const first = new Map<string, string>();
  for (const r of ds.records) {
    const f = r.fields;
    const key = [f.givenName, f.familyName, f.birthDate].map((v) => (v ?? '').trim().toLowerCase()).join('|');
    if (key === '||' || !f.givenName || !f.familyName || !f.birthDate) {
      clusterOf.set(r.id, r.id);
      continue;
    }
    if (!first.has(key)) first.set(key, r.id);
    clusterOf.set(r.id, first.get(key)!);
  }
  return clusterOf;
}

describe.skipIf(!dir)('linkage quality (unsupervised, default configuration)', async () => {
  const loaded = dir ? await Promise.all(SETS.map((name) => loadIdentityDataset(name))) : [];
  for (const ds of loaded) {
    const records = ds.records as IdentityRecord[];
    const result = await resolve(records, { entity: ds.entity });
    const q = evaluateClusters(result.clusterOf, ds.entityOf);
    const line = [
      `[identity quality] ${ds.name} (${ds.entity}, ${records.length} records, ${ds.truePairs} true pairs):`,
      `precision ${format(q.precision)} recall ${format(q.recall)} F1 ${format(q.f1)}`,
      `(TP ${q.truePositives}, FP ${q.falsePositives}, FN ${q.falseNegatives});`,
      `candidate pairs ${result.stats.candidatePairs}, review pairs ${result.stats.reviews}`,
    ];
    if (ds.entity === 'person' && ds.name.startsWith('febrl')) {
      const base = evaluateClusters(exactBaseline(ds), ds.entityOf);
      line.push(`| exact name+birth date baseline F1 ${format(base.f1)}`);
    }
    console.log(line.join(' '));
    bench(
      `resolve ${ds.name} (${records.length} records: normalise, block, EM, score, cluster)`,
      async () => {
        await resolve(records, { entity: ds.entity });
      },
      { iterations: 3, warmupIterations: 0, time: 0, warmupTime: 0 },
    );
  }
});

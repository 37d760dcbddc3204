#!/usr/bin/env -S npx tsx
// Writes the shape of every source record type into docs/concepts.md, between
// <!-- generated:source-records:start --> and <!-- generated:source-records:end -->, from the zod schemas in
// packages/model. Run with `npm run docs:concepts`; packages/model/src/concepts-doc.test.ts fails when it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderSourceRecordShapes, replaceGeneratedSection } from '../packages/model/src/concepts-doc';

const path = new URL('../docs/concepts.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = replaceGeneratedSection(before, renderSourceRecordShapes());
if (after === before) console.log('docs/concepts.md is up to date.');
else {
  writeFileSync(path, after);
  console.log('docs/concepts.md: source record shapes regenerated.');
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONCEPTS_COMMAND, CONCEPTS_MARKERS, renderSourceRecordShapes, replaceGeneratedSection } from './concepts-doc';
import { RecordDataSchemas, RecordTypeSchema, SourceRecordEnvelopeSchema } from './source-record';

const conceptsPath = new URL('../../../docs/concepts.md', import.meta.url);

describe('docs/concepts.md: the shape of every source record type', () => {
  it('is up to date with the zod schemas', () => {
    const document = readFileSync(conceptsPath, 'utf8');
    const expected = replaceGeneratedSection(document, renderSourceRecordShapes());
    // Compared as a boolean first so the failure says what to do, not only where the text differs.
    if (document !== expected) {
      expect.fail(`docs/concepts.md is out of date with the schemas in packages/model: run \`${CONCEPTS_COMMAND}\``);
    }
  });

  it('lists every record type and every field of the envelope and of each type', () => {
    const section = renderSourceRecordShapes();
    for (const field of Object.keys(SourceRecordEnvelopeSchema.shape)) expect(section).toContain(`| \`${field}\` |`);
    for (const type of RecordTypeSchema.options) {
      const start = section.indexOf(`### \`${type}\` data`);
      expect(start, type).toBeGreaterThan(0);
      const next = section.indexOf('### ', start + 4);
      const table = section.slice(start, next < 0 ? undefined : next);
      for (const field of Object.keys(RecordDataSchemas[type].shape)) expect(table).toContain(`| \`${field}\` |`);
    }
  });

  it('shows required fields, limits, defaults and descriptions from the schemas', () => {
    const section = renderSourceRecordShapes();
    expect(section).toContain(
      "| `externalId` | string | yes | 1-256 chars | The record's id in the source system; with `source` and `type` it identifies the record. |",
    );
    expect(section).toContain('| `name` | string | yes | 1-512 chars |');
    expect(section).toContain("| `status` | 'open' \\| 'won' \\| 'lost' | no | default 'open' |");
    expect(section).toContain('| `participants` | array of object | yes | at least 1 item |');
    expect(section).toContain("| `activity {kind: 'visit_report'}.purpose` | string | yes | 1-2000 chars |");
  });

  it('replaces only the text between the markers, and refuses a document without them', () => {
    const doc = `# Title\n\n${CONCEPTS_MARKERS.start}\nold\n${CONCEPTS_MARKERS.end}\n\nafter\n`;
    expect(replaceGeneratedSection(doc, 'new\n')).toBe(
      `# Title\n\n${CONCEPTS_MARKERS.start}\nnew\n${CONCEPTS_MARKERS.end}\n\nafter\n`,
    );
    expect(() => replaceGeneratedSection('# no markers\n', 'x')).toThrow(/generated:source-records:start/);
  });
});

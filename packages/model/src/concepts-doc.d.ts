/** The markers around the generated section in docs/concepts.md. */
export declare const CONCEPTS_MARKERS: {
  readonly start: '<!-- generated:source-records:start -->';
  readonly end: '<!-- generated:source-records:end -->';
};
/** The command that regenerates the section. */
export declare const CONCEPTS_COMMAND = 'npm run docs:concepts';
/**
 * The generated section (without the markers): the envelope every source record shares, then the `data` of each
 * record type, one table per type, from the zod schemas of `@crmkit/model` (input side: what `ingest()` accepts).
 */
export declare function renderSourceRecordShapes(): string;
/**
 * `document` with the text between the markers replaced by `section`. Throws when the markers are missing.
 */
export declare function replaceGeneratedSection(document: string, section: string): string;
//# sourceMappingURL=concepts-doc.d.ts.map

// Tests of scripts/check-doc-snippets.mjs: the extractor, and the checker failing on a broken snippet.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSnippets, extractSnippets, formatFailure, snippetSources } from '../check-doc-snippets.mjs';

const root = resolve(fileURLToPath(import.meta.url), '../../..');

const fixture = [
  '# Guide', // 1
  '', // 2
  '```ts', // 3
  "const n: number = 'one';", // 4: TS2322
  '```', // 5
  '', // 6
  '```sh', // 7
  'npm start', // 8
  '```', // 9
  '', // 10
  '<!-- snippet: nocompile (an excerpt of a longer file) -->', // 11
  '', // 12
  '```typescript', // 13
  'workflows: { ... }', // 14
  '```', // 15
  '', // 16
  '<!-- snippet: context', // 17
  'declare const hub: { ingest(records: string[]): Promise<number> };', // 18
  '-->', // 19
  '```ts', // 20
  'const stored: number = await hub.ingest([]);', // 21
  'hub.missing();', // 22: TS2339
  '```', // 23
  '', // 24
  '````md', // 25
  '```ts', // 26: inside a md block, not a snippet
  'not code',
  '```',
  '````',
  '- a list item:', // 30
  '  ```ts', // 31
  '  const indented: string = 1;', // 32: TS2322
  '  ```',
].join('\n');

describe('extractSnippets', () => {
  const snippets = extractSnippets(fixture, 'docs/guide.md');

  it('finds the ts and typescript blocks with the line of their fence, and nothing else', () => {
    expect(snippets.map((s) => s.line)).toEqual([3, 13, 20, 31]);
    expect(snippets[0]?.code).toBe("const n: number = 'one';\n");
    expect(snippets[3]?.code).toBe('const indented: string = 1;\n');
  });

  it('reads the opt-out marker and its reason, and the context comment', () => {
    expect(snippets[1]?.skip).toBe('an excerpt of a longer file');
    expect(snippets[2]?.context).toEqual({
      line: 18,
      code: 'declare const hub: { ingest(records: string[]): Promise<number> };\n',
    });
    expect(snippets[0]?.skip).toBeUndefined();
  });

  it('refuses an opt-out without a reason and an unclosed block', () => {
    expect(() => extractSnippets('<!-- snippet: nocompile -->\n```ts\nx\n```\n', 'a.md')).toThrow(/a.md:1: .*reason/);
    expect(() => extractSnippets('text\n```ts\nconst x = 1;\n', 'b.md')).toThrow(/b.md:2: .*never closed/);
  });

  it('covers docs/, the root README and the package and example READMEs', () => {
    const files = snippetSources(root);
    expect(files).toContain('README.md');
    expect(files).toContain('docs/plugins.md');
    expect(files).toContain('packages/core/README.md');
    expect(files).toContain('examples/quickstart/README.md');
  });
});

describe('checkSnippets', () => {
  const outDir = join(root, '.snippets-test', randomUUID());
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('fails on broken snippets, naming the Markdown file and lines; skips opted-out blocks', () => {
    const snippets = extractSnippets(fixture, 'docs/guide.md');
    const { checked, skipped, failures } = checkSnippets({ root, outDir, snippets });
    expect(checked).toBe(3);
    expect(skipped.map((s) => s.line)).toEqual([13]);
    expect(failures.map((f) => [f.file, f.line, f.errorLine, f.code])).toEqual([
      ['docs/guide.md', 3, 4, 'TS2322'],
      ['docs/guide.md', 20, 22, 'TS2339'],
      ['docs/guide.md', 31, 32, 'TS2322'],
    ]);
    expect(formatFailure(failures[1])).toMatch(
      /^docs\/guide\.md:20 \(error at docs\/guide\.md:22\) TS2339: Property 'missing'/,
    );
  }, 120_000);

  it('passes snippets that compile, with installed packages resolved from the repository', () => {
    const ok = extractSnippets(
      "```ts\nimport { z } from 'zod';\nconst n: number = z.number().parse(1);\n```\n",
      'ok.md',
    );
    const { checked, failures } = checkSnippets({ root, outDir, snippets: ok });
    expect(checked).toBe(1);
    expect(failures).toEqual([]);
  }, 120_000);
});

#!/usr/bin/env node
// Compiles every TypeScript snippet of the docs, so a snippet a reader copies compiles.
//
// Every ```ts / ```typescript block in docs/**/*.md, README.md, packages/*/README.md and examples/*/README.md is
// written to `.snippets/` (git-ignored, inside the repository so workspace packages resolve from node_modules) as
// its own module, and type-checked with the root strict settings (tsconfig.base.json, noEmit) against the BUILT
// packages (dist/*.d.ts, what users install): `npm run check:snippets` builds what changed first
// (scripts/build-changed.mjs). A failure is reported at the Markdown file
// and line of the block's opening fence, with the line inside the Markdown file of each error:
//
//   docs/plugins.md:123 (error at docs/plugins.md:131) TS2339: Property 'x' does not exist on type ...
//
// Context, for a block that uses names the text around it introduces (a `hub`, a `client`): declare them in an HTML
// comment right before the fence. Its lines are compiled in front of the block (and not shown to readers):
//   <!-- snippet: context
//   import type { Hub } from 'crmkit';
//   declare const hub: Hub;
//   -->
//
// Opt-out, for a block that is intentionally partial (an excerpt of a longer file, a shape with `...`): put
//   <!-- snippet: nocompile (the reason) -->
// on a line right before the fence (blank lines between are allowed). The reason is required, so every opt-out says
// why. Use it sparingly: a snippet that can be made to compile should compile.
//
// Usage: node scripts/check-doc-snippets.mjs [--root <dir>] [--out <dir>] [files...]
//   (files: Markdown files relative to the root; by default the set above)
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const OPEN = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript)(?:\s+([^`]*))?$/i;
const NOCOMPILE = /^\s*<!--\s*snippet:\s*nocompile\b(.*?)-->\s*$/;
const CONTEXT = /^\s*<!--\s*snippet:\s*context\s*$/;

/**
 * The Markdown files whose TypeScript blocks are checked, relative to `root`, sorted.
 * @param {string} root
 * @returns {string[]}
 */
export function snippetSources(root) {
  const files = [];
  const walk = (dir) => {
    if (!existsSync(join(root, dir))) return;
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory() && entry.name !== 'reference' && entry.name !== 'node_modules') walk(path);
      else if (entry.isFile() && entry.name.endsWith('.md')) files.push(path);
    }
  };
  walk('docs');
  if (existsSync(join(root, 'README.md'))) files.push('README.md');
  for (const group of ['packages', 'examples']) {
    if (!existsSync(join(root, group))) continue;
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(root, group, entry.name, 'README.md'))) {
        files.push(`${group}/${entry.name}/README.md`);
      }
    }
  }
  return files.sort();
}

/**
 * @typedef {{ file: string, line: number, code: string, skip?: string, context?: { line: number, code: string } }} Snippet
 *   file: Markdown path as given; line: 1-based line of the opening fence; code: the block's text (indentation of
 *   the fence removed); skip: the reason given in a nocompile marker, when the block opts out; context: the lines of
 *   a context comment before the block and the line of the first one.
 */

/**
 * Extracts the ```ts / ```typescript blocks of one Markdown text.
 * @param {string} markdown
 * @param {string} file the path reported for the blocks
 * @returns {Snippet[]}
 */
export function extractSnippets(markdown, file) {
  const lines = markdown.split(/\r?\n/);
  const snippets = [];
  let fence = null; // the fence of the block we are in (any language), so ``` inside ````md is not a close
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (fence) {
      if (line.trim().startsWith(fence.marker) && line.trim().replace(/[`~]/g, '') === '') {
        if (fence.snippet) snippets.push(fence.snippet);
        fence = null;
      } else if (fence.snippet) {
        fence.snippet.code += `${line.startsWith(fence.indent) ? line.slice(fence.indent.length) : line.trimStart()}\n`;
      }
      continue;
    }
    const other = /^(\s*)(`{3,}|~{3,})/.exec(line);
    if (!other) continue;
    const open = OPEN.exec(line);
    if (!open) {
      fence = { marker: other[2], indent: other[1], snippet: null };
      continue;
    }
    const snippet = { file, line: i + 1, code: '' };
    let j = i - 1;
    while (j >= 0 && lines[j].trim() === '') j--;
    const marker = j >= 0 ? NOCOMPILE.exec(lines[j]) : null;
    if (j >= 0 && lines[j].trim() === '-->') {
      let k = j - 1;
      while (k >= 0 && !lines[k].includes('<!--') && !lines[k].includes('-->')) k--;
      if (k >= 0 && CONTEXT.test(lines[k])) {
        snippet.context = {
          line: k + 2,
          code: lines
            .slice(k + 1, j)
            .map((l) => `${l}\n`)
            .join(''),
        };
      }
    }
    if (marker) {
      const reason = marker[1]
        .trim()
        .replace(/^\(|\)$/g, '')
        .trim();
      if (!reason)
        throw new Error(`${file}:${j + 1}: a nocompile marker needs a reason: <!-- snippet: nocompile (why) -->`);
      snippet.skip = reason;
    }
    fence = { marker: open[2], indent: open[1], snippet };
  }
  if (fence?.snippet) throw new Error(`${file}:${fence.snippet.line}: the code block is never closed`);
  return snippets;
}

/** The generated module name of a snippet: `docs/plugins.md` line 123 -> `docs__plugins.md.L123.ts`. */
const moduleName = (snippet) => `${snippet.file.replace(/[\\/]/g, '__')}.L${snippet.line}.ts`;

/**
 * Writes the snippets to `outDir` (emptied first) with a tsconfig extending `baseConfig`, type-checks them and
 * returns one entry per error, mapped back to the Markdown file and line.
 * @param {{ root: string, outDir: string, snippets: Snippet[], baseConfig?: string }} options
 * @returns {{ checked: number, skipped: Snippet[], failures: { file: string, line: number, errorLine: number, code: string, message: string }[] }}
 */
export function checkSnippets({ root, outDir, snippets, baseConfig = join(root, 'tsconfig.base.json') }) {
  const require = createRequire(join(root, 'package.json'));
  const ts = require('typescript');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const byModule = new Map();
  const checked = snippets.filter((s) => !s.skip);
  for (const snippet of checked) {
    const name = moduleName(snippet);
    // `export {}` makes each snippet a module of its own (top-level await, no name clashes between snippets); it is
    // appended so the snippet's lines keep their numbers.
    writeFileSync(join(outDir, name), `${snippet.context?.code ?? ''}${snippet.code}export {};\n`);
    byModule.set(resolve(outDir, name), snippet);
  }
  const tsconfig = {
    extends: relative(outDir, baseConfig).split('\\').join('/'),
    compilerOptions: {
      noEmit: true,
      composite: false,
      declaration: false,
      declarationMap: false,
      sourceMap: false,
      incremental: false,
      // Snippets are checked against what users install (dist/*.d.ts), not the packages' sources.
      customConditions: [],
      types: ['node'],
      // A snippet shows code, it need not use every name it declares or imports.
      noUnusedLocals: false,
      noUnusedParameters: false,
    },
    include: ['*.ts'],
  };
  writeFileSync(join(outDir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const skipped = snippets.filter((s) => s.skip);
  if (checked.length === 0) return { checked: 0, skipped, failures: [] };

  const configPath = join(outDir, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const failures = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const code = `TS${diagnostic.code}`;
    const snippet = diagnostic.file ? byModule.get(resolve(diagnostic.file.fileName)) : undefined;
    if (!snippet) {
      // An error outside the snippets (a package's .d.ts, the config): report it as it is, it fails the check too.
      const where = diagnostic.file
        ? `${relative(root, diagnostic.file.fileName)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}`
        : 'tsconfig';
      failures.push({ file: where, line: 0, errorLine: 0, code, message });
      continue;
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const contextLines = snippet.context ? snippet.context.code.split('\n').length - 1 : 0;
    const errorLine =
      line < contextLines ? (snippet.context?.line ?? 0) + line : snippet.line + 1 + line - contextLines;
    failures.push({ file: snippet.file, line: snippet.line, errorLine, code, message });
  }
  failures.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.errorLine - b.errorLine);
  return { checked: checked.length, skipped, failures };
}

/** Formats one failure the way the check prints it. */
export const formatFailure = (f) =>
  f.line
    ? `${f.file}:${f.line} (error at ${f.file}:${f.errorLine}) ${f.code}: ${f.message}`
    : `${f.file} ${f.code}: ${f.message}`;

function main(argv) {
  const args = [...argv];
  const take = (flag) => {
    const at = args.indexOf(flag);
    if (at < 0) return undefined;
    const [, value] = args.splice(at, 2);
    return value;
  };
  const root = resolve(take('--root') ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const outDir = resolve(root, take('--out') ?? '.snippets');
  const files = args.length > 0 ? args : snippetSources(root);
  const snippets = files.flatMap((file) => extractSnippets(readFileSync(join(root, file), 'utf8'), file));
  const missing = (existsSync(join(root, 'packages')) ? readdirSync(join(root, 'packages')) : []).filter(
    (name) =>
      existsSync(join(root, 'packages', name, 'tsup.config.ts')) && !existsSync(join(root, 'packages', name, 'dist')),
  );
  if (missing.length > 0) {
    console.error(
      `check:snippets needs the built packages (no dist/ in ${missing.join(', ')}): run npm run build first.`,
    );
    return 1;
  }
  const { checked, skipped, failures } = checkSnippets({ root, outDir, snippets });
  for (const s of skipped) console.log(`skip ${s.file}:${s.line} (nocompile: ${s.skip})`);
  for (const failure of failures) console.error(formatFailure(failure));
  const blocks = new Set(failures.map((f) => `${f.file}:${f.line}`)).size;
  console.log(
    `${checked} snippet(s) from ${files.length} file(s) checked, ${skipped.length} opted out` +
      (failures.length ? `: ${failures.length} error(s) in ${blocks} snippet(s).` : ', all compile.'),
  );
  return failures.length ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}

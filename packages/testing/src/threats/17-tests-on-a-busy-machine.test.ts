import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The suite must pass on a loaded 2-core machine (CI runners, a laptop running other builds). With two CPU-heavy
 * processes next to it, vitest's 5 s default failed PGlite and spec-compiling tests, and assertions on elapsed time
 * ("delivered within 2 s", "seeded in under 20 s") failed whenever the machine was slow. The rules: default budgets
 * that hold under load, heavy tests declare larger ones, and no test asserts on elapsed wall-clock time (a test waits
 * for the work, with `vi.waitUntil` or `expect.poll`, and its budget catches a hang or a quadratic algorithm).
 */
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const self = fileURLToPath(import.meta.url);

/** Every test file of the repository's packages and examples. */
function testFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.test.ts') && full !== self) out.push(full);
    }
  };
  for (const group of ['packages', 'examples']) {
    for (const entry of readdirSync(path.join(repoRoot, group), { withFileTypes: true })) {
      const src = path.join(repoRoot, group, entry.name, 'src');
      if (entry.isDirectory()) {
        try {
          walk(src);
        } catch {
          // a package without src/
        }
      }
    }
  }
  return out;
}

const NOW = String.raw`(?:Date|performance)\.now\(\)`;

/**
 * The `file:line: code` of each assertion on elapsed time in `source`: an `expect(...)` of a `now() - start`
 * difference, or of a variable that holds one.
 */
function wallClockAssertions(file: string, source: string): string[] {
  const lines = source.split('\n');
  const elapsedVars = new Set<string>();
  for (const match of source.matchAll(new RegExp(String.raw`\b(?:const|let|var)\s+(\w+)\s*=\s*${NOW}\s*-`, 'g'))) {
    elapsedVars.add(match[1]!);
  }
  const direct = new RegExp(String.raw`expect\(\s*${NOW}\s*-`);
  const viaVar =
    elapsedVars.size === 0 ? undefined : new RegExp(String.raw`expect\(\s*(?:${[...elapsedVars].join('|')})\s*[,)]`);
  const found: string[] = [];
  lines.forEach((line, i) => {
    if (direct.test(line) || viaVar?.test(line)) {
      found.push(`${path.relative(repoRoot, file)}:${i + 1}: ${line.trim()}`);
    }
  });
  return found;
}

describe('threat 17: the test suite on a busy machine', () => {
  it('finds an assertion on elapsed time, directly or through a variable (the check below can fail)', () => {
    const sample = [
      'const started = Date.now();',
      'await work();',
      'expect(Date.now() - started).toBeLessThan(2_000);',
      'const elapsed = performance.now() - started;',
      'expect(elapsed, "slow").toBeLessThan(20_000);',
      'expect(await delivered()).toBe(3);',
    ].join('\n');
    expect(wallClockAssertions(path.join(repoRoot, 'x.test.ts'), sample)).toEqual([
      'x.test.ts:3: expect(Date.now() - started).toBeLessThan(2_000);',
      'x.test.ts:5: expect(elapsed, "slow").toBeLessThan(20_000);',
    ]);
  });

  it('no test asserts on elapsed wall-clock time', () => {
    const files = testFiles();
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((file) => wallClockAssertions(file, readFileSync(file, 'utf8')));
    expect(found, 'wait for the work (vi.waitUntil, expect.poll) and give the test a budget instead').toEqual([]);
  });

  it('a test without a budget of its own gets one that holds on a loaded 2-core machine', ({ task }) => {
    // vitest's default is 5 s; PGlite and spec-compiling tests took longer than that next to two CPU hogs.
    expect(task.timeout).toBeGreaterThanOrEqual(30_000);
  });
});

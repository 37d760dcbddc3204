import { readdirSync, existsSync } from 'node:fs';
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * Every workspace package (and example) with a src/ folder becomes one vitest project, named after its folder.
 * Benchmarks live in their own project, `bench` (folder bench/, the private `@crmkit/bench` workspace): they import
 * the packages through their public entries, so no package imports upward. `npm run bench` runs them all;
 * `npm run bench -- bench/src/core/hooks.bench.ts` runs one file.
 */
const projectDirs = ['packages', 'examples'].flatMap((group) =>
  readdirSync(group, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(`${group}/${entry.name}/src`))
    .map((entry) => `${group}/${entry.name}`),
);

export default defineConfig({
  // Tests run against source: the custom export condition points workspace packages at src/.
  resolve: { conditions: ['@crmkit/source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['@crmkit/source', ...defaultServerConditions] } },
  test: {
    // Budgets that hold on a loaded 2-core machine (CI runners, laptops running other builds): vitest's 5 s / 10 s
    // defaults failed PGlite and spec-compiling tests there. Tests never assert on elapsed time; a heavy test declares
    // its own larger budget (`it(name, fn, 120_000)`), and a test that needs work done waits for it (`vi.waitUntil`,
    // `expect.poll`) instead of sleeping. See "Tests on a busy machine" in the README.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    projects: [
      ...projectDirs.map((dir) => ({
        extends: true,
        test: { name: dir.split('/')[1], root: dir, include: ['src/**/*.test.ts'], benchmark: { include: [] } },
      })),
      {
        extends: true,
        test: {
          name: 'bench',
          root: 'bench',
          include: ['src/**/*.test.ts'],
          benchmark: { include: ['src/**/*.bench.ts'] },
        },
      },
      // Tests of the repository's own scripts and checks: check-deps.test.ts proves each dependency rule fires; test/ covers
      // the docs snippet check and the incremental build.
      {
        extends: true,
        test: {
          name: 'scripts',
          root: 'scripts',
          include: ['**/*.test.ts', 'test/**/*.test.mjs'],
          benchmark: { include: [] },
        },
      },
    ],
  },
});

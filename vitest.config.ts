import { readdirSync, existsSync } from 'node:fs';
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/** Every workspace package (and example) with a src/ folder becomes one vitest project. */
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
    projects: projectDirs.map((dir) => ({
      extends: true,
      test: {
        name: dir.split('/')[1],
        root: dir,
        include: ['src/**/*.test.ts'],
        benchmark: { include: ['src/**/*.bench.ts'] },
      },
    })),
  },
});

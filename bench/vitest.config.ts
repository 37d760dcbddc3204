import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/** Benchmarks run against the packages' sources, like the tests (the `@crmkit/source` export condition). */
export default defineConfig({
  resolve: { conditions: ['@crmkit/source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['@crmkit/source', ...defaultServerConditions] } },
  test: { include: [], benchmark: { include: ['src/**/*.bench.ts'] } },
});

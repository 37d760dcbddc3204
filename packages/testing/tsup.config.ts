import { defineConfig } from 'tsup';

// The CommonJS build exists for tooling that resolves `require`; at run time vitest itself refuses require() with a
// clear message, and vitest always loads test files as ESM.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { composite: false } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
});

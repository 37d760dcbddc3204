import { defineConfig } from 'tsup';

export default defineConfig({
  // index: the library (main, runResolve); bin: the `crmkit-cli` executable (keeps its shebang).
  entry: ['src/index.ts', 'src/bin.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: 'src/index.ts', compilerOptions: { composite: false } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // `import.meta.url` (used to find package.json for --version) also works in the CommonJS build.
  shims: true,
});

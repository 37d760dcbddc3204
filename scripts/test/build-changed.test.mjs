// Tests of scripts/build-changed.mjs: change detection and build order on a fixture workspace in a temp folder.
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildChanged, planBuild } from '../build-changed.mjs';

let root;
const write = (path, text) => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
};
const pkg = (name, dependencies = {}, extra = {}) =>
  JSON.stringify({ name, main: './dist/index.js', scripts: { build: 'tsup' }, dependencies, ...extra });

/** A build that writes the declared entry, as tsup would, and records the order packages were built in. */
function fakeBuild(log) {
  return async (p) => {
    log.push(p.name);
    write(`${p.dir}/dist/index.js`, `// ${p.hash}\n`);
  };
}
const build = async (options = {}) => {
  const log = [];
  const built = await buildChanged({ root, build: fakeBuild(log), ...options });
  expect(built.sort()).toEqual([...log].sort());
  return log;
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'build-changed-'));
  write('package.json', JSON.stringify({ name: 'fixture', private: true, workspaces: ['packages/*', 'examples/*'] }));
  write('tsconfig.base.json', '{ "compilerOptions": { "strict": true } }');
  write('package-lock.json', '{}');
  // model <- core <- app; util stands alone; example has no build script; tool depends on core only at dev time.
  write('packages/model/package.json', pkg('@x/model'));
  write('packages/model/src/index.ts', 'export const model = 1;\n');
  write('packages/model/tsup.config.ts', 'export default {};\n');
  write('packages/core/package.json', pkg('@x/core', { '@x/model': '^1.0.0' }));
  write('packages/core/src/index.ts', 'export const core = 1;\n');
  write('packages/core/src/deep/part.ts', 'export const part = 1;\n');
  write('packages/app/package.json', pkg('@x/app', { '@x/core': '^1.0.0', zod: '^4.0.0' }));
  write('packages/app/src/index.ts', 'export const app = 1;\n');
  write('packages/util/package.json', pkg('@x/util'));
  write('packages/util/src/index.ts', 'export const util = 1;\n');
  write('packages/tool/package.json', pkg('@x/tool', {}, { devDependencies: { '@x/core': '*' } }));
  write('packages/tool/src/index.ts', 'export const tool = 1;\n');
  write('examples/demo/package.json', JSON.stringify({ name: '@x/demo', dependencies: { '@x/app': '*' } }));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('build-changed', () => {
  it('builds everything the first time, dependencies first', async () => {
    const order = await build();
    expect(order.sort()).toEqual(['@x/app', '@x/core', '@x/model', '@x/tool', '@x/util']);
    const log = await build({ force: true, jobs: 1 });
    expect(log.indexOf('@x/model')).toBeLessThan(log.indexOf('@x/core'));
    expect(log.indexOf('@x/core')).toBeLessThan(log.indexOf('@x/app'));
  });

  it('builds nothing when nothing changed, even when files were touched', async () => {
    await build();
    expect(await build()).toEqual([]);
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'packages/model/src/index.ts'), later, later);
    expect(await build()).toEqual([]);
    expect(planBuild({ root }).every((p) => !p.stale)).toBe(true);
  });

  it('a changed source file rebuilds its package and the packages depending on it, and no other', async () => {
    await build();
    write('packages/core/src/deep/part.ts', 'export const part = 2;\n');
    expect(
      planBuild({ root })
        .filter((p) => p.stale)
        .map((p) => [p.name, p.reason]),
    ).toEqual([
      ['@x/core', 'inputs changed'],
      ['@x/app', 'inputs changed'],
    ]);
    expect(await build({ jobs: 1 })).toEqual(['@x/core', '@x/app']);
    expect(await build()).toEqual([]);

    write('packages/model/src/index.ts', 'export const model = 2;\n');
    expect(await build({ jobs: 1 })).toEqual(['@x/model', '@x/core', '@x/app']);
  });

  it('a new or deleted file, a package.json, tsup or tsconfig change, or a root setting change rebuilds', async () => {
    await build();
    write('packages/util/src/extra.ts', 'export const extra = 1;\n');
    expect(await build()).toEqual(['@x/util']);
    unlinkSync(join(root, 'packages/util/src/extra.ts'));
    expect(await build()).toEqual(['@x/util']);
    write('packages/model/tsup.config.ts', 'export default { minify: true };\n');
    expect((await build()).sort()).toEqual(['@x/app', '@x/core', '@x/model']);
    write('packages/util/tsconfig.json', '{}');
    expect(await build()).toEqual(['@x/util']);
    write('packages/app/package.json', pkg('@x/app', { '@x/core': '^1.0.0', zod: '^4.1.0' }));
    expect(await build()).toEqual(['@x/app']);
    write('tsconfig.base.json', '{ "compilerOptions": { "strict": false } }');
    expect((await build()).length).toBe(5);
  });

  it('a changed test or benchmark file rebuilds nothing', async () => {
    await build();
    write('packages/core/src/core.test.ts', 'it();\n');
    write('packages/core/src/core.bench.ts', 'bench();\n');
    expect(await build()).toEqual([]);
  });

  it('a missing build output rebuilds that package', async () => {
    await build();
    rmSync(join(root, 'packages/util/dist'), { recursive: true });
    expect(planBuild({ root }).find((p) => p.name === '@x/util')?.reason).toBe('./dist/index.js is missing');
    expect(await build()).toEqual(['@x/util']);
  });

  it('a failed build stamps nothing, skips its dependents and is retried next time', async () => {
    await build();
    write('packages/model/src/index.ts', 'export const model = 3;\n');
    const attempts = [];
    const failing = async (p) => {
      attempts.push(p.name);
      if (p.name === '@x/model') throw new Error('tsup failed');
    };
    await expect(buildChanged({ root, build: failing, jobs: 1 })).rejects.toThrow('tsup failed');
    expect(attempts).toEqual(['@x/model']);
    expect(
      planBuild({ root })
        .filter((p) => p.stale)
        .map((p) => p.name),
    ).toEqual(['@x/model', '@x/core', '@x/app']);
    expect(await build({ jobs: 1 })).toEqual(['@x/model', '@x/core', '@x/app']);
  });
});

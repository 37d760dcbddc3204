/**
 * Proves that each rule of `.dependency-cruiser.cjs` fires: the real config runs (as `npm run check:deps` does) on a
 * small fixture monorepo built in a temporary folder, first clean (no violation: the fixture itself is valid), then
 * with one violation of each kind, and must fail naming that rule.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const depcruise = join(repo, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const config = join(repo, '.dependency-cruiser.cjs');
const folders: string[] = [];

interface FixturePackage {
  name: string;
  dir: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  private?: boolean;
  /** File path under src/ -> contents. */
  files: Record<string, string>;
}

/** The clean fixture: model <- identity <- core <- testing, adapter-kit, hubspot on model, an example on top. */
function basePackages(): FixturePackage[] {
  return [
    { name: '@crmkit/model', dir: 'packages/model', files: { 'index.ts': 'export const model = 1;\n' } },
    {
      name: '@crmkit/identity',
      dir: 'packages/identity',
      dependencies: { '@crmkit/model': '^0.1.0' },
      files: { 'index.ts': "import { model } from '@crmkit/model';\nexport const identity = model + 1;\n" },
    },
    {
      name: '@crmkit/core',
      dir: 'packages/core',
      dependencies: { '@crmkit/identity': '^0.1.0', '@crmkit/model': '^0.1.0' },
      files: {
        'index.ts': "import { identity } from '@crmkit/identity';\nexport const core = identity + 1;\n",
        // Tests of a portable package may use Node built-ins.
        'index.test.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
      },
    },
    {
      name: '@crmkit/adapter-kit',
      dir: 'packages/adapter-kit',
      dependencies: { '@crmkit/model': '^0.1.0' },
      files: { 'index.ts': "import { model } from '@crmkit/model';\nexport const kit = model;\n" },
    },
    {
      name: '@crmkit/testing',
      dir: 'packages/testing',
      dependencies: { '@crmkit/adapter-kit': '^0.1.0', '@crmkit/core': '^0.1.0' },
      files: {
        'index.ts':
          "import { core } from '@crmkit/core';\nimport { kit } from '@crmkit/adapter-kit';\nexport const testing = core + kit;\n",
      },
    },
    {
      name: '@crmkit/hubspot',
      dir: 'packages/hubspot',
      dependencies: { '@crmkit/model': '^0.1.0' },
      files: { 'index.ts': "import { model } from '@crmkit/model';\nexport const hubspot = model;\n" },
    },
    {
      name: '@crmkit/example',
      dir: 'examples/example',
      private: true,
      dependencies: { '@crmkit/testing': '^0.1.0' },
      files: { 'index.ts': "import { testing } from '@crmkit/testing';\nexport const example = testing;\n" },
    },
  ];
}

/** Writes a fixture monorepo (with node_modules links to its workspaces and an npm package `left-pad-ish`). */
function writeFixture(packages: FixturePackage[]): string {
  const root = mkdtempSync(join(tmpdir(), 'crmkit-check-deps-'));
  folders.push(root);
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('package.json', JSON.stringify({ name: 'fixture', private: true, workspaces: ['packages/*', 'examples/*'] }));
  write(
    'node_modules/left-pad-ish/package.json',
    JSON.stringify({ name: 'left-pad-ish', version: '1.0.0', main: 'index.js' }),
  );
  write('node_modules/left-pad-ish/index.js', 'module.exports = (s) => s;\n');
  for (const pkg of packages) {
    const { files, dir, ...manifest } = pkg;
    write(
      `${dir}/package.json`,
      JSON.stringify({
        ...manifest,
        version: '0.1.0',
        type: 'module',
        exports: { '.': { '@crmkit/source': './src/index.ts', default: './dist/index.js' } },
      }),
    );
    for (const [file, text] of Object.entries(files)) write(`${dir}/src/${file}`, text);
    mkdirSync(dirname(join(root, 'node_modules', pkg.name)), { recursive: true });
    symlinkSync(join(root, dir), join(root, 'node_modules', pkg.name), 'dir');
  }
  return root;
}

/** Runs the repo's config on a fixture as CI does; returns the exit code and the names of the violated rules. */
function check(packages: FixturePackage[]): Promise<{ code: number; rules: string[]; output: string }> {
  const root = writeFixture(packages);
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      // The reporter `npm run check:deps` uses (its exit code is the number of errors): one `error <rule>: ...` a line.
      [depcruise, '--config', config, '--output-type', 'err', 'packages', 'examples'],
      { cwd: root, maxBuffer: 64 * 2 ** 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const rules = [...new Set([...stdout.matchAll(/^\s*error ([\w-]+):/gm)].map((m) => m[1] as string))].sort();
        const summary = /no dependency violations found|dependency violations/.test(stdout);
        if (!summary) fail(new Error(`depcruise did not run (exit ${code}):\n${stdout}\n${stderr}`));
        else done({ code, rules, output: stdout + stderr });
      },
    );
  });
}

/** The clean fixture with `change` applied to the package named `name`. */
function withChange(name: string, change: (pkg: FixturePackage) => void): FixturePackage[] {
  const packages = basePackages();
  const pkg = packages.find((p) => p.name === name);
  if (!pkg) throw new Error(`no fixture package ${name}`);
  change(pkg);
  return packages;
}

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('check:deps (.dependency-cruiser.cjs)', () => {
  const budget = 120_000;

  it(
    'passes the clean fixture (a Node built-in in a test of a portable package is allowed)',
    async () => {
      const result = await check(basePackages());
      expect(result.rules).toEqual([]);
      expect(result.code).toBe(0);
    },
    budget,
  );

  it(
    'fails on an upward import between layers (core importing hubspot, declared, no cycle)',
    async () => {
      const result = await check(
        withChange('@crmkit/core', (core) => {
          core.dependencies = { ...core.dependencies, '@crmkit/hubspot': '^0.1.0' };
          core.files['upward.ts'] = "import { hubspot } from '@crmkit/hubspot';\nexport const up = hubspot;\n";
        }),
      );
      expect(result.rules).toEqual(['layer-upward']);
      expect(result.code).not.toBe(0);
    },
    budget,
  );

  it(
    'fails on a cycle between packages of one layer, even through a test and a devDependency',
    async () => {
      const result = await check(
        withChange('@crmkit/adapter-kit', (kit) => {
          kit.devDependencies = { '@crmkit/testing': '^0.1.0' };
          kit.files['kit.test.ts'] = "import { testing } from '@crmkit/testing';\nexport const t = testing;\n";
        }),
      );
      expect(result.rules).toEqual(['no-package-cycle']);
      expect(result.code).not.toBe(0);
    },
    budget,
  );

  it(
    'fails on a Node built-in in the source of model, identity or core',
    async () => {
      for (const name of ['@crmkit/model', '@crmkit/core']) {
        const result = await check(
          withChange(name, (pkg) => {
            pkg.files['files.ts'] = "import { readFile } from 'node:fs/promises';\nexport const read = readFile;\n";
          }),
        );
        expect(result.rules).toEqual(['no-node-builtins-in-portable']);
        expect(result.code).not.toBe(0);
      }
      const bare = await check(
        withChange('@crmkit/identity', (pkg) => {
          pkg.files['crypto.ts'] = "import { createHash } from 'crypto';\nexport const hash = createHash;\n";
        }),
      );
      expect(bare.rules).toEqual(['no-node-builtins-in-portable']);
    },
    budget,
  );

  it(
    'fails on an import of a workspace package the importer does not declare',
    async () => {
      const result = await check(
        withChange('@crmkit/hubspot', (hubspot) => {
          hubspot.files['hub.ts'] = "import { kit } from '@crmkit/adapter-kit';\nexport const k = kit;\n";
        }),
      );
      expect(result.rules).toEqual(['undeclared-workspace-dependency']);
      expect(result.code).not.toBe(0);
    },
    budget,
  );

  it(
    'fails on an npm package declared nowhere, and on a devDependency used by published source',
    async () => {
      const code = "import pad from 'left-pad-ish';\nexport const padded = pad('x');\n";
      const undeclared = await check(
        withChange('@crmkit/model', (model) => {
          model.files['pad.ts'] = code;
        }),
      );
      expect(undeclared.rules).toEqual(['undeclared-dependency']);
      expect(undeclared.code).not.toBe(0);

      const dev = await check(
        withChange('@crmkit/model', (model) => {
          model.devDependencies = { 'left-pad-ish': '^1.0.0' };
          model.files['pad.ts'] = code;
          model.files['pad.test.ts'] = code; // allowed: a test may use a devDependency
        }),
      );
      expect(dev.rules).toEqual(['dev-dependency-in-production']);
    },
    budget,
  );

  it(
    'refuses to run when a workspace package has no layer',
    async () => {
      const packages = basePackages();
      packages.push({ name: '@crmkit/unplaced', dir: 'packages/unplaced', files: { 'index.ts': 'export {};\n' } });
      await expect(check(packages)).rejects.toThrow(/has no layer: add it to LAYERS/);
    },
    budget,
  );
});

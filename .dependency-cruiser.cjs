/**
 * Dependency rules of the crmkit monorepo, checked by `npm run check:deps` (dependency-cruiser) in CI.
 *
 * Layers (docs/architecture.md; a package may import its own layer and the layers below, never above):
 *
 *   0  @crmkit/model
 *   1  @crmkit/identity
 *   2  @crmkit/core
 *   3  @crmkit/adapter-kit, @crmkit/store-postgres, @crmkit/testing
 *        (same layer: testing imports adapter-kit, store-postgres's tests import testing; no cycle allowed)
 *   4  @crmkit/hubspot
 *   5  @crmkit/cli, crmkit (crmkit imports cli)
 *   6  private workspaces: examples/*, bench/ (nothing imports them)
 *
 * Rules, each on every file of a workspace (tests and test helpers too, so devDependencies count):
 *   layer-upward                 an import of a workspace package of a higher layer
 *   no-package-cycle             a cycle between workspace packages (folder level: src/ of one package to another)
 *   no-node-builtins-in-portable a Node built-in (`node:fs`, `fs` ...) in model, identity or core outside tests
 *   undeclared-workspace-dependency  an import of a workspace package missing from the importer's package.json
 *   undeclared-dependency        an import of an npm package declared nowhere (the package's or the root's package.json)
 *   dev-dependency-in-production a package's published source importing a devDependency at run time
 *   not-to-unresolvable          an import that resolves to nothing
 *
 * Workspace packages resolve through their `@crmkit/source` export condition, so the check sees their src/.
 * A new workspace package must be added to LAYERS below (the check refuses to run otherwise).
 * The rules are generated from the package.json files found from the working directory, so the test
 * (scripts/check-deps.test.ts) runs the very same config on small fixture trees, one violation each.
 */
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

/** Layer of each publishable workspace package, by package name. Private workspaces go on top. */
const LAYERS = {
  '@crmkit/model': 0,
  '@crmkit/identity': 1,
  '@crmkit/core': 2,
  '@crmkit/adapter-kit': 3,
  '@crmkit/store-postgres': 3,
  '@crmkit/testing': 3,
  '@crmkit/hubspot': 4,
  '@crmkit/cli': 5,
  crmkit: 5,
};
const PRIVATE_LAYER = 6;

/** Packages that run on every JavaScript runtime: no Node built-ins outside their tests. */
const PORTABLE = ['@crmkit/model', '@crmkit/identity', '@crmkit/core'];

/** Files that are tests or test helpers inside a package's src/ (not published, may use devDependencies). */
const TEST_FILES = '(\\.test\\.ts$|\\.test-support\\.ts$|/src/testing/|/src/fixtures/)';

const root = process.cwd();
const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The workspaces of the root package.json (`dir/*` globs and plain folders). */
function workspaces() {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const dirs = (manifest.workspaces ?? []).flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    if (!existsSync(join(root, parent))) return [];
    return readdirSync(join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${parent}/${entry.name}`);
  });
  return dirs
    .filter((dir) => existsSync(join(root, dir, 'package.json')))
    .map((dir) => {
      const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
      const layer = pkg.private ? PRIVATE_LAYER : LAYERS[pkg.name];
      if (layer === undefined) {
        throw new Error(`.dependency-cruiser.cjs: ${pkg.name} (${dir}) has no layer: add it to LAYERS.`);
      }
      const declared = new Set([
        pkg.name,
        ...Object.keys(pkg.dependencies ?? {}),
        ...Object.keys(pkg.devDependencies ?? {}),
        ...Object.keys(pkg.peerDependencies ?? {}),
        ...Object.keys(pkg.optionalDependencies ?? {}),
      ]);
      return { dir, name: pkg.name, layer, declared };
    });
}

const all = workspaces();
const dirsOf = (list) => list.map((w) => escapeRegExp(w.dir)).join('|');

const layerRules = all.flatMap((w) => {
  const higher = all.filter((other) => other.layer > w.layer);
  if (higher.length === 0) return [];
  return [
    {
      name: 'layer-upward',
      comment: `${w.name} (layer ${w.layer}) must not import a package of a higher layer (${higher
        .map((h) => `${h.name} ${h.layer}`)
        .join(', ')}). See the layer table in .dependency-cruiser.cjs.`,
      severity: 'error',
      from: { path: `^${escapeRegExp(w.dir)}/` },
      to: { path: `^(${dirsOf(higher)})/` },
    },
  ];
});

const declarationRules = all.flatMap((w) => {
  const undeclared = all.filter((other) => other !== w && !w.declared.has(other.name));
  if (undeclared.length === 0) return [];
  return [
    {
      name: 'undeclared-workspace-dependency',
      comment: `${w.name} imports a workspace package missing from ${w.dir}/package.json (dependencies, devDependencies or peerDependencies).`,
      severity: 'error',
      from: { path: `^${escapeRegExp(w.dir)}/` },
      to: { path: `^(${dirsOf(undeclared)})/` },
    },
  ];
});

const portable = all.filter((w) => PORTABLE.includes(w.name));
const published = all.filter((w) => w.layer !== PRIVATE_LAYER);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-package-cycle',
      comment:
        'Workspace packages must not depend on each other in a cycle, not even through tests or devDependencies ' +
        '(a test kit that a package tests itself with must not depend on that package).',
      severity: 'error',
      scope: 'folder',
      from: { path: `^(${dirsOf(all)})/src$` },
      to: { circular: true },
    },
    ...(portable.length > 0
      ? [
          {
            name: 'no-node-builtins-in-portable',
            comment:
              'model, identity and core run on every JavaScript runtime (Bun, Deno, edge): no Node built-in ' +
              'modules outside their tests. Node-only code lives in layer 3 and up.',
            severity: 'error',
            from: { path: `^(${dirsOf(portable)})/src/`, pathNot: '(\\.test\\.ts|\\.test-support\\.ts)$' },
            to: { dependencyTypes: ['core'] },
          },
        ]
      : []),
    ...declarationRules,
    {
      name: 'undeclared-dependency',
      comment: 'An npm package imported without a declaration in the package.json of the package (or of the root).',
      severity: 'error',
      from: { path: `^(${dirsOf(all)})/` },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    ...(published.length > 0
      ? [
          {
            name: 'dev-dependency-in-production',
            comment: 'Published source imports a devDependency at run time: its users would not have it installed.',
            severity: 'error',
            from: { path: `^(${dirsOf(published)})/src/`, pathNot: TEST_FILES },
            to: {
              dependencyTypes: ['npm-dev'],
              dependencyTypesNot: ['type-only', 'triple-slash-type-reference', 'npm', 'npm-peer', 'npm-optional'],
            },
          },
        ]
      : []),
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to no file or package.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|\\.tsbuild|node_modules/\\.cache)/' },
    ...(existsSync(join(root, 'tsconfig.base.json')) ? { tsConfig: { fileName: 'tsconfig.base.json' } } : {}),
    tsPreCompilationDeps: true,
    // A package's own package.json and the root's: shared tooling (vitest, fast-check) is a root devDependency.
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@crmkit/source', 'import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};

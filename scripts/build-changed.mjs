#!/usr/bin/env node
// Builds the workspace packages whose inputs changed since their last successful build, dependencies first.
//
// A package's input hash (sha256) covers the content of its src/ (tests and benchmarks left out: they are not
// built), package.json, tsup config and tsconfig files, the root tsconfig.base.json and package-lock.json (compiler
// settings and installed dependency versions), and the input hashes of the workspace packages it depends on
// (dependencies and peerDependencies: devDependencies are test-time only and never part of a build), so a change in
// @crmkit/model rebuilds everything above it. After a successful `npm run build -w <package>` the hash
// is stamped in node_modules/.cache/crmkit-build/ (not in dist/, so no stamp is ever published); a package is built
// again when its hash differs from the stamp, or when its built entry (package.json main/module/types) is missing.
// A content hash, not file times: `touch` alone or a branch switch that returns to the same content builds nothing.
//
//   node scripts/build-changed.mjs            build what changed (npm start)
//   node scripts/build-changed.mjs --force    build every package and stamp it (npm run build, CI, release)
//   node scripts/build-changed.mjs --dry-run  list what would be built, and why
//   --jobs <n>                                packages built at the same time (default: cores, at most 4)
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT_INPUTS = ['tsconfig.base.json', 'package-lock.json'];
const PACKAGE_INPUT = /^(package\.json|tsup\.config\.[cm]?[jt]s|tsconfig(\..+)?\.json)$/;
const NOT_BUILT = /\.(test|bench)\.[cm]?[jt]sx?$/;

/** @typedef {{ name: string, dir: string, deps: string[], hash: string, stale: boolean, reason: string }} PackagePlan */

/** The workspace folders named by the root package.json (`packages/*` style patterns or plain folders). */
function workspaceDirs(root) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const patterns = Array.isArray(manifest.workspaces) ? manifest.workspaces : (manifest.workspaces?.packages ?? []);
  const dirs = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('/*')) {
      const parent = pattern.slice(0, -2);
      if (!existsSync(join(root, parent))) continue;
      for (const entry of readdirSync(join(root, parent), { withFileTypes: true }).sort((a, b) =>
        a.name.localeCompare(b.name),
      )) {
        if (entry.isDirectory() && existsSync(join(root, parent, entry.name, 'package.json'))) {
          dirs.push(`${parent}/${entry.name}`);
        }
      }
    } else if (existsSync(join(root, pattern, 'package.json'))) dirs.push(pattern);
  }
  return dirs;
}

/** Every file under `dir`, relative to `base`, sorted; node_modules, dist and dot folders left out. */
function filesUnder(base, dir) {
  const out = [];
  const walk = (path) => {
    for (const entry of readdirSync(join(base, path), { withFileTypes: true })) {
      const child = path ? `${path}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist' && !entry.name.startsWith('.')) walk(child);
      } else if (entry.isFile()) out.push(child);
    }
  };
  if (existsSync(join(base, dir))) walk(dir);
  return out.sort();
}

/** Where the stamp of a package is kept. */
const stampPath = (root, name) =>
  join(root, 'node_modules', '.cache', 'crmkit-build', `${name.replace('/', '__')}.json`);

/** The built entry files a package declares (main, module, types); a build is missing when one is absent. */
function declaredOutputs(manifest) {
  return [manifest.main, manifest.module, manifest.types].filter((p) => typeof p === 'string');
}

/**
 * Which packages with a `build` script need building, in dependency order (dependencies first).
 * @param {{ root: string, force?: boolean }} options
 * @returns {PackagePlan[]}
 */
export function planBuild({ root, force = false }) {
  const manifests = new Map();
  for (const dir of workspaceDirs(root)) {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    manifests.set(manifest.name, { dir, manifest });
  }
  const rootHash = createHash('sha256');
  for (const file of ROOT_INPUTS) {
    rootHash.update(`${file}\0`);
    if (existsSync(join(root, file))) rootHash.update(readFileSync(join(root, file)));
    rootHash.update('\0');
  }
  const rootDigest = rootHash.digest('hex');

  const hashes = new Map();
  const visiting = new Set();
  const order = [];
  const depsOf = (manifest) =>
    [
      ...new Set(
        ['dependencies', 'peerDependencies', 'optionalDependencies'].flatMap((field) =>
          Object.keys(manifest[field] ?? {}),
        ),
      ),
    ]
      .filter((dep) => manifests.has(dep) && dep !== manifest.name)
      .sort();
  const hashOf = (name) => {
    const known = hashes.get(name);
    if (known) return known;
    if (visiting.has(name)) throw new Error(`workspace dependency cycle through ${name}`);
    visiting.add(name);
    const { dir, manifest } = manifests.get(name);
    const hash = createHash('sha256').update(`root\0${rootDigest}\0`);
    const deps = depsOf(manifest);
    for (const dep of deps) hash.update(`dep\0${dep}\0${hashOf(dep)}\0`);
    const pkgDir = join(root, dir);
    const ownFiles = readdirSync(pkgDir).filter(
      (file) => PACKAGE_INPUT.test(file) && statSync(join(pkgDir, file)).isFile(),
    );
    const inputs = [...ownFiles.sort(), ...filesUnder(pkgDir, 'src').filter((file) => !NOT_BUILT.test(file))];
    for (const file of inputs)
      hash
        .update(`file\0${file}\0`)
        .update(readFileSync(join(pkgDir, file)))
        .update('\0');
    const digest = hash.digest('hex');
    visiting.delete(name);
    hashes.set(name, digest);
    order.push(name);
    return digest;
  };
  for (const name of [...manifests.keys()].sort()) hashOf(name);

  const plan = [];
  for (const name of order) {
    const { dir, manifest } = manifests.get(name);
    if (!manifest.scripts?.build) continue;
    const hash = hashes.get(name);
    let reason = '';
    const stampFile = stampPath(root, name);
    const stamp = existsSync(stampFile) ? JSON.parse(readFileSync(stampFile, 'utf8')) : undefined;
    const missing = declaredOutputs(manifest).find((file) => !existsSync(join(root, dir, file)));
    if (force) reason = 'forced';
    else if (!stamp) reason = 'never built by this script';
    else if (missing) reason = `${missing} is missing`;
    else if (stamp.hash !== hash) reason = 'inputs changed';
    const deps = depsOf(manifest).filter((dep) => manifests.get(dep).manifest.scripts?.build);
    plan.push({ name, dir, deps, hash, stale: reason !== '', reason });
  }
  return plan;
}

/** Runs `npm run build -w <name>` quietly; on failure the output is printed and the promise rejects. */
function npmBuild(root, pkg) {
  return new Promise((resolveBuild, reject) => {
    const child = spawn('npm', ['run', 'build', '--silent', '-w', pkg.name], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolveBuild();
      else {
        process.stderr.write(Buffer.concat(output));
        reject(new Error(`build of ${pkg.name} failed (exit ${code})`));
      }
    });
  });
}

/**
 * Builds the stale packages of {@link planBuild}, each after its dependencies, up to `jobs` at a time, and stamps
 * each one that succeeded. Returns the names built. A failed build leaves no stamp, so the next run tries again.
 * @param {{ root: string, force?: boolean, jobs?: number, build?: (pkg: PackagePlan) => Promise<void>, log?: (line: string) => void }} options
 */
export async function buildChanged({ root, force = false, jobs = 1, build, log = () => {} }) {
  const plan = planBuild({ root, force });
  const stale = new Map(plan.filter((p) => p.stale).map((p) => [p.name, p]));
  const run = build ?? ((pkg) => npmBuild(root, pkg));
  const done = new Set(plan.filter((p) => !p.stale).map((p) => p.name));
  const built = [];
  const running = new Map();
  let failure;
  while ((stale.size > 0 || running.size > 0) && !(failure && running.size === 0)) {
    if (!failure) {
      for (const pkg of stale.values()) {
        if (running.size >= jobs) break;
        if (!pkg.deps.every((dep) => done.has(dep))) continue;
        stale.delete(pkg.name);
        rmSync(stampPath(root, pkg.name), { force: true });
        const started = performance.now();
        running.set(
          pkg.name,
          run(pkg).then(
            () => {
              mkdirSync(dirname(stampPath(root, pkg.name)), { recursive: true });
              writeFileSync(stampPath(root, pkg.name), `${JSON.stringify({ name: pkg.name, hash: pkg.hash })}\n`);
              done.add(pkg.name);
              built.push(pkg.name);
              log(`built ${pkg.name} (${pkg.reason}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
            },
            (error) => {
              failure ??= error;
            },
          ),
        );
      }
    }
    if (running.size === 0) break; // nothing startable: only possible after a failure
    const finished = await Promise.race([...running.entries()].map(([name, p]) => p.then(() => name)));
    running.delete(finished);
  }
  if (failure) throw failure;
  return built;
}

async function main(argv) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const force = argv.includes('--force');
  const at = argv.indexOf('--jobs');
  const jobs = at >= 0 ? Math.max(1, Number(argv[at + 1]) || 1) : Math.min(4, availableParallelism());
  if (argv.includes('--dry-run')) {
    for (const p of planBuild({ root, force })) {
      console.log(
        `${p.stale ? 'build' : 'fresh'} ${p.name}${p.stale ? ` (${p.reason})` : ''}  ${relative(root, join(root, p.dir))}`,
      );
    }
    return 0;
  }
  const started = performance.now();
  const built = await buildChanged({ root, force, jobs, log: (line) => console.log(line) });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const total = planBuild({ root }).length;
  console.log(
    built.length === 0
      ? `build: all ${total} packages up to date (${seconds} s)`
      : `build: ${built.length} of ${total} packages built in ${seconds} s`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}

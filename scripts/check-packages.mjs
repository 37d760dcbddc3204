#!/usr/bin/env node
// Checks every publishable package the way consumers will see it: publint (package.json, exports, files) and
// @arethetypeswrong/cli (types resolve under node10, node16 CJS and ESM, and bundlers). Run after `npm run build`.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const failures = [];
for (const name of readdirSync('packages')) {
  const dir = join('packages', name);
  const manifestPath = join(dir, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (manifest.private) continue;
  if (!existsSync(join(dir, 'dist'))) {
    failures.push(`${manifest.name}: no dist/ (run npm run build first)`);
    continue;
  }
  for (const [label, command, args] of [
    ['publint', 'npx', ['--no-install', 'publint', '--strict', dir]],
    ['attw', 'npx', ['--no-install', 'attw', '--pack', dir, '--format', 'table-flipped']],
  ]) {
    try {
      const out = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      console.log(`ok   ${label.padEnd(8)} ${manifest.name}`);
      if (process.env.VERBOSE) console.log(out);
    } catch (error) {
      failures.push(`${manifest.name}: ${label} failed`);
      console.log(`FAIL ${label.padEnd(8)} ${manifest.name}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  }
}
if (failures.length > 0) {
  console.error(`\n${failures.length} package check(s) failed:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log('All package checks passed.');

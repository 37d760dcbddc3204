/**
 * Child process of the folder-lock tests (src/threats/01-folder-lock.test.ts); not part of the package API.
 * Prints `READY`, waits for a line `GO <epoch ms>` on stdin, spins until that moment (so several children race at the
 * same instant), then takes the lock on `LOCK_DIR` and prints `WON` or `LOCKED <pid>`. With `LOCK_MODE=hold` a winner holds the lock until killed; with
 * `LOCK_MODE=exit` it exits normally right away (the exit hook must release the lock).
 *
 * Run: `node --conditions=@crmkit/source --import tsx src/testing/lock-child.ts` from packages/store-postgres.
 *
 * @module
 */
import { StoreLockedError } from '@crmkit/model';
import { lockDataDir } from '../lock';

const dir = process.env.LOCK_DIR;
if (!dir) throw new Error('LOCK_DIR is required');
const mode = process.env.LOCK_MODE ?? 'hold';

process.stdout.write('READY\n');
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  input += chunk;
  const go = /GO (\d+)\n/.exec(input);
  if (!go) return;
  process.stdin.pause();
  const at = Number(go[1]);
  while (performance.timeOrigin + performance.now() < at) {} // spin: a timer would be late by a millisecond or more
  try {
    lockDataDir(dir);
    process.stdout.write('WON\n');
    if (mode === 'exit') process.exit(0);
    setInterval(() => undefined, 60_000); // hold until killed
  } catch (error) {
    if (!StoreLockedError.isInstance(error)) throw error;
    process.stdout.write(`LOCKED ${error.pid}\n`);
    process.exit(0);
  }
});

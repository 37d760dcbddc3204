/**
 * The parent's side of the crash test's child protocol (src/crash.test.ts, child: ./crash-child.ts); not part of the
 * package API. A child prints `READY` once it is set up, `ACK <batch>` once a batch has committed, and `DRAINED` when it
 * has finished on its own. The parent kills a child only once it has done real work, whenever that is: the test must
 * not depend on how fast the machine is (a fixed delay before the kill hit idle children on a loaded machine).
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';

/** A running crash child, as the parent sees it through its stdout. */
export interface CrashChild {
  process: ChildProcess;
  /** The batches the child has ACKed so far, in order. */
  acks: number[];
  readonly stderr: string;
  ready: Promise<void>;
  /** The exit code; `null` when a signal ended the process. */
  exited: Promise<number | null>;
  drained: () => boolean;
  /** Resolves once the child has printed `count` ACK lines (whenever that is: waits for the work, not the clock). */
  acked: (count: number) => Promise<void>;
}

/** The part of a child process {@link watchCrashChild} reads (a real `ChildProcess`, or a fake in a unit test). */
export type WatchedProcess = Pick<ChildProcess, 'stdout' | 'stderr' | 'on' | 'kill'>;

/** Starts `script` (a .ts file, run from source with tsx) as one node process and watches its protocol lines. */
export function spawnCrashChild(script: string, cwd: string, env: Record<string, string>): CrashChild {
  // One node process (no tsx/npx wrapper), so SIGKILL hits the process that holds the connections.
  const child = spawn(process.execPath, ['--conditions=@crmkit/source', '--import', 'tsx', script], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watchCrashChild(child);
}

/** Follows the protocol lines of `child` (see the module comment). */
export function watchCrashChild<P extends WatchedProcess>(child: P): CrashChild & { process: P } {
  const acks: number[] = [];
  let stderr = '';
  let drained = false;
  let buffered = '';
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  const ackWaiters: { count: number; resolve: () => void }[] = [];
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'READY') onReady();
      else if (line === 'DRAINED') drained = true;
      else if (line.startsWith('ACK ')) {
        acks.push(Number(line.slice(4)));
        for (const waiter of ackWaiters.filter((w) => acks.length >= w.count)) {
          ackWaiters.splice(ackWaiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code: number | null) => resolve(code)));
  return {
    process: child as P & ChildProcess,
    acks,
    get stderr() {
      return stderr;
    },
    ready,
    exited,
    drained: () => drained,
    acked: (count) =>
      acks.length >= count ? Promise.resolve() : new Promise((resolve) => ackWaiters.push({ count, resolve })),
  };
}

/** Rejects with "`what` took longer than `ms` ms" unless `promise` settles first. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]);
}

/** When {@link killWhenWorking} kills. */
export interface KillOptions {
  /** Committed batches the child must have ACKed before the kill. */
  acks: number;
  /** How long the child may take to ACK them before the test gives up (and kills it anyway). */
  patienceMs: number;
  /** The kill then comes at a random moment within this many ms (inside one of the batches that follow). */
  jitterMs: number;
}

/**
 * Kills `child` with SIGKILL once it is working: after it has ACKed `options.acks` batches, however long that takes
 * (up to `patienceMs`), at a random moment of the batches that follow. Resolves with the exit code (`null`: the signal
 * ended it). Rejects, after killing the child, when it did not ACK in time.
 */
export async function killWhenWorking(child: CrashChild, options: KillOptions): Promise<number | null> {
  try {
    await withTimeout(child.acked(options.acks), options.patienceMs, `the child ACKing ${options.acks} batches`);
  } catch (error) {
    child.process.kill('SIGKILL');
    throw error;
  }
  await new Promise((resolve) => setTimeout(resolve, Math.random() * options.jitterMs));
  child.process.kill('SIGKILL');
  return child.exited;
}

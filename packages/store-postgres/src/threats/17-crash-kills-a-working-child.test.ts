import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { killWhenWorking, type WatchedProcess, watchCrashChild } from '../testing/crash-parent';

/**
 * The crash test (src/crash.test.ts) asserts that its run did real work: each SIGKILL must hit a child that had
 * committed batches. Killing after a fixed delay made that depend on the machine's speed (on a loaded machine a child
 * had ACKed nothing yet, and the assertion failed 1 run in 3). The kill now waits for the child's ACKs. These tests
 * drive the parent's side of the protocol with a fake child and fake timers: no real time passes, so they cannot
 * depend on the machine either.
 */
function fakeChild() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const events = new EventEmitter();
  const kill = vi.fn((_signal?: NodeJS.Signals | number) => {
    queueMicrotask(() => events.emit('exit', null));
    return true;
  });
  const process = {
    stdout,
    stderr,
    kill,
    on: (event: string, listener: (...args: unknown[]) => void) => {
      events.on(event, listener);
      return process;
    },
  } as unknown as WatchedProcess & { kill: typeof kill };
  /** What the child prints; resolves once the parent has read it. */
  const say = (line: string) =>
    new Promise<void>((resolve) => {
      stdout.write(`${line}\n`, () => setImmediate(resolve));
    });
  return { process, kill, say };
}

describe('threat 17: the crash test kills a child only once it has done real work', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits for the reported number of committed batches, however long they take', async () => {
    const fake = fakeChild();
    const child = watchCrashChild(fake.process);
    const killing = killWhenWorking(child, { acks: 2, patienceMs: 600_000, jitterMs: 300 });
    await fake.say('READY');
    await fake.say('ACK 100');
    // A slow machine: five minutes and only one batch committed. The child must still be running.
    await vi.advanceTimersByTimeAsync(300_000);
    expect(fake.kill).not.toHaveBeenCalled();

    await fake.say('ACK 101');
    await vi.advanceTimersByTimeAsync(300); // the jitter: a random moment of the batches that follow
    expect(fake.kill).toHaveBeenCalledWith('SIGKILL');
    expect(await killing).toBeNull();
    expect(child.acks).toEqual([100, 101]);
  });

  it('gives up with a clear error, and kills the child, when it does no work within the patience', async () => {
    const fake = fakeChild();
    const child = watchCrashChild(fake.process);
    const killing = killWhenWorking(child, { acks: 2, patienceMs: 90_000, jitterMs: 300 });
    const outcome = killing.then(
      () => 'resolved',
      (error: unknown) => (error as Error).message,
    );
    await fake.say('READY');
    await fake.say('ACK 7');
    await vi.advanceTimersByTimeAsync(90_000);
    expect(await outcome).toBe('the child ACKing 2 batches took longer than 90000 ms');
    expect(fake.kill).toHaveBeenCalledWith('SIGKILL');
  });
});

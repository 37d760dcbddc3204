import { AbortedError } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { raceAbort } from './abort';

describe('raceAbort', () => {
  it('settles as the promise does when the signal never aborts', async () => {
    await expect(raceAbort(Promise.resolve(1), undefined)).resolves.toBe(1);
    await expect(raceAbort(Promise.resolve(2), new AbortController().signal)).resolves.toBe(2);
    await expect(raceAbort(Promise.reject(new Error('x')), new AbortController().signal)).rejects.toThrow('x');
  });

  it('rejects with AbortedError as soon as the signal aborts, even if the work ignores it', async () => {
    const controller = new AbortController();
    const never = new Promise<number>(() => {});
    const raced = raceAbort(never, controller.signal);
    controller.abort('stop');
    const error = await raced.catch((e: unknown) => e);
    expect(AbortedError.isInstance(error)).toBe(true);
    expect((error as AbortedError).cause).toBe('stop');
  });

  it('rejects at once for a signal aborted already, leaving no unhandled rejection behind', async () => {
    const controller = new AbortController();
    controller.abort();
    const failing = Promise.reject(new Error('late'));
    const error = await raceAbort(failing, controller.signal).catch((e: unknown) => e);
    expect(AbortedError.isInstance(error)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { sleep } from './clock';
import { createFakeClock } from './fake-clock';

describe('createFakeClock', () => {
  it('starts at 2026-01-01 by default and at the given time otherwise', () => {
    expect(createFakeClock().iso()).toBe('2026-01-01T00:00:00.000Z');
    expect(createFakeClock('2026-03-01T09:30:00Z').now()).toBe(Date.parse('2026-03-01T09:30:00Z'));
    expect(() => createFakeClock('yesterday')).toThrow(/not a time/);
  });

  it('fires due timers in time order (ties in the order set) and nothing later', async () => {
    const clock = createFakeClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now() - Date.parse('2026-01-01T00:00:00Z')}`), 20);
    clock.setTimeout(() => fired.push('a1'), 10);
    clock.setTimeout(() => fired.push('a2'), 10);
    const cancelled = clock.setTimeout(() => fired.push('never'), 5);
    clock.setTimeout(() => fired.push('late'), 1000);
    clock.clearTimeout(cancelled);
    await clock.advance(20);
    expect(fired).toEqual(['a1', 'a2', 'b@20']);
    expect(clock.pending()).toBe(1);
    expect(clock.iso()).toBe('2026-01-01T00:00:00.020Z');
  });

  it('lets promises settle between timers, so chained sleeps finish in one advance', async () => {
    const clock = createFakeClock();
    const steps: number[] = [];
    const chain = (async () => {
      await sleep(clock, 100);
      steps.push(clock.now());
      await Promise.resolve().then(() => undefined);
      await sleep(clock, 100);
      steps.push(clock.now());
    })();
    await clock.advance(200);
    await chain;
    const start = Date.parse('2026-01-01T00:00:00Z');
    expect(steps).toEqual([start + 100, start + 200]);
  });

  it('set() moves time without firing; the next advance fires what fell due', async () => {
    const clock = createFakeClock();
    let fired = false;
    clock.setTimeout(() => {
      fired = true;
    }, 60_000);
    clock.set('2026-01-01T01:00:00Z');
    expect(fired).toBe(false);
    await clock.advance(0);
    expect(fired).toBe(true);
    expect(clock.iso()).toBe('2026-01-01T01:00:00.000Z');
  });

  it('run() fires timers until the promise settles, and reports a deadlock', async () => {
    const clock = createFakeClock();
    await expect(clock.run(sleep(clock, 5000).then(() => 'done'))).resolves.toBe('done');
    await expect(clock.run(sleep(clock, 10).then(() => Promise.reject(new Error('nope'))))).rejects.toThrow('nope');
    await expect(clock.run(new Promise(() => undefined), { idleMs: 20 })).rejects.toThrow(/deadlock/);
    await expect(clock.run(sleep(clock, 10_000), { maxMs: 1000 })).rejects.toThrow(/still pending after 1000/);
  });

  it('refuses a negative advance', async () => {
    await expect(createFakeClock().advance(-1)).rejects.toThrow(/not a duration/);
  });
});

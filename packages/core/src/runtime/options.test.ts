import { definePlugin, ErrorCode, type SourceRecordInput } from '@crmkit/model';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { Hub } from '../api/hub';
import { createHub } from '../hub';
import { createMemoryStore } from '../store/memory-store';
import type { Clock } from './clock';
import { resolveHubOptions } from './options';

/** A clock that counts the timers set and not yet fired or cleared. */
function countingClock(): Clock & { pending(): number } {
  const timers = new Set<unknown>();
  let next = 0;
  return {
    now: () => Date.parse('2026-01-01T00:00:00Z'),
    setTimeout(_fn, _ms) {
      const handle = ++next;
      timers.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      timers.delete(handle);
    },
    pending: () => timers.size,
  };
}

const withWorkflow = definePlugin({
  name: 'nightly',
  version: '1.0.0',
  permissions: { read: { entities: ['person'] } },
  workflows: { sweep: { triggers: [{ manual: true }], steps: [{ name: 'one', run: () => null }] } },
});

const badRetention = { rules: [{ entity: 'person' as const, maxAgeDays: -1 }] };

describe('options are validated before anything starts', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a bad retention rule with a workflow plugin throws and leaves no timer on the Hub clock', () => {
    const clock = countingClock();
    expect(() => createHub({ clock, plugins: [withWorkflow], retention: badRetention })).toThrow(
      expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }),
    );
    expect(clock.pending()).toBe(0);
    // The same options with a good rule start the scheduler and the retention timer: the count can see them.
    const hub = createHub({
      clock,
      plugins: [withWorkflow],
      retention: { rules: [{ entity: 'person', maxAgeDays: 30 }] },
    });
    expect(clock.pending()).toBe(2);
    return hub.close();
  });

  it('leaves no runtime timer either (system clock), and the store passed in is not polled', async () => {
    vi.useFakeTimers();
    const store = createMemoryStore();
    const transaction = vi.spyOn(store, 'transaction');
    expect(() => createHub({ store, plugins: [withWorkflow], retention: badRetention })).toThrow(
      /retention\.rules\[0\]/,
    );
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(transaction).not.toHaveBeenCalled();
  });

  it('refuses bad values of every option up front', () => {
    expect(() => resolveHubOptions({ maxBatchSize: 0 })).toThrow(expect.objectContaining({ argument: 'maxBatchSize' }));
    expect(() => resolveHubOptions({ retention: { rules: [], everyMs: 10 } })).toThrow(
      expect.objectContaining({ argument: 'retention.everyMs' }),
    );
    expect(() => resolveHubOptions({ workflows: { pollMs: 0 } })).toThrow(
      expect.objectContaining({ argument: 'pollMs' }),
    );
    expect(() => resolveHubOptions({ workflows: { leaseMs: -1 } })).toThrow(
      expect.objectContaining({ argument: 'leaseMs' }),
    );
    expect(() => resolveHubOptions({ policy: { roles: 'x' } })).toThrow(
      expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }),
    );
    expect(() => resolveHubOptions({ plugins: [withWorkflow, withWorkflow] })).toThrow(
      expect.objectContaining({ code: ErrorCode.PLUGIN_INVALID }),
    );
    expect(resolveHubOptions({}).maxBatchSize).toBe(10_000);
  });
});

describe('hub.ingest is typed', () => {
  it('takes SourceRecordInput[]; a wrong shape is a compile error', async () => {
    expectTypeOf<Hub['ingest']>().parameter(0).toEqualTypeOf<readonly SourceRecordInput[]>();
    const hub = createHub();
    const at = '2026-01-01T00:00:00Z';
    // @ts-expect-error: `type` must be a record type
    const typo = hub.ingest([{ type: 'persn', source: 's', externalId: '1', observedAt: at, data: {} }]);
    await expect(typo).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
    // @ts-expect-error: `observedAt` is required
    const untimed = hub.ingest([{ type: 'person', source: 's', externalId: '1', data: {} }]);
    await expect(untimed).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
    // @ts-expect-error: not an array of records
    const notArray = hub.ingest('records');
    await expect(notArray).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    await hub.close();
  });
});

/** Helpers shared by the reactions tests. */
import { definePlugin, type Plugin, type SourceRecordInput, type Store } from '@crmkit/model';
import type { Clock } from '../runtime/clock';
import { CHECKPOINT_KIND, type CheckpointState } from './consumer';

export const T1 = '2026-03-01T10:00:00Z';

export function person(externalId: string, email: string): SourceRecordInput {
  return {
    type: 'person',
    source: 'hubspot',
    externalId,
    observedAt: T1,
    data: { givenName: `P${externalId}`, emails: [email] },
  } as SourceRecordInput;
}

/** A clock whose time moves only when told; timers fire when time passes them. */
export function manualClock(start = Date.parse(T1)) {
  let now = start;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let next = 1;
  const clock: Clock & { advance(ms: number): void; pending(): number } = {
    now: () => now,
    setTimeout(fn, ms) {
      const id = next++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...timers]) {
        if (timer.at <= now) {
          timers.delete(id);
          timer.fn();
        }
      }
    },
    pending: () => timers.size,
  };
  return clock;
}

/** A plugin whose `ingest:after` hook writes down every record key it gets, per operation. */
export function recorder(name: string, seen: string[][], fail?: () => boolean): Plugin {
  return definePlugin({
    name,
    version: '1.0.0',
    permissions: { read: { entities: ['person'], events: ['customer.merged'] } },
    hooks: {
      'ingest:after': ({ records }) => {
        if (fail?.()) throw new Error(`${name} failed`);
        seen.push(records.map((r) => r.key));
      },
    },
  });
}

export async function checkpoint(store: Store, name: string): Promise<CheckpointState | undefined> {
  const [doc] = await store.transaction((tx) => tx.getDocuments(CHECKPOINT_KIND, [name]));
  return doc?.data as unknown as CheckpointState | undefined;
}

/** A deterministic id generator (as tests use): every Hub given a new one produces the same ids. */
export function countingIds(): (prefix: string) => string {
  let n = 0;
  return (prefix) => `${prefix}_${String(++n).padStart(6, '0')}`;
}

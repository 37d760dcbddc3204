import { definePlugin, type HubEvent, InvalidArgumentError, type OutboxEvent, type Store } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHub } from '../hub';
import { createMemoryStore } from '../store/memory-store';
import {
  advance,
  CHECKPOINT_KIND,
  type CheckpointState,
  DEAD_LETTER_KIND,
  groupOperations,
  OutboxConsumer,
} from './consumer';
import { checkpoint, manualClock, person, recorder, T1 } from './reactions.test-support';

function event(seq: number, op = `e${seq}`, n = 1, origin?: string): OutboxEvent {
  return {
    id: `e${seq}`,
    seq,
    type: 'customer.created',
    at: T1,
    payload: {},
    meta: { op, n, ...(origin ? { origin } : {}) },
  };
}

describe('checkpoint arithmetic', () => {
  it('moves over handled positions, holds at a gap for the grace period, then passes the whole hole', () => {
    const start: CheckpointState = { seq: 10, done: [] };
    // 11 handled, 12 and 13 missing, 14 handled: the checkpoint holds at 11, 14 waits in the inbox.
    const held = advance(start, [11, 14], new Set([11, 14]), 1000, 500);
    expect(held).toEqual({ seq: 11, done: [14], gap: { seq: 12, since: 1000 } });
    // 12 committed late (a slow transaction): it is read and handled; 13 is still missing.
    const late = advance(held, [12], new Set([12, 14]), 1200, 500);
    expect(late).toEqual({ seq: 12, done: [14], gap: { seq: 13, since: 1200 } });
    expect(advance(late, [], new Set([14]), 1600, 500)).toMatchObject({ seq: 12, done: [14] });
    // 13 never came (rolled back): after the grace period the checkpoint passes it.
    expect(advance(late, [], new Set([14]), 1700, 500)).toEqual({ seq: 14, done: [] });
    // Nothing above: nothing to wait for.
    expect(advance(start, [], new Set(), 5000, 0)).toEqual({ seq: 10, done: [] });
  });

  it('groups events by operation and leaves an operation cut off by the page for later', () => {
    const events = [event(1, 'a', 2), event(2, 'a', 2), event(3, 'b', 1), event(4, 'c', 3), event(5, 'c', 3)];
    const { operations, incomplete } = groupOperations(events, new Set([3]));
    expect(operations.map((op) => [op.id, op.events.map((e) => e.seq)])).toEqual([['a', [1, 2]]]);
    expect(incomplete).toMatchObject({ after: 5, missing: 1 });
  });
});

describe('plugin after-hooks from the outbox', () => {
  it('a writer without delivery commits; another Hub on the store delivers each operation once', async () => {
    const store = createMemoryStore();
    const writerSeen: string[][] = [];
    const writer = createHub({ store, plugins: [recorder('rec', writerSeen)], reactions: { deliver: false } });
    await writer.ingest([person('1', 'a@example.com'), person('2', 'b@example.com')]);
    await writer.ingest([person('3', 'c@example.com')]);
    expect(writerSeen).toEqual([]);

    const seen: string[][] = [];
    const deliverer = createHub({ store, plugins: [recorder('rec', seen)] });
    await deliverer.idle();
    expect(seen).toEqual([['hubspot/person/1', 'hubspot/person/2'], ['hubspot/person/3']]);
    // A third process (a restart) finds nothing left to do.
    const again: string[][] = [];
    const restarted = createHub({ store, plugins: [recorder('rec', again)] });
    await restarted.idle();
    expect(again).toEqual([]);
    expect(await checkpoint(store, 'plugin:rec')).toMatchObject({ done: [] });
  });

  it('by default an ingest resolves after its own hooks ran (as before), and hub.idle() waits for the rest', async () => {
    const seen: string[][] = [];
    const hub = createHub({ plugins: [recorder('rec', seen)] });
    await hub.ingest([person('1', 'a@example.com')]);
    expect(seen).toEqual([['hubspot/person/1']]);
    await hub.idle();
    expect(seen).toHaveLength(1);
    await hub.close();
  });

  it('a plugin installed on a store with history starts at the head of the outbox', async () => {
    const store = createMemoryStore();
    const plain = createHub({ store });
    await plain.ingest([person('1', 'a@example.com')]);
    const seen: string[][] = [];
    const hub = createHub({ store, plugins: [recorder('rec', seen)] });
    await hub.idle();
    expect(seen).toEqual([]);
    await hub.ingest([person('2', 'b@example.com')]);
    expect(seen).toEqual([['hubspot/person/2']]);
  });

  it("skips redacted events: an erased person's records never reach a hook delivered after the erasure", async () => {
    const store = createMemoryStore();
    const writer = createHub({ store, plugins: [recorder('rec', [])], reactions: { deliver: false } });
    const { customerIds } = await writer.ingest([person('1', 'a@example.com')]);
    await writer.ingest([person('2', 'b@example.com')]);
    await writer.gdpr.erase(customerIds[0]!);
    const seen: string[][] = [];
    const hub = createHub({ store, plugins: [recorder('rec', seen)] });
    await hub.idle();
    expect(seen.flat()).toEqual(['hubspot/person/2']);
  });

  it('a throwing hook is reported once and dead-lettered by default; other plugins still get the event', async () => {
    const store = createMemoryStore();
    const errors: { message: string; plugin?: string; hook?: string }[] = [];
    const good: string[][] = [];
    const hub = createHub({
      store,
      plugins: [recorder('bad', [], () => true), recorder('good', good)],
      onPluginError: (error, info) =>
        errors.push({
          message: (error as Error).message,
          ...(info.plugin ? { plugin: info.plugin } : {}),
          ...(info.hook ? { hook: info.hook } : {}),
        }),
    });
    await hub.ingest([person('1', 'a@example.com')]);
    await hub.ingest([person('2', 'b@example.com')]);
    expect(good).toEqual([['hubspot/person/1'], ['hubspot/person/2']]);
    expect(errors).toEqual([
      { message: 'bad failed', plugin: 'bad', hook: 'ingest:after' },
      { message: 'bad failed', plugin: 'bad', hook: 'ingest:after' },
    ]);
    const dead = await store.transaction((tx) => tx.listDocuments(DEAD_LETTER_KIND, { limit: 10 }));
    expect(dead.map((d) => d.ref)).toEqual(['plugin:bad', 'plugin:bad']);
    expect(dead[0]!.data).toMatchObject({ consumer: 'plugin:bad', attempts: 1, error: { message: 'bad failed' } });
    expect((await checkpoint(store, 'plugin:bad'))?.done).toEqual([]);
  });

  it('with maxAttempts a failing hook is retried and delivered once it succeeds, with no dead letter', async () => {
    const store = createMemoryStore();
    let failures = 2;
    const seen: string[][] = [];
    const errors: unknown[] = [];
    const hub = createHub({
      store,
      plugins: [recorder('flaky', seen, () => failures-- > 0)],
      reactions: { maxAttempts: 3 },
      onPluginError: (error) => errors.push(error),
    });
    await hub.ingest([person('1', 'a@example.com')]);
    expect(seen).toEqual([['hubspot/person/1']]);
    expect(errors).toHaveLength(2);
    expect(await store.transaction((tx) => tx.listDocuments(DEAD_LETTER_KIND, { limit: 10 }))).toEqual([]);
  });

  it('a plugin does not see its own writes (origin is kept in the outbox)', async () => {
    const seen: string[][] = [];
    const echo = definePlugin({
      name: 'echo',
      version: '1.0.0',
      permissions: { read: { entities: ['person'] }, write: { entities: ['person'] } },
      commands: {
        add: {
          input: z.object({ id: z.string() }),
          run: async ({ id }, context) => {
            await context.ingest([{ ...person(id, `${id}@example.com`), source: undefined } as never]);
          },
        },
      },
      hooks: {
        'ingest:after': ({ records }) => {
          seen.push(records.map((r) => r.key));
        },
      },
    });
    const other: string[][] = [];
    const store = createMemoryStore();
    const hub = createHub({ store, plugins: [echo, recorder('other', other)] });
    await hub.ingest([person('1', 'a@example.com')]);
    await hub.commands.run('echo.add', { id: '2' });
    await hub.idle();
    const outbox = await hub.outbox({ limit: 100 });
    const first = outbox.filter((e) => e.meta?.op === outbox[0]!.id);
    expect(first.every((e) => e.meta?.n === first.length && e.meta.origin === undefined)).toBe(true);
    expect(outbox.at(-1)!.meta?.origin).toBe('echo');
    expect(seen).toEqual([['hubspot/person/1']]);
    expect(other).toEqual([['hubspot/person/1'], ['plugin:echo/person/2']]);
  });
});

describe('cost', () => {
  it('operations without a matching hook are recorded together, without a transaction each', async () => {
    const memory = createMemoryStore();
    let transactions = 0;
    const store: Store = {
      ...memory,
      transaction: (fn, options) => {
        transactions++;
        return memory.transaction(fn, options);
      },
    };
    const merges: unknown[] = [];
    const mergeWatcher = definePlugin({
      name: 'merges',
      version: '1.0.0',
      permissions: { read: { entities: ['person'], events: ['customer.merged'] } },
      hooks: {
        'merge:after': (payload) => {
          merges.push(payload);
        },
      },
    });
    const writer = createHub({ store, plugins: [mergeWatcher], reactions: { deliver: false } });
    for (let i = 0; i < 6; i++) await writer.ingest([person(String(i), `p${i}@example.com`)]);
    const hub = createHub({ store, plugins: [mergeWatcher] });
    transactions = 0;
    await hub.idle();
    expect(merges).toEqual([]);
    // Claim, one record for all six operations, then a round that finds nothing; a transaction per operation would
    // make it 8.
    expect(transactions).toBe(3);
    const outbox = await hub.outbox({ limit: 100 });
    expect((await checkpoint(store, 'plugin:merges'))?.seq).toBe(outbox.at(-1)!.seq);
  });
});

describe('leases', () => {
  it('a dead holder blocks a consumer only until its lease expires; then another process takes over', async () => {
    const memory = createMemoryStore();
    const store: Store = { ...memory, transaction: memory.transaction, close: async () => {} };
    const clock = manualClock();
    const writer = createHub({ store, clock, plugins: [recorder('rec', [])], reactions: { deliver: false } });
    await writer.ingest([person('1', 'a@example.com')]);
    // A process that died while delivering: its lease runs for another 5 s.
    await store.transaction(async (tx) => {
      const [doc] = await tx.getDocuments(CHECKPOINT_KIND, ['plugin:rec']);
      await tx.putDocument({
        ...doc!,
        data: { ...(doc!.data as object), holder: 'dead', leaseUntil: clock.now() + 5000 },
      });
    });
    const seen: string[][] = [];
    const hub = createHub({ store, clock, plugins: [recorder('rec', seen)], reactions: { pollMs: 1000 } });
    let idle = false;
    const waiting = hub.idle().then(() => {
      idle = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual([]);
    expect(idle).toBe(false);
    for (let i = 0; i < 6 && !idle; i++) {
      clock.advance(1000);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waiting;
    expect(seen).toEqual([['hubspot/person/1']]);
    // Caught up: the lease is given up, so another process can go on at once.
    expect((await checkpoint(store, 'plugin:rec'))?.holder).toBeUndefined();
    expect(clock.pending()).toBe(1); // the poll
    await hub.close();
    expect(clock.pending()).toBe(0);
  });

  it('two processes delivering at once deliver each operation once', async () => {
    const store = createMemoryStore();
    const writer = createHub({ store, plugins: [recorder('rec', [])], reactions: { deliver: false } });
    for (let i = 0; i < 8; i++) await writer.ingest([person(String(i), `p${i}@example.com`)]);
    const seen: string[][] = [];
    const options = { store, plugins: [recorder('rec', seen)], reactions: { pollMs: 5, batchSize: 2 } };
    const a = createHub(options);
    const b = createHub(options);
    await Promise.all([a.idle(), b.idle()]);
    expect(seen.flat().sort()).toEqual(Array.from({ length: 8 }, (_, i) => `hubspot/person/${i}`).sort());
    await Promise.all([a.close(), b.close()]);
  });
});

describe('the outbox consumer', () => {
  it('delivers late events past a gap through the inbox, once, and waits the grace period before passing a gap', async () => {
    const store = createMemoryStore();
    await store.transaction((tx) => tx.appendOutbox([event(1), event(2), event(3), event(4)]));
    const hidden = new Set([2]);
    // A store whose transaction with seq 2 has not committed yet: it lists 1, 3, 4.
    const lagging: Store = {
      ...store,
      transaction: (fn, options) =>
        store.transaction(
          (tx) =>
            fn({
              ...tx,
              listOutbox: async (o) => (await tx.listOutbox(o)).filter((e) => !hidden.has(e.seq ?? 0)),
            } as typeof tx),
          options,
        ),
    };
    const clock = manualClock();
    const handled: string[] = [];
    await store.transaction((tx) =>
      tx.putDocument({ kind: CHECKPOINT_KIND, id: 'c', ref: null, data: { seq: 0, done: [] }, updatedAt: T1 }),
    );
    const consumer = new OutboxConsumer(
      {
        name: 'c',
        deliver: async (op) => {
          handled.push(...op.events.map((e) => e.id));
        },
      },
      {
        store: lagging,
        clock,
        holder: 'me',
        leaseMs: 10_000,
        batchSize: 10,
        gapGraceMs: 500,
        maxAttempts: 1,
        onError: () => {},
      },
      () => false,
    );
    while ((await consumer.round()) === 'progress') {}
    expect(handled).toEqual(['e1', 'e3', 'e4']);
    expect(await checkpoint(store, 'c')).toMatchObject({ seq: 1, done: [3, 4], gap: { seq: 2 } });
    hidden.clear(); // seq 2 commits
    while ((await consumer.round()) === 'progress') {}
    expect(handled).toEqual(['e1', 'e3', 'e4', 'e2']);
    expect(await checkpoint(store, 'c')).toMatchObject({ seq: 4, done: [] });

    // A gap that never fills (a rolled-back transaction): passed after the grace period, nothing repeated.
    await store.transaction((tx) => tx.appendOutbox([event(5), event(6)]));
    hidden.add(5);
    while ((await consumer.round()) === 'progress') {}
    expect(await checkpoint(store, 'c')).toMatchObject({ seq: 4, done: [6] });
    clock.advance(600);
    await consumer.round();
    expect(await checkpoint(store, 'c')).toMatchObject({ seq: 6, done: [] });
    expect(handled).toEqual(['e1', 'e3', 'e4', 'e2', 'e6']);
  });
});

describe('durable listeners', () => {
  it('get every event once, in outbox order, across restarts, and only the types asked for', async () => {
    const memory = createMemoryStore();
    const store: Store = { ...memory, transaction: memory.transaction, close: async () => {} };
    const got: HubEvent[] = [];
    const hub = createHub({ store });
    hub.subscribe('audit-copy', (e) => {
      got.push(e);
    });
    await hub.ingest([person('1', 'a@example.com')]);
    await hub.ingest([person('2', 'a@example.com')]);
    const outbox = await hub.outbox({ limit: 100 });
    expect(got.map((e) => e.id)).toEqual(outbox.map((e) => e.id));
    await hub.close();

    const restarted = createHub({ store });
    const later: HubEvent[] = [];
    restarted.subscribe(
      'audit-copy',
      (e) => {
        later.push(e);
      },
      { types: ['record.ingested'] },
    );
    await restarted.idle();
    expect(later).toEqual([]);
    await restarted.ingest([person('3', 'c@example.com')]);
    expect(later.map((e) => e.type)).toEqual(['record.ingested']);
  });

  it('refuse bad arguments and a second listener of one name with typed errors', () => {
    const hub = createHub();
    expect(() => hub.subscribe('', () => {})).toThrow(InvalidArgumentError);
    expect(() => hub.subscribe('x', 1 as never)).toThrow(InvalidArgumentError);
    const off = hub.subscribe('x', () => {});
    expect(() => hub.subscribe('x', () => {})).toThrow(/subscribed already/);
    off();
    expect(() => hub.subscribe('x', () => {})).not.toThrow();
  });
});

describe('event-triggered workflow runs', () => {
  const welcome = (runs: string[]) =>
    definePlugin({
      name: 'welcome',
      version: '1.0.0',
      permissions: { read: { entities: ['person'], events: ['customer.created'] } },
      workflows: {
        greet: {
          triggers: [{ event: 'customer.created' }],
          steps: [
            {
              name: 'note',
              run: (input) => {
                runs.push(JSON.stringify(input).slice(0, 20));
                return null;
              },
            },
          ],
        },
      },
    });

  it('are created by the process that delivers, once, even when the writer does not deliver', async () => {
    const store = createMemoryStore();
    const writer = createHub({
      store,
      plugins: [welcome([])],
      reactions: { deliver: false },
      workflows: { scheduler: false },
    });
    await writer.ingest([person('1', 'a@example.com')]);
    expect(await writer.workflows.list()).toEqual([]);
    const executed: string[] = [];
    const a = createHub({ store, plugins: [welcome(executed)], workflows: { scheduler: false } });
    const b = createHub({ store, plugins: [welcome(executed)], workflows: { scheduler: false } });
    await Promise.all([a.idle(), b.idle()]);
    await Promise.all([a.workflows.idle(), b.workflows.idle()]);
    const runs = await a.workflows.list();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ workflow: 'welcome.greet', status: 'completed' });
    expect(executed).toHaveLength(1);
  });
});

describe('options', () => {
  it.each([
    [{ pollMs: 0 }, 'reactions.pollMs'],
    [{ leaseMs: 1.5 }, 'reactions.leaseMs'],
    [{ batchSize: -1 }, 'reactions.batchSize'],
    [{ maxAttempts: 0 }, 'reactions.maxAttempts'],
    [{ gapGraceMs: -1 }, 'reactions.gapGraceMs'],
    [{ deliver: 'no' }, 'reactions.deliver'],
    [{ holderId: '' }, 'reactions.holderId'],
    ['fast', 'reactions'],
  ])('refuses %j with INVALID_ARGUMENT at %s', (reactions, argument) => {
    const error = (() => {
      try {
        createHub({ reactions: reactions as never });
      } catch (e) {
        return e;
      }
    })();
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', argument });
  });
});

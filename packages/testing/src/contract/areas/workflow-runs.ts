/** Store contract cases: workflow runs (leases, versions, listing). */

import { expect } from 'vitest';
import type { WorkflowRun } from '@crmkit/model';
import { fullWorkflowRun, idsOf, rejectionOf, T1, T2, workflowRun } from '../fixtures';
import { type AddCase, byIdCursor, cursorsPaged, isOrWrapsA, Rollback } from './shared';

/** Adds the cases about workflow runs (leases, versions, listing) to the suite. */
export function workflowRunCases(add: AddCase): void {
  // ---------------------------------------------------------------- workflow runs
  add('workflow runs', 'round-trips runs with and without the optional fields, exactly', async (store) => {
    const minimal = workflowRun('wr1');
    const full = fullWorkflowRun('wr2');
    const manual = workflowRun('wr3', { trigger: { kind: 'manual' }, input: null });
    await store.transaction(async (tx) => {
      await tx.putWorkflowRun(full);
      await tx.putWorkflowRun(minimal);
      await tx.putWorkflowRun(manual);
    });
    await store.transaction(async (tx) => {
      // toStrictEqual: an optional field left out must come back left out (not as undefined or null).
      expect(await tx.getWorkflowRun('wr1')).toStrictEqual(minimal);
      expect(await tx.getWorkflowRun('wr2')).toStrictEqual(full);
      expect(await tx.getWorkflowRun('wr3')).toStrictEqual(manual);
      expect(Object.keys((await tx.getWorkflowRun('wr1'))!).sort()).toEqual(Object.keys(minimal).sort());
      expect(await tx.getWorkflowRun('missing')).toBeUndefined();
      expect(await tx.listWorkflowRuns({ limit: 10 })).toStrictEqual([minimal, full, manual]);
    });
  });

  add(
    'workflow runs',
    'replaces a run by id on every write, dropping fields the new version leaves out',
    async (store) => {
      const pending = workflowRun('wr1');
      await store.transaction((tx) => tx.putWorkflowRun(pending));
      const running: WorkflowRun = {
        ...pending,
        status: 'running',
        step: 1,
        attempt: 2,
        results: { fetch: { rows: 3 } },
        completed: ['fetch'],
        history: [
          { at: T1, step: 'fetch', action: 'completed', attempt: 1 },
          { at: T2, step: 'push', action: 'failed', attempt: 1, error: { code: 'E', message: 'down' } },
        ],
        error: { code: 'E', message: 'down', step: 'push' },
        notBefore: T2,
        leaseOwner: 'worker-1',
        leaseUntil: T2,
        updatedAt: T2,
        version: 2,
      };
      await store.transaction((tx) => tx.putWorkflowRun(running));
      expect(await store.transaction((tx) => tx.getWorkflowRun('wr1'))).toStrictEqual(running);
      const { error: _error, notBefore: _notBefore, leaseOwner: _owner, leaseUntil: _until, ...rest } = running;
      const completed: WorkflowRun = {
        ...rest,
        status: 'completed',
        step: 2,
        attempt: 0,
        completed: ['fetch', 'push'],
        finishedAt: T2,
        version: 3,
      };
      await store.transaction((tx) => tx.putWorkflowRun(completed));
      await store.transaction(async (tx) => {
        expect(await tx.getWorkflowRun('wr1')).toStrictEqual(completed);
        expect(await tx.listWorkflowRuns({ limit: 10 })).toStrictEqual([completed]);
        expect(await tx.listWorkflowRuns({ limit: 10, status: ['running'] })).toEqual([]);
        expect(await tx.listWorkflowRuns({ limit: 10, status: ['completed'] })).toStrictEqual([completed]);
      });
      // Idempotent: the same write twice leaves one run.
      await store.transaction(async (tx) => {
        await tx.putWorkflowRun(completed);
        await tx.putWorkflowRun(completed);
      });
      expect(await store.transaction((tx) => tx.listWorkflowRuns({ limit: 10 }))).toStrictEqual([completed]);
    },
  );

  add(
    'workflow runs',
    'lists runs ordered by id with after, limit, any of several statuses and a workflow',
    async (store) => {
      const specs: [string, WorkflowRun['status'], string][] = [
        ['wr_05', 'running', 'acme.sync'],
        ['wr_01', 'pending', 'acme.sync'],
        ['wr_10', 'failed', 'acme.notify'],
        ['wr_03', 'pending', 'acme.notify'],
        ['wr_07', 'completed', 'acme.sync'],
        ['wr_02', 'compensating', 'acme.sync'],
        ['wr_04', 'running', 'acme.notify'],
        ['wr_06', 'compensated', 'acme.sync'],
      ];
      const runs = specs.map(([id, status, workflow]) => workflowRun(id, { status, workflow }));
      await store.transaction(async (tx) => {
        for (const run of runs) await tx.putWorkflowRun(run);
      });
      const sorted = [...runs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      await store.transaction(async (tx) => {
        expect(await tx.listWorkflowRuns({ limit: 100 })).toEqual(sorted);
        expect(idsOf(await tx.listWorkflowRuns({ limit: 2 }))).toEqual(['wr_01', 'wr_02']);
        expect(idsOf(await tx.listWorkflowRuns({ limit: 2, after: 'wr_02' }))).toEqual(['wr_03', 'wr_04']);
        expect(idsOf(await tx.listWorkflowRuns({ limit: 100, after: 'wr_065' }))).toEqual(['wr_07', 'wr_10']);
        expect(idsOf(await tx.listWorkflowRuns({ limit: 100, after: 'wr_10' }))).toEqual([]);
        expect(idsOf(await tx.listWorkflowRuns({ limit: 0 }))).toEqual([]);
        expect(idsOf(await tx.listWorkflowRuns({ limit: 100, status: ['pending'] }))).toEqual(['wr_01', 'wr_03']);
        expect(idsOf(await tx.listWorkflowRuns({ limit: 100, status: ['running', 'pending'] }))).toEqual([
          'wr_01',
          'wr_03',
          'wr_04',
          'wr_05',
        ]);
        expect(
          idsOf(
            await tx.listWorkflowRuns({ limit: 2, status: ['running', 'pending', 'compensating'], after: 'wr_01' }),
          ),
        ).toEqual(['wr_02', 'wr_03']);
        expect(idsOf(await tx.listWorkflowRuns({ limit: 100, workflow: 'acme.notify' }))).toEqual([
          'wr_03',
          'wr_04',
          'wr_10',
        ]);
        expect(
          idsOf(await tx.listWorkflowRuns({ limit: 100, workflow: 'acme.sync', status: ['running', 'compensated'] })),
        ).toEqual(['wr_05', 'wr_06']);
        expect(
          idsOf(
            await tx.listWorkflowRuns({
              limit: 1,
              workflow: 'acme.sync',
              status: ['running', 'compensated'],
              after: 'wr_05',
            }),
          ),
        ).toEqual(['wr_06']);
        expect(await tx.listWorkflowRuns({ limit: 100, workflow: 'acme.none' })).toEqual([]);
        expect(await tx.listWorkflowRuns({ limit: 100, workflow: 'acme.notify', status: ['completed'] })).toEqual([]);
      });
    },
  );

  add('workflow runs', 'pages through many runs with a cursor, seeing every run exactly once', async (store) => {
    const count = 61;
    const statuses = ['pending', 'running', 'failed'] as const;
    const ids = Array.from({ length: count }, (_, i) => `wr${String((i * 17) % count).padStart(3, '0')}`);
    const statusOf = (id: string) => statuses[Number(id.slice(2)) % 3]!;
    const workflowOf = (id: string) => (Number(id.slice(2)) % 2 === 0 ? 'acme.sync' : 'acme.notify');
    await store.transaction(async (tx) => {
      for (const id of ids)
        await tx.putWorkflowRun(workflowRun(id, { status: statusOf(id), workflow: workflowOf(id) }));
    });
    const page = (limit: number, filter: { status?: WorkflowRun['status'][]; workflow?: string } = {}) =>
      cursorsPaged(store, limit, (tx, request) => tx.listWorkflowRuns({ ...request, ...filter }), byIdCursor);
    const sorted = [...ids].sort();
    expect(await page(10)).toEqual(sorted);
    expect(await page(count)).toEqual(sorted);
    expect(await page(4, { status: ['pending', 'failed'] })).toEqual(sorted.filter((id) => statusOf(id) !== 'running'));
    expect(await page(3, { workflow: 'acme.sync', status: ['running'] })).toEqual(
      sorted.filter((id) => workflowOf(id) === 'acme.sync' && statusOf(id) === 'running'),
    );
  });

  add('workflow runs', 'sees its own run writes; a rollback leaves nothing behind', async (store) => {
    const kept = workflowRun('wr1');
    await store.transaction((tx) => tx.putWorkflowRun(kept));
    const error = await rejectionOf(
      store.transaction(async (tx) => {
        const advanced = fullWorkflowRun('wr1', { workflow: 'acme.sync', status: 'running', version: 2 });
        const added = workflowRun('wr2', { status: 'running' });
        await tx.putWorkflowRun(advanced);
        await tx.putWorkflowRun(added);
        expect(await tx.getWorkflowRun('wr1')).toStrictEqual(advanced);
        expect(await tx.listWorkflowRuns({ limit: 10, status: ['running'] })).toStrictEqual([advanced, added]);
        throw new Rollback();
      }),
    );
    expect(isOrWrapsA(error, Rollback), String(error)).toBe(true);
    await store.transaction(async (tx) => {
      expect(await tx.getWorkflowRun('wr1')).toStrictEqual(kept);
      expect(await tx.getWorkflowRun('wr2')).toBeUndefined();
      expect(await tx.listWorkflowRuns({ limit: 10 })).toStrictEqual([kept]);
      expect(await tx.listWorkflowRuns({ limit: 10, status: ['running'] })).toEqual([]);
    });
  });
}

import { definePlugin, PermissionDeniedError, type SourceRecordInput, ValidationError } from '@crmkit/model';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createFakeClock } from './index';
import {
  createPluginHarness,
  expectCrmkitError,
  expectPermissionDenied,
  HarnessAssertionError,
  type PluginHarness,
} from './plugin-harness';

const T = '2026-01-01T00:00:00Z';
const person = (externalId: string, data: Record<string, unknown>): SourceRecordInput =>
  ({ type: 'person', source: 'crm', externalId, observedAt: T, data }) as SourceRecordInput;

describe('createPluginHarness', () => {
  let harness: PluginHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('drives a retrying workflow on the fake clock and collects plugin errors', async () => {
    let attempts = 0;
    const flaky = definePlugin({
      name: 'flaky',
      version: '1.0.0',
      fields: { person: { greeted: z.boolean() } },
      permissions: { read: { entities: ['person'], events: ['customer.created'] } },
      hooks: {
        'ingest:before': () => {
          throw new Error('hook failed');
        },
      },
      workflows: {
        greet: {
          triggers: [
            {
              event: 'customer.created',
              input: (event) => (event.payload as { customer: { id: string } }).customer.id,
            },
          ],
          steps: [
            {
              name: 'greet',
              backoffMs: 5_000, // waits inline (under half the lease), on the fake clock
              run: async ({ input, plugin, attempt }) => {
                attempts = attempt;
                if (attempt < 3) throw new Error(`attempt ${attempt} failed`);
                await plugin.setFields(String(input), { greeted: true });
                return plugin.now();
              },
            },
          ],
        },
      },
    });
    harness = createPluginHarness({ plugins: [flaky] });
    await harness.ingest([{ type: 'person', source: 'crm', externalId: '1', data: { givenName: 'Ada' } }]);
    const claimed = await harness.runWorkflows();
    expect(claimed).toBe(0); // the run was started by the ingest itself; runWorkflows waited for it
    const [run] = await harness.runs('flaky.greet');
    expect(run).toMatchObject({ status: 'completed' });
    expect(attempts).toBe(3);
    // Two backoffs of 5 s and 10 s on the fake clock, no real waiting.
    expect(run!.results.greet).toBe('2026-01-01T00:00:15.000Z');
    const [ada] = (await harness.hub.list()).items;
    expect(ada!.golden.fields['attributes.flaky.greeted']?.value).toBe(true);
    expect(ada!.golden.sources[0]?.observedAt).toBe('2026-01-01T00:00:00.000Z'); // observedAt from the clock
    expect(harness.errors.map((e) => [(e.error as Error).message, e.info.plugin, e.info.hook])).toEqual([
      ['hook failed', 'flaky', 'ingest:before'],
    ]);
    expect(harness.events.map((e) => e.type)).toContain('customer.created');
  });

  it('advance() moves time and works runs that fell due', async () => {
    const plugin = definePlugin({
      name: 'later',
      version: '1.0.0',
      workflows: {
        wait: {
          triggers: [{ manual: true }],
          steps: [
            {
              name: 'once',
              retries: 1,
              backoffMs: 3_600_000, // longer than half the lease: the run is released and waits for runDue
              run: ({ attempt }) => {
                if (attempt === 1) throw new Error('not yet');
                return 'ok';
              },
            },
          ],
        },
      },
    });
    harness = createPluginHarness({ plugins: [plugin] });
    const id = await harness.hub.workflows.start('later.wait');
    await harness.runWorkflows();
    expect((await harness.hub.workflows.get(id))?.status).toBe('running');
    expect(await harness.advance(3_600_000)).toBe(1);
    expect((await harness.hub.workflows.get(id))?.status).toBe('completed');
  });

  it('gives plugins their scoped context; the harness uses the clock for now()', async () => {
    const reader = definePlugin({
      name: 'reader',
      version: '1.0.0',
      permissions: { read: { entities: ['person'], fields: ['givenName'] } },
    });
    harness = createPluginHarness({ plugins: [reader], clock: createFakeClock('2026-05-05T05:05:05Z') });
    await harness.hub.ingest([person('1', { givenName: 'Ada', familyName: 'L', emails: ['ada@example.com'] })]);
    const context = harness.context('reader');
    expect(context.now()).toBe('2026-05-05T05:05:05.000Z');
    const [ada] = (await harness.hub.list()).items;
    expect(Object.keys((await context.getCustomer(ada!.id))!.golden.fields)).toEqual(['givenName']);
  });
});

describe('expectCrmkitError and expectPermissionDenied', () => {
  const denied = () =>
    Promise.reject(new PermissionDeniedError({ actor: 'plugin:x', operation: 'write', path: 'attributes.y' }));

  it('return the error when it matches', async () => {
    const error = await expectPermissionDenied(denied(), { path: 'attributes.y', operation: 'write' });
    expect(error.actor).toBe('plugin:x');
    await expect(expectCrmkitError(denied, 'PERMISSION_DENIED')).resolves.toBeInstanceOf(Error);
  });

  it('throw a HarnessAssertionError otherwise', async () => {
    await expect(expectPermissionDenied(Promise.resolve(1))).rejects.toThrow(/succeeded/);
    await expect(expectPermissionDenied(denied(), { path: 'attributes.z' })).rejects.toThrow(
      /path "attributes.z", got "attributes.y"/,
    );
    await expect(expectPermissionDenied(Promise.reject(new TypeError('x')))).rejects.toBeInstanceOf(
      HarnessAssertionError,
    );
    const invalid = Promise.reject(new ValidationError({ message: 'bad', issues: [] }));
    await expect(expectPermissionDenied(invalid)).rejects.toThrow(/got ValidationError \(VALIDATION_FAILED\)/);
  });
});

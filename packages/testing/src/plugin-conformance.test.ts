import { definePlugin, type Plugin, type SourceRecordInput } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkPluginConformance, describePluginConformance, pluginConformanceProbes } from './plugin-conformance';

const base = definePlugin({
  name: 'base',
  version: '1.4.0',
  fields: { organization: { tier: z.enum(['gold', 'silver']) } },
  permissions: { read: { entities: ['organization'] } },
});

/** A plugin that uses every part of the contract and stays inside its grant. */
const good = definePlugin({
  name: 'good',
  version: '2.0.0-beta.1',
  department: 'service',
  dependsOn: { base: '^1.2.0' },
  fields: { person: { score: z.number().int() }, interaction: { mood: z.enum(['happy', 'sad']) } },
  activityTypes: { ping: { schema: z.object({ level: z.number() }) } },
  permissions: {
    read: {
      entities: ['person', 'organization', 'interaction', 'group'],
      fields: ['givenName', 'attributes.base.*'],
      events: ['customer.created', 'interaction.recorded'],
    },
    write: { entities: ['interaction'] },
  },
  hooks: {
    'interaction:before': ({ records }) => ({
      payload: {
        records: records.map((r) => ({
          ...r,
          data: {
            ...(r.data as object),
            attributes: { ...(r.data as { attributes?: object }).attributes, good: { mood: 'happy' } },
          },
        })) as SourceRecordInput[],
      },
    }),
    'interaction:after': () => undefined,
  },
  workflows: {
    score: {
      triggers: [
        {
          event: 'customer.created',
          input: (event) => (event.payload as { customer: { id: string; kind: string } }).customer,
        },
      ],
      steps: [
        {
          name: 'score',
          run: async ({ input, plugin }) => {
            const customer = input as { id: string; kind: string };
            if (customer.kind === 'person') await plugin.setFields(customer.id, { score: 1 });
            return null;
          },
        },
      ],
    },
  },
  commands: {
    hello: { input: z.object({ name: z.string() }), run: ({ name }) => `hello ${name}` },
    anything: { input: z.unknown(), run: () => 'accepted' },
  },
});

describePluginConformance(good, {
  dependencies: [base],
  sample: {
    customers: [
      {
        type: 'organization',
        source: 'erp',
        externalId: 'acme',
        observedAt: '2026-01-01T00:00:00Z',
        data: { name: 'Acme', attributes: { base: { tier: 'gold' } } },
      },
    ],
  },
});

describePluginConformance(base);

async function problemsOf(plugin: Plugin, dependencies: Plugin[] = []): Promise<Record<string, string[]>> {
  const results = await checkPluginConformance(plugin, { dependencies });
  return Object.fromEntries(results.filter((r) => r.problems.length > 0).map((r) => [r.probe, r.problems]));
}

const probe = (fragment: string) => {
  const found = pluginConformanceProbes.find((p) => p.name.includes(fragment));
  if (!found) throw new Error(`no probe "${fragment}"`);
  return found.name;
};

describe('the conformance probes', () => {
  it('find nothing wrong with a well-behaved plugin', async () => {
    expect(await problemsOf(good, [base])).toEqual({});
  });

  it('report a bad manifest, and every probe that needs a Hub reports that it does not load', async () => {
    const bad = { ...base, name: 'Bad Name', version: 'one', specificationVersion: 'v2' } as unknown as Plugin;
    const problems = await problemsOf(bad);
    expect(problems[probe('manifest')]).toEqual([
      'specificationVersion is "v2", expected "v1"',
      expect.stringMatching(/^name "Bad Name" does not match/),
      'version "one" is not a semver version',
    ]);
    expect(problems[probe('loads with')]).toEqual([expect.stringMatching(/^does not load with its dependencies/)]);
    expect(problems[probe('namespace it was not granted')]).toEqual([
      expect.stringMatching(/^does not load with its dependencies: PLUGIN_INVALID: .*refused at name/),
    ]);
  });

  it('report a dependency the suite was not given', async () => {
    const problems = await problemsOf(good);
    expect(problems[probe('manifest')]).toEqual(['depends on "base", but the suite was given no such dependency']);
    expect(problems[probe('loads with')]).toEqual([expect.stringMatching(/unknown dependency "base"/)]);
  });

  it('report hooks that fail on the sample, and commands whose schema throws', async () => {
    const fragile = definePlugin({
      name: 'fragile',
      version: '1.0.0',
      permissions: { read: { entities: ['person'] } },
      hooks: {
        'ingest:before': ({ records }) => {
          if (records.some((r) => r.type === 'person')) throw new Error('cannot handle people');
          return undefined;
        },
      },
      commands: {
        trim: {
          input: z.preprocess((value) => (value as { text: string }).text.trim(), z.string()),
          run: (text) => text,
        },
      },
    });
    const problems = await problemsOf(fragile);
    expect(problems[probe('sample')]).toEqual([
      'reported a plugin error (fragile ingest:before): Error: cannot handle people',
    ]);
    expect(problems[probe('command input')]).toEqual([
      expect.stringMatching(/^command "trim": its input schema throws on undefined: TypeError/),
      expect.stringMatching(/^command "trim": its input schema throws on \{\}: TypeError/),
      expect.stringMatching(/^command "trim": its input schema throws on 42: TypeError/),
    ]);
  });

  it('report workflows without triggers or with duplicate step names', async () => {
    const sloppy = {
      ...definePlugin({ name: 'sloppy', version: '1.0.0' }),
      workflows: {
        empty: { triggers: [], steps: [] },
        twice: {
          triggers: [{ manual: true }],
          steps: [
            { name: 'a', run: () => null },
            { name: 'a', run: () => null },
          ],
        },
      },
    } as unknown as Plugin;
    const problems = await problemsOf(sloppy);
    expect(problems[probe('workflows with triggers')]).toEqual([
      'workflow "empty" has no trigger',
      'workflow "empty" has no step',
      'workflow "twice" has two steps named "a"',
    ]);
    // The Hub refuses such a plugin at start, so the other probes report that it does not load.
    expect(problems[probe('loads with')]).toEqual([expect.stringMatching(/PLUGIN_INVALID/)]);
  });
});

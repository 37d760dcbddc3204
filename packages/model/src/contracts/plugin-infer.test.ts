import { describe, expect, it } from 'vitest';
import { definePlugin, type Plugin } from './plugin';

describe('definePlugin', () => {
  it('fills in the contract version and keeps the manifest as given', () => {
    const plugin = definePlugin({ name: 'x', version: '1.0.0', department: 'sales' });
    expect(plugin).toEqual({ name: 'x', version: '1.0.0', department: 'sales', specificationVersion: 'v1' });
  });

  it('type-checks when returned from a function declared to return Plugin (hooks with inferred payloads)', () => {
    function make(): Plugin {
      return definePlugin({
        name: 'y',
        version: '1.0.0',
        permissions: { read: { entities: ['interaction'] } },
        hooks: { 'interaction:before': ({ records }) => (records.length > 100 ? { veto: 'too many' } : undefined) },
      });
    }
    expect(make().specificationVersion).toBe('v1');
  });
});

/** Store contract cases: customer groups and plugin extensions. */

import { expect } from 'vitest';
import { byExtensionKey, byId, extension, extensionValue, group, rejectionOf, T2 } from '../fixtures';
import { type AddCase, isOrWrapsA, Rollback } from './shared';

/** Adds the cases about customer groups and plugin extensions to the suite. */
export function extensionCases(add: AddCase): void {
  // ---------------------------------------------------------------- groups
  add('groups', 'puts, replaces, gets all or by id, and deletes groups', async (store) => {
    const g2 = group('g2');
    const g1 = group('g1', {
      memberIds: ['c1'],
      rule: { match: 'all', conditions: [{ field: 'x', op: 'exists' }] },
    });
    await store.transaction(async (tx) => {
      await tx.putGroup(g2);
      await tx.putGroup(group('g1'));
      await tx.putGroup(g1);
    });
    await store.transaction(async (tx) => {
      expect(byId(await tx.getGroups())).toEqual([g1, g2]);
      expect(await tx.getGroups(['g2', 'missing'])).toEqual([g2]);
      expect(await tx.getGroups([])).toEqual([]);
    });
    await store.transaction((tx) => tx.deleteGroup('g1'));
    expect(await store.transaction((tx) => tx.getGroups())).toEqual([g2]);
    await store.transaction((tx) => tx.deleteGroup('never-existed'));
  });

  // ---------------------------------------------------------------- extensions
  add('extensions', 'puts, gets by entity in every namespace, replaces and deletes extension rows', async (store) => {
    const acme1 = extension('acme', 'c1', { tier: extensionValue('gold'), score: extensionValue(42) });
    const beta1 = extension('beta', 'c1', { flag: extensionValue(true, { actor: 'plugin:beta' }) });
    const acme2 = extension('acme', 'c2', { tier: extensionValue('silver') });
    const order1 = extension('acme', 'c1', { total: extensionValue(99.5) }, { entityType: 'order' });
    await store.transaction(async (tx) => {
      await tx.putExtension(acme2);
      await tx.putExtension(order1);
      await tx.putExtension(beta1);
      await tx.putExtension(acme1);
    });
    await store.transaction(async (tx) => {
      expect(byExtensionKey(await tx.getExtensions('customer', ['c1']))).toEqual([acme1, beta1]);
      expect(byExtensionKey(await tx.getExtensions('customer', ['c2', 'missing', 'c1', 'c2']))).toEqual([
        acme1,
        beta1,
        acme2,
      ]);
      expect(await tx.getExtensions('order', ['c1']), 'only rows of the entity type asked for').toEqual([order1]);
      expect(await tx.getExtensions('order', ['c2'])).toEqual([]);
      expect(await tx.getExtensions('customer', ['missing'])).toEqual([]);
      expect(await tx.getExtensions('customer', [])).toEqual([]);
    });
    // A put replaces the whole row: fields it leaves out are gone.
    const replaced = extension(
      'acme',
      'c1',
      { score: extensionValue(43, { at: T2, actor: 'usr_2' }) },
      { updatedAt: T2 },
    );
    await store.transaction((tx) => tx.putExtension(replaced));
    await store.transaction(async (tx) => {
      expect(byExtensionKey(await tx.getExtensions('customer', ['c1']))).toEqual([replaced, beta1]);
      expect(await tx.getExtensions('order', ['c1'])).toEqual([order1]);
    });
    await store.transaction((tx) => tx.deleteExtension('beta', 'customer', 'c1'));
    await store.transaction(async (tx) => {
      expect(await tx.getExtensions('customer', ['c1'])).toEqual([replaced]);
      await tx.deleteExtension('beta', 'customer', 'c1');
      await tx.deleteExtension('never', 'customer', 'c1');
    });
    await store.transaction((tx) => tx.deleteExtension('acme', 'customer', 'c1'));
    await store.transaction(async (tx) => {
      expect(await tx.getExtensions('customer', ['c1'])).toEqual([]);
      expect(await tx.getExtensions('order', ['c1']), 'a delete touches one entity type only').toEqual([order1]);
      expect(await tx.getExtensions('customer', ['c2'])).toEqual([acme2]);
    });
  });

  add('extensions', 'keeps field values and timestamps exactly as written', async (store) => {
    const row = extension(
      'acme',
      'c1',
      {
        object: extensionValue({ tags: ['a', 'b'], nested: { n: 1, z: null, deep: [{ x: [] }] } }),
        text: extensionValue('Zoë "quoted" \\ backslash, emoji 🚀, line\nbreak'),
        zero: extensionValue(0),
        negative: extensionValue(-1.5),
        big: extensionValue(1e21),
        small: extensionValue(1e-7),
        false: extensionValue(false),
        null: extensionValue(null),
        emptyList: extensionValue([]),
        emptyObject: extensionValue({}),
        'dotted.name': extensionValue('x', { at: '2026-02-01T00:00:01.250Z' }),
        anonymous: { value: 1, at: '2026-02-01T00:10:00.000+01:00' },
      },
      { updatedAt: '2026-02-01T00:00:01.250Z' },
    );
    await store.transaction((tx) => tx.putExtension(row));
    const [got] = await store.transaction((tx) => tx.getExtensions('customer', ['c1']));
    expect(got).toStrictEqual(row);
    expect(got!.updatedAt).toBe('2026-02-01T00:00:01.250Z');
    expect(got!.fields.anonymous).toStrictEqual({ value: 1, at: '2026-02-01T00:10:00.000+01:00' });
  });

  add('extensions', 'sees its own extension writes; a rollback leaves nothing behind', async (store) => {
    const kept = extension('acme', 'c1', { tier: extensionValue('gold') });
    await store.transaction((tx) => tx.putExtension(kept));
    const error = await rejectionOf(
      store.transaction(async (tx) => {
        const added = extension('beta', 'c1', { flag: extensionValue(true) });
        const other = extension('acme', 'c2', { tier: extensionValue('silver') });
        const changed = extension('acme', 'c1', { tier: extensionValue('bronze') }, { updatedAt: T2 });
        await tx.putExtension(added);
        await tx.putExtension(other);
        await tx.putExtension(changed);
        expect(byExtensionKey(await tx.getExtensions('customer', ['c1', 'c2']))).toEqual([changed, added, other]);
        await tx.deleteExtension('acme', 'customer', 'c1');
        expect(byExtensionKey(await tx.getExtensions('customer', ['c1', 'c2']))).toEqual([added, other]);
        throw new Rollback();
      }),
    );
    expect(isOrWrapsA(error, Rollback), String(error)).toBe(true);
    expect(await store.transaction((tx) => tx.getExtensions('customer', ['c1', 'c2']))).toEqual([kept]);
    const fresh = await rejectionOf(
      store.transaction(async (tx) => {
        await tx.putExtension(extension('gamma', 'c9', { x: extensionValue(1) }));
        throw new Rollback();
      }),
    );
    expect(isOrWrapsA(fresh, Rollback), String(fresh)).toBe(true);
    expect(await store.transaction((tx) => tx.getExtensions('customer', ['c9']))).toEqual([]);
  });
}

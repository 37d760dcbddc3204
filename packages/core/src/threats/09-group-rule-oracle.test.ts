import { type Actor, definePlugin, type SourceRecordInput } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHub } from '../hub';

const T1 = '2026-03-01T10:00:00Z';
const person = (source: string, externalId: string, data: Record<string, unknown>): SourceRecordInput =>
  ({ type: 'person', source, externalId, observedAt: T1, data }) as SourceRecordInput;

const departments = [
  { id: 'sales', systems: ['hubspot'] },
  { id: 'service', systems: ['dynamics'] },
];
/** May define groups, may not read birthDate (the default policy). */
const fay: Actor = { kind: 'user', id: 'u_fay', roles: [{ name: 'functional_admin' }] };
const dana: Actor = { kind: 'user', id: 'u_dana', roles: [{ name: 'data_admin' }] };
/** Reads birthDate on sales customers only (a department-limited data admin), sees every customer. */
const mixed: Actor = {
  kind: 'user',
  id: 'u_mix',
  roles: [{ name: 'data_admin', departmentId: 'sales' }, { name: 'functional_admin' }],
};

async function seeded() {
  const hub = createHub({ departments });
  await hub.ingest([
    person('hubspot', '1', {
      givenName: 'Ada',
      familyName: 'Lovelace',
      birthDate: '1815-12-10',
      emails: ['ada@example.com'],
    }),
    person('dynamics', 'c9', {
      givenName: 'Cy',
      familyName: 'Twombly',
      birthDate: '1815-12-10',
      emails: ['cy@example.com'],
    }),
    person('dynamics', 'c8', {
      givenName: 'Di',
      familyName: 'Fossey',
      birthDate: '1932-01-16',
      emails: ['di@example.com'],
    }),
  ]);
  const id = async (email: string) => (await hub.find({ email }))[0]!.id;
  return { hub, ada: await id('ada@example.com'), cy: await id('cy@example.com') };
}

describe('threat 9: group rules are no oracle for fields one may not read', () => {
  it('refuses a rule on a field the definer cannot read (define and update); nothing is stored', async () => {
    const { hub } = await seeded();
    const groupsBefore = await hub.groups.list();
    const auditBefore = (await hub.governance.audit({ limit: 1000 })).length;
    // The attack: bisect the birth date with rule groups and read their member lists.
    for (const [op, value] of [
      ['gte', '1815-01-01'],
      ['lt', '1816-01-01'],
      ['eq', '1815-12-10'],
    ] as const) {
      await expect(
        hub.as(fay).groups.define({
          name: `probe ${op}`,
          managerId: 'u_fay',
          rule: { match: 'all', conditions: [{ field: 'birthDate', op, value }] },
        }),
      ).rejects.toMatchObject({ code: 'PERMISSION_DENIED', path: 'birthDate' });
    }
    // Hidden inside an `any` rule, after a readable condition.
    await expect(
      hub.as(fay).groups.define({
        name: 'probe any',
        managerId: 'u_fay',
        rule: {
          match: 'any',
          conditions: [
            { field: 'givenName', op: 'eq', value: 'nobody' },
            { field: 'birthDate', op: 'exists' },
          ],
        },
      }),
    ).rejects.toMatchObject({ code: 'PERMISSION_DENIED', path: 'birthDate' });
    // Updating a readable group into a probe.
    const fine = await hub.as(fay).groups.define({
      name: 'Lovelaces',
      managerId: 'u_fay',
      rule: { match: 'all', conditions: [{ field: 'familyName', op: 'eq', value: 'Lovelace' }] },
    });
    await expect(
      hub.as(fay).groups.define({
        id: fine.id,
        name: 'Lovelaces',
        managerId: 'u_fay',
        rule: { match: 'all', conditions: [{ field: 'birthDate', op: 'eq', value: '1815-12-10' }] },
      }),
    ).rejects.toMatchObject({ code: 'PERMISSION_DENIED', path: 'birthDate' });
    expect((await hub.groups.list()).map((g) => g.id)).toEqual([...groupsBefore.map((g) => g.id), fine.id]);
    expect((await hub.groups.get(fine.id))?.rule?.conditions[0]?.field).toBe('familyName');
    expect((await hub.governance.audit({ limit: 1000 })).length).toBe(auditBefore + 1);
    // Someone who reads the field may define it.
    const born = await hub.as({ kind: 'system', id: 'ops' }).groups.define({
      name: 'Born 1815',
      managerId: 'u_dana',
      rule: { match: 'all', conditions: [{ field: 'birthDate', op: 'lt', value: '1816-01-01' }] },
    });
    expect(born.rule?.conditions[0]?.field).toBe('birthDate');
  });

  it('shows members of a rule group only to readers of every field the rule tests, row by row', async () => {
    const { hub, ada, cy } = await seeded();
    const group = await hub.groups.define({
      name: 'Born 10 Dec 1815',
      managerId: 'u_dana',
      rule: { match: 'all', conditions: [{ field: 'birthDate', op: 'eq', value: '1815-12-10' }] },
    });
    // Fay may not read birthDate: the member list is refused, naming the field.
    await expect(hub.as(fay).groups.members(group.id)).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      path: 'birthDate',
    });
    // Nor does the customer's view tell her the customer is in the group.
    expect((await hub.as(fay).view(ada)).groups.map((g) => g.id)).not.toContain(group.id);
    expect((await hub.as(dana).view(ada)).groups.map((g) => g.id)).toContain(group.id);
    // The data admin reads birthDate everywhere: every member.
    expect((await hub.as(dana).groups.members(group.id)).map((c) => c.id).sort()).toEqual([ada, cy].sort());
    // Reading birthDate only on sales customers: only the members on which the rule could be checked by hand.
    expect((await hub.as(mixed).groups.members(group.id)).map((c) => c.id)).toEqual([ada]);
    expect((await hub.as(mixed).view(cy)).groups.map((g) => g.id)).not.toContain(group.id);
    expect((await hub.as(mixed).view(ada)).groups.map((g) => g.id)).toContain(group.id);
  });

  it('still shows static members (membership chosen by a person, not derived from data) it may see', async () => {
    const { hub, ada, cy } = await seeded();
    const group = await hub.groups.define({
      name: 'Pioneers or born 1815',
      managerId: 'u_dana',
      memberIds: [cy],
      rule: { match: 'all', conditions: [{ field: 'birthDate', op: 'eq', value: '1815-12-10' }] },
    });
    // The mixed reader reads birthDate on sales rows (Ada), and Cy is a static member.
    expect((await hub.as(mixed).groups.members(group.id)).map((c) => c.id).sort()).toEqual([ada, cy].sort());
  });

  it('a plugin lists members by a rule only when its grant reads every field the rule tests', async () => {
    const probe = (name: string, fields: string[]) =>
      definePlugin({
        name,
        version: '1.0.0',
        permissions: { read: { entities: ['person', 'group'], fields } },
        commands: {
          members: {
            input: z.object({ groupId: z.string() }),
            run: async ({ groupId }, ctx) => (await ctx.listGroupMembers(groupId)).map((c) => c.id).sort(),
          },
        },
      });
    const hub = createHub({
      departments,
      plugins: [probe('names', ['displayName']), probe('births', ['displayName', 'birthDate'])],
    });
    await hub.ingest([
      person('hubspot', '1', {
        givenName: 'Ada',
        familyName: 'L',
        birthDate: '1815-12-10',
        emails: ['ada@example.com'],
      }),
      person('hubspot', '2', { givenName: 'Cy', familyName: 'T', birthDate: '1932-01-16', emails: ['cy@example.com'] }),
    ]);
    const ada = (await hub.find({ email: 'ada@example.com' }))[0]!.id;
    const cy = (await hub.find({ email: 'cy@example.com' }))[0]!.id;
    const rule = {
      match: 'all' as const,
      conditions: [{ field: 'birthDate', op: 'lt' as const, value: '1815-12-11' }],
    };
    const byRule = await hub.groups.define({ name: 'Born before 11 Dec 1815', managerId: 'u_dana', rule });
    // The attack: a plugin granted only `displayName` bisects the birth date with rule groups.
    expect(await hub.commands.run('names.members', { groupId: byRule.id })).toEqual([]);
    expect(await hub.commands.run('births.members', { groupId: byRule.id })).toEqual([ada]);
    // Static members (chosen by a person) are still listed.
    const mixed = await hub.groups.define({ name: 'Cy or born early', managerId: 'u_dana', memberIds: [cy], rule });
    expect(await hub.commands.run('names.members', { groupId: mixed.id })).toEqual([cy]);
    expect(await hub.commands.run('births.members', { groupId: mixed.id })).toEqual([ada, cy].sort());
  });
});

import { type Actor, DEFAULT_POLICY, definePlugin, NotFoundError, type SourceRecordInput } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createScopedHub, SCOPED_FIND_SCAN_LIMIT } from '../governance/scoped';
import type { GovernanceServices } from '../governance/service';
import { createHub } from '../hub';

const T1 = '2026-03-01T10:00:00Z';
const person = (source: string, externalId: string, data: Record<string, unknown>): SourceRecordInput =>
  ({ type: 'person', source, externalId, observedAt: T1, data }) as SourceRecordInput;
const call = (source: string, externalId: string, email: string, subject: string): SourceRecordInput =>
  ({
    type: 'interaction',
    source,
    externalId,
    observedAt: T1,
    data: {
      channel: 'phone',
      direction: 'inbound',
      occurredAt: T1,
      subject,
      participants: [{ role: 'from', ref: { email } }],
      activity: { kind: 'note', text: subject },
    },
  }) as SourceRecordInput;

const departments = [
  { id: 'sales', systems: ['hubspot'] },
  { id: 'service', systems: ['dynamics'] },
];
const users = [
  { id: 'u_sam', departmentId: 'sales' },
  { id: 'u_vic', departmentId: 'service' },
];
const sam: Actor = { kind: 'user', id: 'u_sam', roles: [{ name: 'user' }], departmentId: 'sales' };
const dana: Actor = { kind: 'user', id: 'u_dana', roles: [{ name: 'data_admin' }] };

async function seeded() {
  const hub = createHub({ departments, users });
  await hub.ingest([
    person('hubspot', '1', { givenName: 'Ada', familyName: 'Lovelace', emails: ['ada@example.com'], ownerId: 'u_sam' }),
    person('dynamics', 'c9', { givenName: 'Cy', familyName: 'Twombly', emails: ['cy@example.com'], ownerId: 'u_vic' }),
  ]);
  const id = async (email: string) => (await hub.find({ email }))[0]!.id;
  return { hub, ada: await id('ada@example.com'), cy: await id('cy@example.com') };
}

describe("threat 11: a scoped user learns nothing of other departments' customers", () => {
  it('groups.list() and view().groups show only the members one may see', async () => {
    const { hub, ada, cy } = await seeded();
    const group = await hub.groups.define({ name: 'Key accounts', managerId: 'u_dana', memberIds: [ada, cy] });
    const [listed] = await hub.as(sam).groups.list();
    expect(listed?.id).toBe(group.id);
    expect(listed?.memberIds).toEqual([ada]);
    const [inView] = (await hub.as(sam).view(ada)).groups;
    expect(inView?.memberIds).toEqual([ada]);
    expect((await hub.as(dana).groups.list())[0]?.memberIds.sort()).toEqual([ada, cy].sort());
  });

  it('changes.request answers "no such customer" and "not yours" identically, and writes nothing', async () => {
    const { hub, cy } = await seeded();
    const before = (await hub.governance.audit({ limit: 1000 })).length;
    const outcome = async (customerId: string) => {
      const error = await hub
        .as(sam)
        .changes.request({
          kind: 'correction',
          title: 'Wrong name',
          customerId,
          field: 'givenName',
          proposedValue: 'X',
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(NotFoundError.isInstance(error)).toBe(true);
      const { code, entity, message } = error as NotFoundError;
      return { code, entity, message: message.replace(customerId, '<id>') };
    };
    const missing = 'cus_00000000000000000000000000';
    expect(await outcome(cy)).toEqual(await outcome(missing));
    expect((await hub.governance.audit({ limit: 1000 })).length).toBe(before);
    expect(await hub.as(sam).changes.list()).toEqual([]);
  });

  it("view() leaves out other departments' interactions", async () => {
    const { hub, ada } = await seeded();
    await hub.ingest([
      call('hubspot', 'm1', 'ada@example.com', 'Sales call'),
      call('dynamics', 't1', 'ada@example.com', 'Complaint about a refund'),
    ]);
    expect((await hub.as(dana).view(ada)).interactions.map((i) => i.data.subject).sort()).toEqual([
      'Complaint about a refund',
      'Sales call',
    ]);
    expect((await hub.as(sam).view(ada)).interactions.map((i) => i.data.subject)).toEqual(['Sales call']);
  });

  it("find() still finds one's own customer behind 250 invisible namesakes", { timeout: 60_000 }, async () => {
    const { hub } = await seeded();
    const namesakes = Array.from({ length: 250 }, (_, i) =>
      person('dynamics', `j${i}`, { givenName: `Jan${i}`, familyName: 'Jansen', emails: [`jan${i}@example.com`] }),
    );
    await hub.ingest(namesakes);
    await hub.ingest([person('hubspot', '2', { givenName: 'Bo', familyName: 'Jansen', emails: ['bo@example.com'] })]);
    const bo = (await hub.find({ email: 'bo@example.com' }))[0]!.id;
    expect((await hub.find({ name: 'Jansen' }, { limit: 1000 })).length).toBe(251);
    const found = await hub.as(sam).find({ name: 'Jansen' });
    expect(found.map((c) => c.id)).toEqual([bo]);
    expect((await hub.as(sam).find({ name: 'Bo Jansen' })).map((c) => c.id)).toEqual([bo]);
  });

  it("a plugin's findCustomers by name still finds its customer behind 250 it may not read", {
    timeout: 60_000,
  }, async () => {
    const finder = definePlugin({
      name: 'finder',
      version: '1.0.0',
      permissions: { read: { entities: ['person'], fields: ['displayName'] } },
      commands: {
        find: {
          input: z.object({ name: z.string() }),
          run: async ({ name }, ctx) => (await ctx.findCustomers({ name })).map((c) => c.id),
        },
      },
    });
    const hub = createHub({ plugins: [finder] });
    // Organizations the plugin may not read, found by the same name, ingested first (lower ids).
    await hub.ingest(
      Array.from(
        { length: 250 },
        (_, i) =>
          ({
            type: 'organization',
            source: 'crm',
            externalId: `o${i}`,
            observedAt: '2026-03-01T10:00:00Z',
            data: { name: `Jansen ${i}` },
          }) as SourceRecordInput,
      ),
    );
    await hub.ingest([person('hubspot', '2', { givenName: 'Bo', familyName: 'Jansen', emails: ['bo@example.com'] })]);
    const bo = (await hub.find({ email: 'bo@example.com' }))[0]!.id;
    expect((await hub.find({ name: 'Jansen' }, { limit: 1000 })).length).toBe(251);
    expect(await hub.commands.run('finder.find', { name: 'Jansen' })).toEqual([bo]);
    expect(await hub.commands.run('finder.find', { name: 'Bo Jansen' })).toEqual([bo]);
  });

  it('bounds the work of a scoped find(): a widening scan, then INVALID_ARGUMENT instead of a short answer', async () => {
    const { hub, cy } = await seeded();
    const invisible = (await hub.get(cy))!;
    const scans: number[] = [];
    const scoped = createScopedHub(sam, {
      hub,
      // Only the policy is needed to decide what sam sees.
      services: { policy: async () => DEFAULT_POLICY } as unknown as GovernanceServices,
      directory: {
        user: () => undefined,
        departmentOfSystem: (system) => (system === 'hubspot' ? 'sales' : 'service'),
      },
      findCandidates: async (_query, scan) => {
        scans.push(scan);
        return { customers: Array.from({ length: scan }, () => invisible), complete: false };
      },
    });
    await expect(scoped.find({ name: 'Twombly' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      argument: 'query',
    });
    expect(scans).toEqual([200, 800, 3200, SCOPED_FIND_SCAN_LIMIT]);
  });
});

describe('threat 11: a display name that is only a contact point', () => {
  /** Reads display names only: not `contactPoints`, not the name fields. */
  const terry: Actor = { kind: 'user', id: 'u_terry', roles: [{ name: 'technical_admin' }] };

  async function nameless() {
    const hub = createHub({ departments, users });
    await hub.ingest([
      person('hubspot', '7', { emails: ['noname.person@example.com'] }),
      person('hubspot', '8', { givenName: 'Ada', familyName: 'Lovelace', emails: ['ada@example.com'] }),
    ]);
    const id = async (email: string) => (await hub.find({ email }))[0]!.id;
    return { hub, noname: await id('noname.person@example.com'), ada: await id('ada@example.com') };
  }

  it('is "(unnamed)" to a scoped actor that may not read contactPoints, in get, list and find', async () => {
    const { hub, noname, ada } = await nameless();
    expect((await hub.get(noname))?.displayName).toBe('noname.person@example.com');
    const scoped = hub.as(terry);
    expect((await scoped.get(noname))?.displayName).toBe('(unnamed)');
    expect((await scoped.get(ada))?.displayName).toBe('Ada Lovelace');
    const listed = (await scoped.list()).items.find((c) => c.id === noname);
    expect(listed?.displayName).toBe('(unnamed)');
    expect(JSON.stringify(await scoped.list())).not.toContain('noname.person');
    // An actor that reads contact points sees the address as before.
    expect((await hub.as(dana).get(noname))?.displayName).toBe('noname.person@example.com');
  });

  it('find({ name }) matches only names the actor may read; find by e-mail or phone needs contactPoints', async () => {
    const { hub, noname, ada } = await nameless();
    expect((await hub.find({ name: 'noname.person' })).map((c) => c.id)).toEqual([noname]);
    const scoped = hub.as(terry);
    expect(await scoped.find({ name: 'noname.person' }), 'the e-mail is no name terry may read').toEqual([]);
    expect((await scoped.find({ name: 'Ada Lovelace' })).map((c) => c.id)).toEqual([ada]);
    expect(await scoped.find({ email: 'noname.person@example.com' })).toEqual([]);
    expect(await scoped.find({ email: 'ada@example.com' })).toEqual([]);
    expect((await hub.as(dana).find({ email: 'ada@example.com' })).map((c) => c.id)).toEqual([ada]);
    expect((await hub.as(dana).find({ name: 'noname.person' })).map((c) => c.id)).toEqual([noname]);
  });
});

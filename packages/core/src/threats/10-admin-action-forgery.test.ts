import { type Actor, PermissionDeniedError, ValidationError } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { createHub } from '../hub';

const user: Actor = { kind: 'user', id: 'u_sam', roles: [{ name: 'user' }], departmentId: 'sales' };
const keyUser: Actor = { kind: 'user', id: 'u_kate', roles: [{ name: 'key_user' }], departmentId: 'sales' };
const tech: Actor = { kind: 'user', id: 'u_tom', roles: [{ name: 'technical_admin' }] };
const functional: Actor = { kind: 'user', id: 'u_fay', roles: [{ name: 'functional_admin' }] };
const exec: Actor = { kind: 'user', id: 'u_eve', roles: [{ name: 'crm_executive' }] };
const dana: Actor = { kind: 'user', id: 'u_dana', roles: [{ name: 'data_admin' }] };

async function auditSize(hub: ReturnType<typeof createHub>): Promise<number> {
  return (await hub.governance.audit({ limit: 1000 })).length;
}

describe('threat 10: audit entries and the policy are admin business', () => {
  it('refuses a plain user recording admin actions (a fake policy.update); nothing is written', async () => {
    const hub = createHub();
    const before = await auditSize(hub);
    for (const actor of [user, keyUser]) {
      await expect(
        hub.as(actor).governance.recordAdminAction({
          action: 'policy.update',
          target: 'policy',
          changes: [{ field: 'roles.user', new: { scope: 'all' } }],
        }),
      ).rejects.toSatisfy(PermissionDeniedError.isInstance);
      await expect(
        hub.as(actor).governance.recordAdminAction({ action: 'adapter.credentials', target: 'adapter:hubspot' }),
      ).rejects.toMatchObject({ code: 'PERMISSION_DENIED', path: 'adapter.manage' });
    }
    expect(await auditSize(hub)).toBe(before);
  });

  it("needs the capability of the action's area, and never lets anyone forge the Hub's own entries", async () => {
    const hub = createHub();
    await hub.as(tech).governance.recordAdminAction({
      action: 'adapter.credentials',
      target: 'adapter:hubspot',
      changes: [{ field: 'token', secret: true }],
    });
    await expect(
      hub.as(functional).governance.recordAdminAction({ action: 'adapter.credentials', target: 'adapter:hubspot' }),
    ).rejects.toMatchObject({ code: 'PERMISSION_DENIED', path: 'adapter.manage' });
    await hub.as(functional).governance.recordAdminAction({ action: 'plugin.configure', target: 'plugin:sales' });
    await expect(
      hub.as(tech).governance.recordAdminAction({ action: 'workflow.enable', target: 'workflow:welcome' }),
    ).rejects.toMatchObject({ code: 'PERMISSION_DENIED', path: 'plugin.manage' });
    // Other areas: policy.manage.
    await hub.as(exec).governance.recordAdminAction({ action: 'user.invite', target: 'user:u_new' });
    await expect(
      hub.as(dana).governance.recordAdminAction({ action: 'user.invite', target: 'user:u_new' }),
    ).rejects.toMatchObject({ code: 'PERMISSION_DENIED', path: 'policy.manage' });
    // What the Hub records itself cannot be recorded by hand, by an admin or by the app.
    for (const action of ['policy.update', 'customer.merge', 'gdpr.erase', 'record.update', 'plugin.install']) {
      await expect(
        hub.as({ kind: 'system', id: 'ops' }).governance.recordAdminAction({ action, target: 'policy' }),
      ).rejects.toSatisfy((e) => ValidationError.isInstance(e) && e.issues[0]!.pathString === 'input.action');
      await expect(hub.governance.recordAdminAction({ action, target: 'policy' })).rejects.toSatisfy(
        ValidationError.isInstance,
      );
    }
    const log = await hub.governance.audit({ limit: 1000 });
    expect(log.map((e) => e.action)).toEqual(
      expect.arrayContaining(['adapter.credentials', 'plugin.configure', 'user.invite']),
    );
    expect(log.filter((e) => e.action === 'policy.update')).toEqual([]);
  });

  it('bounds what an entry may carry: a 5 MB value, too many changes, long targets and reasons', async () => {
    const hub = createHub();
    const before = await auditSize(hub);
    const big = 'x'.repeat(5 * 1024 * 1024);
    const attempts: [unknown, string][] = [
      [
        { action: 'adapter.config', target: 'adapter:hubspot', changes: [{ field: 'note', new: big }] },
        'input.changes[0].new',
      ],
      [{ action: 'adapter.config', target: 'adapter:hubspot', reason: big }, 'input.reason'],
      [{ action: 'adapter.config', target: `adapter:${big}` }, 'input.target'],
      [
        {
          action: 'adapter.config',
          target: 'adapter:hubspot',
          changes: Array.from({ length: 1001 }, (_, i) => ({ field: `f${i}`, new: i })),
        },
        'input.changes',
      ],
      [
        { action: 'adapter.config', target: 'adapter:hubspot', changes: [{ field: 'x'.repeat(300) }] },
        'input.changes[0].field',
      ],
      [
        {
          action: 'adapter.config',
          target: 'adapter:hubspot',
          changes: [{ field: 'token', secret: true, new: 's3cr3t' }],
        },
        'input.changes[0]',
      ],
      [{ action: 'adapter.config', target: 'adapter:hubspot', changes: 'all of them' }, 'input.changes'],
    ];
    for (const [input, path] of attempts) {
      for (const call of [
        () => hub.as(tech).governance.recordAdminAction(input as never),
        () => hub.governance.recordAdminAction(input as never),
      ]) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(ValidationError.isInstance(error), `${path}: ${String(error)}`).toBe(true);
        expect((error as ValidationError).issues[0]!.pathString).toBe(path);
        expect((error as ValidationError).message.length).toBeLessThan(1000);
      }
    }
    expect(await auditSize(hub)).toBe(before);
  });

  it('keeps to the text rule: a NUL or an unpaired surrogate anywhere is refused naming the path, on every store', async () => {
    const hub = createHub();
    const before = await auditSize(hub);
    const attempts: [unknown, string][] = [
      [{ action: 'adapter.config', target: 'adapter:x\u0000y' }, 'input.target'],
      [{ action: 'adapter.config', target: 'adapter:x', reason: 'why\u0000' }, 'input.reason'],
      [{ action: 'adapter.config', target: 'adapter:x', changes: [{ field: 'f\ud800' }] }, 'input.changes[0].field'],
      [
        { action: 'adapter.config', target: 'adapter:x', changes: [{ field: 'f', new: { 'k\u0000': 1 } }] },
        'input.changes[0].new',
      ],
    ];
    for (const [input, path] of attempts) {
      for (const call of [
        () => hub.as(tech).governance.recordAdminAction(input as never),
        () => hub.governance.recordAdminAction(input as never),
      ]) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(ValidationError.isInstance(error), `${path}: ${String(error)}`).toBe(true);
        expect((error as ValidationError).issues[0]!.pathString).toBe(path);
        expect((error as ValidationError).issues[0]!.issueCode).toBe('invalid_text');
      }
    }
    const actor = await hub.governance
      .recordAdminAction({ action: 'adapter.config', target: 'adapter:x' }, { actor: 'ops\u0000' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((actor as ValidationError).issues[0]!.pathString).toBe('options.actor');
    expect(await auditSize(hub)).toBe(before);
  });

  it('shows the policy only to those who manage it or read the audit log', async () => {
    const hub = createHub();
    for (const actor of [user, keyUser]) {
      await expect(hub.as(actor).governance.policy()).rejects.toMatchObject({
        code: 'PERMISSION_DENIED',
        path: 'policy.manage',
      });
    }
    for (const actor of [tech, functional, exec, dana]) {
      expect((await hub.as(actor).governance.policy()).roles.user.scope).toBe('department');
    }
  });
});

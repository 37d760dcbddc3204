import { ValidationError } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { parseActor } from '../governance/policy';
import { createHub } from '../hub';

/** Is `fn` refused with a VALIDATION_FAILED error rooted at `actor`? */
function refused(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(ValidationError.isInstance(error)).toBe(true);
    const v = error as ValidationError;
    expect(v.code).toBe('VALIDATION_FAILED');
    expect(v.issues[0]!.pathString.startsWith('actor')).toBe(true);
    return v;
  }
  throw new Error('expected the actor to be refused');
}

describe('threat 12: an actor is read from its own data properties only', () => {
  const hub = createHub();

  it('refuses an object that inherits kind "system" from its prototype', () => {
    refused(() => hub.as(Object.create({ kind: 'system', id: 'root' })));
    refused(() => hub.as(Object.assign(Object.create({ kind: 'system' }), { id: 'root' })));
  });

  it('refuses a literal whose __proto__ carries fields (kind, a department, a role)', () => {
    refused(() => hub.as({ id: 'root', __proto__: { kind: 'system' } } as never));
    // An inherited departmentId must not widen (or narrow) a user; an object with a foreign prototype is refused.
    refused(() =>
      hub.as({ kind: 'user', id: 'u', roles: [{ name: 'user' }], __proto__: { departmentId: 'sales' } } as never),
    );
    refused(() => hub.as({ kind: 'user', id: 'u', roles: [Object.create({ name: 'data_admin' })] } as never));
  });

  it('ignores polluted Object.prototype keys', () => {
    // zod builds some of its tables on first use; a polluted prototype at that moment breaks zod itself.
    parseActor({ kind: 'user', id: 'warm-up', roles: [{ name: 'user' }] });
    const proto = Object.prototype as Record<string, unknown>;
    proto.departmentId = 'sales';
    try {
      const actor = parseActor({ kind: 'user', id: 'u', roles: [{ name: 'user' }] });
      expect(Object.hasOwn(actor, 'departmentId')).toBe(false);
      expect(Object.keys(actor).sort()).toEqual(['id', 'kind', 'roles']);
    } finally {
      delete proto.departmentId;
    }
  });

  it('refuses getters, class instances and a Proxy that lies through its get trap', () => {
    let reads = 0;
    const tricky = {
      id: 'u',
      roles: [{ name: 'user' }],
      get kind() {
        reads += 1;
        return reads === 1 ? 'user' : 'system'; // says user when checked, system when used
      },
    };
    const error = refused(() => hub.as(tricky as never));
    expect(error.issues[0]!.pathString).toBe('actor.kind');
    expect(reads).toBe(0); // the getter is never called

    class SystemActor {
      kind = 'system' as const;
      id = 'root';
    }
    refused(() => hub.as(new SystemActor()));

    const target = { kind: 'user', id: 'u', roles: [{ name: 'user' }] };
    const proxy = new Proxy(target, { get: (t, key) => (key === 'kind' ? 'system' : Reflect.get(t, key)) });
    // The copy is taken from the own data properties; the get trap is not consulted, so the actor is the user.
    expect(hub.as(proxy as never).actor).toEqual(target);
    const revoked = Proxy.revocable({ kind: 'system', id: 'root' }, {});
    revoked.revoke();
    refused(() => hub.as(revoked.proxy as never));
    // A sparse array with a huge length is refused before anything is copied.
    const roles: unknown[] = [];
    roles[2 ** 31] = { name: 'user' };
    roles.length = 2 ** 31 + 1;
    refused(() => hub.as({ kind: 'user', id: 'u', roles } as never));
  });

  it('still accepts plain objects, null-prototype objects and JSON', () => {
    const plain = { kind: 'user', id: 'u', roles: [{ name: 'user', departmentId: 'sales' }], departmentId: 'sales' };
    expect(hub.as(plain as never).actor).toEqual(plain);
    const bare = Object.assign(Object.create(null), { kind: 'system', id: 'jobs' });
    expect(hub.as(bare).actor).toEqual({ kind: 'system', id: 'jobs' });
    expect(hub.as(JSON.parse(JSON.stringify(plain))).actor).toEqual(plain);
    // The actor is a copy: changing the input afterwards changes nothing.
    const input = { kind: 'user', id: 'u', roles: [{ name: 'user' }] };
    const scoped = hub.as(input as never);
    input.kind = 'system';
    (input.roles[0] as { name: string }).name = 'data_admin';
    expect(scoped.actor).toEqual({ kind: 'user', id: 'u', roles: [{ name: 'user' }] });
  });
});

import {
  type Actor,
  type Capability,
  CapabilitySchema,
  type Customer,
  type GoldenField,
  PermissionDeniedError,
  type Policy,
  type RoleName,
  RoleNameSchema,
  type RowScope,
} from '@crmkit/model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Access, createDirectory, parsePolicy } from './policy';

/**
 * Policy evaluation against an independent model of the rules (written here from the rules, not from the
 * implementation): for random policies, actors, directories and customers,
 * (1) projectCustomer shows exactly the readable parts of a visible customer, unchanged, and nothing else;
 * (2) canSeeCustomer and canChangeCustomer match the model's row scopes;
 * (3) assertWrite throws exactly when the row is not changeable or some field is not writable on it, naming the
 *     row or the first such field.
 */

// ---------------------------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------------------------

const DEPARTMENTS = ['d1', 'd2', 'd3'] as const;
const TEAMS = ['t1', 't2'] as const;
const SYSTEMS = ['s1', 's2', 's3', 's4'] as const;
const USERS = ['u1', 'u2', 'u3', 'u4'] as const;
const SCOPES: RowScope[] = ['own', 'team', 'department', 'all'];
const CAPABILITIES: Capability[] = CapabilitySchema.options;
const ROLES: RoleName[] = RoleNameSchema.options;
const PATTERNS = [
  '*',
  'displayName',
  'givenName',
  'birthDate',
  'ownerId',
  'contactPoints',
  'sources',
  'name',
  'name.*',
  'attributes.*',
  'attributes.a.*',
  'attributes.a.x',
  'attributes.b',
];
/** Golden field names customers may carry (ownerId is set from the owner). */
const FIELD_NAMES = [
  'givenName',
  'birthDate',
  'name',
  'name.given',
  'attributes.a.x',
  'attributes.a.y',
  'attributes.b.z',
];
/** Paths asked of canReadField, canWriteField and assertWrite. */
const PATHS = [
  ...FIELD_NAMES,
  'ownerId',
  'displayName',
  'contactPoints',
  'sources',
  'attributes',
  'attributes.a',
  'attributes.b',
  'id',
];

const capabilitiesArb = fc.oneof(
  fc.subarray(CAPABILITIES),
  // Bias towards the data capabilities, which decide rows and fields.
  fc.subarray(['customer.read', 'customer.write', 'kpi.read'] as Capability[]),
);
const rolePolicyArb = fc.record({
  capabilities: capabilitiesArb,
  scope: fc.constantFrom(...SCOPES),
  fields: fc.record({ read: fc.subarray(PATTERNS), write: fc.subarray(PATTERNS) }),
});
const policyArb: fc.Arbitrary<Policy> = fc.tuple(...ROLES.map(() => rolePolicyArb)).map((roles) => ({
  version: 0,
  secretFields: [],
  roles: Object.fromEntries(ROLES.map((name, i) => [name, roles[i]!])) as Policy['roles'],
}));

interface World {
  users: { id: string; departmentId?: string; teamId?: string }[];
  departments: { id: string; systems: string[] }[];
}
const worldArb: fc.Arbitrary<World> = fc
  .record({
    users: fc.tuple(
      ...USERS.map((id) =>
        fc.record(
          { id: fc.constant(id), departmentId: fc.constantFrom(...DEPARTMENTS), teamId: fc.constantFrom(...TEAMS) },
          { requiredKeys: ['id'] },
        ),
      ),
    ),
    systemOwners: fc.tuple(...SYSTEMS.map(() => fc.option(fc.constantFrom(...DEPARTMENTS), { nil: undefined }))),
  })
  .map(({ users, systemOwners }) => ({
    users: [...users],
    departments: DEPARTMENTS.map((id) => ({ id, systems: SYSTEMS.filter((_, i) => systemOwners[i] === id) })),
  }));

const roleArb = fc.record(
  { name: fc.constantFrom(...ROLES), departmentId: fc.constantFrom(...DEPARTMENTS) },
  { requiredKeys: ['name'] },
);
const rolesArb = fc.array(roleArb, { minLength: 1, maxLength: 3 });
const departmentArb = fc.option(fc.constantFrom(...DEPARTMENTS), { nil: undefined });
const actorArb: fc.Arbitrary<Actor> = fc
  .oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('user' as const),
        id: fc.constantFrom('u1', 'u2'),
        roles: rolesArb,
        departmentId: departmentArb,
        teamId: fc.option(fc.constantFrom(...TEAMS), { nil: undefined }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('apiKey' as const),
        id: fc.constant('k1'),
        roles: rolesArb,
        departmentId: departmentArb,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constantFrom('system' as const, 'adapter' as const), id: fc.constant('x') }),
    },
  )
  .map((actor) => {
    // Drop undefined optionals, as a parsed actor would.
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(actor)) if (value !== undefined) out[key] = value;
    return out as Actor;
  });

const AT = '2026-01-01T00:00:00Z';
function golden(value: GoldenField['value']): GoldenField {
  return {
    value,
    provenance: { source: 's1', recordType: 'person', externalId: 'e', observedAt: AT, rule: 'mostRecent' },
    candidates: 1,
  };
}

const customerArb: fc.Arbitrary<Customer> = fc
  .record({
    id: fc.constantFrom('c1', 'c2', 'c3'),
    owner: fc.option(fc.constantFrom<string | number>(...USERS, 'k1', 'stranger', '', 7), { nil: undefined }),
    systems: fc.subarray([...SYSTEMS, 'unknown']),
    fields: fc.subarray(FIELD_NAMES),
    merged: fc.boolean(),
  })
  .map(({ id, owner, systems, fields, merged }) => {
    const goldenFields: Record<string, GoldenField> = {};
    for (const name of fields) goldenFields[name] = golden(`${name}-value`);
    if (owner !== undefined) goldenFields.ownerId = golden(owner);
    const customer: Customer = {
      id,
      kind: 'person',
      status: merged ? 'merged' : 'active',
      displayName: `Customer ${id}`,
      createdAt: AT,
      updatedAt: AT,
      version: 1,
      golden: {
        kind: 'person',
        fields: goldenFields,
        contactPoints: [
          { kind: 'email', value: 'a@b.c', normalized: 'a@b.c', primary: true, verified: false, sources: [] },
        ],
        sources: systems.map((system) => ({ system, externalId: `${id}-${system}`, observedAt: AT })),
      },
    };
    if (merged) customer.mergedInto = 'c9';
    return customer;
  });

// ---------------------------------------------------------------------------------------------------------------
// The independent model
// ---------------------------------------------------------------------------------------------------------------

const IDENTITY = ['id', 'kind', 'status', 'mergedInto', 'createdAt', 'updatedAt', 'version'];

/** A pattern as a regular expression: `*` anything; `p.*` p itself or below; else exactly the path. */
function patternMatches(pattern: string, path: string): boolean {
  if (pattern === '*') return true;
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const regex = pattern.endsWith('.*')
    ? new RegExp(`^${literal(pattern.slice(0, -2))}(\\..+)?$`)
    : new RegExp(`^${literal(pattern)}$`);
  return regex.test(path);
}

interface ModelGrant {
  capabilities: Capability[];
  read: string[];
  write: string[];
  /** Rows for reading and writing, from the rules. */
  sees: (customer: Customer) => boolean;
  changes: (customer: Customer) => boolean;
}

function modelGrants(policy: Policy, actor: Actor, world: World): ModelGrant[] {
  if (actor.kind === 'system') {
    return [{ capabilities: CAPABILITIES, read: ['*'], write: ['*'], sees: () => true, changes: () => true }];
  }
  if (actor.kind === 'adapter') {
    return [
      {
        capabilities: ['customer.read', 'record.import'],
        read: ['*'],
        write: ['*'],
        sees: () => true,
        changes: () => true,
      },
    ];
  }
  if (actor.kind === 'plugin') throw new Error('not modelled');
  const userOf = (id: string) => world.users.find((user) => user.id === id);
  const departmentOfSystem = (system: string) => world.departments.find((d) => d.systems.includes(system))?.id;
  const actorTeam = actor.kind === 'user' ? actor.teamId : undefined;

  const facts = (customer: Customer) => {
    const raw = customer.golden.fields.ownerId?.value;
    const owner = typeof raw === 'string' && raw.length > 0 ? raw : undefined;
    const ownerUser = owner === undefined ? undefined : userOf(owner);
    const departments = customer.golden.sources.map((s) => departmentOfSystem(s.system));
    departments.push(ownerUser?.departmentId);
    const own = owner === actor.id;
    return {
      own,
      team: own || (actorTeam !== undefined && ownerUser?.teamId === actorTeam),
      inDepartment: (department: string | undefined) => department !== undefined && departments.includes(department),
    };
  };
  const rows = (scope: RowScope, limit: string | undefined) => (customer: Customer) => {
    const f = facts(customer);
    if (limit !== undefined) {
      // Limited to the role's department; own and team stay narrower, department and all become the department.
      if (!f.inDepartment(limit)) return false;
      if (scope === 'own') return f.own;
      if (scope === 'team') return f.team;
      return true;
    }
    if (scope === 'all') return true;
    if (scope === 'department') return f.team || f.inDepartment(actor.departmentId);
    if (scope === 'team') return f.team;
    return f.own;
  };
  return actor.roles.map((role) => {
    const rp = policy.roles[role.name];
    return {
      capabilities: rp.capabilities,
      read: rp.fields.read,
      write: rp.fields.write,
      sees: rows(rp.scope, role.departmentId),
      changes: rows(role.name === 'user' ? 'own' : rp.scope, role.departmentId),
    };
  });
}

class Model {
  private readonly grants: ModelGrant[];
  constructor(policy: Policy, actor: Actor, world: World) {
    this.grants = modelGrants(policy, actor, world);
  }
  private readers(customer: Customer) {
    return this.grants.filter((g) => g.capabilities.includes('customer.read') && g.sees(customer));
  }
  private writers(customer: Customer) {
    return this.grants.filter((g) => g.capabilities.includes('customer.write') && g.changes(customer));
  }
  sees(customer: Customer): boolean {
    return this.readers(customer).length > 0;
  }
  changes(customer: Customer): boolean {
    return this.writers(customer).length > 0;
  }
  readsOn(customer: Customer, path: string): boolean {
    return this.readers(customer).some((g) => g.read.some((p) => patternMatches(p, path)));
  }
  writesOn(customer: Customer, path: string): boolean {
    return this.writers(customer).some((g) => g.write.some((p) => patternMatches(p, path)));
  }
  readsAnywhere(path: string): boolean {
    return (
      IDENTITY.includes(path) ||
      this.grants.some((g) => g.capabilities.includes('customer.read') && g.read.some((p) => patternMatches(p, path)))
    );
  }
  writesAnywhere(path: string): boolean {
    return this.grants.some(
      (g) => g.capabilities.includes('customer.write') && g.write.some((p) => patternMatches(p, path)),
    );
  }
  can(capability: Capability): boolean {
    return this.grants.some((g) => g.capabilities.includes(capability));
  }
  /** The projection, built field by field from the model. */
  project(customer: Customer): unknown {
    if (!this.sees(customer)) return undefined;
    const out: Record<string, unknown> = {
      id: customer.id,
      kind: customer.kind,
      status: customer.status,
      createdAt: customer.createdAt,
      updatedAt: customer.updatedAt,
      version: customer.version,
    };
    if (customer.mergedInto !== undefined) out.mergedInto = customer.mergedInto;
    if (this.readsOn(customer, 'displayName')) {
      // A display name that is only a contact point is not shown to an actor that may not read contact points.
      const named = ['fullName', 'name', 'givenName', 'familyName'].some((f) => {
        const value = customer.golden.fields[f]?.value;
        return typeof value === 'string' && value.trim() !== '';
      });
      out.displayName = named || this.readsOn(customer, 'contactPoints') ? customer.displayName : '(unnamed)';
    }
    const golden: Record<string, unknown> = {
      kind: customer.golden.kind,
      fields: Object.fromEntries(
        Object.entries(customer.golden.fields).filter(([name]) => this.readsOn(customer, name)),
      ),
    };
    if (this.readsOn(customer, 'contactPoints')) golden.contactPoints = customer.golden.contactPoints;
    if (this.readsOn(customer, 'sources')) golden.sources = customer.golden.sources;
    out.golden = golden;
    return out;
  }
  /** What assertWrite should refuse, or undefined. */
  refusal(customer: Customer, fields: readonly string[]): string | undefined {
    if (!this.changes(customer)) return `customer:${customer.id}`;
    return fields.find((field) => !this.writesOn(customer, field));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------------------

const caseArb = fc.record({
  policy: policyArb,
  world: worldArb,
  actor: actorArb,
  customers: fc.array(customerArb, { minLength: 1, maxLength: 6 }),
});

const RUNS = { numRuns: 400 };

describe('Access against an independent model', () => {
  it('random policies are valid policies', () => {
    fc.assert(
      fc.property(policyArb, (policy) => {
        expect(parsePolicy(policy)).toEqual(policy);
      }),
      { numRuns: 100 },
    );
  });

  it('(1) projectCustomer shows exactly the readable parts, unchanged', () => {
    fc.assert(
      fc.property(caseArb, ({ policy, world, actor, customers }) => {
        const access = new Access(policy, actor, createDirectory(world));
        const model = new Model(policy, actor, world);
        // One Access across several customers: the caches must not leak one customer's answer into another's.
        for (const customer of customers) {
          const projected = access.projectCustomer(customer);
          expect(projected).toStrictEqual(model.project(customer));
          if (projected === undefined) continue;
          for (const [name, value] of Object.entries(projected.golden.fields)) {
            expect(value).toBe(customer.golden.fields[name]);
          }
          for (const key of ['displayName'] as const) expect(key in projected).toBe(model.readsOn(customer, key));
          for (const key of ['contactPoints', 'sources'] as const)
            expect(key in projected.golden).toBe(model.readsOn(customer, key));
        }
        for (const path of PATHS) {
          expect(access.canReadField(path)).toBe(model.readsAnywhere(path));
          expect(access.canWriteField(path)).toBe(model.writesAnywhere(path));
        }
        for (const capability of CAPABILITIES) expect(access.can(capability)).toBe(model.can(capability));
      }),
      RUNS,
    );
  });

  it('(2) canSeeCustomer and canChangeCustomer match the model of the row scopes', () => {
    fc.assert(
      fc.property(caseArb, ({ policy, world, actor, customers }) => {
        const access = new Access(policy, actor, createDirectory(world));
        const model = new Model(policy, actor, world);
        for (const customer of customers) {
          expect(access.canSeeCustomer(customer)).toBe(model.sees(customer));
          expect(access.canChangeCustomer(customer)).toBe(model.changes(customer));
        }
      }),
      RUNS,
    );
  });

  it('(3) assertWrite throws exactly when the row is not changeable or a field is not writable on it', () => {
    fc.assert(
      fc.property(
        caseArb,
        fc.array(fc.constantFrom(...PATHS), { maxLength: 4 }),
        ({ policy, world, actor, customers }, fields) => {
          const access = new Access(policy, actor, createDirectory(world));
          const model = new Model(policy, actor, world);
          for (const customer of customers) {
            const expected = model.refusal(customer, fields);
            let refused: string | undefined;
            try {
              access.assertWrite(customer, fields);
            } catch (error) {
              if (!PermissionDeniedError.isInstance(error)) throw error;
              expect(error.operation).toBe('write');
              refused = error.path;
            }
            expect(refused).toBe(expected);
          }
        },
      ),
      RUNS,
    );
  });
});

import {
  type Actor,
  type Customer,
  DEFAULT_POLICY,
  type GoldenField,
  InvalidArgumentError,
  PermissionDeniedError,
  type Policy,
  type Role,
  type RoleName,
  ValidationError,
} from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { Access, createDirectory, FieldPatterns, parseActor, parsePolicy } from './policy';

// ---------------------------------------------------------------------------------------------------------------
// Fixtures: two departments, four users, six customers
// ---------------------------------------------------------------------------------------------------------------

const directory = createDirectory({
  users: [
    { id: 'u_me', departmentId: 'sales', teamId: 't_north' },
    { id: 'u_mate', departmentId: 'sales', teamId: 't_north' },
    { id: 'u_colleague', departmentId: 'sales', teamId: 't_south' },
    { id: 'u_other', departmentId: 'service', teamId: 't_help' },
  ],
  departments: [
    { id: 'sales', systems: ['hubspot-sales'] },
    { id: 'service', systems: ['zendesk-service'] },
  ],
});

const AT = '2026-01-01T00:00:00Z';

/** A deep copy of plain data. */
function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function field(value: GoldenField['value']): GoldenField {
  return {
    value,
    provenance: { source: 'crm', recordType: 'person', externalId: 'x', observedAt: AT, rule: 'mostRecent' },
    candidates: 1,
  };
}

function customer(id: string, options: { owner?: string; systems?: string[] } = {}): Customer {
  const fields: Record<string, GoldenField> = {
    givenName: field('Ada'),
    familyName: field('Lovelace'),
    birthDate: field('1815-12-10'),
    nationalId: field('X-1'),
    'attributes.sales.tier': field('gold'),
    'attributes.service.sla': field('24h'),
  };
  if (options.owner !== undefined) fields.ownerId = field(options.owner);
  return {
    id,
    kind: 'person',
    status: 'active',
    displayName: 'Ada Lovelace',
    createdAt: AT,
    updatedAt: AT,
    version: 3,
    golden: {
      kind: 'person',
      fields,
      contactPoints: [
        {
          kind: 'email',
          value: 'ada@example.com',
          normalized: 'ada@example.com',
          primary: true,
          verified: true,
          sources: [],
        },
      ],
      sources: (options.systems ?? []).map((system) => ({ system, externalId: `${id}-1`, observedAt: AT })),
    },
  };
}

const CUSTOMERS = {
  /** Owned by the actor. */
  own: customer('c_own', { owner: 'u_me' }),
  /** Owned by a teammate. */
  team: customer('c_team', { owner: 'u_mate' }),
  /** Owned by someone else in the department. */
  department: customer('c_department', { owner: 'u_colleague' }),
  /** No owner, sourced from the department's system. */
  sourced: customer('c_sourced', { systems: ['hubspot-sales'] }),
  /** Owned by and sourced from the other department. */
  other: customer('c_other', { owner: 'u_other', systems: ['zendesk-service'] }),
  /** No owner, no known source. */
  orphan: customer('c_orphan', { systems: ['unknown-system'] }),
};
type Fixture = keyof typeof CUSTOMERS;
const FIXTURES = Object.keys(CUSTOMERS) as Fixture[];

function userWith(...roles: (RoleName | Role)[]): Actor {
  return {
    kind: 'user',
    id: 'u_me',
    departmentId: 'sales',
    teamId: 't_north',
    roles: roles.map((role) => (typeof role === 'string' ? { name: role } : role)),
  };
}

function access(actor: Actor, policy: Policy = DEFAULT_POLICY): Access {
  return new Access(policy, actor, directory);
}

function visible(a: Access): Fixture[] {
  return FIXTURES.filter((name) => a.canSeeCustomer(CUSTOMERS[name]));
}

function changeable(a: Access): Fixture[] {
  return FIXTURES.filter((name) => a.canChangeCustomer(CUSTOMERS[name]));
}

function deniedPath(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!PermissionDeniedError.isInstance(error)) throw error;
    return error.path;
  }
}

function issuePaths(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (ValidationError.isInstance(error)) return error.issues.map((issue) => issue.pathString);
    throw error;
  }
  throw new Error('expected a ValidationError');
}

// ---------------------------------------------------------------------------------------------------------------
// parsePolicy / parseActor
// ---------------------------------------------------------------------------------------------------------------

function policyWith(
  change: (policy: Record<string, unknown> & { roles: Record<string, Record<string, unknown>> }) => void,
) {
  const policy = clone(DEFAULT_POLICY) as unknown as Record<string, unknown> & {
    roles: Record<string, Record<string, unknown>>;
  };
  change(policy);
  return policy;
}

describe('parsePolicy', () => {
  it('accepts the default policy and applies defaults', () => {
    expect(parsePolicy(DEFAULT_POLICY)).toEqual(DEFAULT_POLICY);
    const { version: _v, secretFields: _s, ...bare } = clone(DEFAULT_POLICY);
    expect(parsePolicy(bare)).toEqual({ ...DEFAULT_POLICY, version: 0, secretFields: [] });
  });

  it.each([
    [
      'unknown capability',
      policyWith((p) => {
        p.roles.user!.capabilities = ['customer.fly', 'customer.read'];
      }),
      ['policy.roles.user.capabilities[0]'],
    ],
    [
      'unknown role',
      policyWith((p) => {
        p.roles.admin = p.roles.user!;
      }),
      ['policy.roles.admin'],
    ],
    [
      'missing role',
      policyWith((p) => {
        delete p.roles.key_user;
      }),
      ['policy.roles.key_user'],
    ],
    [
      'bad field pattern',
      policyWith((p) => {
        p.roles.user!.fields = { read: ['displayName', 'a..b', '*.x'], write: ['attributes.*.x'] };
      }),
      ['policy.roles.user.fields.read[1]', 'policy.roles.user.fields.read[2]', 'policy.roles.user.fields.write[0]'],
    ],
    [
      'unknown scope',
      policyWith((p) => {
        p.roles.key_user!.scope = 'company';
      }),
      ['policy.roles.key_user.scope'],
    ],
    [
      'unknown keys at every level',
      policyWith((p) => {
        p.extra = 1;
        p.roles.data_admin!.rows = 'all';
        (p.roles.user!.fields as Record<string, unknown>).delete = [];
      }),
      ['policy.roles.data_admin.rows', 'policy.roles.user.fields.delete', 'policy.extra'],
    ],
    [
      'bad secret field and version',
      policyWith((p) => {
        p.secretFields = ['ok', ''];
        p.version = -1;
      }),
      ['policy.version', 'policy.secretFields[1]'],
    ],
    ['not an object', 'admin', ['policy']],
    ['no roles', { version: 1 }, ['policy.roles']],
  ])('%s -> ValidationError naming every path', (_name, input, paths) => {
    expect(issuePaths(() => parsePolicy(input)).sort()).toEqual([...paths].sort());
  });

  it('says which roles exist for an unknown role, and names the first path in the message', () => {
    try {
      parsePolicy(policyWith((p) => (p.roles.admin = {})));
      expect.unreachable();
    } catch (error) {
      expect(ValidationError.isInstance(error)).toBe(true);
      const e = error as ValidationError;
      expect(e.message).toContain('policy.roles.admin');
      expect(e.issues[0]!.message).toContain('crm_executive');
      expect(e.path).toEqual(['roles', 'admin']);
    }
  });
});

describe('parseActor', () => {
  it.each<[string, unknown]>([
    ['user', { kind: 'user', id: 'u_1', roles: [{ name: 'user', departmentId: 'sales' }], teamId: 't' }],
    ['api key', { kind: 'apiKey', id: 'k_1', roles: [{ name: 'data_admin' }] }],
    ['plugin', { kind: 'plugin', id: 'sales' }],
    ['adapter', { kind: 'adapter', id: 'hubspot' }],
    ['system', { kind: 'system', id: 'hub' }],
  ])('accepts a %s', (_name, input) => {
    expect(parseActor(input)).toEqual(input);
  });

  it.each<[string, unknown, string[]]>([
    ['unknown kind', { kind: 'robot', id: 'r' }, ['actor.kind']],
    ['missing id', { kind: 'system' }, ['actor.id']],
    ['empty id', { kind: 'adapter', id: '' }, ['actor.id']],
    ['unknown role', { kind: 'user', id: 'u', roles: [{ name: 'admin' }] }, ['actor.roles[0].name']],
    [
      'mistyped key in a role (would widen it)',
      { kind: 'user', id: 'u', roles: [{ name: 'user' }, { name: 'key_user', departmentID: 'sales' }] },
      ['actor.roles[1].departmentID'],
    ],
    ['no roles', { kind: 'apiKey', id: 'k', roles: [] }, ['actor.roles']],
    ['missing roles', { kind: 'user', id: 'u' }, ['actor.roles']],
    ['unknown key', { kind: 'user', id: 'u', roles: [{ name: 'user' }], extra: 1 }, ['actor.extra']],
    ['roles on a plugin', { kind: 'plugin', id: 'p', roles: [{ name: 'user' }] }, ['actor.roles']],
    ['team on an api key', { kind: 'apiKey', id: 'k', roles: [{ name: 'user' }], teamId: 't' }, ['actor.teamId']],
    ['several problems', { kind: 'user', roles: [{ name: 'x' }] }, ['actor.id', 'actor.roles[0].name']],
    ['not an object', 42, ['actor']],
  ])('%s -> ValidationError at %j', (_name, input, paths) => {
    expect(issuePaths(() => parseActor(input)).sort()).toEqual([...paths].sort());
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Field patterns and the directory
// ---------------------------------------------------------------------------------------------------------------

describe('FieldPatterns', () => {
  it.each<[string[], string, boolean]>([
    [['*'], 'anything.at.all', true],
    [['displayName'], 'displayName', true],
    [['displayName'], 'displayNameX', false],
    [['name'], 'name.given', false],
    [['attributes.*'], 'attributes', true],
    [['attributes.*'], 'attributes.sales.tier', true],
    [['attributes.*'], 'attributesX', false],
    [['attributes.sales.*'], 'attributes.sales', true],
    [['attributes.sales.*'], 'attributes.sales.tier', true],
    [['attributes.sales.*'], 'attributes.salesforce.tier', false],
    [['attributes.sales.*'], 'attributes', false],
    [['attributes.sales.tier'], 'attributes.sales.tier', true],
    [[], 'displayName', false],
  ])('%j matches %s: %s', (patterns, path, expected) => {
    const matcher = new FieldPatterns(patterns);
    expect(matcher.matches(path)).toBe(expected);
    expect(matcher.matches(path)).toBe(expected); // cached
  });

  it('bounds its cache', () => {
    const matcher = new FieldPatterns(['a.*']);
    for (let i = 0; i < 10_000; i++) expect(matcher.matches(`a.f${i}`)).toBe(true);
    expect((matcher as unknown as { cache: Map<string, boolean> }).cache.size).toBeLessThanOrEqual(4096);
  });
});

describe('createDirectory', () => {
  it('looks up users and systems', () => {
    expect(directory.user('u_mate')).toEqual({ departmentId: 'sales', teamId: 't_north' });
    expect(directory.user('nobody')).toBeUndefined();
    expect(directory.departmentOfSystem('zendesk-service')).toBe('service');
    expect(directory.departmentOfSystem('unknown-system')).toBeUndefined();
    expect(createDirectory({}).user('u_me')).toBeUndefined();
  });

  it('refuses a user listed twice and a system claimed by two departments', () => {
    expect(() => createDirectory({ users: [{ id: 'a' }, { id: 'a' }] })).toThrow(InvalidArgumentError);
    expect(() =>
      createDirectory({
        departments: [
          { id: 'x', systems: ['s'] },
          { id: 'y', systems: ['s'] },
        ],
      }),
    ).toThrow(/belongs to both/);
    expect(createDirectory({ departments: [{ id: 'x', systems: ['s', 's'] }] }).departmentOfSystem('s')).toBe('x');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The default roles on the fixtures
// ---------------------------------------------------------------------------------------------------------------

const ALL: Fixture[] = ['own', 'team', 'department', 'sourced', 'other', 'orphan'];
const SALES: Fixture[] = ['own', 'team', 'department', 'sourced'];

describe('default roles (user u_me in sales, team north)', () => {
  it.each<[RoleName, Fixture[], Fixture[]]>([
    ['crm_executive', ALL, []],
    ['technical_admin', ALL, []],
    ['functional_admin', ALL, []],
    ['data_admin', ALL, ALL],
    ['key_user', SALES, SALES],
    ['user', SALES, ['own']],
  ])('%s sees %j and changes %j', (role, sees, changes) => {
    const a = access(userWith(role));
    expect(visible(a)).toEqual(sees);
    expect(changeable(a)).toEqual(changes);
  });

  it.each<[string, (RoleName | Role)[], Fixture[], Fixture[]]>([
    ['key user of service', [{ name: 'key_user', departmentId: 'service' }], ['other'], ['other']],
    ['data admin of service', [{ name: 'data_admin', departmentId: 'service' }], ['other'], ['other']],
    // A user of service sees service's customers, but owns none of them: changes nothing.
    ['user of service', [{ name: 'user', departmentId: 'service' }], ['other'], []],
    ['user of sales', [{ name: 'user', departmentId: 'sales' }], SALES, ['own']],
    [
      'user plus key user of service',
      ['user', { name: 'key_user', departmentId: 'service' }],
      [...SALES, 'other'],
      ['own', 'other'],
    ],
  ])('department-limited: %s', (_name, roles, sees, changes) => {
    const a = access(userWith(...roles));
    expect(visible(a)).toEqual(sees);
    expect(changeable(a)).toEqual(changes);
  });

  it('an actor without a department or team sees only its own customers under a department scope', () => {
    const a = access({ kind: 'user', id: 'u_me', roles: [{ name: 'key_user' }] });
    expect(visible(a)).toEqual(['own']);
  });

  it('narrower custom scopes: own and team, with and without a department limit', () => {
    const policy = clone(DEFAULT_POLICY);
    policy.roles.user.scope = 'team';
    policy.roles.key_user.scope = 'own';
    expect(visible(access(userWith('user'), policy))).toEqual(['own', 'team']);
    expect(visible(access(userWith('key_user'), policy))).toEqual(['own']);
    expect(visible(access(userWith({ name: 'user', departmentId: 'sales' }), policy))).toEqual(['own', 'team']);
    expect(visible(access(userWith({ name: 'user', departmentId: 'service' }), policy))).toEqual([]);
  });

  it('a role without customer.read sees nothing; without customer.write changes nothing', () => {
    const policy = clone(DEFAULT_POLICY);
    policy.roles.data_admin.capabilities = ['customer.write'];
    const a = access(userWith('data_admin'), policy);
    expect(visible(a)).toEqual([]);
    expect(a.projectCustomer(CUSTOMERS.own)).toBeUndefined();
    expect(a.canReadField('displayName')).toBe(false);
    expect(changeable(a)).toEqual(ALL);
  });

  it('capabilities are the union of the roles', () => {
    const a = access(userWith('user', 'technical_admin'));
    expect(a.can('adapter.manage')).toBe(true);
    expect(a.can('customer.write')).toBe(true);
    expect(a.can('gdpr.erase')).toBe(false);
    expect(() => a.require('adapter.manage')).not.toThrow();
    try {
      a.require('gdpr.erase');
      expect.unreachable();
    } catch (error) {
      expect(PermissionDeniedError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ actor: 'user:u_me', operation: 'gdpr.erase', path: 'gdpr.erase' });
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Projection
// ---------------------------------------------------------------------------------------------------------------

describe('projectCustomer', () => {
  it('crm_executive reads everything: the customer itself', () => {
    expect(access(userWith('crm_executive')).projectCustomer(CUSTOMERS.other)).toBe(CUSTOMERS.other);
  });

  it('technical_admin: identity and display name only, everything else absent', () => {
    const projected = access(userWith('technical_admin')).projectCustomer(CUSTOMERS.own)!;
    expect(projected).toStrictEqual({
      id: 'c_own',
      kind: 'person',
      status: 'active',
      createdAt: AT,
      updatedAt: AT,
      version: 3,
      displayName: 'Ada Lovelace',
      golden: { kind: 'person', fields: {} },
    });
    expect('contactPoints' in projected.golden).toBe(false);
    expect('sources' in projected.golden).toBe(false);
  });

  it('user: everyday fields, no sensitive ones', () => {
    const projected = access(userWith('user')).projectCustomer(CUSTOMERS.own)!;
    expect(Object.keys(projected.golden.fields).sort()).toEqual([
      'attributes.sales.tier',
      'attributes.service.sla',
      'familyName',
      'givenName',
      'ownerId',
    ]);
    expect(projected.golden.fields.givenName).toBe(CUSTOMERS.own.golden.fields.givenName);
    expect(projected.displayName).toBe('Ada Lovelace');
    expect(projected.golden.contactPoints).toBe(CUSTOMERS.own.golden.contactPoints);
    expect(projected.golden.sources).toBe(CUSTOMERS.own.golden.sources);
    expect(access(userWith('user')).projectCustomer(CUSTOMERS.other)).toBeUndefined();
  });

  it('keeps mergedInto and drops nothing of identity', () => {
    const merged: Customer = { ...CUSTOMERS.own, status: 'merged', mergedInto: 'c_team' };
    expect(access(userWith('technical_admin')).projectCustomer(merged)).toMatchObject({
      status: 'merged',
      mergedInto: 'c_team',
    });
  });

  it('unions fields only over the roles that see the customer', () => {
    // technical_admin sees every customer but only the display name; user adds everyday fields in sales only.
    const a = access(userWith('technical_admin', { name: 'user', departmentId: 'sales' }));
    expect(Object.keys(a.projectCustomer(CUSTOMERS.other)!.golden.fields)).toEqual([]);
    expect(Object.keys(a.projectCustomer(CUSTOMERS.department)!.golden.fields)).toContain('givenName');
    expect(a.canReadField('givenName')).toBe(true);
    expect(a.canReadField('birthDate')).toBe(false);
    expect(a.canReadField('id')).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------------------------------

describe('assertWrite', () => {
  it.each<[string, RoleName | Role, Fixture, string[], string | undefined]>([
    [
      'user writes everyday fields of its own customer',
      'user',
      'own',
      ['givenName', 'attributes.sales.tier'],
      undefined,
    ],
    ['user may not write a sensitive field', 'user', 'own', ['givenName', 'birthDate'], 'birthDate'],
    ['user may not write the owner', 'user', 'own', ['ownerId'], 'ownerId'],
    ['first offending field is named', 'user', 'own', ['givenName', 'nationalId', 'birthDate'], 'nationalId'],
    ["user may not write a teammate's customer", 'user', 'team', ['givenName'], 'customer:c_team'],
    ['row is checked before fields', 'user', 'team', ['birthDate'], 'customer:c_team'],
    ['row is checked even with no fields', 'user', 'other', [], 'customer:c_other'],
    ['key user writes department customers', 'key_user', 'sourced', ['familyName'], undefined],
    ['key user may not write outside the department', 'key_user', 'other', ['familyName'], 'customer:c_other'],
    ['key user may not write sources', 'key_user', 'department', ['sources'], 'sources'],
    ['crm_executive writes nothing', 'crm_executive', 'own', ['givenName'], 'customer:c_own'],
    ['data_admin writes everything', 'data_admin', 'other', ['birthDate', 'ownerId', 'attributes.x.y'], undefined],
  ])('%s', (_name, role, fixture, fields, path) => {
    const a = access(userWith(role));
    expect(deniedPath(() => a.assertWrite(CUSTOMERS[fixture], fields))).toBe(path);
  });

  it('refusals are PERMISSION_DENIED writes by the actor', () => {
    try {
      access(userWith('user')).assertWrite(CUSTOMERS.own, ['birthDate']);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect(error).toMatchObject({ code: 'PERMISSION_DENIED', actor: 'user:u_me', operation: 'write' });
    }
  });

  it('field writes come only from roles that change the customer', () => {
    // data_admin of service writes every field, but only on service's customers.
    const a = access(userWith('user', { name: 'data_admin', departmentId: 'service' }));
    expect(deniedPath(() => a.assertWrite(CUSTOMERS.own, ['birthDate']))).toBe('birthDate');
    expect(deniedPath(() => a.assertWrite(CUSTOMERS.other, ['birthDate']))).toBeUndefined();
    expect(a.canWriteField('birthDate')).toBe(true);
    expect(a.canWriteField('sources')).toBe(true);
    expect(access(userWith('user')).canWriteField('sources')).toBe(false);
    expect(access(userWith('crm_executive')).canWriteField('displayName')).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Non-user actors
// ---------------------------------------------------------------------------------------------------------------

describe('non-user actors', () => {
  it('system may do everything', () => {
    const a = access({ kind: 'system', id: 'hub' });
    expect(a.label).toBe('system:hub');
    expect(a.can('gdpr.erase')).toBe(true);
    expect(a.can('policy.manage')).toBe(true);
    expect(visible(a)).toEqual(ALL);
    expect(changeable(a)).toEqual(ALL);
    expect(a.projectCustomer(CUSTOMERS.other)).toBe(CUSTOMERS.other);
    expect(() => a.assertWrite(CUSTOMERS.other, ['nationalId', 'sources'])).not.toThrow();
  });

  it('adapter reads every row and field and imports, but writes no customers', () => {
    const a = access({ kind: 'adapter', id: 'hubspot' });
    expect(a.can('customer.read')).toBe(true);
    expect(a.can('record.import')).toBe(true);
    expect(a.can('customer.write')).toBe(false);
    expect(a.can('customer.merge')).toBe(false);
    expect(visible(a)).toEqual(ALL);
    expect(a.projectCustomer(CUSTOMERS.other)).toBe(CUSTOMERS.other);
    expect(a.canReadField('nationalId')).toBe(true);
    expect(changeable(a)).toEqual([]);
    expect(a.canWriteField('givenName')).toBe(false);
    expect(deniedPath(() => a.assertWrite(CUSTOMERS.own, ['givenName']))).toBe('customer:c_own');
  });

  it('plugin actors are refused: the plugin grant governs them', () => {
    expect(() => access({ kind: 'plugin', id: 'sales' })).toThrow(InvalidArgumentError);
    expect(() => access({ kind: 'plugin', id: 'sales' })).toThrow(/plugin grant/);
  });

  it('api keys are users without own rows or a team', () => {
    const policy = clone(DEFAULT_POLICY);
    policy.roles.user.scope = 'team';
    const key: Actor = { kind: 'apiKey', id: 'k_1', departmentId: 'sales', roles: [{ name: 'user' }] };
    const a = access(key, policy);
    expect(a.label).toBe('apiKey:k_1');
    expect(visible(a)).toEqual([]);
    const keyOwned = customer('c_key', { owner: 'k_1' });
    expect(a.canSeeCustomer(keyOwned)).toBe(true);
    expect(a.canChangeCustomer(keyOwned)).toBe(true);
    // With the default department scope, the key sees its department, and still changes nothing it does not own.
    const b = access(key);
    expect(visible(b)).toEqual(SALES);
    expect(changeable(b)).toEqual([]);
    expect(changeable(access({ ...key, roles: [{ name: 'key_user' }] }))).toEqual(SALES);
  });

  it('a non-string owner id owns nothing', () => {
    const odd = customer('c_odd');
    odd.golden.fields.ownerId = field(42);
    expect(access(userWith('user')).canSeeCustomer(odd)).toBe(false);
    expect(access(userWith('data_admin')).canSeeCustomer(odd)).toBe(true);
  });
});

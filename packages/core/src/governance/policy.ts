import { FieldPatterns } from './field-patterns';
import { visibleDisplayName } from '../query/readable-names';
import {
  type Actor,
  ApiKeyActorSchema,
  AdapterActorSchema,
  actorLabel,
  type Capability,
  CapabilitySchema,
  type Customer,
  type GoldenField,
  InvalidArgumentError,
  PermissionDeniedError,
  PluginActorSchema,
  type Policy,
  PolicySchema,
  RoleNameSchema,
  RoleSchema,
  type RowScope,
  SystemActorSchema,
  UserActorSchema,
  ValidationError,
  type ValidationIssue,
  issuesFromZod,
  validationIssue,
} from '@crmkit/model';
import { z } from 'zod';

/**
 * Policy evaluation: what a user, API key, adapter or the system may do, which customers it sees and changes, and
 * which golden fields it reads and writes. Pure: no I/O, no clock; the Hub builds an {@link Access} per call.
 *
 * ## Rules
 *
 * **Roles.** A user or API key gets the union of the grants of its roles. Every role assignment is evaluated on its
 * own rows: a field is readable (writable) on a customer when some role that sees (changes) that customer reads
 * (writes) the field. So a broad role with few fields and a narrow role with many fields never combine into many
 * fields on every customer.
 *
 * **Capabilities gate data access.** A role contributes to reading customers (rows and fields) only when it has
 * `customer.read`, and to writing customers only when it has `customer.write`. Other capabilities are checked with
 * {@link Access.can} / {@link Access.require}.
 *
 * **Row scopes** are nested, `own` ⊆ `team` ⊆ `department` ⊆ `all`:
 * - `own`: the customer's golden `ownerId` value equals the actor's id;
 * - `team`: own, or the owner (looked up in the {@link Directory}) is in the actor's team;
 * - `department`: team, or the customer is in the actor's department: one of its sources (`golden.sources[].system`)
 *   belongs to the department, or its owner is in the department;
 * - `all`: every customer.
 *
 * The actor's own department and team are those on the actor (`actor.departmentId`, `actor.teamId`); the directory
 * places owners and source systems. An actor without a department (team) has no department (team) rows beyond the
 * narrower scopes.
 *
 * **Department-limited roles.** A role assignment with a `departmentId` applies only to that department's
 * customers: scope `all` becomes `department` of that department, scope `department` uses that department instead
 * of the actor's, and the narrower `own` and `team` stay as they are but only for customers in that department.
 *
 * **Writes.** A role changes the rows it sees, except the `user` role, which changes only the customers it owns
 * (`own`, still limited to its department when it has one). Field writes need a role that both changes the customer
 * and writes the field.
 *
 * **Non-user actors.**
 * - `system` (the Hub, migrations, retention): every capability, every row, every field.
 * - `adapter`: capabilities `customer.read` and `record.import`, every row, every field: it syncs its own system's
 *   data, so nothing is hidden from it. Its writes arrive as imports, never as customer writes: it has no
 *   `customer.write`, so {@link Access.canChangeCustomer} and {@link Access.canWriteField} are false.
 * - `apiKey`: like a user with its roles, but it owns nothing and has no team: `own` and `team` scopes see only the
 *   customers whose owner id is the key's id (normally none).
 * - `plugin`: not governed here; its manifest grant (`Grant`, in `plugins/permissions`) governs it. `new Access`
 *   refuses plugin actors.
 *
 * **Field patterns** (`FieldPatternSchema`): `*` (every field), an exact path (`displayName`, `attributes.sales.tier`),
 * or `prefix.*`, which matches the prefix path itself and every path under it (`attributes.*`, `attributes.sales.*`).
 * Identity (`id`, `kind`, `status`, `mergedInto`, `createdAt`, `updatedAt`, `version`) is always readable.
 *
 * @module
 */

/** Fields of a customer every actor that sees it may read: its identity. */
const IDENTITY_FIELDS = ['id', 'kind', 'status', 'mergedInto', 'createdAt', 'updatedAt', 'version'] as const;
const IDENTITY: ReadonlySet<string> = new Set(IDENTITY_FIELDS);

/** Upper bound of cached decisions per matcher: field names repeat, but could come from data. */
const CACHE_LIMIT = 4096;

// ---------------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------------

/** Roles inside actors, strict: an unknown key (say a mistyped `departmentID`) would otherwise widen the role. */
const StrictRoleSchema = z.strictObject(RoleSchema.shape);
const StrictRolesSchema = z.array(StrictRoleSchema).min(1);
/** {@link ActorSchema} with strict role assignments. */
const StrictActorSchema = z.discriminatedUnion('kind', [
  UserActorSchema.extend({ roles: StrictRolesSchema }),
  ApiKeyActorSchema.extend({ roles: StrictRolesSchema }),
  PluginActorSchema,
  AdapterActorSchema,
  SystemActorSchema,
]) satisfies z.ZodType<Actor>;

function fail(what: string, issues: ValidationIssue[], cause: unknown): never {
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw new ValidationError({
    message: `[crmkit] ${what} is invalid at ${first.pathString}: ${first.message}${more}`,
    issues,
    cause,
  });
}

/**
 * Validates a policy, strictly: an unknown or missing role, an unknown capability or scope, a bad field pattern or
 * an unknown key anywhere is refused. Throws a {@link ValidationError} naming every offending path, rooted at
 * `policy` (`policy.roles.user.capabilities[0]`, `policy.roles.admin`, `policy.roles.user.fields.read[2]`).
 * Returns the policy with defaults applied (`version` 0, no `secretFields`).
 *
 * @example
 * ```ts
 * const policy = parsePolicy(JSON.parse(text));
 * ```
 */
export function parsePolicy(input: unknown): Policy {
  const parsed = PolicySchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const roles = RoleNameSchema.options.join(', ');
  fail(
    'Policy',
    issuesFromZod(parsed.error, {
      root: 'policy',
      unknownKeys: 'key',
      unknownKeyMessage: (path) =>
        path.length === 1 && path[0] === 'roles' ? `Unknown role; roles are ${roles}` : undefined,
    }),
    parsed.error,
  );
}

/**
 * Validates an actor: an unknown kind, a missing id, an unknown role or an unknown key (also inside a role
 * assignment) is refused. Throws a {@link ValidationError} naming every offending path, rooted at `actor`
 * (`actor.kind`, `actor.id`, `actor.roles[0].name`).
 */
export function parseActor(input: unknown): Actor {
  const copy = ownDataCopy(input, 'actor');
  const parsed = StrictActorSchema.safeParse(copy);
  if (parsed.success) return parsed.data;
  fail('Actor', issuesFromZod(parsed.error, { root: 'actor', unknownKeys: 'key' }), parsed.error);
}

/** How deep and how wide an actor may be: an actor is a handful of keys and a short list of roles. */
const ACTOR_COPY_LIMITS = { depth: 4, entries: 1000 } as const;

/**
 * A plain copy of `input` made of its own enumerable data properties only, for validation: nothing inherited from a
 * prototype (`Object.create({ kind: 'system' })`, a `__proto__` literal, a polluted `Object.prototype`), no getter
 * is called, and a Proxy's `get` trap is not consulted. Objects must be plain (prototype `Object.prototype` or
 * `null`) and arrays real arrays; a class instance, an accessor property, a revoked Proxy or input deeper or wider
 * than {@link ACTOR_COPY_LIMITS} is a {@link ValidationError} at the offending path.
 */
function ownDataCopy(input: unknown, root: string): unknown {
  let entries = 0;
  const refuse = (path: (string | number)[], message: string, cause?: unknown): never => {
    fail('Actor', [validationIssue(path, message, 'custom', root)], cause);
  };
  const copy = (value: unknown, path: (string | number)[]): unknown => {
    if (value === null || typeof value !== 'object') {
      return typeof value === 'function' ? refuse(path, 'Expected plain data, got a function') : value;
    }
    if (path.length >= ACTOR_COPY_LIMITS.depth) refuse(path, 'Nested too deep for an actor');
    try {
      const isArray = Array.isArray(value);
      const proto = Object.getPrototypeOf(value);
      if (isArray ? proto !== Array.prototype : proto !== Object.prototype && proto !== null) {
        refuse(path, 'Expected a plain object (no class instance, no inherited properties)');
      }
      if (isArray && (value as unknown[]).length > ACTOR_COPY_LIMITS.entries)
        refuse(path, 'Too many items for an actor');
      const out: unknown[] | Record<string, unknown> = isArray ? [] : Object.create(null);
      for (const key of Object.getOwnPropertyNames(value)) {
        if (isArray && key === 'length') continue;
        const descriptor = Object.getOwnPropertyDescriptor(value, key);
        if (descriptor === undefined || !descriptor.enumerable) continue;
        const at = isArray ? Number(key) : key;
        if (!('value' in descriptor)) refuse([...path, at], 'Expected a data property, got a getter or setter');
        entries += 1;
        if (entries > ACTOR_COPY_LIMITS.entries) refuse(path, 'Too many properties for an actor');
        (out as Record<string, unknown>)[key] = copy(descriptor.value, [...path, at]);
      }
      return isArray ? Array.from(out as unknown[]) : out;
    } catch (error) {
      if (ValidationError.isInstance(error)) throw error;
      // A revoked Proxy or a trap that throws.
      return refuse(path, "Could not read the actor's own properties", error);
    }
  };
  return copy(input, []);
}

// ---------------------------------------------------------------------------------------------------------------
// Field patterns
// ---------------------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------------------
// Directory
// ---------------------------------------------------------------------------------------------------------------

/** Where customers and users sit, for row scopes. */
export interface Directory {
  /** user id -> `{ departmentId?, teamId? }` (owners of customers are users); `undefined` for an unknown user. */
  user(id: string): { departmentId?: string; teamId?: string } | undefined;
  /** source system -> department id (departments own source systems); `undefined` when no department owns it. */
  departmentOfSystem(system: string): string | undefined;
}

/**
 * A {@link Directory} over lists of users and departments (for example the admin data of the embedding app).
 * Throws an {@link InvalidArgumentError} when a user id appears twice or two departments claim the same system,
 * since either would make row scopes ambiguous.
 */
export function createDirectory(options: {
  users?: readonly { id: string; departmentId?: string; teamId?: string }[];
  departments?: readonly { id: string; systems: readonly string[] }[];
}): Directory {
  const users = new Map<string, { departmentId?: string; teamId?: string }>();
  for (const [index, user] of (options.users ?? []).entries()) {
    if (users.has(user.id)) {
      throw new InvalidArgumentError({
        argument: `users[${index}].id`,
        message: `[crmkit] The directory lists the user "${user.id}" twice.`,
      });
    }
    const entry: { departmentId?: string; teamId?: string } = {};
    if (user.departmentId !== undefined) entry.departmentId = user.departmentId;
    if (user.teamId !== undefined) entry.teamId = user.teamId;
    users.set(user.id, Object.freeze(entry));
  }
  const systems = new Map<string, string>();
  for (const [index, department] of (options.departments ?? []).entries()) {
    for (const system of department.systems) {
      const owner = systems.get(system);
      if (owner !== undefined && owner !== department.id) {
        throw new InvalidArgumentError({
          argument: `departments[${index}].systems`,
          message: `[crmkit] The source system "${system}" belongs to both department "${owner}" and "${department.id}".`,
        });
      }
      systems.set(system, department.id);
    }
  }
  return {
    user: (id) => users.get(id),
    departmentOfSystem: (system) => systems.get(system),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Access
// ---------------------------------------------------------------------------------------------------------------

/** Rows a grant covers: a scope, the department it uses, and an optional department every row must be in. */
interface RowRule {
  scope: RowScope;
  /** The department of scope `department` (the role's department, else the actor's). */
  department: string | undefined;
  /** The role's `departmentId`: rows must be in this department. */
  limit: string | undefined;
}

/** One role assignment (or the built-in grant of a system or adapter actor), compiled. */
interface CompiledGrant {
  readonly capabilities: ReadonlySet<Capability>;
  /** Has `customer.read`: contributes rows and fields to reading. */
  readonly reads: boolean;
  /** Has `customer.write`: contributes rows and fields to writing. */
  readonly writes: boolean;
  readonly readRows: RowRule;
  readonly writeRows: RowRule;
  readonly readFields: FieldPatterns;
  readonly writeFields: FieldPatterns;
}

/** What row scopes need to know about one customer, computed once per check. */
interface RowFacts {
  ownerId: string | undefined;
  ownerTeam: string | undefined;
  ownerDepartment: string | undefined;
  /** Departments owning a source system of the customer. */
  sourceDepartments: ReadonlySet<string>;
}

const ALL_CAPABILITIES: readonly Capability[] = CapabilitySchema.options;
const ADAPTER_CAPABILITIES: readonly Capability[] = ['customer.read', 'record.import'];
const ALL_ROWS: RowRule = { scope: 'all', department: undefined, limit: undefined };

function builtInGrant(capabilities: readonly Capability[]): CompiledGrant {
  const set = new Set(capabilities);
  const everything = new FieldPatterns(['*']);
  return {
    capabilities: set,
    reads: set.has('customer.read'),
    writes: set.has('customer.write'),
    readRows: ALL_ROWS,
    writeRows: ALL_ROWS,
    readFields: everything,
    writeFields: everything,
  };
}

/** The row rule of a role scope for an actor in `actorDepartment`, limited to the department `limit` when set. */
function rowRule(scope: RowScope, actorDepartment: string | undefined, limit: string | undefined): RowRule {
  // With a limit, every row must be in that department, so `all` and `department` both mean that department.
  return { scope, department: limit ?? actorDepartment, limit };
}

/**
 * An actor's effective access under a policy: the union over its roles (see the module documentation for the rules).
 * Build one per actor and policy version; it caches field decisions, so reuse it across the customers of a call.
 *
 * @example
 * ```ts
 * const access = new Access(policy, actor, directory);
 * access.require('customer.read');
 * const visible = customers.map((c) => access.projectCustomer(c)).filter((c) => c !== undefined);
 * ```
 */
export class Access {
  /** `user:u_1`, `apiKey:k_1` ...: the actor in errors and the audit log. */
  readonly label: string;
  private readonly grants: readonly CompiledGrant[];
  private readonly capabilities: ReadonlySet<Capability>;
  private readonly teamId: string | undefined;
  private readonly readable = new Map<string, boolean>();
  private readonly writable = new Map<string, boolean>();

  /** Throws an {@link InvalidArgumentError} for a plugin actor: plugins are governed by their manifest grant. */
  constructor(
    policy: Policy,
    /** Who acts. */
    readonly actor: Actor,
    private readonly directory: Directory,
  ) {
    this.label = actorLabel(actor);
    switch (actor.kind) {
      case 'system':
        this.grants = [builtInGrant(ALL_CAPABILITIES)];
        this.teamId = undefined;
        break;
      case 'adapter':
        this.grants = [builtInGrant(ADAPTER_CAPABILITIES)];
        this.teamId = undefined;
        break;
      case 'plugin':
        throw new InvalidArgumentError({
          argument: 'actor',
          message: `[crmkit] ${this.label} is a plugin: its manifest permissions govern it. Use the plugin grant (Grant), not a policy Access.`,
        });
      case 'user':
      case 'apiKey': {
        this.teamId = actor.kind === 'user' ? actor.teamId : undefined;
        const grants: CompiledGrant[] = [];
        for (const role of actor.roles) {
          const rolePolicy = policy.roles[role.name];
          if (rolePolicy === undefined) continue;
          const capabilities = new Set(rolePolicy.capabilities);
          const readRows = rowRule(rolePolicy.scope, actor.departmentId, role.departmentId);
          grants.push({
            capabilities,
            reads: capabilities.has('customer.read'),
            writes: capabilities.has('customer.write'),
            readRows,
            // A user writes only the customers it owns: the narrowest scope, still within its department limit.
            writeRows: role.name === 'user' ? { ...readRows, scope: 'own' } : readRows,
            readFields: new FieldPatterns(rolePolicy.fields.read),
            writeFields: new FieldPatterns(rolePolicy.fields.write),
          });
        }
        this.grants = grants;
        break;
      }
      default:
        throw new InvalidArgumentError({
          argument: 'actor.kind',
          message: `[crmkit] Unknown actor kind "${(actor as { kind: unknown }).kind}".`,
        });
    }
    this.capabilities = new Set(this.grants.flatMap((grant) => [...grant.capabilities]));
  }

  /** True when some role of the actor has the capability. */
  can(capability: Capability): boolean {
    return this.capabilities.has(capability);
  }

  /** Throws a {@link PermissionDeniedError} (operation and path: the capability) unless {@link can}. */
  require(capability: Capability): void {
    if (!this.can(capability)) {
      throw new PermissionDeniedError({
        actor: this.label,
        operation: capability,
        path: capability,
        message: `[crmkit] ${this.label} lacks the capability "${capability}".`,
      });
    }
  }

  /**
   * May the actor see this customer at all: some role with `customer.read` has it in its row scope (`own`: the
   * golden `ownerId` value is the actor's id; `team`: the owner is in the actor's team; `department`: a source system
   * or the owner belongs to the department; `all`).
   */
  canSeeCustomer(customer: Customer): boolean {
    return this.readingGrants(customer).length > 0;
  }

  /**
   * May the actor change this customer: some role with `customer.write` has it in its write scope. The write scope is
   * the role's row scope, except that the `user` role writes only customers it owns (`own`, within its department
   * limit).
   */
  canChangeCustomer(customer: Customer): boolean {
    return this.writingGrants(customer).length > 0;
  }

  /** May the actor read this field on some customer: identity always; otherwise a role with `customer.read` reads it. */
  canReadField(path: string): boolean {
    if (IDENTITY.has(path)) return true;
    return this.decide(this.readable, path, (grant) => grant.reads && grant.readFields.matches(path));
  }

  /** May the actor write this field on some customer: a role with `customer.write` writes it. */
  canWriteField(path: string): boolean {
    return this.decide(this.writable, path, (grant) => grant.writes && grant.writeFields.matches(path));
  }

  /**
   * May the actor read this field on this customer: identity always; otherwise a role that sees the customer reads
   * it. Narrower than {@link canReadField} for an actor whose roles read different fields on different rows.
   */
  canReadFieldOn(customer: Customer, path: string): boolean {
    if (IDENTITY.has(path)) return true;
    return this.readingGrants(customer).some((grant) => grant.readFields.matches(path));
  }

  /**
   * May the actor see an activity (interaction, opportunity) of a customer it sees: some role that sees the customer
   * would see the activity as a row of its own, its source system and owner standing in for a customer's sources and
   * owner. Scope `all` sees every activity; `department`: the activity's system belongs to the department, or its
   * owner is in it (or in the actor's team, or is the actor); `team` and `own`: by the activity's owner.
   */
  canSeeActivity(customer: Customer, activity: { system: string; ownerId?: string | undefined }): boolean {
    const grants = this.readingGrants(customer);
    if (grants.length === 0) return false;
    const ownerId = typeof activity.ownerId === 'string' && activity.ownerId !== '' ? activity.ownerId : undefined;
    const owner = ownerId === undefined ? undefined : this.directory.user(ownerId);
    const department = this.directory.departmentOfSystem(activity.system);
    const facts: RowFacts = {
      ownerId,
      ownerTeam: owner?.teamId,
      ownerDepartment: owner?.departmentId,
      sourceDepartments: new Set(department === undefined ? [] : [department]),
    };
    return grants.some((grant) => this.inRows(grant.readRows, facts));
  }

  /**
   * The customer as the actor may see it, `undefined` when it may not see it. Identity always; `displayName`, the
   * golden fields, `golden.contactPoints` and `golden.sources` only when a role that sees the customer reads them
   * (paths `displayName`, the field name, `contactPoints`, `sources`). What is not readable is absent, never `null`
   * or empty: the static type is `Customer`, but `displayName`, `golden.contactPoints` and `golden.sources` may be
   * missing. A display name that is only a contact point is `(unnamed)` to an actor that may not read
   * `contactPoints` (the rule plugins follow too). An actor that reads every field of the customer gets the customer
   * object itself.
   */
  projectCustomer(customer: Customer): Customer | undefined {
    const grants = this.readingGrants(customer);
    if (grants.length === 0) return undefined;
    if (grants.some((grant) => grant.readFields.all)) return customer;
    const readable = (path: string): boolean => grants.some((grant) => grant.readFields.matches(path));
    const out: Record<string, unknown> = {};
    for (const key of IDENTITY_FIELDS) if (customer[key] !== undefined) out[key] = customer[key];
    if (readable('displayName')) out.displayName = visibleDisplayName(customer, readable('contactPoints'));
    const fields: Record<string, GoldenField> = {};
    for (const [name, field] of Object.entries(customer.golden.fields)) if (readable(name)) fields[name] = field;
    const golden: Record<string, unknown> = { kind: customer.golden.kind, fields };
    if (readable('contactPoints')) golden.contactPoints = customer.golden.contactPoints;
    if (readable('sources')) golden.sources = customer.golden.sources;
    out.golden = golden;
    return out as unknown as Customer;
  }

  /**
   * Throws a {@link PermissionDeniedError} (operation `write`) unless the actor may change this customer and write
   * every one of `fields` on it: path `customer:<id>` when the row is out of its write scope (also for an empty
   * `fields`), else the first field no role that changes the customer writes.
   */
  assertWrite(customer: Customer, fields: readonly string[]): void {
    const grants = this.writingGrants(customer);
    if (grants.length === 0) {
      const path = `customer:${customer.id}`;
      throw new PermissionDeniedError({
        actor: this.label,
        operation: 'write',
        path,
        message: `[crmkit] ${this.label} may not write "${path}": the customer is outside its write scope.`,
      });
    }
    for (const field of fields) {
      if (!grants.some((grant) => grant.writeFields.matches(field))) {
        throw new PermissionDeniedError({
          actor: this.label,
          operation: 'write',
          path: field,
          message: `[crmkit] ${this.label} may not write "${field}" of customer "${customer.id}": it is outside its field grant.`,
        });
      }
    }
  }

  private decide(cache: Map<string, boolean>, path: string, test: (grant: CompiledGrant) => boolean): boolean {
    const known = cache.get(path);
    if (known !== undefined) return known;
    const allowed = this.grants.some(test);
    if (cache.size < CACHE_LIMIT) cache.set(path, allowed);
    return allowed;
  }

  private readingGrants(customer: Customer): CompiledGrant[] {
    return this.grantsOn(customer, 'read');
  }

  private writingGrants(customer: Customer): CompiledGrant[] {
    return this.grantsOn(customer, 'write');
  }

  /** The grants that let this actor read (or write) this customer: the capability, and the customer in its rows. */
  private grantsOn(customer: Customer, access: 'read' | 'write'): CompiledGrant[] {
    let facts: RowFacts | undefined;
    const out: CompiledGrant[] = [];
    for (const grant of this.grants) {
      if (!(access === 'read' ? grant.reads : grant.writes)) continue;
      facts ??= this.factsOf(customer);
      if (this.inRows(access === 'read' ? grant.readRows : grant.writeRows, facts)) out.push(grant);
    }
    return out;
  }

  private factsOf(customer: Customer): RowFacts {
    const value = customer.golden.fields.ownerId?.value;
    const ownerId = typeof value === 'string' && value !== '' ? value : undefined;
    const owner = ownerId === undefined ? undefined : this.directory.user(ownerId);
    const sourceDepartments = new Set<string>();
    for (const source of customer.golden.sources) {
      const department = this.directory.departmentOfSystem(source.system);
      if (department !== undefined) sourceDepartments.add(department);
    }
    return { ownerId, ownerTeam: owner?.teamId, ownerDepartment: owner?.departmentId, sourceDepartments };
  }

  private inRows(rule: RowRule, facts: RowFacts): boolean {
    if (rule.limit !== undefined && !inDepartment(facts, rule.limit)) return false;
    switch (rule.scope) {
      case 'all':
        return true;
      case 'department':
        if (rule.department !== undefined && inDepartment(facts, rule.department)) return true;
        return this.inTeam(facts);
      case 'team':
        return this.inTeam(facts);
      case 'own':
        return this.owns(facts);
    }
  }

  private inTeam(facts: RowFacts): boolean {
    if (this.owns(facts)) return true;
    return this.teamId !== undefined && facts.ownerTeam === this.teamId;
  }

  private owns(facts: RowFacts): boolean {
    return facts.ownerId !== undefined && facts.ownerId === this.actor.id;
  }
}

function inDepartment(facts: RowFacts, department: string): boolean {
  return facts.ownerDepartment === department || facts.sourceDepartments.has(department);
}

export { FieldPatterns } from './field-patterns';

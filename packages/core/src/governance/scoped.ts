import {
  type Actor,
  type AuditEntry,
  type AuditVerification,
  type ChangeRequest,
  type ConsentCapture,
  type ContactArrangement,
  type ContactDecision,
  type Customer,
  type CustomerGroup,
  type ErasureReport,
  InvalidArgumentError,
  type JsonValue,
  NotFoundError,
  PermissionDeniedError,
  type Policy,
  type RetentionPolicy,
  type SourceRecordInput,
  type UserActor,
} from '@crmkit/model';
import type { Hub } from '../api/hub';
import type { FindQuery, LoadOptions } from '../api/options';
import type { CustomerView, IngestResult, LoadResult, MergeResult, Page, UnmergeResult } from '../api/results';
import { verifyStoreAudit } from './audit';
import { FIND_SCAN_LIMIT, findVisible } from '../query/find-widening';
import { membershipKnown as knownTo, ruleFields } from '../query/group-membership';
import { matchesReadableName } from '../query/readable-names';
import { Access, type Directory, parseActor } from './policy';
import { adminActionCapability, type GovernanceServices, type PersonExport, type PurgeReport } from './service';

/** Options of scoped calls that change something. */
export interface ScopedActorOptions {
  /** Why, recorded in the journal and the audit log. */
  reason?: string;
}

/**
 * The Hub as one actor may use it (`hub.as(actor)`): every call checks the actor's capabilities, row scope and
 * field permissions under the policy in force, reads come back projected (fields it may not read are absent), and
 * a refused call throws a `PermissionDeniedError` and changes nothing. The actor is recorded on every change.
 */
export interface ScopedHub {
  /** The actor, validated. */
  readonly actor: Actor;
  /** The actor's effective access (loads the policy in force on first use). */
  access(): Promise<Access>;
  get(id: string): Promise<Customer | undefined>;
  find(query: FindQuery, options?: { limit?: number }): Promise<Customer[]>;
  /** Customers the actor may see, a page at a time (pages may hold fewer than `limit`). */
  list(options?: { cursor?: string; limit?: number }): Promise<Page<Customer>>;
  view(id: string): Promise<CustomerView>;
  ingest(records: readonly SourceRecordInput[]): Promise<IngestResult>;
  /** {@link Hub.load} as the actor (capability `record.import`, checked once before the first batch). */
  load(
    records: Iterable<SourceRecordInput> | AsyncIterable<SourceRecordInput>,
    options?: Omit<LoadOptions, 'actor'>,
  ): Promise<LoadResult>;
  setOverride(customerId: string, field: string, value: JsonValue, options?: ScopedActorOptions): Promise<Customer>;
  clearOverride(customerId: string, field: string, options?: ScopedActorOptions): Promise<Customer>;
  setFields(
    customerId: string,
    namespace: string,
    values: Record<string, JsonValue | null>,
    options?: ScopedActorOptions,
  ): Promise<Customer>;
  merge(a: string, b: string, options?: ScopedActorOptions): Promise<MergeResult>;
  unmerge(mergeId: string, options?: ScopedActorOptions): Promise<UnmergeResult>;
  /** Customer groups: defining and removing them needs `group.manage`; members are filtered and projected. */
  readonly groups: {
    define(group: Parameters<Hub['groups']['define']>[0], options?: ScopedActorOptions): Promise<CustomerGroup>;
    remove(id: string): Promise<void>;
    list(): Promise<CustomerGroup[]>;
    members(id: string): Promise<Customer[]>;
  };
  readonly consent: {
    record(capture: unknown): Promise<ConsentCapture>;
    list(customerId: string): Promise<ConsentCapture[]>;
    setArrangement(customerId: string, arrangement: unknown): Promise<ContactArrangement>;
    removeArrangement(customerId: string, channel: string): Promise<void>;
    arrangements(customerId: string): Promise<ContactArrangement[]>;
  };
  canContact(customerId: string, channel: string, purpose: string, at?: string): Promise<ContactDecision>;
  readonly gdpr: {
    export(customerId: string): Promise<PersonExport>;
    /** See `Hub['gdpr']['erase']`; `alsoErase` lists confirmed probable matches to erase with the person. */
    erase(customerId: string, options?: ScopedActorOptions & { alsoErase?: readonly string[] }): Promise<ErasureReport>;
    purge(rules: readonly RetentionPolicy[], options?: { now?: string }): Promise<PurgeReport>;
  };
  readonly changes: {
    /** Raises a correction or improvement proposal; it goes to the key users of the actor's department. */
    request(input: unknown): Promise<ChangeRequest>;
    /** Requests the actor may act on or follow: its own, its department's (key users), the admin queue (admins). */
    list(options?: { status?: ChangeRequest['status'] }): Promise<ChangeRequest[]>;
    escalate(id: string, note?: string): Promise<ChangeRequest>;
    resolve(id: string, note?: string): Promise<ChangeRequest>;
    reject(id: string, note?: string): Promise<ChangeRequest>;
    comment(id: string, note: string): Promise<ChangeRequest>;
  };
  readonly governance: {
    setPolicy(policy: unknown, options?: ScopedActorOptions): Promise<Policy>;
    audit(options?: { after?: number; limit?: number; target?: string }): Promise<AuditEntry[]>;
    verifyAudit(options?: { expectedHead?: { seq: number; hash: string } }): Promise<AuditVerification>;
    /** The policy in force: needs `policy.manage` or `audit.read`. */
    policy(): Promise<Policy>;
    /**
     * Records an admin action that happened outside the Hub (adapter credentials, plugin configuration ...). Needs the
     * capability of the action's area (`adapter.*`: `adapter.manage`; `plugin.*`, `workflow.*`: `plugin.manage`;
     * others: `policy.manage`); validated and bounded like `hub.governance.recordAdminAction`.
     */
    recordAdminAction(input: {
      action: string;
      target: string;
      changes?: import('@crmkit/model').AuditChange[];
      reason?: string;
    }): Promise<void>;
  };
}

/** What {@link createScopedHub} needs. */
export interface ScopedHubDeps {
  hub: Hub;
  services: GovernanceServices;
  directory: Directory;
  /**
   * The customers matching a `find()` query among the first `scan` candidates (by id), and whether there were no
   * more: lets a scoped `find()` look past customers the actor cannot see. Without it, `find()` scans at most
   * 1,000 candidates through `hub.find`.
   */
  findCandidates?: (query: FindQuery, scan: number) => Promise<{ customers: Customer[]; complete: boolean }>;
}

/**
 * How many candidates a scoped `find()` examines at most before it gives up with an `INVALID_ARGUMENT` error asking
 * for a narrower query (actors that see every customer never scan more than they return).
 */
export const SCOPED_FIND_SCAN_LIMIT = FIND_SCAN_LIMIT;

/**
 * Builds the scoped Hub of one actor. Checks happen before the call reaches the Hub (a refused call writes nothing);
 * row checks read the customer first.
 */
export function createScopedHub(input: unknown, deps: ScopedHubDeps): ScopedHub {
  const actor = parseActor(input);
  const { hub, services } = deps;
  let loaded: Promise<Access> | undefined;
  const access = (): Promise<Access> => {
    loaded ??= services.policy().then((policy) => new Access(policy, actor, deps.directory));
    return loaded;
  };

  /** The customer, if the actor may see it (NOT_FOUND otherwise: absence and invisibility look the same). */
  async function visible(a: Access, id: string): Promise<Customer> {
    const customer = await hub.get(id);
    if (customer?.status !== 'active' || !a.canSeeCustomer(customer)) {
      throw new NotFoundError({ entity: 'customer', id });
    }
    return customer;
  }

  async function writable(capability: 'customer.write' | 'consent.write', id: string, fields: readonly string[]) {
    const a = await access();
    a.require(capability);
    const customer = await visible(a, id);
    if (capability === 'customer.write') a.assertWrite(customer, fields);
    else if (!a.canChangeCustomer(customer)) {
      throw new PermissionDeniedError({ actor: a.label, operation: 'write', path: `customer:${customer.id}` });
    }
    return { a, customer };
  }

  const projected = (a: Access) => (c: Customer | undefined) => (c ? a.projectCustomer(c) : undefined);
  const matchesReadable = (a: Access, c: Customer, query: FindQuery): boolean => {
    if ('email' in query || 'phone' in query) return a.canReadFieldOn(c, 'contactPoints');
    if ('name' in query && typeof query.name === 'string') {
      const seen = a.projectCustomer(c);
      return seen !== undefined && matchesReadableName(seen, query.name);
    }
    return true;
  };

  const scoped: ScopedHub = {
    actor,
    access,

    async get(id) {
      const a = await access();
      a.require('customer.read');
      const customer = await hub.get(id);
      return customer && a.canSeeCustomer(customer) ? a.projectCustomer(customer) : undefined;
    },

    async find(query, options = {}) {
      const a = await access();
      a.require('customer.read');
      const limit = options.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new InvalidArgumentError({
          argument: 'limit',
          message: `[crmkit/core] "limit" must be an integer from 1 to 1000; got ${String(options.limit)}.`,
        });
      }
      const candidates =
        deps.findCandidates ??
        (async (q: FindQuery, scan: number) => {
          const customers = await hub.find(q, { limit: Math.min(scan, 1000) });
          return { customers, complete: scan >= 1000 || customers.length < scan };
        });
      // Widen the scan until `limit` visible matches are found or the candidates end: customers the actor cannot
      // see never push its own out of the answer. A lookup is a read of what it matches on: by e-mail or phone only
      // customers whose contact points the actor reads, by name only the names it reads (else it learns whose
      // address or hidden name it is).
      const seen = await findVisible(
        candidates,
        query,
        limit,
        (c) => a.canSeeCustomer(c) && matchesReadable(a, c, query),
        a.label,
      );
      return seen.map(projected(a)).filter((c): c is Customer => c !== undefined);
    },

    async list(options = {}) {
      const a = await access();
      a.require('customer.read');
      const page = await hub.list({
        ...(options.cursor ? { cursor: options.cursor } : {}),
        limit: options.limit ?? 50,
      });
      const items = page.items
        .filter((c) => a.canSeeCustomer(c))
        .map(projected(a))
        .filter((c): c is Customer => c !== undefined);
      return page.nextCursor ? { items, nextCursor: page.nextCursor } : { items };
    },

    async view(id) {
      const a = await access();
      a.require('customer.read');
      await visible(a, id);
      const view = await hub.view(id);
      const attributes = (data: { attributes?: Record<string, JsonValue> }) => {
        if (!data.attributes) return data;
        const kept: Record<string, JsonValue> = {};
        for (const [ns, value] of Object.entries(data.attributes))
          if (a.canReadField(`attributes.${ns}`)) kept[ns] = value;
        return { ...data, attributes: kept };
      };
      // Activities from systems (or owners) outside the actor's rows stay out, like customers outside them.
      const inRows = (activity: { source: { system: string }; data: unknown }) =>
        a.canSeeActivity(view.customer, {
          system: activity.source.system,
          ownerId: (activity.data as { ownerId?: string } | null)?.ownerId,
        });
      const groups = view.groups.filter((g) => membershipKnown(a, g, view.customer));
      return {
        ...view,
        customer: a.projectCustomer(view.customer)!,
        interactions: view.interactions
          .filter(inRows)
          .map((i) => ({ ...i, data: attributes(i.data) as typeof i.data })),
        opportunities: view.opportunities
          .filter(inRows)
          .map((o) => ({ ...o, data: attributes(o.data) as typeof o.data })),
        groups: await visibleMembers(a, groups),
        related: view.related.filter((c) => a.canSeeCustomer(c)).map((c) => a.projectCustomer(c)!),
      };
    },

    async ingest(records) {
      const a = await access();
      a.require('record.import');
      return hub.ingest(records, { actor: a.label });
    },

    async load(records, options = {}) {
      const a = await access();
      a.require('record.import');
      return hub.load(records, { ...options, actor: a.label });
    },

    async setOverride(customerId, field, value, options = {}) {
      const { a, customer } = await writable('customer.write', customerId, [field]);
      const result = await hub.setOverride(customer.id, field, value, { actor: a.label, ...options });
      return a.projectCustomer(result)!;
    },

    async clearOverride(customerId, field, options = {}) {
      const { a, customer } = await writable('customer.write', customerId, [field]);
      const result = await hub.clearOverride(customer.id, field, { actor: a.label, ...options });
      return a.projectCustomer(result)!;
    },

    async setFields(customerId, namespace, values, options = {}) {
      const fields = Object.keys(values ?? {}).map((field) => `attributes.${namespace}.${field}`);
      const { a, customer } = await writable('customer.write', customerId, fields);
      const result = await hub.setFields(customer.id, namespace, values, { actor: a.label, ...options });
      return a.projectCustomer(result)!;
    },

    async merge(x, y, options = {}) {
      const a = await access();
      a.require('customer.merge');
      const [cx, cy] = [await visible(a, x), await visible(a, y)];
      return hub.merge(cx.id, cy.id, { actor: a.label, ...options });
    },

    async unmerge(mergeId, options = {}) {
      const a = await access();
      a.require('customer.merge');
      return hub.unmerge(mergeId, { actor: a.label, ...options });
    },

    groups: {
      async define(group, options = {}) {
        const a = await access();
        a.require('group.manage');
        // A rule may test only fields its definer reads: otherwise the member list is an oracle for them.
        const conditions = (group as { rule?: { conditions?: unknown } } | null)?.rule?.conditions;
        if (Array.isArray(conditions)) {
          for (const [index, condition] of conditions.entries()) {
            const field = (condition as { field?: unknown } | null)?.field;
            if (typeof field === 'string' && !a.canReadField(field)) {
              throw new PermissionDeniedError({
                actor: a.label,
                operation: 'group.rule',
                path: field,
                message: `[crmkit] ${a.label} may not test "${field}" in a group rule (group.rule.conditions[${index}].field): it may not read that field.`,
              });
            }
          }
        }
        return hub.groups.define(group, { actor: a.label, ...options });
      },
      async remove(id) {
        const a = await access();
        a.require('group.manage');
        return hub.groups.remove(id, { actor: a.label });
      },
      async list() {
        const a = await access();
        a.require('customer.read');
        return visibleMembers(a, await hub.groups.list());
      },
      async members(id) {
        const a = await access();
        a.require('customer.read');
        const group = await hub.groups.get(id);
        if (!group) throw new NotFoundError({ entity: 'group', id });
        for (const field of ruleFields(group)) {
          if (!a.canReadField(field)) {
            throw new PermissionDeniedError({
              actor: a.label,
              operation: 'read',
              path: field,
              message: `[crmkit] ${a.label} may not list the members of group "${id}": its rule tests "${field}", which it may not read.`,
            });
          }
        }
        return (await hub.groups.members(id))
          .filter((c) => a.canSeeCustomer(c) && membershipKnown(a, group, c))
          .map((c) => a.projectCustomer(c))
          .filter((c): c is Customer => c !== undefined);
      },
    },

    consent: {
      async record(capture) {
        const id = (capture as { customerId?: unknown } | null)?.customerId;
        const { a } = await writable('consent.write', typeof id === 'string' ? id : '', []);
        return services.recordConsent(capture, a.label);
      },
      async list(customerId) {
        const a = await access();
        a.require('customer.read');
        await visible(a, customerId);
        return services.consents(customerId);
      },
      async setArrangement(customerId, arrangement) {
        const { a, customer } = await writable('consent.write', customerId, []);
        return services.setArrangement(customer.id, arrangement, a.label);
      },
      async removeArrangement(customerId, channel) {
        const { a, customer } = await writable('consent.write', customerId, []);
        return services.removeArrangement(customer.id, channel, a.label);
      },
      async arrangements(customerId) {
        const a = await access();
        a.require('customer.read');
        await visible(a, customerId);
        return services.arrangements(customerId);
      },
    },

    async canContact(customerId, channel, purpose, at) {
      const a = await access();
      a.require('customer.read');
      await visible(a, customerId);
      return services.canContact(customerId, channel, purpose, at);
    },

    gdpr: {
      async export(customerId) {
        const a = await access();
        a.require('gdpr.export');
        await visible(a, customerId);
        return services.exportPerson(customerId, a.label);
      },
      async erase(customerId, options = {}) {
        const a = await access();
        a.require('gdpr.erase');
        await visible(a, customerId);
        for (const id of options.alsoErase ?? []) await visible(a, id);
        return services.erase(customerId, a.label, options.reason, options.alsoErase);
      },
      async purge(rules, options = {}) {
        const a = await access();
        a.require('gdpr.erase');
        return services.purge(rules, a.label, options.now);
      },
    },

    changes: {
      async request(input) {
        const a = await access();
        a.require('change.request');
        // Bad text and oversized input are refused before anything (the visibility check included) reads the store.
        input = services.checkInput(input, 'request', 'The change request');
        // A customer the actor may not see answers exactly like one that does not exist.
        const customerId = (input as { customerId?: unknown } | null)?.customerId;
        if (typeof customerId === 'string') await visible(a, customerId);
        return services.requestChange(input, { label: a.label, departmentId: departmentOf(actor) });
      },
      async list(options = {}) {
        const a = await access();
        const all = await services.listChanges(options.status ? { status: options.status } : {});
        const department = departmentOf(actor);
        return all.filter(
          (r) =>
            r.requestedBy === a.label ||
            (a.can('change.triage') && r.queue === 'key_user' && r.departmentId === department) ||
            (a.can('change.resolve') && r.queue === 'admin'),
        );
      },
      async escalate(id, note) {
        const a = await access();
        return services.stepChange(id, 'escalate', a.label, note, (r) => mayTriage(a, r));
      },
      async resolve(id, note) {
        const a = await access();
        return services.stepChange(id, 'resolve', a.label, note, (r) =>
          r.queue === 'admin' ? a.require('change.resolve') : mayTriage(a, r),
        );
      },
      async reject(id, note) {
        const a = await access();
        return services.stepChange(id, 'reject', a.label, note, (r) =>
          r.queue === 'admin' ? a.require('change.resolve') : mayTriage(a, r),
        );
      },
      async comment(id, note) {
        const a = await access();
        return services.stepChange(id, 'comment', a.label, note, (r) => {
          if (r.requestedBy === a.label) return;
          if (r.queue === 'admin') a.require('change.resolve');
          else mayTriage(a, r);
        });
      },
    },

    governance: {
      async policy() {
        const a = await access();
        if (!a.can('policy.manage') && !a.can('audit.read')) {
          throw new PermissionDeniedError({
            actor: a.label,
            operation: 'policy.read',
            path: 'policy.manage',
            message: `[crmkit] ${a.label} may not read the policy: it needs "policy.manage" or "audit.read".`,
          });
        }
        return services.policy();
      },
      async setPolicy(policy, options = {}) {
        const a = await access();
        a.require('policy.manage');
        const next = await services.setPolicy(policy, a.label, options.reason);
        loaded = undefined; // the actor's own access follows the new policy
        return next;
      },
      async audit(options = {}) {
        const a = await access();
        a.require('audit.read');
        return auditPage(hub, options);
      },
      async verifyAudit(options = {}) {
        const a = await access();
        a.require('audit.read');
        return verifyStoreAudit(hub.store, options);
      },
      async recordAdminAction(input) {
        const a = await access();
        a.require(adminActionCapability((input as { action?: unknown } | null)?.action));
        return services.recordAdminAction(input, a.label);
      },
    },
  };
  return scoped;

  /**
   * The groups with their static member ids cut to the customers the actor sees (ids of merged customers count as
   * the customer they were merged into).
   */
  async function visibleMembers(a: Access, groups: CustomerGroup[]): Promise<CustomerGroup[]> {
    const ids = [...new Set(groups.flatMap((g) => g.memberIds))];
    if (ids.length === 0) return groups;
    const rows = await hub.store.transaction((tx) => tx.getCustomers(ids), { readOnly: true });
    const seen = new Set<string>();
    for (const row of rows) {
      if (row.status === 'active') {
        if (a.canSeeCustomer(row)) seen.add(row.id);
      } else if (row.status === 'merged') {
        const home = await hub.get(row.id);
        if (home?.status === 'active' && a.canSeeCustomer(home)) seen.add(row.id);
      }
    }
    return groups.map((g) => ({ ...g, memberIds: g.memberIds.filter((id) => seen.has(id)) }));
  }

  /** A key user of the request's department (or an admin for the admin queue) may act on it. */
  function mayTriage(a: Access, request: ChangeRequest): void {
    if (request.queue === 'admin') {
      a.require('change.resolve');
      return;
    }
    a.require('change.triage');
    if (request.departmentId !== departmentOf(actor) && !a.can('change.resolve')) {
      throw new PermissionDeniedError({
        actor: a.label,
        operation: 'change.triage',
        path: `change:${request.id}`,
        message: `[crmkit] ${a.label} is not a key user of department "${request.departmentId}".`,
      });
    }
  }
}

/** {@link knownTo} for a scoped actor. */
function membershipKnown(a: Access, group: CustomerGroup, customer: Customer): boolean {
  return knownTo(group, customer, (c, field) => a.canReadFieldOn(c, field));
}

function departmentOf(actor: Actor): string | null {
  return actor.kind === 'user' || actor.kind === 'apiKey' ? ((actor as UserActor).departmentId ?? null) : null;
}

async function auditPage(
  hub: Hub,
  options: { after?: number; limit?: number; target?: string },
): Promise<AuditEntry[]> {
  return hub.store.transaction(
    (tx) =>
      tx.listAudit({
        limit: Math.min(1000, options.limit ?? 100),
        ...(options.after !== undefined ? { after: options.after } : {}),
        ...(options.target ? { target: options.target } : {}),
      }),
    { readOnly: true },
  );
}

import {
  type AfterHookName,
  type BeforeHookName,
  type ContactDecision,
  type Customer,
  type CustomerGroup,
  type HookName,
  type HookPayloads,
  type HookRegistration,
  type HubEvent,
  InvalidArgumentError,
  type JsonValue,
  NotFoundError,
  PermissionDeniedError,
  type Plugin,
  type PluginCommand,
  type PluginContext,
  type PluginEntity,
  type RecordType,
  type SourceRecordInput,
  type StoredRecord,
  validationErrorOf,
  validationIssue,
  VetoError,
  validationErrorFromZod,
} from '@crmkit/model';
import { type FindCandidates, findVisible } from '../query/find-widening';
import { membershipKnown } from '../query/group-membership';
import type { FindQuery } from '../api/options';
import { HookRegistry } from './hooks';
import { matchesReadableName } from '../query/readable-names';
import { stableStringify } from '../runtime/stable';
import { HOOK_EVENTS, type LoadedPlugin, loadPlugins } from './loader';
import { canReadKeys, projectEventPayload } from './event-projection';
import type { Grant } from './permissions';
import { PluginSchemas } from './schemas';

/** What the host needs from the Hub: the Hub's operations, unscoped. The host scopes them per plugin. */
export interface HostBindings {
  now(): string;
  getCustomer(id: string): Promise<Customer | undefined>;
  /** The Hub's `find()` candidates among the first `scan` (by id), unscoped; the host widens `scan` as it needs. */
  findCandidates: FindCandidates;
  /** Live records of a customer: its party records and the records that refer to it. */
  listRecords(customerId: string): Promise<StoredRecord[]>;
  listGroups(): Promise<CustomerGroup[]>;
  /** The kind (`person`, `organization`) of each of these customer ids that exists, by id. */
  customerKinds(ids: readonly string[]): Promise<Map<string, string>>;
  /** Active members of a group. */
  groupMembers(groupId: string): Promise<Customer[]>;
  /** The Hub's contact decision. */
  canContact(customerId: string, channel: string, purpose: string, at?: string): Promise<ContactDecision>;
  /**
   * Checks values against the Hub's input limits and text policy (iteratively: a value nested 100,000 deep is a
   * `VALIDATION_FAILED` at `path`, not a `RangeError`); returns them, cleaned under the text policy `clean`.
   */
  checkValueLimits<T>(value: T, path: (string | number)[], what: string): T;
  /** Writes plugin field values (golden paths `attributes.<ns>.<field>` => value or null) as `actor`. */
  setFields(customerId: string, values: Record<string, JsonValue | null>, actor: string): Promise<Customer>;
  /** Ingests records as `origin` (a plugin name): hooks of that plugin skip the write. */
  ingest(records: readonly SourceRecordInput[], origin: string): Promise<unknown>;
  startWorkflow(workflow: string, input: JsonValue | undefined, idempotencyKey: string | undefined): Promise<string>;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, data: Record<string, JsonValue>): void;
  /** Reports an error the host isolated (a broken hook). */
  onError(error: unknown, info: { plugin?: string; hook?: string; command?: string }): void;
}

/** A registered command, as `hub.commands.list()` shows it. */
export interface CommandInfo {
  /** `<plugin>.<command>`. */
  name: string;
  plugin: string;
  description?: string;
}

/** A registered plugin, as `hub.plugins.list()` shows it. */
export interface PluginInfo {
  name: string;
  version: string;
  department?: string;
  description?: string;
  dependsOn: Record<string, string>;
  /** Load position (dependencies first). */
  rank: number;
}

/** What {@link PluginHost.deliverAfter} throws when hooks failed: every failed hook with its error. */
export class AfterHookFailures {
  constructor(readonly failures: readonly { hook: AfterHookName; error: unknown }[]) {}
}

/** Payloads tagged with the plugin whose own write produced them (its hooks skip them). */
const originOf = new WeakMap<object, string>();

function isBefore(hook: HookName): hook is BeforeHookName {
  return hook.endsWith(':before');
}

/** Freezes a JSON-shaped value all the way down, so plugins sharing one payload cannot change it for each other. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function attributesOf(record: { data?: unknown }): Record<string, JsonValue> {
  return ((record.data as { attributes?: Record<string, JsonValue> } | undefined)?.attributes ?? {}) as Record<
    string,
    JsonValue
  >;
}

/** The record without the attributes of namespaces the grant may write: what a plugin must leave unchanged. */
function fixedPart(record: SourceRecordInput, grant: Grant): string {
  const attributes = attributesOf(record);
  const kept: Record<string, JsonValue> = {};
  for (const [namespace, value] of Object.entries(attributes))
    if (!grant.canWriteNamespace(namespace)) kept[namespace] = value;
  const data = { ...((record.data ?? {}) as Record<string, unknown>), attributes: kept };
  return stableStringify({ ...record, data } as unknown as JsonValue);
}

/**
 * The attributes of a record after a before-hook: the original, with the namespaces the plugin may write taken from
 * what it returned, where it changed them from what it was shown. The parts of a namespace it could not see are
 * kept (never dropped because the plugin did not return what it was not shown).
 */
function mergeWritable(
  original: Record<string, JsonValue>,
  shown: Record<string, JsonValue>,
  returned: Record<string, JsonValue>,
  grant: Grant,
): Record<string, JsonValue> {
  const merged = { ...original };
  for (const ns of new Set([...Object.keys(shown), ...Object.keys(returned)])) {
    if (!grant.canWriteNamespace(ns)) continue;
    if (stableStringify(returned[ns] ?? null) === stableStringify(shown[ns] ?? null)) continue;
    const hidden = grant.hiddenAttribute(ns, original[ns]);
    const next = returned[ns];
    if (next === undefined) {
      if (hidden === undefined) delete merged[ns];
      else merged[ns] = hidden;
    } else if (
      hidden !== undefined &&
      typeof hidden === 'object' &&
      hidden !== null &&
      !Array.isArray(hidden) &&
      typeof next === 'object' &&
      next !== null &&
      !Array.isArray(next)
    ) {
      merged[ns] = { ...hidden, ...next };
    } else merged[ns] = next;
  }
  return merged;
}

/**
 * The plugin host: loads and validates plugins, registers their hooks with permission gates, scopes the Hub for
 * each plugin ({@link PluginContext}), validates plugin fields and activities, and runs commands.
 */
export class PluginHost {
  readonly hooks: HookRegistry<HookPayloads>;
  readonly schemas: PluginSchemas;
  private readonly loaded = new Map<string, LoadedPlugin>();
  private readonly contexts = new Map<string, PluginContext>();
  private readonly commands = new Map<string, { plugin: string; command: PluginCommand<unknown, unknown> }>();
  private readonly disabled = new Set<string>();
  /**
   * Plugins' after-hooks that committed events feed (`ingest:after`, `merge:after` ...), guarded, by plugin: not in
   * the registry, because each plugin gets them from its own outbox consumer ({@link PluginHost.deliverAfter}).
   */
  private readonly eventAfterHooks = new Map<string, Map<AfterHookName, (payload: unknown) => unknown>>();

  constructor(
    plugins: readonly Plugin[],
    private readonly bindings: HostBindings,
  ) {
    const loaded = loadPlugins(plugins);
    this.schemas = new PluginSchemas(loaded);
    this.hooks = new HookRegistry<HookPayloads>({
      onError: (error, info) =>
        bindings.onError(error, { hook: info.hook, ...(info.plugin ? { plugin: info.plugin } : {}) }),
    });
    for (const entry of loaded) {
      this.loaded.set(entry.plugin.name, entry);
      for (const [name, command] of Object.entries(entry.plugin.commands ?? {})) {
        this.commands.set(`${entry.plugin.name}.${name}`, { plugin: entry.plugin.name, command });
      }
    }
    for (const entry of loaded) this.registerHooks(entry);
  }

  /** Registered plugins, in load order. */
  list(): PluginInfo[] {
    return [...this.loaded.values()]
      .filter((entry) => !this.disabled.has(entry.plugin.name))
      .map(({ plugin, rank }) => ({
        name: plugin.name,
        version: plugin.version,
        ...(plugin.department ? { department: plugin.department } : {}),
        ...(plugin.description ? { description: plugin.description } : {}),
        dependsOn: { ...(plugin.dependsOn ?? {}) },
        rank,
      }));
  }

  /** A loaded plugin (also disabled ones). */
  get(name: string): LoadedPlugin | undefined {
    return this.loaded.get(name);
  }

  /** Loaded, enabled plugins in load order. */
  plugins(): LoadedPlugin[] {
    return [...this.loaded.values()].filter((entry) => !this.disabled.has(entry.plugin.name));
  }

  /** True when the plugin is loaded and not unregistered. */
  isActive(name: string): boolean {
    return this.loaded.has(name) && !this.disabled.has(name);
  }

  /**
   * Unregisters a plugin at runtime: its hooks stop, its commands and workflow triggers go. Refused while an
   * active plugin depends on it. Its data (fields, runs) stays.
   */
  unregister(name: string): void {
    if (!this.isActive(name)) throw new NotFoundError({ entity: 'plugin', id: name });
    const dependant = this.plugins().find((entry) => entry.plugin.dependsOn?.[name] !== undefined);
    if (dependant) {
      throw new InvalidArgumentError({
        argument: 'name',
        message: `[crmkit/core] Plugin "${name}" cannot be unregistered: "${dependant.plugin.name}" depends on it.`,
      });
    }
    this.disabled.add(name);
    this.hooks.unregisterAll({ plugin: name });
    for (const [key, entry] of this.commands) if (entry.plugin === name) this.commands.delete(key);
  }

  /** The plugin's scoped view of the Hub. */
  context(name: string): PluginContext {
    const existing = this.contexts.get(name);
    if (existing) return existing;
    const entry = this.loaded.get(name);
    if (!entry) throw new NotFoundError({ entity: 'plugin', id: name });
    const context = this.createContext(entry);
    this.contexts.set(name, context);
    return context;
  }

  /** Commands of the active plugins. */
  listCommands(): CommandInfo[] {
    return [...this.commands.entries()]
      .map(([name, { plugin, command }]) => ({
        name,
        plugin,
        ...(command.description ? { description: command.description } : {}),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Runs `<plugin>.<command>` with validated input. */
  async runCommand(name: string, input: unknown): Promise<unknown> {
    const entry = this.commands.get(name);
    if (!entry) throw new NotFoundError({ entity: 'command', id: name });
    let parsed: ReturnType<typeof entry.command.input.safeParse>;
    try {
      parsed = entry.command.input.safeParse(input);
    } catch (error) {
      // A schema that throws (a custom refinement or transform) is the input's problem to report, not a crash.
      throw validationErrorOf([validationIssue(['input'], 'The input schema failed', 'custom')], {
        message: () =>
          `[crmkit/core] Command "${name}" could not validate its input: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    }
    if (!parsed.success) {
      throw validationErrorFromZod(parsed.error, {
        basePath: ['input'],
        message: `[crmkit/core] Command "${name}" input is invalid`,
      });
    }
    return entry.command.run(parsed.data, this.context(entry.plugin));
  }

  /** Marks a payload as produced by a plugin's own write, so that plugin's hooks skip it. */
  static tag<T extends object>(payload: T, origin: string | undefined): T {
    if (origin) originOf.set(payload, origin);
    return payload;
  }

  /**
   * Runs the before-hooks of an operation. Returns the (possibly enriched) payload; throws a {@link VetoError} when
   * a handler vetoed.
   */
  async before<H extends BeforeHookName>(hook: H, payload: HookPayloads[H], origin?: string): Promise<HookPayloads[H]> {
    if (!this.hooks.has(hook)) return payload;
    const result = await this.hooks.callBefore(hook, PluginHost.tag(payload, origin));
    if (result.veto !== undefined) throw new VetoError({ hook, by: result.by, reason: result.veto });
    return result.payload;
  }

  /** True when any after-hook that events feed is registered (the Hub skips building payloads otherwise). */
  hasAfterHooks(): boolean {
    return (
      this.hooks.has('ingest:after') ||
      this.hooks.has('merge:after') ||
      this.hooks.has('link:after') ||
      this.hooks.has('update:after') ||
      this.hooks.has('interaction:after')
    );
  }

  /** Runs the after-hooks for committed events (each event type maps to its hook), then `ingest:after`. */
  async after(
    events: readonly HubEvent[],
    ingest: HookPayloads['ingest:after'] | undefined,
    origin?: string,
  ): Promise<void> {
    for (const event of events) {
      for (const [hook, type] of Object.entries(HOOK_EVENTS) as [AfterHookName, string][]) {
        if (type !== event.type || !this.hooks.has(hook)) continue;
        // One frozen copy per event, shared by every plugin (projections build on it).
        await this.hooks.call(hook, PluginHost.tag(deepFreeze(clone(event.payload)) as object, origin) as never);
      }
    }
    if (ingest && this.hooks.has('ingest:after')) {
      await this.hooks.call('ingest:after', PluginHost.tag(deepFreeze(clone(ingest)), origin));
    }
  }

  /** Active plugins with after-hooks that committed events feed, in load order (one outbox consumer each). */
  eventHookPlugins(): string[] {
    return this.plugins()
      .map((entry) => entry.plugin.name)
      .filter((name) => this.eventAfterHooks.has(name));
  }

  /**
   * Handler ids of a hook: for an after-hook that committed events feed, the active plugins that have it (load
   * order; each is delivered by its own outbox consumer, so they do not run one after another), then the app's own
   * handlers; for any other hook, the registry's order.
   */
  hookOrder(hook: HookName): string[] {
    const plugins = this.plugins()
      .map((entry) => entry.plugin.name)
      .filter((name) => this.eventAfterHooks.get(name)?.has(hook as AfterHookName));
    return [...plugins, ...this.hooks.order(hook)];
  }

  /** The event types that feed a plugin's after-hooks (`record.ingested` for `ingest:after`). */
  afterHookEventTypes(plugin: string): ReadonlySet<string> {
    const types = new Set<string>();
    for (const hook of this.eventAfterHooks.get(plugin)?.keys() ?? []) {
      const type = hook === 'ingest:after' ? 'record.ingested' : HOOK_EVENTS[hook];
      if (type) types.add(type);
    }
    return types;
  }

  /**
   * Runs one plugin's after-hooks for the committed events of one operation (each event type maps to its hook),
   * then `ingest:after` with the operation's record summary. Payloads are projected to the plugin's grant; a write
   * of the plugin itself (`origin`) is skipped. Unlike {@link PluginHost.after}, a hook that throws makes this throw
   * (the outbox consumer retries, then dead-letters). `succeeded`, when given, keeps the calls that returned across
   * attempts: a retry runs only the hooks that failed.
   */
  async deliverAfter(
    plugin: string,
    events: readonly HubEvent[],
    ingest: HookPayloads['ingest:after'] | undefined,
    origin?: string,
    succeeded?: Set<string>,
  ): Promise<void> {
    const own = this.eventAfterHooks.get(plugin);
    if (!own || !this.isActive(plugin) || origin === plugin) return;
    const failures: { hook: AfterHookName; error: unknown }[] = [];
    const run = async (call: string, hook: AfterHookName, payload: object) => {
      if (succeeded?.has(call)) return;
      try {
        await own.get(hook)!(PluginHost.tag(deepFreeze(clone(payload)), origin));
        succeeded?.add(call);
      } catch (error) {
        failures.push({ hook, error });
      }
    };
    for (const [index, event] of events.entries()) {
      for (const [hook, type] of Object.entries(HOOK_EVENTS) as [AfterHookName, string][]) {
        if (type === event.type && own.has(hook)) await run(`${index}:${hook}`, hook, event.payload as object);
      }
    }
    if (ingest && own.has('ingest:after')) await run('ingest:after', 'ingest:after', ingest);
    if (failures.length > 0) throw new AfterHookFailures(failures);
  }

  private registerHooks(entry: LoadedPlugin): void {
    const { plugin, grant, rank } = entry;
    const context = this.context(plugin.name);
    for (const [hook, value] of Object.entries(plugin.hooks ?? {}) as [
      HookName,
      HookRegistration<HookName> | HookRegistration<HookName>['handler'],
    ][]) {
      const registration = typeof value === 'function' ? { handler: value } : value;
      const handler = registration.handler as (payload: unknown, context: PluginContext) => unknown;
      const guarded = isBefore(hook)
        ? this.guardBefore(hook, plugin.name, grant, handler)
        : this.guardAfter(hook, plugin.name, grant, handler);
      if (hook === 'ingest:after' || HOOK_EVENTS[hook] !== undefined) {
        const own = this.eventAfterHooks.get(plugin.name) ?? new Map();
        own.set(hook as AfterHookName, (payload: unknown) => guarded(payload, context));
        this.eventAfterHooks.set(plugin.name, own);
        continue;
      }
      this.hooks.register(hook, guarded as never, {
        id: plugin.name,
        plugin: plugin.name,
        rank,
        context,
        allowed: () => !this.disabled.has(plugin.name),
        ...(registration.stage !== undefined ? { stage: registration.stage } : {}),
        ...(registration.before ? { before: registration.before } : {}),
        ...(registration.after ? { after: registration.after } : {}),
        ...(registration.onError ? { onError: registration.onError } : {}),
      });
    }
  }

  /** An after-hook sees the payload projected to its grant, never its own writes, and cannot change anything. */
  private guardAfter(
    hook: HookName,
    name: string,
    grant: Grant,
    handler: (payload: unknown, context: PluginContext) => unknown,
  ): (payload: unknown, context: PluginContext) => unknown {
    return (payload, context) => {
      if (originOf.get(payload as object) === name) return undefined;
      if (hook === 'send:after') {
        // Only a plugin that may read the customer's kind sees a message to it.
        const { message } = payload as HookPayloads['send:after'];
        return this.readsCustomer(grant, message.customerId).then((reads) =>
          reads ? handler(deepFreeze(clone(payload)), context) : undefined,
        );
      }
      const projected = this.projectAfter(hook, payload, grant);
      if (projected === undefined) return undefined;
      return handler(projected, context);
    };
  }

  private projectAfter(hook: HookName, payload: unknown, grant: Grant): unknown {
    if (hook === 'ingest:after') {
      const records = ((payload as HookPayloads['ingest:after']).records as { type: RecordType }[]).filter((r) =>
        grant.canReadEntity(r.type),
      );
      return records.length === 0 ? undefined : { records };
    }
    const type = HOOK_EVENTS[hook];
    return type ? projectEventPayload(type, payload, grant) : payload;
  }

  /**
   * An event as a plugin may see it (for workflow triggers): `undefined` when the plugin is not active, may not
   * receive the event type, or may not read what the event is about; otherwise the event with its payload projected
   * to the plugin's grant.
   */
  projectEvent(plugin: string, event: HubEvent): HubEvent | undefined {
    const entry = this.loaded.get(plugin);
    if (!entry || !this.isActive(plugin) || !entry.grant.canReadEvent(event.type)) return undefined;
    const payload = projectEventPayload(event.type, event.payload, entry.grant);
    return payload === undefined ? undefined : ({ ...event, payload } as HubEvent);
  }

  /**
   * A before-hook sees what its grant allows and may change only what it may write: records' attributes in its
   * writable namespaces (`ingest:before`, `interaction:before`), values of fields in its writable namespaces
   * (`update:before`), `message.data[<plugin>]` (`send:before`). Anything else is refused with a
   * {@link PermissionDeniedError} (handled by the registry like any failure of the handler: skipped and
   * reported, or a veto with `onError: 'veto'`).
   */
  private guardBefore(
    hook: BeforeHookName,
    name: string,
    grant: Grant,
    handler: (payload: unknown, context: PluginContext) => unknown,
  ): (payload: unknown, context: PluginContext) => unknown {
    const deny = (path: string) => new PermissionDeniedError({ actor: grant.actor, operation: 'write', path });
    return (payload, context) => {
      if (originOf.get(payload as object) === name) return undefined;
      if (hook === 'ingest:before' || hook === 'interaction:before') {
        const all = (payload as HookPayloads['ingest:before']).records;
        const visible: number[] = [];
        all.forEach((record, index) => {
          if (grant.canReadEntity(record.type)) visible.push(index);
        });
        if (visible.length === 0) return undefined;
        // What the plugin sees: each record projected to its grant (a copy it may change freely).
        const view = visible.map((index) => grant.projectRecordInput(clone(all[index]!)));
        const seen = view.map((record) => ({
          fixed: fixedPart(record, grant),
          attributes: clone(attributesOf(record)),
        }));
        const settle = (result: unknown) => {
          if (!result || typeof result !== 'object' || !('payload' in result)) return result;
          const replaced = (result as { payload: { records?: unknown } }).payload.records;
          if (!Array.isArray(replaced) || replaced.length !== visible.length) {
            throw deny(`${hook}.records (a plugin may enrich records, not add or remove them)`);
          }
          const records = [...all];
          visible.forEach((index, i) => {
            const before = all[index]!;
            const after = replaced[i] as SourceRecordInput;
            const { fixed, attributes: shown } = seen[i]!;
            if (fixed !== fixedPart(after, grant)) {
              const changed = Object.keys(attributesOf(after)).find(
                (ns) =>
                  !grant.canWriteNamespace(ns) &&
                  stableStringify(attributesOf(after)[ns]!) !== stableStringify(shown[ns] ?? null),
              );
              throw deny(changed ? `records[${index}].data.attributes.${changed}` : `records[${index}]`);
            }
            const merged = mergeWritable(attributesOf(before), shown, attributesOf(after), grant);
            // Records it did not change stay as they were (no empty `attributes` added).
            if (stableStringify(merged) === stableStringify(attributesOf(before))) return;
            records[index] = {
              ...before,
              data: { ...(before.data as object), attributes: merged },
            } as SourceRecordInput;
          });
          return { payload: { records } };
        };
        const result = handler({ records: view }, context);
        return result && typeof (result as Promise<unknown>).then === 'function'
          ? (result as Promise<unknown>).then(settle)
          : settle(result);
      }
      if (hook === 'update:before') {
        const { customerId, values } = payload as HookPayloads['update:before'];
        const view = Object.freeze({
          customerId,
          values: Object.fromEntries(Object.entries(values).filter(([path]) => grant.canReadField(path))),
        });
        const settle = (result: unknown) => {
          if (!result || typeof result !== 'object' || !('payload' in result)) return result;
          const next = (result as { payload: HookPayloads['update:before'] }).payload.values ?? {};
          const merged = { ...values };
          for (const [path, value] of Object.entries(next)) {
            const namespace = /^attributes\.([^.]+)\./.exec(path)?.[1];
            if (stableStringify(value as JsonValue) === stableStringify((values[path] ?? null) as JsonValue)) continue;
            if (!namespace || !grant.canWriteNamespace(namespace) || !(path in values)) throw deny(path);
            merged[path] = value;
          }
          return { payload: { customerId, values: merged } };
        };
        const result = handler(view, context);
        return result && typeof (result as Promise<unknown>).then === 'function'
          ? (result as Promise<unknown>).then(settle)
          : settle(result);
      }
      if (hook === 'send:before') {
        const { message } = payload as HookPayloads['send:before'];
        const settle = (result: unknown) => {
          if (!result || typeof result !== 'object' || !('payload' in result)) return result;
          const next = (result as { payload: HookPayloads['send:before'] }).payload.message;
          const strip = (m: typeof message) => {
            const { [name]: _own, ...rest } = m.data ?? {};
            return stableStringify({ ...m, data: rest } as unknown as JsonValue);
          };
          if (strip(next) !== strip(message)) throw deny('message');
          return {
            payload: { message: { ...message, data: { ...(message.data ?? {}), [name]: next.data?.[name] ?? null } } },
          };
        };
        // Only a plugin that may read the customer's kind sees a message to it.
        return this.readsCustomer(grant, message.customerId).then(async (reads) =>
          reads ? settle(await handler(Object.freeze({ message: clone(message) }), context)) : undefined,
        );
      }
      // merge:before, link:before: veto only, and only for customers (records) of a kind the plugin may read.
      const settle = (result: unknown) => {
        if (result && typeof result === 'object' && 'payload' in result) throw deny(`${hook} (veto only)`);
        return result;
      };
      const call = () => {
        const result = handler(Object.freeze({ ...(payload as object) }), context);
        return result && typeof (result as Promise<unknown>).then === 'function'
          ? (result as Promise<unknown>).then(settle)
          : settle(result);
      };
      if (hook === 'link:before') {
        const { a, b } = payload as HookPayloads['link:before'];
        return canReadKeys(grant, [a, b]) ? call() : undefined;
      }
      const { into } = payload as HookPayloads['merge:before'];
      return this.readsCustomer(grant, into).then((reads) => (reads ? call() : undefined));
    };
  }

  /** True when the customer exists and the plugin may read its kind. */
  private async readsCustomer(grant: Grant, customerId: string): Promise<boolean> {
    const customer = await this.bindings.getCustomer(customerId);
    return customer !== undefined && grant.canReadEntity(customer.kind);
  }

  private createContext(entry: LoadedPlugin): PluginContext {
    const { plugin, grant } = entry;
    const bindings = this.bindings;
    const host = this;
    const active = () => {
      if (!host.isActive(plugin.name)) {
        throw new PermissionDeniedError({
          actor: grant.actor,
          operation: 'use',
          path: 'hub',
          message: `[crmkit] Plugin "${plugin.name}" is unregistered.`,
        });
      }
    };
    return Object.freeze({
      plugin: plugin.name,
      now: () => bindings.now(),
      async getCustomer(id: string) {
        active();
        const customer = await bindings.getCustomer(id);
        return customer ? grant.projectCustomer(customer) : undefined;
      },
      async findCustomers(query: { email?: string; phone?: string; name?: string }, options: { limit?: number } = {}) {
        active();
        if (!grant.canReadEntity('person') && !grant.canReadEntity('organization')) {
          throw new PermissionDeniedError({ actor: grant.actor, operation: 'read', path: 'customers' });
        }
        // A lookup is a read of what it matches on: by email or phone needs `contactPoints`, and a name query
        // matches only the names the plugin may read (else it would learn whose email or hidden name it is).
        const by = query?.email !== undefined ? 'email' : query?.phone !== undefined ? 'phone' : undefined;
        if (by && !grant.canReadField('contactPoints')) {
          throw new PermissionDeniedError({
            actor: grant.actor,
            operation: 'read',
            path: `query.${by}`,
            message: `[crmkit] Plugin "${plugin.name}" may not find customers by ${by}: its read grant lacks "contactPoints".`,
          });
        }
        const limit = options.limit ?? 50;
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
          throw new InvalidArgumentError({
            argument: 'limit',
            message: `[crmkit/core] "limit" must be an integer from 1 to 1000; got ${String(options.limit)}.`,
          });
        }
        const name = String(query?.name ?? '');
        const q: FindQuery =
          by === 'email' ? { email: String(query.email) } : by === 'phone' ? { phone: String(query.phone) } : { name };
        // The scan widens past customers of kinds the plugin may not read, or matched only by names it may not read.
        const found = await findVisible(
          bindings.findCandidates,
          q,
          limit,
          (c) => grant.canReadEntity(c.kind) && (by !== undefined || matchesReadableName(grant.projectFields(c), name)),
          `plugin "${plugin.name}"`,
        );
        return found.map((c) => grant.projectFields(c));
      },
      async listRecords(customerId: string, options: { type?: RecordType } = {}) {
        active();
        if (options.type) grant.assertReadEntity(options.type);
        const records = await bindings.listRecords(customerId);
        return records
          .filter((r) => !options.type || r.type === options.type)
          .map((r) => grant.projectRecord(r))
          .filter((r): r is StoredRecord => r !== undefined);
      },
      async listGroups() {
        active();
        grant.assertReadEntity('group');
        const groups = await bindings.listGroups();
        if (grant.canReadEntity('person') && grant.canReadEntity('organization')) return groups;
        // Static member ids of kinds the plugin may not read are left out (like `listGroupMembers`).
        const kinds = await bindings.customerKinds([...new Set(groups.flatMap((g) => g.memberIds))]);
        const readable = (id: string) => {
          const kind = kinds.get(id);
          return kind !== undefined && grant.canReadEntity(kind as RecordType);
        };
        return groups.map((g) => ({ ...g, memberIds: g.memberIds.filter(readable) }));
      },
      async canContact(customerId: string, channel: string, purpose: string, at?: string) {
        active();
        const customer = await bindings.getCustomer(customerId);
        if (!customer || !grant.canReadEntity(customer.kind)) {
          return {
            allowed: false,
            reason: 'customer-not-found' as const,
            detail: `Customer ${customerId} does not exist (for ${grant.actor}).`,
          };
        }
        return bindings.canContact(customer.id, channel, purpose, at);
      },
      async listGroupMembers(groupId: string) {
        active();
        grant.assertReadEntity('group');
        const members = await bindings.groupMembers(groupId);
        // A member by a rule on fields the plugin may not read would be an oracle for their values: only static
        // members and members by a rule the plugin could check itself.
        const group = (await bindings.listGroups()).find((g) => g.id === groupId);
        return members
          .filter((c) => group !== undefined && membershipKnown(group, c, (_, field) => grant.canReadField(field)))
          .map((c) => grant.projectCustomer(c))
          .filter((c): c is Customer => c !== undefined);
      },
      async setFields(
        customerId: string,
        values: Record<string, JsonValue | null>,
        options: { namespace?: string } = {},
      ) {
        active();
        const namespace = options.namespace ?? plugin.name;
        grant.assertWriteNamespace(namespace);
        if (typeof values !== 'object' || values === null || Array.isArray(values)) {
          throw new InvalidArgumentError({
            argument: 'values',
            message: '[crmkit/core] setFields() takes an object of field values.',
          });
        }
        // The limits first: a plugin's schema (a recursive one) never sees a value nested 100,000 deep.
        const limited = bindings.checkValueLimits(values, ['values'], 'Plugin field values');
        const customer = await bindings.getCustomer(customerId);
        if (!customer) throw new NotFoundError({ entity: 'customer', id: customerId });
        const checked = host.schemas.checkValues(namespace, customer.kind as PluginEntity, limited, ['values']);
        if (checked.issues.length > 0) {
          throw validationErrorOf(checked.issues, { message: '[crmkit/core] Plugin fields are invalid' });
        }
        const paths: Record<string, JsonValue | null> = {};
        for (const [field, value] of Object.entries(checked.values)) paths[`attributes.${namespace}.${field}`] = value;
        // The result is projected like every read (a plugin may write fields of a kind it may not read).
        return grant.projectFields(await bindings.setFields(customer.id, paths, grant.actor));
      },
      async ingest(records: readonly Omit<SourceRecordInput, 'source'>[]) {
        active();
        if (!Array.isArray(records)) {
          throw new InvalidArgumentError({
            argument: 'records',
            message: '[crmkit/core] ingest() takes an array of records.',
          });
        }
        const source = `plugin:${plugin.name}`;
        const stamped = records.map((record, index) => {
          const given = (record as { source?: unknown }).source;
          if (given !== undefined && given !== source) {
            throw new PermissionDeniedError({
              actor: grant.actor,
              operation: 'write',
              path: `records[${index}].source`,
            });
          }
          grant.assertWriteEntity(String((record as { type?: unknown }).type), `records[${index}].type`);
          for (const namespace of Object.keys(attributesOf(record))) {
            if (host.schemas.has(namespace) && !grant.canWriteNamespace(namespace)) {
              throw new PermissionDeniedError({
                actor: grant.actor,
                operation: 'write',
                path: `records[${index}].data.attributes.${namespace}`,
              });
            }
          }
          return { ...record, source } as SourceRecordInput;
        });
        await bindings.ingest(stamped, plugin.name);
      },
      async startWorkflow(name: string, input?: JsonValue, options: { idempotencyKey?: string } = {}) {
        active();
        if (!plugin.workflows?.[name]) throw new NotFoundError({ entity: 'workflow', id: `${plugin.name}.${name}` });
        return bindings.startWorkflow(`${plugin.name}.${name}`, input, options.idempotencyKey);
      },
      log(level: 'debug' | 'info' | 'warn' | 'error', message: string, data: Record<string, JsonValue> = {}) {
        bindings.log(level, message, { ...data, plugin: plugin.name });
      },
    });
  }
}

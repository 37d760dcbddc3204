import {
  assertSpecificationVersion,
  FieldPatternSchema,
  HOOK_NAMES,
  HUB_EVENT_TYPES,
  PLUGIN_ENTITIES,
  PLUGIN_NAME_PATTERN,
  PluginInvalidError,
  type HookName,
  type HubEventType,
  type Plugin,
  type PluginActivityType,
  type PluginEntity,
  type RecordType,
} from '@crmkit/model';
import satisfies from 'semver/functions/satisfies.js';
import validVersion from 'semver/functions/valid.js';
import validRange from 'semver/ranges/valid.js';
import type { z } from 'zod';
import { Grant } from './permissions';

/** A plugin accepted by the host: its manifest, load position, compiled grant and schemas. */
export interface LoadedPlugin {
  readonly plugin: Plugin;
  /** Load position: every dependency has a lower rank than its dependants. */
  readonly rank: number;
  readonly grant: Grant;
  /** Field schemas by entity type and field name. */
  readonly fields: ReadonlyMap<PluginEntity, ReadonlyMap<string, z.ZodType>>;
  /** Activity types by full name `<plugin>.<type>`. */
  readonly activityTypes: ReadonlyMap<string, PluginActivityType>;
}

const RECORD_TYPES: readonly string[] = ['person', 'organization', 'interaction', 'opportunity'];
const READABLE: readonly string[] = [...RECORD_TYPES, 'group'];
const FIELD_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,62}$/;
const RESERVED = new Set(['crmkit', 'core', 'hub', 'plugin', 'system']);

/**
 * Which event an after-hook delivers, so the plugin must be granted to read it. Before-hooks and `ingest:after`
 * carry records and need the entity grant instead.
 */
export const HOOK_EVENTS: Partial<Record<HookName, HubEventType>> = {
  'merge:after': 'customer.merged',
  'link:after': 'review.decided',
  'update:after': 'customer.updated',
  'interaction:after': 'interaction.recorded',
};

function fail(plugin: string, path: string, message: string): never {
  throw new PluginInvalidError({ plugin, path, message });
}

function isZod(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && typeof (value as z.ZodType).safeParse === 'function';
}

function checkList<T extends string>(
  name: string,
  path: string,
  value: unknown,
  allowed: readonly string[] | null,
  what: string,
): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(name, path, `expected a list of ${what}`);
  value.forEach((item, index) => {
    if (typeof item !== 'string') fail(name, `${path}[${index}]`, `expected a string, got ${typeof item}`);
    if (allowed && !allowed.includes(item)) {
      fail(name, `${path}[${index}]`, `unknown ${what} "${item}"; expected one of ${allowed.join(', ')}`);
    }
  });
  return value as T[];
}

/** Checks one manifest on its own (everything but its relations to other plugins). */
function checkManifest(plugin: Plugin): void {
  if (typeof plugin !== 'object' || plugin === null) fail('?', '', 'a plugin must be an object (use definePlugin)');
  const name = typeof plugin.name === 'string' ? plugin.name : '?';
  if (!PLUGIN_NAME_PATTERN.test(name)) {
    fail(name, 'name', 'expected lower-case letters, digits and dashes, starting with a letter (at most 63)');
  }
  if (RESERVED.has(name)) fail(name, 'name', `"${name}" is reserved`);
  assertSpecificationVersion('plugin', plugin);
  if (typeof plugin.version !== 'string' || validVersion(plugin.version) === null) {
    fail(name, 'version', `expected a semver version such as "1.0.0", got ${JSON.stringify(plugin.version)}`);
  }
  for (const [dep, range] of Object.entries(plugin.dependsOn ?? {})) {
    if (typeof range !== 'string' || validRange(range) === null) {
      fail(name, `dependsOn.${dep}`, `expected a semver range such as "^1.2.0", got ${JSON.stringify(range)}`);
    }
    if (dep === name) fail(name, `dependsOn.${dep}`, 'a plugin cannot depend on itself');
  }
  for (const [entity, fields] of Object.entries(plugin.fields ?? {})) {
    if (!(PLUGIN_ENTITIES as readonly string[]).includes(entity)) {
      fail(name, `fields.${entity}`, `unknown entity; expected one of ${PLUGIN_ENTITIES.join(', ')}`);
    }
    for (const [field, schema] of Object.entries(fields ?? {})) {
      if (!FIELD_NAME.test(field))
        fail(name, `fields.${entity}.${field}`, 'expected a field name of letters, digits and _');
      if (!isZod(schema)) fail(name, `fields.${entity}.${field}`, 'expected a zod schema');
    }
  }
  for (const [type, definition] of Object.entries(plugin.activityTypes ?? {})) {
    if (!/^[a-zA-Z][a-zA-Z0-9_-]{0,62}$/.test(type)) {
      fail(name, `activityTypes.${type}`, 'expected a type name of letters, digits, _ and -');
    }
    if (!isZod(definition?.schema)) fail(name, `activityTypes.${type}.schema`, 'expected a zod schema');
  }
  const read = plugin.permissions?.read ?? {};
  const write = plugin.permissions?.write ?? {};
  checkList(name, 'permissions.read.entities', read.entities, READABLE, 'entity');
  checkList(name, 'permissions.read.events', read.events, HUB_EVENT_TYPES, 'event type');
  checkList(name, 'permissions.read.fields', read.fields, null, 'field').forEach((pattern, index) => {
    if (!FieldPatternSchema.safeParse(pattern).success) {
      fail(
        name,
        `permissions.read.fields[${index}]`,
        `"${pattern}" is not a field path (e.g. "displayName", "name.*")`,
      );
    }
  });
  checkList(name, 'permissions.write.namespaces', write.namespaces, null, 'namespace');
  checkList(name, 'permissions.write.entities', write.entities, RECORD_TYPES, 'entity');

  const grant = new Grant(plugin);
  for (const [hook, registration] of Object.entries(plugin.hooks ?? {})) {
    if (!(HOOK_NAMES as readonly string[]).includes(hook)) {
      fail(name, `hooks.${hook}`, `unknown hook; expected one of ${HOOK_NAMES.join(', ')}`);
    }
    const handler = typeof registration === 'function' ? registration : registration?.handler;
    if (typeof handler !== 'function') fail(name, `hooks.${hook}`, 'expected a function or { handler }');
    const event = HOOK_EVENTS[hook as HookName];
    if (event && !grant.canReadEvent(event)) {
      fail(name, `hooks.${hook}`, `the hook delivers "${event}" events; add it to permissions.read.events`);
    }
    if (
      !event &&
      !['person', 'organization', 'interaction', 'opportunity'].some((t) => grant.canReadEntity(t as RecordType))
    ) {
      fail(name, `hooks.${hook}`, 'the hook delivers records or customers; grant permissions.read.entities first');
    }
  }
  for (const [workflow, definition] of Object.entries(plugin.workflows ?? {})) {
    (definition?.triggers ?? []).forEach((trigger, index) => {
      if ('event' in trigger && !grant.canReadEvent(trigger.event)) {
        fail(
          name,
          `workflows.${workflow}.triggers[${index}].event`,
          `the trigger needs "${trigger.event}" in permissions.read.events`,
        );
      }
    });
  }
  for (const [command, definition] of Object.entries(plugin.commands ?? {})) {
    if (!/^[a-zA-Z][a-zA-Z0-9_-]{0,62}$/.test(command)) fail(name, `commands.${command}`, 'expected a command name');
    if (!isZod(definition?.input)) fail(name, `commands.${command}.input`, 'expected a zod schema');
    if (typeof definition.run !== 'function') fail(name, `commands.${command}.run`, 'expected a function');
  }
}

/**
 * Validates a set of plugin manifests and orders them so dependencies load first. Refuses, with a
 * {@link PluginInvalidError} naming the plugin and the path (or an `UnsupportedSpecificationError` for a wrong
 * contract version): a malformed manifest, a duplicate name (conflicting namespace), an unknown or out-of-range
 * dependency, a dependency cycle, a write grant on an unknown namespace, and hooks or triggers that need a read
 * grant the plugin did not declare.
 *
 * @example
 * ```ts
 * const loaded = loadPlugins([sales, service]); // throws PLUGIN_INVALID on a bad set
 * loaded.map((p) => p.plugin.name); // dependencies first
 * ```
 */
export function loadPlugins(plugins: readonly Plugin[]): LoadedPlugin[] {
  const byName = new Map<string, Plugin>();
  for (const plugin of plugins) {
    checkManifest(plugin);
    if (byName.has(plugin.name)) fail(plugin.name, 'name', 'another plugin has the same name (namespace)');
    byName.set(plugin.name, plugin);
  }
  for (const plugin of plugins) {
    for (const [dep, range] of Object.entries(plugin.dependsOn ?? {})) {
      const target = byName.get(dep);
      if (!target) fail(plugin.name, `dependsOn.${dep}`, `unknown dependency "${dep}": it is not registered`);
      if (!satisfies(target.version, range, { includePrerelease: true })) {
        fail(plugin.name, `dependsOn.${dep}`, `needs ${dep}@${range}, but ${target.version} is registered`);
      }
    }
    (plugin.permissions?.write?.namespaces ?? []).forEach((namespace, index) => {
      if (!byName.has(namespace)) {
        fail(plugin.name, `permissions.write.namespaces[${index}]`, `unknown namespace "${namespace}"`);
      }
    });
  }

  // Depth-first topological order; names sorted so the order never depends on the order of registration.
  const order: Plugin[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (plugin: Plugin, trail: string[]): void => {
    const mark = state.get(plugin.name);
    if (mark === 'done') return;
    if (mark === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(plugin.name)), plugin.name].join(' -> ');
      fail(plugin.name, 'dependsOn', `dependency cycle: ${cycle}`);
    }
    state.set(plugin.name, 'visiting');
    for (const dep of Object.keys(plugin.dependsOn ?? {}).sort()) visit(byName.get(dep)!, [...trail, plugin.name]);
    state.set(plugin.name, 'done');
    order.push(plugin);
  };
  for (const name of [...byName.keys()].sort()) visit(byName.get(name)!, []);

  return order.map((plugin, rank) => {
    const fields = new Map<PluginEntity, Map<string, z.ZodType>>();
    for (const [entity, defs] of Object.entries(plugin.fields ?? {})) {
      fields.set(entity as PluginEntity, new Map(Object.entries(defs ?? {})));
    }
    const activityTypes = new Map<string, PluginActivityType>();
    for (const [type, definition] of Object.entries(plugin.activityTypes ?? {})) {
      activityTypes.set(`${plugin.name}.${type}`, definition);
    }
    return { plugin, rank, grant: new Grant(plugin), fields, activityTypes };
  });
}

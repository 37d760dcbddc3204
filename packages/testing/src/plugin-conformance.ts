/**
 * The plugin conformance suite: checks every crmkit plugin should pass, as a vitest suite
 * ({@link describePluginConformance}) and as plain probes ({@link checkPluginConformance}) that return the problems
 * they found.
 *
 * @module
 */
import { Grant } from '@crmkit/core';
import {
  CrmkitError,
  type Customer,
  ErrorCode,
  HOOK_NAMES,
  type HookName,
  type HubEvent,
  PLUGIN_NAME_PATTERN,
  type Plugin,
  type PluginContext,
  type RecordType,
  type SourceRecordInput,
  type StepContext,
  type WorkflowDefinition,
  type WorkflowStep,
  type WorkflowTrigger,
} from '@crmkit/model';
import { describe, it } from 'vitest';
import { createPluginHarness, type PluginHarness, type PluginHarnessOptions } from './plugin-harness';

/** Options of {@link describePluginConformance} and {@link checkPluginConformance}. */
export interface PluginConformanceOptions {
  /** Plugins the plugin depends on (`dependsOn`), loaded with it. */
  dependencies?: readonly Plugin[];
  /**
   * Customers (person and organization records, and interactions that refer to them) ingested besides the
   * suite's own sample before the read probes. Include values of the plugin's (and its dependencies') fields so
   * the probes see every namespace.
   */
  sample?: { customers: readonly SourceRecordInput[] };
  /** Other Hub options for every Hub the probes create. */
  hubOptions?: PluginHarnessOptions['hubOptions'];
  /** A reason to skip the suite, shown in its name; `false` or absent runs it. */
  skip?: string | false;
  /** Time limit of each test in ms. @default 20000 */
  timeout?: number;
}

/** One check of the conformance suite. */
export interface PluginConformanceProbe {
  /** What it checks, as the test's name. */
  readonly name: string;
  /** Runs the check; resolves to the problems found (empty when the plugin conforms). Never rejects. */
  run(plugin: Plugin, options?: PluginConformanceOptions): Promise<string[]>;
}

/** Problems one probe found, as {@link checkPluginConformance} reports them. */
export interface PluginConformanceResult {
  probe: string;
  problems: string[];
}

/** Semantic Versioning 2.0.0, from semver.org. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const RECORD_TYPES: readonly RecordType[] = ['person', 'organization', 'interaction', 'opportunity'];
/** A namespace no plugin owns: the sample puts a value there that no plugin may see without a grant. */
const PROBE_NAMESPACE = 'zz-conformance-probe';
const PROBE_SOURCE = 'conformance';
const PROBE_TIME = '2026-01-01T00:00:00Z';
/** Inputs every command schema is tried with: none, an empty object, a number. */
const BAD_INPUTS: readonly { label: string; value: unknown }[] = [
  { label: 'undefined', value: undefined },
  { label: '{}', value: {} },
  { label: '42', value: 42 },
];

/**
 * Values of the sample person, by the golden field a plugin needs in its read grant to see them (a phone number is
 * compared by its digits). No read, hook payload or workflow trigger may show one to a plugin without that field.
 */
const SAMPLE_SECRETS = {
  birthDate: ['1815-12-10'],
  jobTitle: ['Conformance Analyst'],
  ownerId: ['usr_conformance_owner'],
  organizationRole: ['Conformance Buyer'],
  contactPoints: ['ada.conformance@example.com', '31201234567'],
} as const;

/** The suite's own sample: a person, an organization and an interaction, with a value in a foreign namespace. */
function defaultSample(): SourceRecordInput[] {
  const secret = { [PROBE_NAMESPACE]: { secret: 'not for plugins' } };
  return [
    {
      type: 'person',
      source: PROBE_SOURCE,
      externalId: 'p1',
      observedAt: PROBE_TIME,
      data: {
        givenName: 'Ada',
        familyName: 'Lovelace',
        jobTitle: SAMPLE_SECRETS.jobTitle[0],
        birthDate: SAMPLE_SECRETS.birthDate[0],
        ownerId: SAMPLE_SECRETS.ownerId[0],
        emails: [SAMPLE_SECRETS.contactPoints[0]],
        phones: ['+31 20 123 4567'],
        organization: {
          ref: { type: 'organization', externalId: 'o1' },
          role: SAMPLE_SECRETS.organizationRole[0],
        },
        attributes: secret,
      },
    },
    {
      type: 'organization',
      source: PROBE_SOURCE,
      externalId: 'o1',
      observedAt: PROBE_TIME,
      data: { name: 'Conformance Probe BV', domain: 'probe.example', industry: 'Testing', attributes: secret },
    },
    {
      type: 'interaction',
      source: PROBE_SOURCE,
      externalId: 'i1',
      observedAt: PROBE_TIME,
      data: {
        channel: 'email',
        direction: 'inbound',
        occurredAt: PROBE_TIME,
        participants: [
          { ref: { type: 'person', externalId: 'p1' }, role: 'from' },
          { ref: { email: SAMPLE_SECRETS.contactPoints[0] }, role: 'cc' },
        ],
        activity: { kind: 'note', text: 'probe' },
        attributes: secret,
      },
    },
  ];
}

/** A valid record of `type` without `source` (what a plugin passes to `context.ingest`). */
function probeRecord(type: RecordType): Omit<SourceRecordInput, 'source'> {
  const base = { externalId: 'conformance-probe-write', observedAt: PROBE_TIME };
  switch (type) {
    case 'person':
      return { ...base, type, data: { givenName: 'Probe' } };
    case 'organization':
      return { ...base, type, data: { name: 'Probe' } };
    case 'interaction':
      return {
        ...base,
        type,
        data: {
          channel: 'other',
          direction: 'internal',
          occurredAt: PROBE_TIME,
          participants: [{ ref: { type: 'person', source: PROBE_SOURCE, externalId: 'p1' }, role: 'customer' }],
          activity: { kind: 'note', text: 'probe' },
        },
      };
    case 'opportunity':
      return {
        ...base,
        type,
        data: { name: 'Probe', stage: 'new', customer: { type: 'person', source: PROBE_SOURCE, externalId: 'p1' } },
      };
  }
}

function describeError(error: unknown): string {
  if (CrmkitError.isInstance(error)) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function pluginsOf(plugin: Plugin, options: PluginConformanceOptions): Plugin[] {
  return [...(options.dependencies ?? []), plugin];
}

/**
 * Runs `fn` with a harness of the plugin and its dependencies, after ingesting the samples and working the runs
 * they started; closes it afterwards. A plugin that does not load, or a failing `fn`, becomes a problem.
 */
async function withHarness(
  plugin: Plugin,
  options: PluginConformanceOptions,
  fn: (harness: PluginHarness, customers: Customer[]) => Promise<string[]>,
): Promise<string[]> {
  let harness: PluginHarness;
  try {
    harness = createPluginHarness({
      plugins: pluginsOf(plugin, options),
      ...(options.hubOptions ? { hubOptions: options.hubOptions } : {}),
    });
  } catch (error) {
    return [`does not load with its dependencies: ${describeError(error)}`];
  }
  try {
    await harness.hub.ingest([...defaultSample(), ...(options.sample?.customers ?? [])]);
    await harness.runWorkflows();
    const { items } = await harness.hub.list({ limit: 1000 });
    return await fn(harness, items);
  } catch (error) {
    return [`the probe failed: ${describeError(error)}`];
  } finally {
    await harness.close().catch(() => undefined);
  }
}

/** Checks that `operation` rejects with PERMISSION_DENIED at `path`; returns the problem otherwise. */
async function denied(what: string, operation: () => Promise<unknown>, path: string): Promise<string[]> {
  try {
    await operation();
  } catch (error) {
    if (!CrmkitError.isInstance(error) || error.code !== ErrorCode.PERMISSION_DENIED) {
      return [`${what}: expected PERMISSION_DENIED, got ${describeError(error)}`];
    }
    const actual = (error as { path?: unknown }).path;
    return actual === path ? [] : [`${what}: expected PERMISSION_DENIED at "${path}", got "${String(actual)}"`];
  }
  return [`${what}: expected PERMISSION_DENIED, but it was allowed`];
}

/** Field names of a plugin's view of a customer that its grant does not cover. */
function leakedFields(grant: Grant, customer: Customer): string[] {
  const leaks = Object.keys(customer.golden.fields).filter((name) => !grant.canReadField(name));
  if (customer.displayName !== undefined && !grant.canReadField('displayName')) leaks.push('displayName');
  if (customer.golden.contactPoints.length > 0 && !grant.canReadField('contactPoints')) leaks.push('contactPoints');
  if (customer.golden.sources.length > 0 && !grant.canReadField('sources')) leaks.push('sources');
  return leaks;
}

const manifestProbe: PluginConformanceProbe = {
  name: 'has a well-formed manifest (name, semver version, contract v1, dependencies)',
  async run(plugin, options = {}) {
    const problems: string[] = [];
    if (plugin.specificationVersion !== 'v1') {
      problems.push(`specificationVersion is ${JSON.stringify(plugin.specificationVersion)}, expected "v1"`);
    }
    if (typeof plugin.name !== 'string' || !PLUGIN_NAME_PATTERN.test(plugin.name)) {
      problems.push(`name ${JSON.stringify(plugin.name)} does not match ${PLUGIN_NAME_PATTERN}`);
    }
    if (typeof plugin.version !== 'string' || !SEMVER.test(plugin.version)) {
      problems.push(`version ${JSON.stringify(plugin.version)} is not a semver version`);
    }
    const given = new Set((options.dependencies ?? []).map((p) => p.name));
    for (const [dependency, range] of Object.entries(plugin.dependsOn ?? {})) {
      if (typeof range !== 'string' || range.trim() === '') {
        problems.push(`dependsOn.${dependency} is not a version range`);
      }
      if (!given.has(dependency)) {
        problems.push(`depends on "${dependency}", but the suite was given no such dependency`);
      }
    }
    for (const hook of Object.keys(plugin.hooks ?? {})) {
      if (!(HOOK_NAMES as readonly string[]).includes(hook)) problems.push(`hooks.${hook} is not a hook`);
    }
    return problems;
  },
};

const loadProbe: PluginConformanceProbe = {
  name: 'loads with its dependencies, and loading it twice is refused (namespace conflict)',
  async run(plugin, options = {}) {
    const problems = await withHarness(plugin, options, async (harness) => {
      const out: string[] = [];
      const info = harness.hub.plugins.list().find((p) => p.name === plugin.name);
      if (!info) out.push('is not in hub.plugins.list() after loading');
      else if (info.version !== plugin.version) out.push(`is listed with version ${info.version}`);
      if (harness.context(plugin.name).plugin !== plugin.name) out.push('its context names another plugin');
      return out;
    });
    let twice: PluginHarness | undefined;
    try {
      twice = createPluginHarness({ plugins: [...pluginsOf(plugin, options), plugin] });
      problems.push('loading it twice was accepted; expected PLUGIN_INVALID (conflicting namespace)');
    } catch (error) {
      if (!CrmkitError.isInstance(error) || error.code !== ErrorCode.PLUGIN_INVALID) {
        problems.push(`loading it twice: expected PLUGIN_INVALID, got ${describeError(error)}`);
      }
    } finally {
      await twice?.close().catch(() => undefined);
    }
    return problems;
  },
};

const hooksProbe: PluginConformanceProbe = {
  name: 'registers every hook it declares',
  async run(plugin, options = {}) {
    return withHarness(plugin, options, async (harness) =>
      Object.keys(plugin.hooks ?? {})
        .filter((hook) => !harness.hub.hooks.order(hook as HookName).includes(plugin.name))
        .map((hook) => `hook "${hook}" is declared but not registered (hub.hooks.order)`),
    );
  },
};

const sampleProbe: PluginConformanceProbe = {
  name: 'takes the sample customers without plugin errors',
  async run(plugin, options = {}) {
    return withHarness(plugin, options, async (harness) =>
      harness.errors.map(
        ({ error, info }) =>
          `reported a plugin error (${[info.plugin, info.hook ?? info.step].filter(Boolean).join(' ')}): ${describeError(error)}`,
      ),
    );
  },
};

const namespaceProbe: PluginConformanceProbe = {
  name: 'refuses to write fields in a namespace it was not granted',
  async run(plugin, options = {}) {
    return withHarness(plugin, options, async (harness, customers) => {
      const grant = new Grant(plugin);
      const foreign =
        (options.dependencies ?? []).map((p) => p.name).find((name) => !grant.canWriteNamespace(name)) ??
        PROBE_NAMESPACE;
      const customerId = customers[0]?.id ?? 'cus_missing';
      return denied(
        `setFields in "${foreign}"`,
        () => harness.context(plugin.name).setFields(customerId, { probe: 1 }, { namespace: foreign }),
        `attributes.${foreign}`,
      );
    });
  },
};

const entityWriteProbe: PluginConformanceProbe = {
  name: 'refuses to ingest records of a type it may not write',
  async run(plugin, options = {}) {
    const grant = new Grant(plugin);
    const type = RECORD_TYPES.find((t) => !grant.canWriteEntity(t));
    if (!type) return []; // it may write every type
    return withHarness(plugin, options, async (harness) =>
      denied(`ingest of a ${type}`, () => harness.context(plugin.name).ingest([probeRecord(type)]), 'records[0].type'),
    );
  },
};

const groupProbe: PluginConformanceProbe = {
  name: 'lists groups only with the group grant',
  async run(plugin, options = {}) {
    const grant = new Grant(plugin);
    return withHarness(plugin, options, async (harness) => {
      const context = harness.context(plugin.name);
      if (!grant.canReadEntity('group')) return denied('listGroups', () => context.listGroups(), 'group');
      const groups = await context.listGroups();
      return Array.isArray(groups) ? [] : ['listGroups did not return a list'];
    });
  },
};

const entityReadProbe: PluginConformanceProbe = {
  name: 'sees no customers of an entity type it may not read',
  async run(plugin, options = {}) {
    const grant = new Grant(plugin);
    return withHarness(plugin, options, async (harness, customers) => {
      const problems: string[] = [];
      const context = harness.context(plugin.name);
      for (const customer of customers) {
        const seen = await context.getCustomer(customer.id);
        if (!grant.canReadEntity(customer.kind) && seen !== undefined) {
          problems.push(`getCustomer of a ${customer.kind} returned it without the "${customer.kind}" read grant`);
        }
        if (grant.canReadEntity(customer.kind) && seen === undefined) {
          problems.push(`getCustomer of a ${customer.kind} returned nothing despite the read grant`);
        }
      }
      return problems;
    });
  },
};

const fieldReadProbe: PluginConformanceProbe = {
  name: 'never sees golden fields or record attributes outside its read grant',
  async run(plugin, options = {}) {
    const grant = new Grant(plugin);
    return withHarness(plugin, options, async (harness, customers) => {
      const problems: string[] = [];
      const context = harness.context(plugin.name);
      for (const customer of customers) {
        const seen = await context.getCustomer(customer.id);
        if (seen) {
          for (const leak of leakedFields(grant, seen)) {
            problems.push(`getCustomer(${customer.kind}) shows "${leak}" outside its read grant`);
          }
        }
        const records = grant.canReadEntity(customer.kind) ? await context.listRecords(customer.id) : [];
        for (const record of records) {
          if (!grant.canReadEntity(record.type)) problems.push(`listRecords shows a ${record.type} record`);
          const attributes = (record.data as { attributes?: Record<string, unknown> } | null)?.attributes ?? {};
          for (const [namespace, value] of Object.entries(attributes)) {
            const fields =
              typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
            const readable =
              grant.canReadField(`attributes.${namespace}`) ||
              (fields.length > 0 && fields.every((field) => grant.canReadField(`attributes.${namespace}.${field}`)));
            if (!readable) {
              problems.push(`listRecords shows attributes.${namespace} of a ${record.type} outside its read grant`);
            }
          }
        }
      }
      if (grant.canReadEntity('person') || grant.canReadEntity('organization')) {
        const email = SAMPLE_SECRETS.contactPoints[0];
        if (grant.canReadField('contactPoints')) {
          for (const customer of await context.findCustomers({ email })) {
            for (const leak of leakedFields(grant, customer)) {
              problems.push(`findCustomers shows "${leak}" outside its read grant`);
            }
          }
        } else {
          // Without contact points, a lookup by email would tell whose address it is.
          problems.push(
            ...(await denied('findCustomers by email', () => context.findCustomers({ email }), 'query.email')),
          );
        }
      }
      return [...new Set(problems)];
    });
  },
};

/** Every string in a JSON-like value, keys included. */
function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const inner of value) stringsOf(inner, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      out.push(key);
      stringsOf(inner, out);
    }
  }
  return out;
}

/** The golden fields (of {@link SAMPLE_SECRETS}) whose sample values show in `value` although the grant lacks them. */
function secretsShown(grant: Grant, value: unknown): string[] {
  const strings = stringsOf(value);
  const digits = strings.map((s) => s.replace(/\D/g, ''));
  return Object.entries(SAMPLE_SECRETS)
    .filter(([field]) => !grant.canReadField(field))
    .filter(([, secrets]) =>
      secrets.some((secret) => (/^\d+$/.test(secret) ? digits : strings).some((s) => s.includes(secret))),
    )
    .map(([field]) => field);
}

/**
 * The plugin with every hook handler, event trigger and workflow step wrapped to record what it is given (a JSON
 * copy), then call the plugin's own code unchanged.
 */
function spyOn(plugin: Plugin, record: (where: string, value: unknown) => void): Plugin {
  const hooks: Record<string, unknown> = {};
  for (const [hook, registration] of Object.entries(plugin.hooks ?? {})) {
    const entry = typeof registration === 'function' ? { handler: registration } : registration;
    if (typeof entry?.handler !== 'function') {
      hooks[hook] = registration;
      continue;
    }
    const handler = entry.handler as (payload: unknown, context: PluginContext) => unknown;
    hooks[hook] = {
      ...entry,
      handler: (payload: unknown, context: PluginContext) => {
        record(`hook ${hook}`, payload);
        return handler(payload, context);
      },
    };
  }
  const workflows: Record<string, WorkflowDefinition<unknown>> = {};
  for (const [name, workflow] of Object.entries(plugin.workflows ?? {})) {
    workflows[name] = {
      ...workflow,
      triggers: (workflow.triggers ?? []).map((trigger: WorkflowTrigger) =>
        'event' in trigger
          ? {
              ...trigger,
              when: (event: HubEvent) => {
                record(`workflow ${name} trigger ${trigger.event}`, event);
                return trigger.when ? trigger.when(event) : true;
              },
            }
          : trigger,
      ),
      steps: (workflow.steps ?? []).map((step: WorkflowStep<unknown>) => ({
        ...step,
        run: (context: StepContext<unknown>) => {
          record(`workflow ${name} step ${step.name} input`, context.input);
          return step.run(context);
        },
      })),
    };
  }
  return { ...plugin, hooks, workflows } as Plugin;
}

const sourceDataProbe: PluginConformanceProbe = {
  name: 'never sees source data outside its read grant (reads, hook payloads, workflow triggers and inputs)',
  async run(plugin, options = {}) {
    const grant = new Grant(plugin);
    const seen: { where: string; value: unknown }[] = [];
    const record = (where: string, value: unknown) => {
      seen.push({ where, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) });
    };
    const spied = spyOn(plugin, record);
    const problems = await withHarness(spied, options, async (harness, customers) => {
      const context = harness.context(plugin.name);
      for (const customer of customers) {
        record(`getCustomer(${customer.kind})`, await context.getCustomer(customer.id));
        if (grant.canReadEntity(customer.kind)) {
          record(`listRecords(${customer.kind})`, await context.listRecords(customer.id));
        }
      }
      if (grant.canReadEntity('person') || grant.canReadEntity('organization')) {
        record('findCustomers({ name })', await context.findCustomers({ name: 'Ada' }));
      }
      return [];
    });
    for (const { where, value } of seen) {
      for (const field of secretsShown(grant, value)) problems.push(`${where} shows ${field} outside its read grant`);
    }
    return [...new Set(problems)];
  },
};

const commandProbe: PluginConformanceProbe = {
  name: 'refuses command input that fails the schema with VALIDATION_FAILED',
  async run(plugin, options = {}) {
    const commands = Object.entries(plugin.commands ?? {});
    if (commands.length === 0) return [];
    return withHarness(plugin, options, async (harness) => {
      const problems: string[] = [];
      for (const [name, command] of commands) {
        for (const { label, value } of BAD_INPUTS) {
          let accepted: boolean;
          try {
            accepted = command.input.safeParse(value).success;
          } catch (error) {
            problems.push(`command "${name}": its input schema throws on ${label}: ${describeError(error)}`);
            continue;
          }
          if (accepted) continue; // the schema accepts this input: nothing to probe
          try {
            await harness.hub.commands.run(`${plugin.name}.${name}`, value);
            problems.push(`command "${name}" ran with input ${label}, which its schema refuses`);
          } catch (error) {
            if (!CrmkitError.isInstance(error)) {
              problems.push(`command "${name}" threw a non-crmkit error for input ${label}: ${describeError(error)}`);
            } else if (error.code !== ErrorCode.VALIDATION_FAILED) {
              problems.push(`command "${name}" refused input ${label} with ${error.code}, expected VALIDATION_FAILED`);
            }
          }
        }
      }
      return problems;
    });
  },
};

const workflowProbe: PluginConformanceProbe = {
  name: 'declares workflows with triggers and uniquely named steps',
  async run(plugin) {
    const problems: string[] = [];
    for (const [name, workflow] of Object.entries(plugin.workflows ?? {})) {
      if (!Array.isArray(workflow?.triggers) || workflow.triggers.length === 0) {
        problems.push(`workflow "${name}" has no trigger`);
      }
      if (!Array.isArray(workflow?.steps) || workflow.steps.length === 0) {
        problems.push(`workflow "${name}" has no step`);
        continue;
      }
      const seen = new Set<string>();
      workflow.steps.forEach((step, index) => {
        if (typeof step?.name !== 'string' || step.name === '') {
          problems.push(`workflow "${name}" step ${index} has no name`);
        } else if (seen.has(step.name)) {
          problems.push(`workflow "${name}" has two steps named "${step.name}"`);
        } else seen.add(step.name);
        if (typeof step?.run !== 'function') problems.push(`workflow "${name}" step ${index} has no run function`);
      });
    }
    return problems;
  },
};

/** Every probe of the conformance suite, in the order the suite runs them. */
export const pluginConformanceProbes: readonly PluginConformanceProbe[] = [
  manifestProbe,
  loadProbe,
  hooksProbe,
  sampleProbe,
  namespaceProbe,
  entityWriteProbe,
  groupProbe,
  entityReadProbe,
  fieldReadProbe,
  sourceDataProbe,
  commandProbe,
  workflowProbe,
];

/**
 * Runs every conformance probe on `plugin` without a test runner and returns what each found. A plugin conforms
 * when every `problems` list is empty.
 *
 * @example
 * ```ts
 * const results = await checkPluginConformance(marketing, { dependencies: [sales] });
 * const problems = results.flatMap((r) => r.problems.map((p) => `${r.probe}: ${p}`));
 * ```
 */
export async function checkPluginConformance(
  plugin: Plugin,
  options: PluginConformanceOptions = {},
): Promise<PluginConformanceResult[]> {
  const results: PluginConformanceResult[] = [];
  for (const probe of pluginConformanceProbes) {
    results.push({ probe: probe.name, problems: await probe.run(plugin, options) });
  }
  return results;
}

/**
 * Declares the plugin conformance suite with vitest: one test per probe (see {@link pluginConformanceProbes}), each
 * failing with the problems it found. Call it at the top level of a test file. It checks that the plugin:
 *
 * - has a well-formed manifest: name pattern, semver version, contract `v1`, every dependency given;
 * - loads with its dependencies, and loading it twice is refused (`PLUGIN_INVALID`, conflicting namespace);
 * - registers every hook it declares (`hub.hooks.order`);
 * - takes a sample (a person, an organization, an interaction, plus `options.sample`) without plugin errors;
 * - is refused (`PERMISSION_DENIED`) when it writes fields in a namespace it was not granted (path
 *   `attributes.<ns>`), ingests a record type it may not write (path `records[0].type`), or lists groups without
 *   the group grant (path `group`);
 * - gets `undefined` from `getCustomer` for entity types it may not read, and never sees a golden field, contact
 *   points, sources, display name or record attributes outside its read grant (compared with `Grant` from
 *   `@crmkit/core`); is refused a lookup by email without `contactPoints`;
 * - never sees a value of the sample's source records (birth date, job title, owner, organization role, email,
 *   phone) whose golden field its grant lacks: not in `getCustomer`, `listRecords` or `findCustomers`, nor in any
 *   hook payload, workflow trigger event or step input it is given during the sample's ingest;
 * - has commands that refuse input failing their schema (`undefined`, `{}`, `42`) with `VALIDATION_FAILED` and no
 *   other error;
 * - declares workflows with at least one trigger and one step, with unique step names.
 *
 * @param plugin The plugin under test.
 * @param options Its dependencies, extra sample customers, Hub options, skip, time limit.
 *
 * @example
 * ```ts
 * import { describePluginConformance } from '@crmkit/testing';
 *
 * describePluginConformance(marketing, { dependencies: [sales] });
 * ```
 */
export function describePluginConformance(plugin: Plugin, options: PluginConformanceOptions = {}): void {
  const skip = typeof options.skip === 'string' ? options.skip : false;
  const name = `Plugin conformance: ${plugin.name}@${plugin.version}${skip === false ? '' : ` (${skip})`}`;
  (skip === false ? describe : describe.skip)(name, () => {
    for (const probe of pluginConformanceProbes) {
      it(
        probe.name,
        async () => {
          const problems = await probe.run(plugin, options);
          if (problems.length > 0) {
            throw new Error(`${plugin.name}: ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
          }
        },
        options.timeout ?? 20_000,
      );
    }
  });
}

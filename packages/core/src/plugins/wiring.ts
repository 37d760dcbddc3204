/**
 * Plugins and workflows wired into a Hub: the plugin host with the bindings plugins reach the Hub through, the
 * workflow engine with the plugins' workflows, and the Hub's `plugins`, `hooks`, `commands` and `workflows`.
 *
 * @module
 */
import { InvalidArgumentError, quoteValue } from '@crmkit/model';
import type { Hub } from '../api/hub';
import type { CanContact } from '../contact/send';
import type { Fields } from '../golden/fields';
import { checkValueLimits } from '../golden/override-checks';
import type { Ingest } from '../ingest/ingest';
import type { Customers } from '../query/customers';
import { checkLimit } from '../runtime/customer-rows';
import type { HubRuntime } from '../runtime/hub-runtime';
import { runtime } from '../runtime/runtime';
import { createReactions, type Reactions } from '../reactions';
import { WorkflowEngine } from '../workflows';
import { PluginHost } from './host';

/** What plugins reach the Hub through. */
export interface PluginBindings {
  customers: Customers;
  groups: Hub['groups'];
  canContact: CanContact;
  fields: Fields;
  ingest: Ingest;
}

/** Reports a failing plugin hook, step or command to `onPluginError` (else the console); plugins never break each other. */
function reportPluginError(
  rt: HubRuntime,
  error: unknown,
  info: { plugin?: string; hook?: string; runId?: string; step?: string; command?: string },
): void {
  const onPluginError = rt.options.given.onPluginError;
  if (onPluginError) onPluginError(error, info);
  else
    runtime.console?.error?.(
      `[crmkit/core] Plugin ${info.plugin ?? ''} failed (${info.hook ?? info.step ?? ''}):`,
      error,
    );
}

/** Creates the plugin host of a Hub (the plugins were validated by `resolveHubOptions`). */
export function createPluginHost(rt: HubRuntime, bindings: PluginBindings): PluginHost {
  const { customers, groups, canContact, fields, ingest } = bindings;
  const logger = rt.options.given.logger;
  return new PluginHost(rt.options.given.plugins ?? [], {
    now: () => rt.now().toISOString(),
    getCustomer: (id) => customers.get(id),
    findCandidates: (query, scan) => customers.findCandidates(query, scan),
    listRecords: (customerId) => customers.recordsOfCustomer(customerId),
    listGroups: () => groups.list(),
    customerKinds: async (ids) =>
      ids.length === 0
        ? new Map()
        : new Map(
            (await rt.store.transaction((tx) => tx.getCustomers(ids), { readOnly: true })).map((row) => [
              row.id,
              row.kind,
            ]),
          ),
    groupMembers: (groupId) => groups.members(groupId),
    canContact: (customerId, channel, purpose, at) => canContact(customerId, channel, purpose, at),
    checkValueLimits: (value, path, what) => checkValueLimits(value, rt.limits, path, what),
    setFields: (customerId, values, actor) =>
      fields.writeFields(customerId, values, { actor }, actor.replace(/^plugin:/, '')),
    ingest: (records, origin) => ingest.ingestRecords(records, {}, origin),
    startWorkflow: (workflow, input, idempotencyKey) =>
      rt.engine.start(
        workflow,
        checkValueLimits(input, rt.limits, ['input'], `The input of workflow ${quoteValue(workflow)}`),
        idempotencyKey ? { idempotencyKey } : {},
      ),
    log: (level, message, data) => {
      if (logger) logger(level, message, data);
      else if (level === 'warn' || level === 'error') runtime.console?.[level]?.(`[crmkit] ${message}`, data);
    },
    onError: (error, info) => reportPluginError(rt, error, info),
  });
}

/** Creates the workflow engine of a Hub and registers the plugins' workflows (nothing runs yet). */
export function createWorkflowEngine(
  rt: HubRuntime,
  host: PluginHost,
): { engine: WorkflowEngine; hasWorkflows: boolean } {
  const workflows = rt.options.given.workflows;
  const engine = new WorkflowEngine({
    store: rt.store,
    clock: rt.timers,
    // Random, not from `generateId`: a deterministic generator would give every process the same worker id.
    workerId: workflows?.workerId ?? `wrk_${runtime.crypto.randomUUID()}`,
    ...(workflows?.leaseMs !== undefined ? { leaseMs: workflows.leaseMs } : {}),
    contextFor: (plugin) => host.context(plugin),
    onError: (error, info) =>
      reportPluginError(rt, error, {
        ...(info.workflow ? { plugin: info.workflow.split('.')[0]! } : {}),
        ...(info.runId ? { runId: info.runId } : {}),
        ...(info.step ? { step: info.step } : {}),
      }),
  });
  let hasWorkflows = false;
  for (const { plugin } of host.plugins()) {
    for (const [name, definition] of Object.entries(plugin.workflows ?? {})) {
      engine.register(plugin.name, name, definition);
      hasWorkflows = true;
    }
  }
  return { engine, hasWorkflows };
}

/**
 * Creates the reactions of a Hub (decision 011): the outbox consumers that deliver plugin after-hooks, create
 * event-triggered workflow runs and feed durable listeners. Nothing starts until the first write or `idle()`.
 */
export function createHubReactions(rt: HubRuntime, host: PluginHost, engine: WorkflowEngine): Reactions {
  const given = rt.options.given;
  return createReactions({
    store: rt.store,
    clock: rt.timers,
    host,
    engine,
    eventWorkflows: host
      .plugins()
      .some(({ plugin }) => Object.values(plugin.workflows ?? {}).some((w) => w.triggers.some((t) => 'event' in t))),
    // Random, not from `generateId`: a deterministic generator would give every process the same lease holder.
    holderId: `rx_${runtime.crypto.randomUUID()}`,
    options: given.reactions,
    reportPluginError: (error, info) => reportPluginError(rt, error, info),
    reportListenerError: (error, event) => {
      if (given.onListenerError) given.onListenerError(error, event);
      else runtime.console?.error?.('[crmkit/core] A durable listener threw:', error);
    },
  });
}

/** Starts the workflow scheduler when a plugin has workflows (unless turned off). Start it last. */
export function startWorkflowScheduler(rt: HubRuntime, hasWorkflows: boolean): void {
  const workflows = rt.options.given.workflows;
  if (hasWorkflows && workflows?.scheduler !== false) {
    rt.engine.startScheduler(workflows?.pollMs !== undefined ? { pollMs: workflows.pollMs } : {});
  }
}

/** Creates `hub.plugins`, `hub.hooks`, `hub.commands` and `hub.workflows`. */
export function createExtensionsApi(rt: HubRuntime): Pick<Hub, 'plugins' | 'hooks' | 'commands' | 'workflows'> {
  return {
    plugins: {
      list: () => rt.host.list(),
      context: (name) => rt.host.context(name),
      unregister(name) {
        rt.host.unregister(name);
        rt.engine.unregisterPlugin(name);
      },
    },

    hooks: {
      on(hook, handler, hookOptions) {
        if (typeof handler !== 'function') {
          throw new InvalidArgumentError({
            argument: 'handler',
            message: '[crmkit/core] hooks.on() takes a function.',
          });
        }
        return rt.host.hooks.register(hook, handler as never, {
          id: hookOptions.id,
          rank: -1,
          ...(hookOptions.stage !== undefined ? { stage: hookOptions.stage } : {}),
          ...(hookOptions.before ? { before: hookOptions.before } : {}),
          ...(hookOptions.after ? { after: hookOptions.after } : {}),
          ...(hookOptions.onError ? { onError: hookOptions.onError } : {}),
        });
      },
      order: (hook) => rt.host.hookOrder(hook),
    },

    commands: {
      list: () => rt.host.listCommands(),
      async run(name, input) {
        rt.ensureOpen();
        // A command's input can reach the store (a workflow run, plugin fields): checked like a source record.
        const checked = checkValueLimits(input, rt.limits, ['input'], `The input of command ${quoteValue(name)}`);
        return rt.host.runCommand(name, checked);
      },
    },

    workflows: {
      async start(workflow, input, startOptions = {}) {
        rt.ensureOpen();
        // The input is kept in the workflow run: checked like a source record.
        const checked = checkValueLimits(input, rt.limits, ['input'], `The input of workflow ${quoteValue(workflow)}`);
        return rt.engine.start(workflow, checked, startOptions);
      },
      async get(runId, callOptions = {}) {
        return rt.read(callOptions.signal, (tx) => tx.getWorkflowRun(runId));
      },
      async list(listOptions = {}) {
        const limit = checkLimit(listOptions.limit, 50);
        return rt.read(listOptions.signal, (tx) =>
          tx.listWorkflowRuns({
            limit,
            ...(listOptions.status ? { status: listOptions.status } : {}),
            ...(listOptions.workflow ? { workflow: listOptions.workflow } : {}),
            ...(listOptions.after === undefined ? {} : { after: listOptions.after }),
          }),
        );
      },
      runDue(dueOptions = {}) {
        rt.ensureOpen();
        return rt.engine.runDue(dueOptions);
      },
      idle: () => rt.engine.idle(),
    },
  };
}

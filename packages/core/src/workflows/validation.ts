/**
 * Checks of what the workflow engine is given: its options, and each workflow definition a plugin registers.
 *
 * @module
 */
import {
  InvalidArgumentError,
  PluginInvalidError,
  type WorkflowDefinition,
  type WorkflowStep,
  type WorkflowTrigger,
} from '@crmkit/model';
import { DEFAULT_LEASE_MS } from './runs';
import type { Registered, WorkflowEngineOptions } from './types';

function isFiniteNonNegative(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** The engine's lease length after checking `leaseMs` and `workerId`; throws an {@link InvalidArgumentError}. */
export function checkEngineOptions(options: WorkflowEngineOptions): { leaseMs: number } {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  if (!(Number.isFinite(leaseMs) && leaseMs >= 1))
    throw new InvalidArgumentError({ argument: 'leaseMs', message: '[crmkit] leaseMs must be a number >= 1.' });
  if (typeof options.workerId !== 'string' || options.workerId === '')
    throw new InvalidArgumentError({
      argument: 'workerId',
      message: '[crmkit] workerId must be a non-empty string.',
    });
  return { leaseMs };
}

/** The poll interval of the scheduler after checking it; throws an {@link InvalidArgumentError}. */
export function checkPollMs(pollMs: number): number {
  if (!(Number.isFinite(pollMs) && pollMs >= 1))
    throw new InvalidArgumentError({ argument: 'pollMs', message: '[crmkit] pollMs must be a number >= 1.' });
  return pollMs;
}

/**
 * Checks workflow `<plugin>.<name>` (see {@link WorkflowEngine.register} for the rules) and returns it as the engine
 * keeps it. `exists` tells whether a workflow of that key is registered already. Throws a
 * {@link PluginInvalidError} with the path (`workflows.<name>.steps[1].retries`).
 */
export function checkWorkflow<I>(
  plugin: string,
  name: string,
  definition: WorkflowDefinition<I>,
  exists: (key: string) => boolean,
): Registered {
  const base = `workflows.${name}`;
  const refuse = (path: string, message: string): never => {
    throw new PluginInvalidError({ plugin, path, message });
  };
  if (typeof name !== 'string' || name === '') refuse(base, 'a workflow needs a non-empty name');
  const key = `${plugin}.${name}`;
  if (exists(key)) refuse(base, `workflow "${key}" is registered already`);
  if (typeof definition !== 'object' || definition === null) refuse(base, 'a workflow definition must be an object');
  if (!Array.isArray(definition.triggers) || definition.triggers.length === 0)
    refuse(`${base}.triggers`, 'a workflow needs at least one trigger');
  definition.triggers.forEach((trigger: WorkflowTrigger, index) => {
    const path = `${base}.triggers[${index}]`;
    if (typeof trigger !== 'object' || trigger === null) refuse(path, 'a trigger must be an object');
    if ('event' in trigger) {
      if (typeof trigger.event !== 'string' || (trigger.event as string) === '')
        refuse(`${path}.event`, 'must be an event type');
      if (trigger.when !== undefined && typeof trigger.when !== 'function')
        refuse(`${path}.when`, 'must be a function');
      if (trigger.input !== undefined && typeof trigger.input !== 'function')
        refuse(`${path}.input`, 'must be a function');
    } else if ('schedule' in trigger) {
      const everyMs = (trigger.schedule as { everyMs?: unknown } | undefined)?.everyMs;
      if (!(typeof everyMs === 'number' && Number.isFinite(everyMs) && everyMs >= 1))
        refuse(`${path}.schedule.everyMs`, 'must be a finite number >= 1');
    } else if ('manual' in trigger) {
      if (trigger.manual !== true) refuse(`${path}.manual`, 'must be true');
    } else refuse(path, 'a trigger needs `event`, `schedule` or `manual`');
  });
  if (definition.input !== undefined && typeof definition.input?.safeParse !== 'function')
    refuse(`${base}.input`, 'must be a zod schema');
  if (!Array.isArray(definition.steps) || definition.steps.length === 0)
    refuse(`${base}.steps`, 'a workflow needs at least one step');
  const names = new Set<string>();
  definition.steps.forEach((step: WorkflowStep<I>, index) => {
    const path = `${base}.steps[${index}]`;
    if (typeof step !== 'object' || step === null) refuse(path, 'a step must be an object');
    if (typeof step.name !== 'string' || step.name === '') refuse(`${path}.name`, 'a step needs a non-empty name');
    if (names.has(step.name)) refuse(`${path}.name`, `step name "${step.name}" is used twice`);
    names.add(step.name);
    if (typeof step.run !== 'function') refuse(`${path}.run`, 'must be a function');
    if (step.compensate !== undefined && typeof step.compensate !== 'function')
      refuse(`${path}.compensate`, 'must be a function');
    if (step.retries !== undefined && !(isFiniteNonNegative(step.retries) && Number.isInteger(step.retries)))
      refuse(`${path}.retries`, 'must be a non-negative integer');
    if (step.backoffMs !== undefined && !isFiniteNonNegative(step.backoffMs))
      refuse(`${path}.backoffMs`, 'must be a non-negative finite number');
    if (step.timeoutMs !== undefined && !(isFiniteNonNegative(step.timeoutMs) && step.timeoutMs > 0))
      refuse(`${path}.timeoutMs`, 'must be a positive finite number');
  });
  return { key, plugin, name, definition: definition as unknown as WorkflowDefinition<unknown> };
}

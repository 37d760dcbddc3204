/**
 * The Hub's options, checked in one place before anything starts: {@link resolveHubOptions} validates every option
 * and returns the values the Hub runs with, creating nothing (no timer, no connection, no scheduler). `createHub`
 * calls it first; a wrapper that opens resources for the Hub (a database folder) calls it before opening them.
 *
 * @module
 */
import {
  validationErrorFromZod,
  assertSpecificationVersion,
  DEFAULT_POLICY,
  type InputLimits,
  InvalidArgumentError,
  type Policy,
  type RetentionPolicy,
  RetentionPolicySchema,
} from '@crmkit/model';
import type { HubOptions } from '../api/options';
import { createDirectory, type Directory, parsePolicy } from '../governance/policy';
import { resolveHubInputLimits } from '../ingest/ingest-checks';
import { phoneOptionsOf } from '../normalize';
import { loadPlugins } from '../plugins/loader';
import { resolveReactionsOptions } from '../reactions';
import { type Clock, systemClock } from './clock';
import type { LinkerSettings } from './operation-context';

/** The options of a Hub after {@link resolveHubOptions}: validated, with their defaults. */
export interface ResolvedHubOptions {
  /** The options as given. */
  readonly given: HubOptions;
  /** Time and timers (workflows, retention). */
  readonly timers: Clock;
  /** The Hub's clock. */
  readonly now: () => Date;
  readonly maxBatchSize: number;
  readonly limits: InputLimits;
  /** The policy in force until one is stored. */
  readonly defaultPolicy: Policy;
  readonly directory: Directory;
  /** Keep the hash-chained audit log. */
  readonly audit: boolean;
  /** Golden-record settings (without plugin namespaces: the plugin host adds them). */
  readonly settings: LinkerSettings;
  /** Retention on a schedule, when configured. */
  readonly retention: { rules: readonly RetentionPolicy[]; everyMs: number } | undefined;
}

function invalid(argument: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError({ argument, message: `[crmkit/core] ${message}` });
}

function checkRetention(retention: NonNullable<HubOptions['retention']>): ResolvedHubOptions['retention'] {
  const { rules, everyMs = 86_400_000 } = retention;
  if (!Array.isArray(rules)) throw invalid('retention.rules', 'retention.rules must be an array of rules.');
  rules.forEach((rule, index) => {
    const parsed = RetentionPolicySchema.safeParse(rule);
    if (!parsed.success)
      throw validationErrorFromZod(parsed.error, {
        basePath: ['retention', 'rules', index],
        message: ([first]) => `[crmkit/core] ${first?.pathString}: ${first?.message}`,
      });
  });
  if (!Number.isFinite(everyMs) || everyMs < 1000) {
    throw invalid('retention.everyMs', 'retention.everyMs must be at least 1000.');
  }
  return { rules, everyMs };
}

function checkWorkflows(workflows: HubOptions['workflows']): void {
  if (!workflows) return;
  // The same checks (and errors) as the workflow engine's, made before anything is created.
  const { leaseMs, pollMs } = workflows;
  if (leaseMs !== undefined && !(Number.isFinite(leaseMs) && leaseMs >= 1))
    throw new InvalidArgumentError({ argument: 'leaseMs', message: '[crmkit] leaseMs must be a number >= 1.' });
  if (pollMs !== undefined && !(Number.isFinite(pollMs) && pollMs >= 1))
    throw new InvalidArgumentError({ argument: 'pollMs', message: '[crmkit] pollMs must be a number >= 1.' });
}

/**
 * Validates every option of {@link HubOptions} and resolves the defaults, creating nothing: the store's contract
 * version, the input limits, the policy, the users and departments, the plugins (manifests, dependencies,
 * namespaces), the workflow settings, the batch size and the retention rules. A bad option throws the same typed
 * error `createHub` throws (`ValidationError`, `InvalidArgumentError`, `PluginInvalidError` ...).
 *
 * @example
 * ```ts
 * const resolved = resolveHubOptions({ retention: { rules: [{ entity: 'interaction', maxAgeDays: 365 }] } });
 * ```
 */
export function resolveHubOptions(options: HubOptions = {}): ResolvedHubOptions {
  if (options.store) assertSpecificationVersion('store', options.store);
  const maxBatchSize = options.maxBatchSize ?? 10_000;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1)
    throw invalid('maxBatchSize', `"maxBatchSize" must be an integer of at least 1; got ${String(maxBatchSize)}.`);
  const limits = resolveHubInputLimits(options.input);
  const defaultPolicy: Policy = options.policy === undefined ? DEFAULT_POLICY : parsePolicy(options.policy);
  const directory = createDirectory({
    ...(options.users ? { users: options.users } : {}),
    ...(options.departments ? { departments: options.departments } : {}),
  });
  loadPlugins(options.plugins ?? []);
  checkWorkflows(options.workflows);
  resolveReactionsOptions(options.reactions);
  const retention = options.retention ? checkRetention(options.retention) : undefined;
  const timers = options.clock ?? systemClock;
  const clock = options.clock;
  const now = options.now ?? (clock ? () => new Date(clock.now()) : () => new Date());
  const settings: LinkerSettings = {};
  if (options.survivorship) settings.survivorship = options.survivorship;
  if (options.departments) settings.departments = options.departments;
  // One phone setting: `defaultCountry` (the deprecated `defaultCallingCode` maps onto it; a conflict throws here).
  const phone = phoneOptionsOf(options);
  if (phone.defaultCountry) settings.defaultCountry = phone.defaultCountry;
  return {
    given: options,
    timers,
    now,
    maxBatchSize,
    limits,
    defaultPolicy,
    directory,
    audit: options.audit !== false,
    settings,
    retention,
  };
}

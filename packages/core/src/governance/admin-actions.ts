/** Admin actions in the audit trail: the ones the Hub writes itself, and the ones recorded from outside it. */

import {
  type AuditChange,
  DEFAULT_INPUT_LIMITS,
  type InputLimits,
  type JsonValue,
  ValidationError,
} from '@crmkit/model';
import { checkValueLimits } from '../golden/override-checks';
import { type GovernanceDeps, inputChecks, validationError } from './deps';

/** Appends an entry the Hub itself writes about an admin action (`gdpr.export`, `gdpr.erase-report`). */
export async function appendAdminEntry(
  deps: Pick<GovernanceDeps, 'write'>,
  input: AdminActionInput,
  actor: string,
): Promise<void> {
  await deps.write(
    undefined,
    async (ctx) => {
      ctx.audit.push({
        actor,
        action: input.action,
        target: input.target,
        ...(input.reason ? { reason: input.reason } : {}),
        changes: input.changes ?? [],
        at: ctx.now,
      });
    },
    undefined,
    actor,
  );
}

/** What {@link createAdminActionServices} needs from the Hub. */
export type AdminActionDeps = Pick<GovernanceDeps, 'write' | 'limits'>;

/**
 * The admin-action services: `recordAdminAction` records an action made outside the Hub.
 */
export function createAdminActionServices(deps: AdminActionDeps) {
  const { who } = inputChecks(deps);

  /** Records an admin action made outside the Hub: validated and bounded ({@link parseAdminAction}). */
  async function recordAdminAction(input: unknown, actor: string): Promise<void> {
    ({ actor } = who(actor));
    await appendAdminEntry(deps, parseAdminAction(input, deps.limits), actor);
  }

  return { recordAdminAction };
}

// ---------------------------------------------------------------------------------------------------------------
// Admin actions recorded from outside the Hub
// ---------------------------------------------------------------------------------------------------------------

/** An admin action made outside the Hub, as recorded in the audit log. */
export interface AdminActionInput {
  /** `area.verb`, e.g. `adapter.credentials`, `plugin.configure`. */
  action: string;
  /** What it was done to, e.g. `adapter:hubspot`. */
  target: string;
  changes?: AuditChange[];
  reason?: string;
}

/** Bounds of a recorded admin action: what one audit entry from outside the Hub may carry. */
export const ADMIN_ACTION_LIMITS = {
  /** Characters of `action`. */
  action: 100,
  /** Characters of `target`. */
  target: 256,
  /** Characters of `reason`. */
  reason: 2000,
  /** Entries of `changes`. */
  changes: 100,
  /** Characters of a change's `field`. */
  field: 256,
  /** Characters of the JSON of all `changes` together. */
  changesJson: 32_768,
  /** Nesting depth of a change's `old` / `new` value. */
  depth: 32,
} as const;

/**
 * Areas whose audit entries only the Hub writes (`policy.update`, `customer.merge`, `gdpr.erase`, `record.update`
 * ...): an action in one of them cannot be recorded by hand, by any actor.
 */
const HUB_AREAS: ReadonlySet<string> = new Set([
  'arrangement',
  'change',
  'consent',
  'customer',
  'gdpr',
  'group',
  'identity',
  'journal',
  'policy',
  'record',
  'retention',
]);
/** Single actions the Hub writes in areas that are otherwise open to admin actions. */
const HUB_ACTIONS: ReadonlySet<string> = new Set(['plugin.install', 'plugin.upgrade']);

/**
 * The capability an actor needs to record an admin action, by the action's area: `adapter.*` needs
 * `adapter.manage`, `plugin.*` and `workflow.*` need `plugin.manage`, any other area `policy.manage`.
 */
export function adminActionCapability(action: unknown): 'adapter.manage' | 'plugin.manage' | 'policy.manage' {
  const area = typeof action === 'string' ? action.slice(0, action.indexOf('.') >>> 0) : '';
  if (area === 'adapter') return 'adapter.manage';
  if (area === 'plugin' || area === 'workflow') return 'plugin.manage';
  return 'policy.manage';
}

/**
 * Validates an admin action recorded from outside the Hub, within {@link ADMIN_ACTION_LIMITS}: a well-formed
 * `action` outside the Hub's own areas, a `target`, an optional `reason`, and `changes` as `{ field, old?, new?,
 * secret? }` with JSON values (a secret change carries no values). Throws a {@link ValidationError} at the offending
 * path (`input.action`, `input.changes[0].field` ...); messages never quote the values. The input limits and text
 * policy (`limits`, default {@link DEFAULT_INPUT_LIMITS}) are checked first.
 */
export function parseAdminAction(input: unknown, limits: InputLimits = DEFAULT_INPUT_LIMITS): AdminActionInput {
  const L = ADMIN_ACTION_LIMITS;
  // The input limits and text rule first (no NUL or unpaired surrogate in any key or text, bounded depth and size):
  // an action is stored like any other audit entry, on every store.
  input = checkValueLimits(input, limits, ['input'], 'The admin action');
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw validationError('input', [], 'Expected { action, target, changes?, reason? }');
  }
  const { action, target, changes, reason } = input as Record<string, unknown>;
  if (typeof action !== 'string' || action.length > L.action || !/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/.test(action)) {
    throw validationError(
      'input',
      ['action'],
      `Expected an action such as "adapter.credentials" (at most ${L.action} characters)`,
    );
  }
  const area = action.slice(0, action.indexOf('.'));
  if (HUB_AREAS.has(area) || HUB_ACTIONS.has(action)) {
    throw validationError(
      'input',
      ['action'],
      `"${action}" entries are written by the Hub itself and cannot be recorded`,
    );
  }
  if (typeof target !== 'string' || target.length === 0 || target.length > L.target) {
    throw validationError(
      'input',
      ['target'],
      `Expected a target such as "adapter:hubspot" (1 to ${L.target} characters)`,
    );
  }
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > L.reason)) {
    throw validationError('input', ['reason'], `Expected a reason of at most ${L.reason} characters`);
  }
  if (changes !== undefined && !Array.isArray(changes)) {
    throw validationError('input', ['changes'], 'Expected a list of { field, old?, new?, secret? }');
  }
  const list = (changes ?? []) as unknown[];
  if (list.length > L.changes) {
    throw validationError('input', ['changes'], `Expected at most ${L.changes} changes, got ${list.length}`);
  }
  const out: AuditChange[] = [];
  for (const [index, change] of list.entries()) {
    if (change === null || typeof change !== 'object' || Array.isArray(change)) {
      throw validationError('input', ['changes', index], 'Expected { field, old?, new?, secret? }');
    }
    const entry = change as Record<string, unknown>;
    const unknown = Object.keys(entry).find((key) => !['field', 'old', 'new', 'secret'].includes(key));
    if (unknown !== undefined) throw validationError('input', ['changes', index, unknown], 'Unknown key');
    if (typeof entry.field !== 'string' || entry.field.length === 0 || entry.field.length > L.field) {
      throw validationError(
        'input',
        ['changes', index, 'field'],
        `Expected a field name of 1 to ${L.field} characters`,
      );
    }
    if (entry.secret !== undefined && typeof entry.secret !== 'boolean') {
      throw validationError('input', ['changes', index, 'secret'], 'Expected true or false');
    }
    if (entry.secret === true && ('old' in entry || 'new' in entry)) {
      throw validationError('input', ['changes', index], 'A secret change carries no values (only that it changed)');
    }
    for (const key of ['old', 'new'] as const) {
      if (key in entry && !isJson(entry[key], L.depth)) {
        throw validationError('input', ['changes', index, key], `Expected a JSON value nested at most ${L.depth} deep`);
      }
    }
    out.push({
      field: entry.field,
      ...('old' in entry ? { old: entry.old as JsonValue } : {}),
      ...('new' in entry ? { new: entry.new as JsonValue } : {}),
      ...(entry.secret === true ? { secret: true } : {}),
    });
  }
  const size = JSON.stringify(out).length;
  if (size > L.changesJson) {
    throw validationError('input', ['changes'], `Too large: ${size} characters of JSON, at most ${L.changesJson}`);
  }
  return { action, target, changes: out, ...(reason ? { reason } : {}) };
}

/** A JSON value (finite numbers, plain objects and arrays) nested at most `depth` deep. */
function isJson(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || depth <= 0) return false;
  if (Array.isArray(value)) return value.every((item) => isJson(item, depth - 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((item) => isJson(item, depth - 1));
}

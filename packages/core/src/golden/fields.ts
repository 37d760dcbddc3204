/**
 * Plugin fields on a customer (`attributes.<plugin>.<field>`): validated against the plugin's schema, stored as
 * extension rows, and taking part in survivorship like every other fact.
 *
 * @module
 */
import {
  type Customer,
  InvalidArgumentError,
  type JsonValue,
  type PluginEntity,
  validationErrorOf,
} from '@crmkit/model';
import type { Hub } from '../api/hub';
import type { ActorOptions } from '../api/options';
import { requireActive } from '../runtime/customer-rows';
import type { HubRuntime } from '../runtime/hub-runtime';
import { checkActorOptions, checkValueLimits } from './override-checks';
import { afterHandEdit } from './overrides';

/** Plugin fields as the Hub's modules use them. */
export interface Fields extends Pick<Hub, 'setFields'> {
  /** Writes plugin field values (golden paths `attributes.<ns>.<field>`) on a customer, with `update:before`. */
  writeFields(
    customerId: string,
    paths: Record<string, JsonValue | null>,
    callOptions: ActorOptions,
    origin?: string,
  ): Promise<Customer>;
}

/** Creates `setFields()` of a Hub, and the `writeFields` plugins use. */
export function createFields(rt: HubRuntime): Fields {
  /** Writes plugin field values (golden paths `attributes.<ns>.<field>`) on a customer, with `update:before`. */
  async function writeFields(
    customerId: string,
    paths: Record<string, JsonValue | null>,
    callOptions: ActorOptions,
    origin?: string,
  ): Promise<Customer> {
    // The limits before the hooks (handlers never see an unchecked value) and again on what they return.
    const given = checkValueLimits(paths, rt.limits, ['values'], 'Plugin field values');
    const hooked = await rt.host.before('update:before', { customerId, values: given }, origin);
    const values =
      hooked.values === given ? given : checkValueLimits(hooked.values, rt.limits, ['values'], 'Plugin field values');
    return rt.write(
      callOptions.signal,
      async (ctx) => {
        const row = await requireActive(ctx.tx, customerId, 'customerId');
        const byNamespace = new Map<string, Record<string, JsonValue | null>>();
        for (const [path, value] of Object.entries(values)) {
          const match = /^attributes\.([^.]+)\.([^.]+)$/.exec(path);
          if (!match)
            throw new InvalidArgumentError({
              argument: 'values',
              message: `[crmkit/core] "${path}" is not a plugin field path.`,
            });
          const list = byNamespace.get(match[1]!) ?? {};
          list[match[2]!] = value;
          byNamespace.set(match[1]!, list);
        }
        const existing = await ctx.tx.getExtensions('customer', [row.id]);
        for (const [namespace, raw] of byNamespace) {
          const checked = rt.host.schemas.checkValues(namespace, row.kind as PluginEntity, raw, ['values']);
          if (checked.issues.length > 0) {
            throw validationErrorOf(checked.issues, { message: '[crmkit/core] Plugin fields are invalid' });
          }
          const prior = existing.find((e) => e.namespace === namespace);
          const fields = { ...(prior?.fields ?? {}) };
          for (const [field, value] of Object.entries(checked.values)) {
            if (value === null) delete fields[field];
            else fields[field] = { value, at: ctx.now, ...(callOptions.actor ? { actor: callOptions.actor } : {}) };
          }
          if (Object.keys(fields).length === 0) {
            if (prior) await ctx.tx.deleteExtension(namespace, 'customer', row.id);
          } else
            await ctx.tx.putExtension({
              namespace,
              entityType: 'customer',
              entityId: row.id,
              fields,
              updatedAt: ctx.now,
            });
        }
        return afterHandEdit(ctx, row.id, 'fields', callOptions.actor, values as JsonValue);
      },
      origin,
    );
  }

  return {
    writeFields,
    async setFields(customerId, namespace, values, callOptions = {}) {
      callOptions = checkActorOptions(callOptions, rt.limits);
      rt.ensureOpen();
      if (!rt.host.schemas.has(namespace)) {
        throw new InvalidArgumentError({
          argument: 'namespace',
          message: `[crmkit/core] No registered plugin owns the namespace "${namespace}".`,
        });
      }
      if (typeof values !== 'object' || values === null || Array.isArray(values)) {
        throw new InvalidArgumentError({
          argument: 'values',
          message: '[crmkit/core] setFields() takes an object of field values.',
        });
      }
      const paths: Record<string, JsonValue | null> = {};
      for (const [field, value] of Object.entries(values)) paths[`attributes.${namespace}.${field}`] = value;
      return writeFields(customerId, paths, callOptions);
    },
  };
}

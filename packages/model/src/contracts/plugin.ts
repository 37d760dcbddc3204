import type { JsonValue } from '../common';
import type { HubEvent, HubEventType } from '../events';

/** Types a plugin field can have. */
export type PluginFieldType = 'string' | 'number' | 'boolean' | 'date' | 'timestamp' | 'json';

/** A field a plugin adds to the model, inside the plugin's own namespace (`attributes.<plugin>.<field>`). */
export interface PluginFieldDefinition {
  type: PluginFieldType;
  /** Which record types carry the field. */
  on: readonly ('person' | 'organization' | 'interaction' | 'opportunity')[];
  description?: string;
  /** Values must be one of these. */
  enum?: readonly JsonValue[];
}

/** What a plugin hook gets besides the event. */
export interface PluginContext {
  /** The plugin's name (its namespace). */
  plugin: string;
}

/** A plugin's handler of one event type. */
export type PluginHook<E extends HubEventType> = (event: HubEvent<E>, context: PluginContext) => void | Promise<void>;

/** A plugin's handlers, by event type. Each runs after the event is committed. */
export interface PluginHooks {
  /** A new customer id came into being. */
  readonly 'customer.created'?: PluginHook<'customer.created'>;
  /** A golden record changed. */
  readonly 'customer.updated'?: PluginHook<'customer.updated'>;
  /** Two customers became one. */
  readonly 'customer.merged'?: PluginHook<'customer.merged'>;
  /** A customer split off again. */
  readonly 'customer.split'?: PluginHook<'customer.split'>;
  /** A customer lost its last live record. */
  readonly 'customer.deleted'?: PluginHook<'customer.deleted'>;
  /** A source record was created, changed or deleted. */
  readonly 'record.ingested'?: PluginHook<'record.ingested'>;
  /** A new interaction was recorded. */
  readonly 'interaction.recorded'?: PluginHook<'interaction.recorded'>;
  /** An opportunity was created or changed. */
  readonly 'opportunity.upserted'?: PluginHook<'opportunity.upserted'>;
}

/**
 * The Plugin contract: a department's extension of the central model and its workflows. A plugin declares what
 * it reads and writes; the host enforces it.
 */
export interface Plugin {
  readonly specificationVersion: 'v1';
  /** Unique name; also the namespace of its fields. Lower-case letters, digits and dashes. */
  readonly name: string;
  readonly version?: string;
  /** Event types and field namespaces the plugin reads. */
  readonly reads?: readonly string[];
  /** Field namespaces the plugin writes (its own is implied). */
  readonly writes?: readonly string[];
  /** Fields the plugin adds, by name, inside its namespace. */
  readonly fields?: Readonly<Record<string, PluginFieldDefinition>>;
  /** Extra activity kinds the plugin introduces. */
  readonly activityTypes?: readonly string[];
  /** Handlers run after an event is committed. */
  readonly hooks?: PluginHooks;
}

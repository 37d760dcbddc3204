import {
  formatPath,
  type JsonValue,
  type PluginEntity,
  type SourceRecord,
  ValidationError,
  type ValidationIssue,
  issuesFromZod,
  validationErrorOf,
  validationIssue,
} from '@crmkit/model';
import type { z } from 'zod';
import type { LoadedPlugin } from './loader';
import { isPlainObject } from '../runtime/plain-object';

/**
 * The plugins' field and activity schemas, checked on every write: attributes in a registered namespace
 * (`attributes.<plugin>`) must be declared fields of that plugin for the record's type and pass their zod schema;
 * a `custom` activity must be a declared type and its data must pass the type's schema.
 */
export class PluginSchemas {
  private readonly byNamespace = new Map<string, LoadedPlugin>();
  private readonly activityTypes = new Map<string, z.ZodType>();
  /** Every registered namespace. */
  readonly namespaces: ReadonlySet<string>;

  constructor(plugins: readonly LoadedPlugin[]) {
    for (const loaded of plugins) {
      this.byNamespace.set(loaded.plugin.name, loaded);
      for (const [type, definition] of loaded.activityTypes) this.activityTypes.set(type, definition.schema);
    }
    this.namespaces = new Set(this.byNamespace.keys());
  }

  /** True when a namespace belongs to a registered plugin. */
  has(namespace: string): boolean {
    return this.byNamespace.has(namespace);
  }

  /**
   * Checks plugin values of one namespace for one entity type. Returns the parsed values (zod output: defaults
   * applied) and the issues, with paths under `prefix`. `null` values clear a field and are not parsed.
   */
  checkValues(
    namespace: string,
    entity: PluginEntity,
    values: Record<string, unknown>,
    prefix: (string | number)[],
  ): { values: Record<string, JsonValue | null>; issues: ValidationIssue[] } {
    const issues: ValidationIssue[] = [];
    const out: Record<string, JsonValue | null> = {};
    const loaded = this.byNamespace.get(namespace);
    const schemas = loaded?.fields.get(entity);
    if (!loaded) {
      const path = [...prefix];
      issues.push(validationIssue(path, `No plugin owns the namespace "${namespace}"`, 'unknown_namespace'));
      return { values: out, issues };
    }
    for (const [field, value] of Object.entries(values)) {
      const path = [...prefix, field];
      const schema = schemas?.get(field);
      if (!schema) {
        issues.push(
          validationIssue(path, `Plugin "${namespace}" declares no ${entity} field "${field}"`, 'unknown_field'),
        );
        continue;
      }
      if (value === null) {
        out[field] = null;
        continue;
      }
      const parsed = schema.safeParse(value);
      if (parsed.success) out[field] = parsed.data as JsonValue;
      else issues.push(...issuesFromZod(parsed.error, { basePath: path }));
    }
    return { values: out, issues };
  }

  /**
   * Validates the plugin parts of a batch (after the core schema passed). Returns the records with plugin values
   * parsed; throws a {@link ValidationError} naming the record and path otherwise.
   */
  checkRecords<T extends SourceRecord>(records: readonly T[], root = 'records'): T[] {
    if (this.byNamespace.size === 0 && this.activityTypes.size === 0) {
      for (const [index, record] of records.entries()) this.refuseCustomActivity(record, index, root);
      return records as T[];
    }
    return records.map((record, index) => {
      if (record.deleted) return record;
      const data = record.data as Record<string, unknown> & { attributes?: Record<string, JsonValue> };
      const issues: ValidationIssue[] = [];
      let attributes = data.attributes;
      for (const [namespace, value] of Object.entries(data.attributes ?? {})) {
        if (!this.byNamespace.has(namespace)) continue;
        const prefix = [index, 'data', 'attributes', namespace];
        if (!isPlainObject(value)) {
          issues.push(
            validationIssue(prefix, `Expected an object of "${namespace}" plugin fields`, 'invalid_type', root),
          );
          continue;
        }
        const checked = this.checkValues(namespace, record.type as PluginEntity, value, prefix);
        issues.push(...checked.issues.map((issue) => ({ ...issue, pathString: formatPath(issue.path, root) })));
        const kept: Record<string, JsonValue> = {};
        for (const [field, parsed] of Object.entries(checked.values)) if (parsed !== null) kept[field] = parsed;
        attributes = { ...attributes, [namespace]: kept };
      }
      let activity = data.activity as { kind: string; type?: string; data?: Record<string, JsonValue> } | undefined;
      if (record.type === 'interaction' && activity?.kind === 'custom') {
        const schema = this.activityTypes.get(activity.type ?? '');
        const prefix = [index, 'data', 'activity'];
        if (!schema) {
          const path = [...prefix, 'type'];
          issues.push(
            validationIssue(
              path,
              `No registered plugin declares the activity type "${activity.type}"`,
              'unknown_activity_type',
              root,
            ),
          );
        } else {
          const parsed = schema.safeParse(activity.data ?? {});
          if (parsed.success) activity = { ...activity, data: parsed.data as Record<string, JsonValue> };
          else {
            issues.push(...issuesFromZod(parsed.error, { basePath: [...prefix, 'data'], root }));
          }
        }
      }
      if (issues.length > 0) {
        throw validationErrorOf(issues, {
          message: `[crmkit] Record ${index} (${record.source}/${record.externalId}) is invalid`,
          index,
          source: record.source,
          externalId: record.externalId,
        });
      }
      if (attributes === data.attributes && activity === data.activity) return record;
      return {
        ...record,
        data: { ...data, ...(attributes ? { attributes } : {}), ...(activity ? { activity } : {}) },
      } as T;
    });
  }

  private refuseCustomActivity(record: SourceRecord, index: number, root: string): void {
    if (record.deleted || record.type !== 'interaction') return;
    const activity = (record.data as { activity?: { kind: string; type?: string } }).activity;
    if (activity?.kind !== 'custom') return;
    const path = [index, 'data', 'activity', 'type'];
    throw new ValidationError({
      message: `[crmkit] Record ${index} (${record.source}/${record.externalId}) has the activity type "${activity.type}", which no registered plugin declares.`,
      issues: [
        validationIssue(
          path,
          `No registered plugin declares the activity type "${activity.type}"`,
          'unknown_activity_type',
          root,
        ),
      ],
      index,
      source: record.source,
      externalId: record.externalId,
    });
  }
}

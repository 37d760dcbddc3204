import type { JsonValue } from '@crmkit/model';

/** True for an object that is neither `null` nor an array (a JSON object, once the input passed the JSON checks). */
export function isPlainObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

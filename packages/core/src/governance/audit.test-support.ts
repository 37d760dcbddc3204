/** Fixtures shared by the audit tests (audit*.test.ts). */
import type { JsonValue } from '@crmkit/model';
import fc from 'fast-check';
import type { AuditInput } from './audit';

export const AT = '2024-01-02T03:04:05.000Z';

export function input(overrides: Partial<AuditInput> = {}): AuditInput {
  return {
    actor: 'user:u_1',
    action: 'customer.override',
    target: 'customer:cus_1',
    changes: [{ field: 'displayName', old: 'Ada Lovelace', new: 'Ada King' }],
    at: AT,
    ...overrides,
  };
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** fast-check's JSON values, typed as the model's. */
export function jsonArb(maxDepth?: number): fc.Arbitrary<JsonValue> {
  return fc.jsonValue(maxDepth === undefined ? {} : { maxDepth }) as unknown as fc.Arbitrary<JsonValue>;
}

export async function* asAsync<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

/** Fixtures shared by the contact decision tests (contact*.test.ts): consent captures, arrangements, groups. */
import type { ConsentCapture, ContactArrangement, CustomerGroup } from '@crmkit/model';
import { ValidationError } from '@crmkit/model';
import { expect } from 'vitest';
import type { ContactInput } from './contact';

export const AT = '2026-02-10T12:00:00Z';
export const AT_MS = Date.parse(AT);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const iso = (ms: number): string => new Date(ms).toISOString();

let nextId = 0;
export function capture(overrides: Partial<ConsentCapture> = {}): ConsentCapture {
  nextId += 1;
  const capturedAt = overrides.capturedAt ?? '2026-01-01T09:00:00Z';
  return {
    id: `cns_${String(nextId).padStart(4, '0')}`,
    customerId: 'cus_1',
    channel: 'email',
    purpose: 'marketing',
    status: 'granted',
    capturedAt,
    captureSource: 'webform:newsletter',
    wordingVersion: 'v1',
    recordedAt: capturedAt,
    recordedBy: 'user:u_1',
    ...overrides,
  };
}

export function arrangement(overrides: Partial<ContactArrangement> = {}): ContactArrangement {
  return {
    id: 'arr_1',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    sources: [],
    customerId: 'cus_1',
    channel: 'email',
    allowedPurposes: ['marketing', 'service', 'billing'],
    preferred: true,
    ...overrides,
  };
}

export type GroupArrangement = CustomerGroup['defaultArrangements'][number];

export function groupDefault(overrides: Partial<GroupArrangement> = {}): GroupArrangement {
  const { customerId: _ignored, ...rest } = arrangement({ id: 'garr_1' });
  return { ...rest, ...overrides };
}

export function group(id: string, defaultArrangements: GroupArrangement[], managerId = `mgr_${id}`): CustomerGroup {
  return {
    id,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    sources: [],
    name: `Group ${id}`,
    managerId,
    memberIds: ['cus_1'],
    defaultArrangements,
  };
}

export function input(overrides: Partial<ContactInput> = {}): ContactInput {
  return {
    customerId: 'cus_1',
    channel: 'email',
    purpose: 'marketing',
    at: AT,
    ledger: [capture({ id: 'cns_ok' })],
    arrangements: [arrangement()],
    groups: [],
    previousContacts: [],
    ...overrides,
  };
}

export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

export function validationError(fn: () => unknown): ValidationError {
  const error = thrown(fn);
  expect(ValidationError.isInstance(error)).toBe(true);
  return error as ValidationError;
}

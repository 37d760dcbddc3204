/**
 * Reading customer rows as every operation does: following merges to the active customer, refusing ids that are
 * not an active customer, and the public shape of a row.
 *
 * @module
 */
import {
  ConflictError,
  type Customer,
  type CustomerRow,
  InvalidArgumentError,
  NotFoundError,
  type StoreTransaction,
} from '@crmkit/model';

/** A customer row without the store's lookup keys. */
export function publicCustomer(row: CustomerRow): Customer {
  const { lookupKeys: _lookupKeys, ...customer } = row;
  return customer;
}

/** The row of `id`, following merges to the customer that holds its records (at most 64 hops). */
export async function resolveActive(tx: StoreTransaction, id: string): Promise<CustomerRow | undefined> {
  let current = id;
  for (let hop = 0; hop < 64; hop++) {
    const [row] = await tx.getCustomers([current]);
    if (!row) return undefined;
    if (row.status !== 'merged' || !row.mergedInto) return row;
    current = row.mergedInto;
  }
  return undefined;
}

/** The row of an active customer; a merged or deleted one is a `ConflictError`, an unknown one `NotFoundError`. */
export async function requireActive(tx: StoreTransaction, id: string, argument: string): Promise<CustomerRow> {
  if (typeof id !== 'string' || id === '') {
    throw new InvalidArgumentError({ argument, message: `[crmkit/core] "${argument}" must be a customer id.` });
  }
  const [row] = await tx.getCustomers([id]);
  if (!row) throw new NotFoundError({ entity: 'customer', id });
  if (row.status === 'merged') {
    throw new ConflictError({
      message: `[crmkit/core] Customer "${id}" was merged into "${row.mergedInto}"; use that id.`,
    });
  }
  if (row.status === 'deleted') throw new ConflictError({ message: `[crmkit/core] Customer "${id}" is deleted.` });
  return row;
}

/** Refuses an id that is not a non-empty string. */
export function requireId(id: unknown, argument: string): void {
  if (typeof id !== 'string' || id === '') {
    throw new InvalidArgumentError({ argument, message: `[crmkit/core] "${argument}" must be a non-empty id.` });
  }
}

/** A page size: `limit` (else `fallback`), an integer from 1 to `max`. */
export function checkLimit(limit: number | undefined, fallback: number, max = 1000): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError({
      argument: 'limit',
      message: `[crmkit/core] "limit" must be an integer from 1 to ${max}; got ${String(limit)}.`,
    });
  }
  return value;
}

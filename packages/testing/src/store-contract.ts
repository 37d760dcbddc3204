import { afterEach, beforeEach, describe, it } from 'vitest';
import type { Store } from '@crmkit/model';
import { storeContractCases } from './contract/cases';

/** Options of {@link describeStoreContract}. */
export interface StoreContractOptions {
  /**
   * A reason to skip the whole suite, shown in the suite's name (`Store contract: postgres (no DATABASE_URL)`);
   * `false` or absent runs it. Use it when the store's backing service is not available.
   */
  skip?: string | false;
  /**
   * Runs of the fast-check model-based test (each a random sequence of up to 60 operations). Raise it for a
   * thorough run, lower it for a slow remote store. @default 30
   */
  numRuns?: number;
}

/**
 * Declares the crmkit Store conformance suite with vitest: a `describe` block of tests that check a {@link Store}
 * implementation against the contract in `@crmkit/model`. Call it at the top level of a test file.
 *
 * It covers records and every index (match keys, blocking keys by type with a limit, ref keys with a type filter,
 * customer; tombstones left out; replacing a record moves its index entries), idempotent upserts, customers and
 * lookup keys, cursor pagination, merge links, identity links, review items, overrides, the journal, the outbox (increasing seq, paging, redelivery from a checkpoint), groups,
 * plugin extension rows (by entity across namespaces, entity type filter, whole-row replace, delete), workflow runs
 * (exact round trip with and without the optional fields, replace, listing by id with status and workflow filters),
 * the audit log (exact round trip, seq order, `after`/`limit`/`target`, refusal of a seq that exists, redaction of
 * the named targets only), governance documents (by kind and id, replace, delete, listing by id with `ref`),
 * redaction of journal data and outbox payloads (an id matches only as a whole JSON string value, at any depth),
 * transactions (exact rollback of every kind of write, commit visibility, abort signals, copies in and out),
 * concurrency (no lost updates: concurrent read-modify-write transactions either all apply or fail with code
 * `CONFLICT`; concurrent outbox appends get unique, increasing seq values that never slip behind a reader's
 * checkpoint; concurrent audit appends never use one seq twice) and a fast-check model-based test over random
 * sequences of operations.
 *
 * Every test gets a fresh store from `makeStore` and closes it afterwards (the suite may close a store twice).
 * `makeStore` must return an empty store: for a database, a new schema or truncated tables.
 *
 * @param name Name of the store, shown in the suite's name (`Store contract: <name>`).
 * @param makeStore Returns a fresh, empty store; called once per test.
 * @param options Skip the suite, or change the number of model-based runs.
 *
 * @example
 * ```ts
 * import { describeStoreContract } from '@crmkit/testing';
 * import { createMemoryStore } from '@crmkit/core';
 *
 * describeStoreContract('memory', () => createMemoryStore());
 * ```
 */
export function describeStoreContract(
  name: string,
  makeStore: () => Store | Promise<Store>,
  options: StoreContractOptions = {},
): void {
  const skip = typeof options.skip === 'string' ? options.skip : false;
  const context = { numRuns: options.numRuns ?? 30 };
  const cases = storeContractCases();
  const groups = [...new Set(cases.map((c) => c.group))];

  (skip === false ? describe : describe.skip)(`Store contract: ${name}${skip === false ? '' : ` (${skip})`}`, () => {
    let store: Store | undefined;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      const current = store;
      store = undefined;
      await current?.close();
    });

    for (const group of groups) {
      describe(group, () => {
        for (const testCase of cases.filter((c) => c.group === group)) {
          it(testCase.name, () => testCase.run(store!, context), testCase.timeout);
        }
      });
    }
  });
}

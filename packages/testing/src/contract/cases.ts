/**
 * The cases of the store conformance suite, as plain functions of a fresh store. `describeStoreContract` turns them
 * into vitest tests; the package's own tests also run them against deliberately broken stores to prove that each
 * kind of bug is caught. Internal to `@crmkit/testing`.
 *
 * @module
 */

import { runStoreModel } from './model-run';
import { type AddCase, type ContractCase, SLOW } from './areas/shared';
import { recordCases } from './areas/records';
import { customerCases } from './areas/customers';
import { identityCases } from './areas/identity';
import { outboxCases } from './areas/outbox';
import { extensionCases } from './areas/extensions';
import { workflowRunCases } from './areas/workflow-runs';
import { auditCases } from './areas/audit';
import { documentCases } from './areas/documents';
import { redactionCases } from './areas/redaction';
import { transactionCases } from './areas/transactions';
import { copyingCases } from './areas/copying';
import { concurrencyCases } from './areas/concurrency';

export type { ContractCase, ContractContext } from './areas/shared';

/** Every case of the store contract, in order. */
export function storeContractCases(): ContractCase[] {
  const cases: ContractCase[] = [];
  const add: AddCase = (group, name, run, timeout) => {
    cases.push({ group, name, run, ...(timeout === undefined ? {} : { timeout }) });
  };
  recordCases(add);
  customerCases(add);
  identityCases(add);
  outboxCases(add);
  extensionCases(add);
  workflowRunCases(add);
  auditCases(add);
  documentCases(add);
  redactionCases(add);
  transactionCases(add);
  copyingCases(add);
  concurrencyCases(add);

  // ---------------------------------------------------------------- model
  add(
    'model',
    'behaves like a simple model of the contract over random sequences of operations',
    (store, context) => runStoreModel(store, context),
    SLOW,
  );

  return cases;
}

/**
 * Core's memory store passes the store contract. The test lives here, beside the contract, because the contract
 * suite depends on `@crmkit/core` and core must not depend back on its test kit (no package cycle).
 */
import { createMemoryStore } from '@crmkit/core';
import { describeStoreContract } from './index';

describeStoreContract('memory', () => createMemoryStore());

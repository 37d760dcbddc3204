/**
 * `@crmkit/model`: the customer-domain schemas and types, the contracts other packages implement (Store,
 * Adapter, Channel, Plugin), and the error hierarchy. Depends on zod only; runs on every JavaScript runtime.
 *
 * @packageDocumentation
 */
export * from './errors';
export * from './validation-errors';
export * from './common';
export * from './party';
export * from './activity';
export * from './commerce';
export * from './engagement';
export * from './admin';
export * from './governance';
export * from './source-record';
export * from './limits';
export * from './golden';
export * from './events';
export * from './contracts/version';
export * from './contracts/store';
export * from './contracts/adapter';
export * from './contracts/channel';
export * from './contracts/plugin';
export * from './encoding';
export * from './paging';

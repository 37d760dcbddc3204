/**
 * `@crmkit/adapter-kit`: what every crmkit vendor adapter shares (layer 3). An HTTP client factory on ky with token
 * and OAuth 2 credentials, retries that honour `Retry-After` within a wait budget and typed vendor errors; a rate
 * budget per credential; pagination as async iterables; webhook signature primitives.
 *
 * @module
 */

export * from './http';
export * from './pagination';
export * from './rate-budget';
export * from './webhooks';
export type { HeadersLike } from './headers';
export * from './sync';

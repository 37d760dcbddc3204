/**
 * HubSpot sandbox: a local HTTP server on 127.0.0.1 that behaves like HubSpot's CRM API, with a control API,
 * seeded faults and signed webhooks.
 */
export { createHubspotSandbox } from './server';
export { hubspotSignatureV3 } from './webhooks';
export type {
  HubspotAssociationInput,
  HubspotControlCreateOptions,
  HubspotControlReadOptions,
  HubspotExchange,
  HubspotExchangeListener,
  HubspotFaultConfig,
  HubspotFaultStats,
  HubspotFaults,
  HubspotJson,
  HubspotObject,
  HubspotOwner,
  HubspotOwnerInput,
  HubspotPropertyDefinition,
  HubspotRateLimit,
  HubspotSandbox,
  HubspotSandboxOptions,
  HubspotSandboxStats,
  HubspotSeedInput,
  HubspotSeedResult,
  HubspotWebhookEvent,
  HubspotWebhookFlushOptions,
  HubspotWebhooks,
  HubspotWebhookSubscription,
  HubspotWebhookSubscriptionInput,
} from './types';

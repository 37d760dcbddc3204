import type { AbortSignalLike } from '../errors';
import type { ContactChannel, ContactPurpose } from '../engagement';
import type { SourceRecordInput } from '../source-record';
import type { WebhookRequest } from './adapter';

/** A message to send through a channel. */
export interface OutboundMessage {
  /** The customer the message is for; consent and contact arrangements are checked against it. */
  customerId: string;
  /** Address on the channel (email address, phone number ...). */
  to: string;
  purpose: ContactPurpose;
  subject?: string;
  body: string;
  /** Idempotency key, so a retried send does not duplicate. */
  idempotencyKey: string;
}

/** Result of a send. */
export type SendResult =
  | { ok: true; messageId: string }
  | { ok: false; code: string; message: string; retryable: boolean };

/**
 * The Channel contract: a way to reach customers (email, SMS, WhatsApp, web forms). Traffic in either direction
 * becomes interactions.
 */
export interface Channel {
  readonly specificationVersion: 'v1';
  /** Channel id, e.g. `sms-twilio`. */
  readonly id: string;
  readonly kind: ContactChannel;
  readonly capabilities: { send: boolean; receive: boolean };
  send?(message: OutboundMessage, options?: { signal?: AbortSignalLike }): Promise<SendResult>;
  /** Verifies and parses an inbound delivery (message, status callback, form post) into records. */
  parseInbound?(request: WebhookRequest): Promise<SourceRecordInput[]>;
}

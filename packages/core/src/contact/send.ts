/**
 * Sending to a customer: every send goes through the `send:before` hooks (which may enrich or veto), the contact
 * decision (consent, arrangement, quiet hours, frequency cap), the channel's `deliver`, then the `send:after` hooks.
 *
 * @module
 */
import {
  type ContactDecision,
  ContactChannelSchema,
  ContactPurposeSchema,
  ContactRefusedError,
  InvalidArgumentError,
} from '@crmkit/model';
import type { Hub } from '../api/hub';
import type { HubRuntime } from '../runtime/hub-runtime';

/** Decides whether a customer may be contacted on a channel for a purpose (the governance services' `canContact`). */
export type CanContact = (
  customerId: string,
  channel: string,
  purpose: string,
  at?: string,
) => Promise<ContactDecision>;

/** Creates `hub.send()`. */
export function createSend(rt: HubRuntime, canContact: CanContact): Pick<Hub, 'send'> {
  return {
    async send(message, deliver) {
      rt.ensureOpen();
      if (typeof message !== 'object' || message === null) {
        throw new InvalidArgumentError({
          argument: 'message',
          message: '[crmkit/core] send() takes a message object.',
        });
      }
      for (const key of ['customerId', 'channel', 'purpose'] as const) {
        if (typeof message[key] !== 'string' || message[key] === '') {
          throw new InvalidArgumentError({
            argument: `message.${key}`,
            message: `[crmkit/core] message.${key} must be a non-empty string.`,
          });
        }
      }
      if (typeof deliver !== 'function') {
        throw new InvalidArgumentError({
          argument: 'deliver',
          message: '[crmkit/core] send() takes a deliver function.',
        });
      }
      const { message: final } = await rt.host.before('send:before', { message });
      // Every send goes through canContact: consent, arrangement, quiet hours, frequency cap.
      if (
        ContactChannelSchema.safeParse(final.channel).success &&
        ContactPurposeSchema.safeParse(final.purpose).success
      ) {
        const decision = await canContact(final.customerId, final.channel, final.purpose);
        if (!decision.allowed) {
          throw new ContactRefusedError({
            customerId: final.customerId,
            reason: decision.reason,
            detail: decision.detail,
          });
        }
      } else {
        throw new ContactRefusedError({
          customerId: final.customerId,
          reason: 'unknown-channel-or-purpose',
          detail: `"${final.channel}" for "${final.purpose}" is not a contact channel and purpose crmkit knows.`,
        });
      }
      const result = await deliver(final);
      if (rt.host.hooks.has('send:after')) await rt.host.hooks.call('send:after', { message: final, result });
      return { message: final, result };
    },
  };
}

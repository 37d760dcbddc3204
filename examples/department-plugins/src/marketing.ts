/**
 * The marketing department's plugin (it builds on sales): a segment derived from the sales account tier, kept up
 * to date by a workflow so customer groups can select on it, and campaign lists that leave out whoever may not be
 * contacted, with the Hub's reason (consent ledger, contact arrangements, quiet hours, frequency caps).
 *
 * @module
 */
import {
  ContactChannelSchema,
  ContactPurposeSchema,
  type ContactReason,
  type CustomerGroup,
  defineCommand,
  definePlugin,
  defineWorkflow,
  type HubEvent,
  type JsonValue,
  NotFoundError,
  type Plugin,
} from '@crmkit/model';
import { z } from 'zod';
import { fieldValue } from './refs';

/** Version of the marketing plugin. */
export const MARKETING_VERSION = '1.0.0';
/** The golden field the segment workflow reads. */
export const ACCOUNT_TIER_FIELD = 'attributes.sales.accountTier';
/** The golden field a customer group's rule selects on: `{ field: SEGMENT_FIELD, op: 'eq', value: 'key-account' }`. */
export const SEGMENT_FIELD = 'attributes.marketing.segment';

/** Marketing segments. */
export const SegmentSchema = z.enum(['key-account', 'standard']);
/** A marketing segment. */
export type Segment = z.infer<typeof SegmentSchema>;

/** Why a group member is left off a campaign list: `canContact`'s reason (`no-consent`, `quiet-hours` ...). */
export type ExclusionReason = ContactReason;

/** A member on a campaign list. */
export interface CampaignMember {
  customerId: string;
  displayName?: string;
}

/** A member left off a campaign list, with the reason. */
export interface ExcludedMember extends CampaignMember {
  reason: ExclusionReason;
  /** The reason in words. */
  detail: string;
}

/** Output of the `marketing.campaignList` command. */
export interface CampaignList {
  groupId: string;
  channel: string;
  purpose: string;
  /** When the list was made (consent expiry is judged at this time). */
  asOf: string;
  /** Members that may be contacted, by customer id. */
  included: CampaignMember[];
  /** Members that may not, by customer id, each with the reason. */
  excluded: ExcludedMember[];
}

/** Segment of an account tier: gold accounts are key accounts; any other tier is standard; no tier, no segment. */
export function segmentOf(tier: JsonValue | undefined): Segment | null {
  if (tier === 'gold') return 'key-account';
  return typeof tier === 'string' ? 'standard' : null;
}

/** Options of {@link createMarketingPlugin}. */
export type MarketingPluginOptions = Record<string, never>;

const CampaignListInput = z.object({
  groupId: z.string().min(1),
  channel: ContactChannelSchema,
  purpose: ContactPurposeSchema,
});

const tierChanged = (event: HubEvent): boolean =>
  (event as HubEvent<'customer.updated'>).payload.changedFields.includes(ACCOUNT_TIER_FIELD);
const createdWithTier = (event: HubEvent): boolean =>
  ACCOUNT_TIER_FIELD in (event as HubEvent<'customer.created'>).payload.customer.golden.fields;
/** Only the customer id goes into the run: the step reads the customer through the plugin's grant. */
const customerIdOf = (event: HubEvent): JsonValue => ({
  customerId: (event as HubEvent<'customer.created' | 'customer.updated'>).payload.customer.id,
});

/**
 * Builds the marketing plugin (needs sales `^1`).
 *
 * - Field: `attributes.marketing.segment` on people and organisations.
 * - Workflow `segment` (on `customer.created` / `customer.updated` when `attributes.sales.accountTier` is set or
 *   changes): sets the segment ({@link segmentOf}), so an app's customer group with the rule
 *   `{ field: 'attributes.marketing.segment', op: 'eq', value: 'key-account' }` holds the key accounts. Reads
 *   the sales tier through its read grant.
 * - Command `campaignList` `{ groupId, channel, purpose }`: the group's members (static and by rule) that may be
 *   contacted; each one left off gets the Hub's reason (`canContact`: the consent ledger, the customer's or the
 *   group's contact arrangement, quiet hours, frequency cap).
 */
export function createMarketingPlugin(_options: MarketingPluginOptions = {}): Plugin {
  return definePlugin({
    name: 'marketing',
    version: MARKETING_VERSION,
    department: 'marketing',
    description: 'Segments from the sales account tier, and campaign lists that respect consent and arrangements.',
    dependsOn: { sales: '^1.0.0' },
    fields: {
      person: { segment: SegmentSchema },
      organization: { segment: SegmentSchema },
    },
    permissions: {
      read: {
        entities: ['person', 'organization', 'group'],
        fields: ['displayName', ACCOUNT_TIER_FIELD],
        events: ['customer.created', 'customer.updated'],
      },
    },
    workflows: {
      segment: defineWorkflow<{ customerId: string }>({
        description: 'Keeps attributes.marketing.segment in line with the sales account tier.',
        triggers: [
          { event: 'customer.updated', when: tierChanged, input: customerIdOf },
          { event: 'customer.created', when: createdWithTier, input: customerIdOf },
        ],
        steps: [
          {
            name: 'assign',
            run: async ({ input, plugin }) => {
              const customer = await plugin.getCustomer(input.customerId);
              if (customer?.status !== 'active') return { customerId: input.customerId, segment: null };
              const segment = segmentOf(fieldValue(customer, ACCOUNT_TIER_FIELD));
              if ((fieldValue(customer, SEGMENT_FIELD) ?? null) !== segment) {
                await plugin.setFields(customer.id, { segment });
              }
              return { customerId: customer.id, segment };
            },
          },
        ],
      }),
    },
    commands: {
      campaignList: defineCommand({
        description: 'The members of a group that may be contacted on a channel for a purpose, and why others not.',
        input: CampaignListInput,
        run: async ({ groupId, channel, purpose }, context): Promise<CampaignList> => {
          const group: CustomerGroup | undefined = (await context.listGroups()).find((g) => g.id === groupId);
          if (!group) throw new NotFoundError({ entity: 'group', id: groupId });
          // Static members and rule matches, as marketing may see them.
          const members = await context.listGroupMembers(group.id);
          const asOf = context.now();
          const list: CampaignList = { groupId, channel, purpose, asOf, included: [], excluded: [] };
          for (const customer of members) {
            const member: CampaignMember = {
              customerId: customer.id,
              ...(customer.displayName ? { displayName: customer.displayName } : {}),
            };
            // One rule for every send path: the Hub's consent ledger and contact arrangements decide.
            const decision = await context.canContact(customer.id, channel, purpose, asOf);
            if (decision.allowed) list.included.push(member);
            else list.excluded.push({ ...member, reason: decision.reason, detail: decision.detail });
          }
          return list;
        },
      }),
    },
  });
}

/** The marketing plugin. */
export const marketing: Plugin = createMarketingPlugin();

/**
 * The marketing department's plugin (it builds on sales): a segment derived from the sales account tier, kept up
 * to date by a workflow so customer groups can select on it, consents in its own namespace, and campaign lists
 * that leave out whoever may not be contacted, with the reason.
 *
 * @module
 */
import {
  type ContactArrangement,
  ContactChannelSchema,
  ContactPurposeSchema,
  type Customer,
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
const CONSENTS_FIELD = 'attributes.marketing.consents';

/** Marketing segments. */
export const SegmentSchema = z.enum(['key-account', 'standard']);
/** A marketing segment. */
export type Segment = z.infer<typeof SegmentSchema>;

/**
 * One consent capture, as marketing keeps it until the governance consent ledger lands: for one channel and
 * purpose, the latest capture wins; an expired grant counts as no consent.
 */
export const ConsentCaptureSchema = z.object({
  channel: ContactChannelSchema,
  purpose: ContactPurposeSchema,
  status: z.enum(['granted', 'denied', 'withdrawn']),
  capturedAt: z.iso.datetime({ offset: true }),
  /** Where it was captured: `webform:newsletter`, `call-center`, `hubspot` ... */
  captureSource: z.string().min(1).max(256),
  /** Version of the consent wording shown. */
  wordingVersion: z.string().min(1).max(64),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
/** A consent capture. */
export type ConsentCapture = z.infer<typeof ConsentCaptureSchema>;

/** Why a group member is left off a campaign list. */
export type ExclusionReason =
  | 'not-visible'
  | 'no-arrangement'
  | 'purpose-not-allowed'
  | 'no-consent'
  | 'consent-denied'
  | 'consent-withdrawn'
  | 'consent-expired';

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

/** The verdict on one customer's consent for a channel and purpose. */
export type ConsentVerdict =
  | { ok: true; capture: ConsentCapture }
  | { ok: false; reason: Extract<ExclusionReason, `${string}consent${string}`>; detail: string };

/**
 * Judges consent for `channel` and `purpose` at `now`: the latest capture for the pair wins (a later entry wins a
 * tie); it must be `granted` and not expired.
 */
export function judgeConsent(
  consents: readonly ConsentCapture[],
  channel: string,
  purpose: string,
  now: string,
): ConsentVerdict {
  let latest: ConsentCapture | undefined;
  for (const capture of consents) {
    if (capture.channel !== channel || capture.purpose !== purpose) continue;
    if (!latest || Date.parse(capture.capturedAt) >= Date.parse(latest.capturedAt)) latest = capture;
  }
  if (!latest) return { ok: false, reason: 'no-consent', detail: `no consent for ${purpose} by ${channel}` };
  if (latest.status === 'denied') {
    return { ok: false, reason: 'consent-denied', detail: `consent denied on ${latest.capturedAt}` };
  }
  if (latest.status === 'withdrawn') {
    return { ok: false, reason: 'consent-withdrawn', detail: `consent withdrawn on ${latest.capturedAt}` };
  }
  if (latest.expiresAt !== undefined && Date.parse(latest.expiresAt) <= Date.parse(now)) {
    return { ok: false, reason: 'consent-expired', detail: `consent expired on ${latest.expiresAt}` };
  }
  return { ok: true, capture: latest };
}

/** Segment of an account tier: gold accounts are key accounts; any other tier is standard; no tier, no segment. */
export function segmentOf(tier: JsonValue | undefined): Segment | null {
  if (tier === 'gold') return 'key-account';
  return typeof tier === 'string' ? 'standard' : null;
}

function consentsOf(customer: Customer): ConsentCapture[] {
  const parsed = z.array(ConsentCaptureSchema).safeParse(fieldValue(customer, CONSENTS_FIELD) ?? []);
  return parsed.success ? parsed.data : [];
}

/** Options of {@link createMarketingPlugin}. */
export type MarketingPluginOptions = Record<string, never>;

const CampaignListInput = z.object({
  groupId: z.string().min(1),
  channel: ContactChannelSchema,
  purpose: ContactPurposeSchema,
});

const RecordConsentInput = ConsentCaptureSchema.extend({
  customerId: z.string().min(1),
  /** @default now */
  capturedAt: z.iso.datetime({ offset: true }).optional(),
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
 * - Fields: `attributes.marketing.segment` and `attributes.marketing.consents` ({@link ConsentCaptureSchema}[]) on
 *   people and organisations.
 * - Workflow `segment` (on `customer.created` / `customer.updated` when `attributes.sales.accountTier` is set or
 *   changes): sets the segment ({@link segmentOf}), so an app's customer group with the rule
 *   `{ field: 'attributes.marketing.segment', op: 'eq', value: 'key-account' }` holds the key accounts. Reads
 *   the sales tier through its read grant.
 * - Command `recordConsent`: appends a consent capture.
 * - Command `campaignList` `{ groupId, channel, purpose }`: the group's members that may be contacted; each one
 *   left off gets a reason: no contact arrangement of the group for the channel, the purpose not allowed by it,
 *   or no valid consent ({@link judgeConsent}).
 */
export function createMarketingPlugin(_options: MarketingPluginOptions = {}): Plugin {
  return definePlugin({
    name: 'marketing',
    version: MARKETING_VERSION,
    department: 'marketing',
    description: 'Segments from the sales account tier, consents, and campaign lists.',
    dependsOn: { sales: '^1.0.0' },
    fields: {
      person: { segment: SegmentSchema, consents: z.array(ConsentCaptureSchema).max(500) },
      organization: { segment: SegmentSchema, consents: z.array(ConsentCaptureSchema).max(500) },
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
      recordConsent: defineCommand({
        description: 'Records a consent capture (granted, denied or withdrawn) for a channel and purpose.',
        input: RecordConsentInput,
        run: async ({ customerId, capturedAt, ...capture }, context) => {
          const customer = await context.getCustomer(customerId);
          if (!customer) throw new NotFoundError({ entity: 'customer', id: customerId });
          const consents = [...consentsOf(customer), { ...capture, capturedAt: capturedAt ?? context.now() }];
          await context.setFields(customer.id, { consents: consents as unknown as JsonValue });
          return { customerId: customer.id, consents: consents.length };
        },
      }),
      campaignList: defineCommand({
        description: 'The members of a group that may be contacted on a channel for a purpose, and why others not.',
        input: CampaignListInput,
        run: async ({ groupId, channel, purpose }, context): Promise<CampaignList> => {
          const group: CustomerGroup | undefined = (await context.listGroups()).find((g) => g.id === groupId);
          if (!group) throw new NotFoundError({ entity: 'group', id: groupId });
          // Static members and rule matches, as marketing may see them.
          const members = await context.listGroupMembers(group.id);
          const arrangement: Omit<ContactArrangement, 'customerId'> | undefined = group.defaultArrangements.find(
            (a) => a.channel === channel,
          );
          const asOf = context.now();
          const list: CampaignList = { groupId, channel, purpose, asOf, included: [], excluded: [] };
          for (const customer of members) {
            const member: CampaignMember = {
              customerId: customer.id,
              ...(customer.displayName ? { displayName: customer.displayName } : {}),
            };
            if (!arrangement) {
              list.excluded.push({
                ...member,
                reason: 'no-arrangement',
                detail: `group "${group.name}" has no contact arrangement for ${channel}`,
              });
              continue;
            }
            if (!arrangement.allowedPurposes.includes(purpose)) {
              list.excluded.push({
                ...member,
                reason: 'purpose-not-allowed',
                detail: `group "${group.name}" allows ${channel} for ${arrangement.allowedPurposes.join(', ') || 'nothing'}, not ${purpose}`,
              });
              continue;
            }
            const verdict = judgeConsent(consentsOf(customer), channel, purpose, asOf);
            if (verdict.ok) list.included.push(member);
            else list.excluded.push({ ...member, reason: verdict.reason, detail: verdict.detail });
          }
          return list;
        },
      }),
    },
  });
}

/** The marketing plugin. */
export const marketing: Plugin = createMarketingPlugin();

/**
 * Department plugins for crmkit, as an example: sales, service and marketing each extend the central customer
 * model and its processes in their own namespace, within an allow-list the Hub enforces.
 *
 * @packageDocumentation
 */
export {
  AccountTierSchema,
  type AccountTier,
  createSalesPlugin,
  type FollowUpInput,
  type FollowUpTask,
  type ReportVisitInput,
  sales,
  SALES_SOURCE,
  SALES_VERSION,
  type SalesPluginOptions,
} from './sales';
export {
  CASE_RESPONSE_HOURS,
  createServicePlugin,
  EscalateInput,
  type Escalation,
  ESCALATION_HOURS,
  type EscalationNotice,
  type EscalationNotifier,
  EscalationSchema,
  service,
  SERVICE_VERSION,
  type ServicePluginOptions,
  type SlaTier,
  SlaTierSchema,
} from './service';
export {
  ACCOUNT_TIER_FIELD,
  type CampaignList,
  type CampaignMember,
  createMarketingPlugin,
  type ExcludedMember,
  type ExclusionReason,
  marketing,
  MARKETING_VERSION,
  type MarketingPluginOptions,
  SEGMENT_FIELD,
  type Segment,
  SegmentSchema,
  segmentOf,
} from './marketing';
export { refOf } from './refs';

/**
 * The sales department's plugin. Visit reports are the core `visit_report` activity, shared by every department;
 * sales adds what only it cares about (products discussed, a competitor mentioned) in its own namespace, keeps
 * `accountTier` and `lastVisitAt` on customers, and turns the follow-ups of every visit report into tasks.
 *
 * @module
 */
import {
  type AbortSignalLike,
  defineCommand,
  definePlugin,
  defineWorkflow,
  type FollowUp,
  type HubEvent,
  type InteractionData,
  type JsonValue,
  NotFoundError,
  type Plugin,
  type RecordRefInput,
  type SourceRecordInput,
} from '@crmkit/model';
import { z } from 'zod';
import { addHours, fieldValue, later, portableParticipants, refOf, tombstone } from './refs';

/** Version of the sales plugin. */
export const SALES_VERSION = '1.0.0';
/** Source of every record the sales plugin writes. */
export const SALES_SOURCE = 'plugin:sales';

/** Account tiers sales assigns. */
export const AccountTierSchema = z.enum(['gold', 'silver', 'bronze']);
/** An account tier. */
export type AccountTier = z.infer<typeof AccountTierSchema>;

/** A follow-up task the `followUp` workflow created. */
export interface FollowUpTask {
  /** External id under source `plugin:sales`: `<idempotency key>:<index>`, the same on every retry. */
  externalId: string;
  description: string;
  dueAt: string;
  assigneeId?: string;
}

/** Input of a `followUp` run: the parts of the `interaction.recorded` event sales needs. */
export interface FollowUpInput {
  /** Record key of the visit report. */
  key: string;
  source: string;
  /** When the visit report was recorded (the event's time): the tasks' `observedAt`, the same on every retry. */
  recordedAt: string;
  customerIds: string[];
  visitedAt: string;
  followUps: FollowUp[];
  participants: { ref: RecordRefInput; role: InteractionData['participants'][number]['role'] }[];
  visitorId?: string;
}

/** Options of {@link createSalesPlugin}. */
export interface SalesPluginOptions {
  /**
   * Called after a visit report's follow-up tasks were recorded, e.g. to push them to a task app. Pass the
   * idempotency key on to external systems: it is the same on every retry and after a resume. A failure is
   * retried; when it fails for good, the tasks are removed again (compensation).
   */
  announceTasks?: (
    tasks: FollowUpTask[],
    context: { idempotencyKey: string; attempt: number; signal: AbortSignalLike },
  ) => void | Promise<void>;
  /** Days until a follow-up without a due date is due. @default 7 */
  defaultDueDays?: number;
  /** Extra attempts of each step. @default 2 */
  retries?: number;
  /** Wait before the first retry, doubling after. @default 1000 */
  backoffMs?: number;
}

const ReportVisitInput = z.object({
  /** The customer visited (an organisation or a person). */
  customerId: z.string().min(1),
  /** A person met during the visit. */
  contactId: z.string().min(1).optional(),
  visitedAt: z.iso.datetime({ offset: true }),
  purpose: z.string().min(1).max(2000),
  outcome: z.string().max(10_000).optional(),
  visitorId: z.string().min(1).max(128).optional(),
  visitorName: z.string().min(1).max(256).optional(),
  productsDiscussed: z.array(z.string().min(1).max(128)).max(50).optional(),
  competitorMentioned: z.string().min(1).max(256).optional(),
  followUps: z
    .array(
      z.object({
        description: z.string().min(1).max(2000),
        dueDate: z.iso.date().optional(),
        ownerId: z.string().min(1).max(128).optional(),
      }),
    )
    .max(20)
    .default([]),
  /** Id of the report in the visitor's app; reporting it again updates the same record. */
  reportId: z.string().min(1).max(200).optional(),
});
/** Input of the `sales.reportVisit` command. */
export type ReportVisitInput = z.input<typeof ReportVisitInput>;

function isVisitWithFollowUps(event: HubEvent): boolean {
  const { interaction } = (event as HubEvent<'interaction.recorded'>).payload;
  return interaction.activity.kind === 'visit_report' && interaction.activity.followUps.length > 0;
}

/** Only what the workflow needs from the event: the visit, never other plugins' attributes. */
function followUpInput(event: HubEvent): JsonValue {
  const { payload } = event as HubEvent<'interaction.recorded'>;
  const activity = payload.interaction.activity as Extract<InteractionData['activity'], { kind: 'visit_report' }>;
  const input: FollowUpInput = {
    key: payload.key,
    source: payload.source,
    recordedAt: event.at,
    customerIds: payload.customerIds,
    visitedAt: activity.visitedAt,
    followUps: activity.followUps,
    participants: portableParticipants(payload.interaction.participants, payload.source),
    ...(activity.visitorId ? { visitorId: activity.visitorId } : {}),
  };
  return input as unknown as JsonValue;
}

/**
 * Builds the sales plugin.
 *
 * - Fields: `attributes.sales.accountTier` and `attributes.sales.lastVisitAt` on people and organisations;
 *   `productsDiscussed`, `competitorMentioned` and `followUpOf` on interactions.
 * - Workflow `followUp` (on `interaction.recorded` of a visit report with follow-ups): records one `task`
 *   interaction per follow-up (source `plugin:sales`, external id from the step's idempotency key, so a retry or
 *   a resumed run never creates two), announces them ({@link SalesPluginOptions.announceTasks}), and moves
 *   `lastVisitAt` of the customers visited. When a step fails for good, the tasks are removed (tombstones).
 * - Command `reportVisit`: records a visit report as sales.
 */
export function createSalesPlugin(options: SalesPluginOptions = {}): Plugin {
  const retries = options.retries ?? 2;
  const backoffMs = options.backoffMs ?? 1000;
  const dueDays = options.defaultDueDays ?? 7;

  return definePlugin({
    name: 'sales',
    version: SALES_VERSION,
    department: 'sales',
    description: 'Account tiers, visit details and follow-up tasks of the sales department.',
    fields: {
      person: { accountTier: AccountTierSchema, lastVisitAt: z.iso.datetime({ offset: true }) },
      organization: { accountTier: AccountTierSchema, lastVisitAt: z.iso.datetime({ offset: true }) },
      interaction: {
        productsDiscussed: z.array(z.string().min(1).max(128)).max(50),
        competitorMentioned: z.string().min(1).max(256),
        /** On a follow-up task: the record key of its visit report. */
        followUpOf: z.string().min(1).max(600),
      },
    },
    permissions: {
      read: {
        entities: ['person', 'organization', 'interaction'],
        fields: ['displayName', 'sources'],
        events: ['interaction.recorded'],
      },
      write: { entities: ['interaction'] },
    },
    workflows: {
      followUp: defineWorkflow<FollowUpInput>({
        description: 'Turns the follow-ups of a visit report into tasks and records the visit on the customers.',
        triggers: [{ event: 'interaction.recorded', when: isVisitWithFollowUps, input: followUpInput }],
        steps: [
          {
            name: 'createTasks',
            retries,
            backoffMs,
            run: async ({ input, idempotencyKey, plugin }) => {
              const visit = input;
              const tasks: FollowUpTask[] = visit.followUps.map((followUp, index) => {
                const assigneeId = followUp.ownerId ?? visit.visitorId;
                return {
                  externalId: `${idempotencyKey}:${index}`,
                  description: followUp.description,
                  dueAt: followUp.dueDate
                    ? `${followUp.dueDate}T17:00:00.000Z`
                    : addHours(visit.visitedAt, dueDays * 24),
                  ...(assigneeId ? { assigneeId } : {}),
                };
              });
              const records: Omit<SourceRecordInput, 'source'>[] = tasks.map((task) => ({
                type: 'interaction',
                externalId: task.externalId,
                observedAt: visit.recordedAt,
                data: {
                  channel: 'other',
                  direction: 'internal',
                  participants: visit.participants,
                  subject: `Follow-up: ${task.description}`,
                  occurredAt: visit.recordedAt,
                  activity: {
                    kind: 'task',
                    status: 'open',
                    priority: 'normal',
                    dueAt: task.dueAt,
                    ...(task.assigneeId ? { assigneeId: task.assigneeId } : {}),
                  },
                  attributes: { sales: { followUpOf: visit.key } },
                },
              }));
              await plugin.ingest(records);
              return { tasks } as unknown as JsonValue;
            },
            compensate: async ({ input, plugin }, output) => {
              const { tasks } = (output ?? { tasks: [] }) as unknown as { tasks: FollowUpTask[] };
              if (tasks.length === 0) return;
              const at = later(plugin.now(), input.recordedAt);
              await plugin.ingest(tasks.map((task) => tombstone(task.externalId, at)));
              plugin.log('info', 'follow-up tasks removed', { tasks: tasks.map((t) => t.externalId) });
            },
          },
          {
            name: 'announce',
            retries,
            backoffMs,
            run: async ({ results, idempotencyKey, attempt, signal }) => {
              const { tasks } = results.createTasks as unknown as { tasks: FollowUpTask[] };
              await options.announceTasks?.(tasks, { idempotencyKey, attempt, signal });
              return { announced: tasks.length };
            },
          },
          {
            name: 'updateLastVisit',
            retries,
            backoffMs,
            run: async ({ input, plugin }) => {
              const visit = input;
              const updated: string[] = [];
              for (const id of visit.customerIds) {
                const customer = await plugin.getCustomer(id);
                if (!customer) continue;
                const last = fieldValue(customer, 'attributes.sales.lastVisitAt');
                if (typeof last === 'string' && Date.parse(last) >= Date.parse(visit.visitedAt)) continue;
                await plugin.setFields(customer.id, { lastVisitAt: visit.visitedAt });
                updated.push(customer.id);
              }
              return { updated };
            },
          },
        ],
      }),
    },
    commands: {
      reportVisit: defineCommand({
        description: 'Records a visit report (the shared visit_report activity) with the sales details.',
        input: ReportVisitInput,
        run: async (input, context) => {
          const customer = await context.getCustomer(input.customerId);
          const ref = customer && refOf(customer);
          if (!customer || !ref) throw new NotFoundError({ entity: 'customer', id: input.customerId });
          const participants: { ref: RecordRefInput; role: 'customer' | 'attendee' }[] = [{ ref, role: 'customer' }];
          if (input.contactId) {
            const contact = await context.getCustomer(input.contactId);
            const contactRef = contact && refOf(contact);
            if (!contactRef) throw new NotFoundError({ entity: 'customer', id: input.contactId });
            participants.push({ ref: contactRef, role: 'attendee' });
          }
          const externalId = input.reportId ?? `visit:${customer.id}:${input.visitedAt}`;
          const sales: Record<string, JsonValue> = {};
          if (input.productsDiscussed) sales.productsDiscussed = input.productsDiscussed;
          if (input.competitorMentioned) sales.competitorMentioned = input.competitorMentioned;
          await context.ingest([
            {
              type: 'interaction',
              externalId,
              observedAt: context.now(),
              data: {
                channel: 'in_person',
                direction: 'outbound',
                participants,
                subject: `Visit: ${input.purpose}`,
                occurredAt: input.visitedAt,
                activity: {
                  kind: 'visit_report',
                  visitedAt: input.visitedAt,
                  purpose: input.purpose,
                  followUps: input.followUps,
                  ...(input.visitorId ? { visitorId: input.visitorId } : {}),
                  ...(input.visitorName ? { visitorName: input.visitorName } : {}),
                  ...(input.outcome ? { outcome: input.outcome } : {}),
                },
                ...(Object.keys(sales).length > 0 ? { attributes: { sales } } : {}),
              },
            },
          ]);
          return { key: `${SALES_SOURCE}/interaction/${externalId}`, externalId };
        },
      }),
    },
  });
}

/** The sales plugin with default options (no task announcements). */
export const sales: Plugin = createSalesPlugin();

/**
 * The service department's plugin: SLA tiers on organisations, an `escalation` activity type, an SLA deadline
 * stamped on every incoming service case, and an `escalate` workflow that records an escalation, notifies
 * someone, and flags the organisation (undoing the escalation record when the notification fails for good).
 *
 * @module
 */
import {
  type AbortSignalLike,
  defineCommand,
  definePlugin,
  defineWorkflow,
  type JsonValue,
  NotFoundError,
  type Plugin,
  type SourceRecordInput,
} from '@crmkit/model';
import { z } from 'zod';
import { addHours, fieldValue, later, refOf, tombstone } from './refs';

/** Version of the service plugin. */
export const SERVICE_VERSION = '1.0.0';

/** SLA tiers of service contracts. */
export const SlaTierSchema = z.enum(['gold', 'silver', 'bronze']);
/** An SLA tier. */
export type SlaTier = z.infer<typeof SlaTierSchema>;

/** Hours until an escalation is due, by SLA tier (organisations without a tier count as bronze). */
export const ESCALATION_HOURS: Readonly<Record<SlaTier, number>> = { gold: 4, silver: 8, bronze: 24 };
/** Hours until a service case needs a response, by case priority. */
export const CASE_RESPONSE_HOURS: Readonly<Record<'urgent' | 'high' | 'normal' | 'low', number>> = {
  urgent: 4,
  high: 8,
  normal: 24,
  low: 72,
};

/** Data of the `service.escalation` activity. */
export const EscalationSchema = z.object({
  level: z.number().int().min(1).max(3),
  reason: z.string().min(1).max(2000),
  dueAt: z.iso.datetime({ offset: true }),
});
/** An escalation. */
export type Escalation = z.infer<typeof EscalationSchema>;

/** Input of the `escalate` workflow. */
export const EscalateInput = z.object({
  organizationId: z.string().min(1),
  level: z.number().int().min(1).max(3),
  reason: z.string().min(1).max(2000),
});
/** Input of the `escalate` workflow. */
export type EscalateInput = z.infer<typeof EscalateInput>;

/** What the notifier is told. */
export interface EscalationNotice {
  organizationId: string;
  organizationName?: string;
  level: number;
  reason: string;
  dueAt: string;
  /** The same on every retry and after a resume: pass it to the paging system to dedupe. */
  idempotencyKey: string;
}

/** Sends an escalation notice (a pager, a chat channel, an email). Throw to fail; the workflow retries. */
export type EscalationNotifier = (
  notice: EscalationNotice,
  context: { attempt: number; signal: AbortSignalLike },
) => JsonValue | undefined | Promise<JsonValue | undefined>;

/** Options of {@link createServicePlugin}. */
export interface ServicePluginOptions {
  /** How escalations are announced. @default a notifier that does nothing */
  notify?: EscalationNotifier;
  /** Extra attempts of the notification. @default 2 */
  retries?: number;
  /** Wait before the first retry of the notification, doubling after. @default 1000 */
  backoffMs?: number;
}

interface RecordedEscalation {
  externalId: string;
  /** When it was recorded (its `observedAt`). */
  recordedAt: string;
  organizationId: string;
  organizationName?: string;
  dueAt: string;
  [key: string]: JsonValue | undefined;
}

/**
 * Builds the service plugin.
 *
 * - Fields: `attributes.service.slaTier` (gold, silver, bronze) and `attributes.service.escalated` on
 *   organisations; `slaDeadline` and `responseHours` on interactions.
 * - Activity type `service.escalation` ({@link EscalationSchema}).
 * - Before-hook `interaction:before`: stamps the SLA deadline (by case priority, {@link CASE_RESPONSE_HOURS}) into
 *   `attributes.service` of every incoming open service case, whichever system it comes from.
 * - Workflow `escalate` (manual; also command `escalate`): records an escalation interaction (due by the
 *   organisation's SLA tier, {@link ESCALATION_HOURS}) → `notify` → sets `attributes.service.escalated`. When
 *   `notify` fails for good, the escalation interaction is removed again (a tombstone).
 */
export function createServicePlugin(options: ServicePluginOptions = {}): Plugin {
  const notify: EscalationNotifier = options.notify ?? (() => null);
  const plugin = definePlugin({
    name: 'service',
    version: SERVICE_VERSION,
    department: 'service',
    description: 'SLA tiers, SLA deadlines on service cases, and escalations.',
    fields: {
      organization: { slaTier: SlaTierSchema, escalated: z.boolean() },
      interaction: {
        slaDeadline: z.iso.datetime({ offset: true }),
        responseHours: z.number().int().positive(),
      },
    },
    activityTypes: {
      escalation: {
        label: 'Escalation',
        description: 'A service case escalated to a higher support level.',
        schema: EscalationSchema,
      },
    },
    permissions: {
      read: { entities: ['person', 'organization', 'interaction'], fields: ['displayName', 'sources'] },
      write: { entities: ['interaction'] },
    },
    hooks: {
      'interaction:before': ({ records }) => {
        let changed = false;
        const stamped = records.map((record) => {
          if (record.deleted || record.type !== 'interaction') return record;
          const { activity, occurredAt, attributes } = record.data;
          if (activity.kind !== 'case' || activity.status === 'resolved' || activity.status === 'cancelled') {
            return record;
          }
          const responseHours = CASE_RESPONSE_HOURS[activity.priority ?? 'normal'];
          changed = true;
          const service = { ...((attributes?.service as Record<string, JsonValue> | undefined) ?? {}) };
          service.slaDeadline = addHours(occurredAt, responseHours);
          service.responseHours = responseHours;
          return { ...record, data: { ...record.data, attributes: { ...attributes, service } } };
        });
        return changed ? { payload: { records: stamped as SourceRecordInput[] } } : undefined;
      },
    },
    workflows: {
      escalate: defineWorkflow<EscalateInput>({
        description: 'Records an escalation, notifies, and flags the organisation.',
        triggers: [{ manual: true }],
        input: EscalateInput,
        steps: [
          {
            name: 'recordEscalation',
            run: async ({ input, idempotencyKey, plugin }) => {
              const organization = await plugin.getCustomer(input.organizationId);
              const ref = organization?.kind === 'organization' ? refOf(organization) : undefined;
              if (!organization || !ref) throw new NotFoundError({ entity: 'organization', id: input.organizationId });
              const tier = SlaTierSchema.catch('bronze').parse(fieldValue(organization, 'attributes.service.slaTier'));
              const now = plugin.now();
              const escalation: Escalation = {
                level: input.level,
                reason: input.reason,
                dueAt: addHours(now, ESCALATION_HOURS[tier]),
              };
              const externalId = `escalation:${idempotencyKey}`;
              await plugin.ingest([
                {
                  type: 'interaction',
                  externalId,
                  observedAt: now,
                  data: {
                    channel: 'other',
                    direction: 'internal',
                    participants: [{ ref, role: 'customer' }],
                    subject: `Escalation (level ${input.level}): ${input.reason}`,
                    occurredAt: now,
                    activity: { kind: 'custom', type: 'service.escalation', data: escalation },
                  },
                },
              ]);
              const recorded: RecordedEscalation = {
                externalId,
                recordedAt: now,
                organizationId: organization.id,
                dueAt: escalation.dueAt,
                ...(organization.displayName ? { organizationName: organization.displayName } : {}),
              };
              return recorded as JsonValue;
            },
            compensate: async ({ plugin }, output) => {
              const recorded = output as RecordedEscalation | null;
              if (!recorded) return;
              await plugin.ingest([tombstone(recorded.externalId, later(plugin.now(), recorded.recordedAt))]);
              plugin.log('info', 'escalation withdrawn', { externalId: recorded.externalId });
            },
          },
          {
            name: 'notify',
            retries: options.retries ?? 2,
            backoffMs: options.backoffMs ?? 1000,
            run: async ({ input, results, idempotencyKey, attempt, signal }) => {
              const recorded = results.recordEscalation as RecordedEscalation;
              const receipt = await notify(
                {
                  organizationId: recorded.organizationId,
                  ...(recorded.organizationName ? { organizationName: recorded.organizationName } : {}),
                  level: input.level,
                  reason: input.reason,
                  dueAt: recorded.dueAt,
                  idempotencyKey,
                },
                { attempt, signal },
              );
              return receipt ?? null;
            },
          },
          {
            name: 'markEscalated',
            run: async ({ results, plugin }) => {
              const recorded = results.recordEscalation as RecordedEscalation;
              await plugin.setFields(recorded.organizationId, { escalated: true });
              return null;
            },
          },
        ],
      }),
    },
    commands: {
      escalate: defineCommand({
        description: 'Starts the escalate workflow; the same requestId starts it only once.',
        input: EscalateInput.extend({ requestId: z.string().min(1).max(200).optional() }),
        run: async ({ requestId, ...input }, context) => {
          const runId = await context.startWorkflow('escalate', input, requestId ? { idempotencyKey: requestId } : {});
          return { runId };
        },
      }),
    },
  });
  return plugin;
}

/** The service plugin with a notifier that does nothing. */
export const service: Plugin = createServicePlugin();

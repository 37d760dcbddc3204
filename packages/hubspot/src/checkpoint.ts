/**
 * Sync checkpoints: opaque strings (base64url JSON with a version field) the sync engine stores after each batch.
 *
 * @module
 */

import { base64UrlDecode, base64UrlEncode, InvalidArgumentError, issuesFromZod } from '@crmkit/model';
import { z } from 'zod';
import { HUBSPOT_OBJECT_TYPES, type HubspotObjectType } from './objects';

/** A full pass in progress: the object type being listed and the cursor of the next page. */
export interface FullCheckpoint {
  /** Format version. */
  v: 1;
  /** Discriminator. */
  mode: 'full';
  /** The object types of this pass, in order. */
  types: HubspotObjectType[];
  /** Index into `types` of the type being listed. */
  index: number;
  /** HubSpot's `after` cursor of the next page of that type; absent to start the type from its first page. */
  after?: string | undefined;
  /** When the pass started (ISO 8601): the next incremental read starts there, minus the overlap. */
  passStartedAt: string;
}

/** Incremental reads: per object type, the last-modified time to search from (inclusive). */
export interface IncrementalCheckpoint {
  /** Format version. */
  v: 1;
  /** Discriminator. */
  mode: 'incremental';
  /** Per object type, search objects modified at or after this time (ISO 8601). */
  since: Partial<Record<HubspotObjectType, string>>;
}

/** A decoded checkpoint. */
export type HubspotCheckpoint = FullCheckpoint | IncrementalCheckpoint;

const TypeSchema = z.enum(HUBSPOT_OBJECT_TYPES);
const CheckpointSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    v: z.literal(1),
    mode: z.literal('full'),
    types: z.array(TypeSchema).min(1),
    index: z.number().int().min(0),
    after: z.string().min(1).optional(),
    passStartedAt: z.iso.datetime({ offset: true }),
  }),
  z.strictObject({
    v: z.literal(1),
    mode: z.literal('incremental'),
    since: z.partialRecord(TypeSchema, z.iso.datetime({ offset: true })),
  }),
]);

/** Encodes a checkpoint as an opaque base64url string. */
export function encodeCheckpoint(checkpoint: HubspotCheckpoint): string {
  return base64UrlEncode(JSON.stringify(checkpoint));
}

/** Decodes a checkpoint string; throws an `InvalidArgumentError` (argument `checkpoint`) when it is malformed. */
export function decodeCheckpoint(value: string): HubspotCheckpoint {
  let json: unknown;
  try {
    json = JSON.parse(base64UrlDecode(value));
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'checkpoint',
      message: '[crmkit/hubspot] The checkpoint is not one this adapter wrote (not base64url JSON).',
      cause: error,
    });
  }
  const parsed = CheckpointSchema.safeParse(json);
  if (!parsed.success) {
    const issue = issuesFromZod(parsed.error)[0];
    throw new InvalidArgumentError({
      argument: 'checkpoint',
      message: `[crmkit/hubspot] The checkpoint is malformed at ${issue?.pathString || '(root)'}: ${issue?.message}`,
      cause: parsed.error,
    });
  }
  const checkpoint = parsed.data as HubspotCheckpoint;
  if (checkpoint.mode === 'full' && checkpoint.index > checkpoint.types.length) {
    throw new InvalidArgumentError({
      argument: 'checkpoint',
      message: '[crmkit/hubspot] The checkpoint is malformed at index: past the last type of the pass.',
    });
  }
  return checkpoint;
}

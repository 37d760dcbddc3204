/**
 * The sync engine's facade: checks the options, builds the parts (checkpoints, dead letters, read passes,
 * write-back, webhook inbox) around one shared context, and runs one read or write-back at a time.
 *
 * @module
 */
import {
  type AbortSignalLike,
  CrmkitError,
  ErrorCode,
  InvalidArgumentError,
  type RecordType,
  type WebhookRequest,
  type WriteChange,
} from '@crmkit/model';
import { EventEmitter } from 'eventemitter3';
import { createCheckpoints } from './checkpoints';
import type { SyncContext } from './context';
import { createDeadLetters } from './dead-letters';
import { createPasses } from './passes';
import type {
  DeadLetterRetryReport,
  SyncDeadLetter,
  SyncEngine,
  SyncEngineOptions,
  SyncEvents,
  SyncReport,
  SyncRunOptions,
  SyncStatus,
  WriteBackFilter,
} from './types';
import { createWebhookInbox } from './webhook-inbox';
import { createWriteBack, DEFAULT_WRITE_FIELDS } from './write-back';

/**
 * Creates a sync engine between an adapter and a Hub.
 *
 * @example
 * ```ts
 * const sync = createSyncEngine({ hub, adapter: createHubspot({ credentials: { type: 'token', token } }) });
 * sync.on('progress', (p) => console.log(p.records));
 * await sync.run();               // full pass first, incremental afterwards
 * await sync.writeBack();         // central edits to HubSpot
 * ```
 */
export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  const { hub, adapter } = options;
  const name = options.name ?? adapter.source;
  const now = options.now ?? Date.now;
  const actor = options.actor ?? `sync:${name}`;
  const sweepBatchSize = options.sweepBatchSize ?? 500;
  const readAheadDepth = options.readAhead ?? 4;
  const initialLoadBatchSize = options.initialLoadBatchSize ?? 0;
  if (!Number.isInteger(initialLoadBatchSize) || initialLoadBatchSize < 0) {
    throw new InvalidArgumentError({
      argument: 'initialLoadBatchSize',
      message: `[crmkit/adapter-kit] Option "initialLoadBatchSize" must be a whole number (0 turns grouping off); got ${String(initialLoadBatchSize)}.`,
    });
  }
  const writeBatchSize = options.writeBatchSize ?? 100;
  const writeAttempts = options.writeAttempts ?? 3;
  const retryAfterRuns = options.retryDeadLetters ?? true;
  const claimMs = options.webhookClaimMs ?? 300_000;
  const writeFields = new Set(options.writeFields ?? DEFAULT_WRITE_FIELDS);
  const writeFilter: WriteBackFilter = options.writeFilter ?? ((_field, source) => source === 'crmkit:override');
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const readable = (Object.entries(adapter.capabilities.objects) as [RecordType, { read: boolean; deletes: boolean }][])
    .filter(([, c]) => c.read)
    .map(([type]) => type);
  const types = options.types ?? readable;
  for (const type of types) {
    if (!readable.includes(type)) {
      throw new InvalidArgumentError({
        argument: 'types',
        message: `[crmkit/adapter-kit] Adapter "${adapter.id}" cannot read "${type}" records.`,
      });
    }
  }
  const sweepTypes = types.filter((type) => adapter.capabilities.objects[type]?.deletes);
  const iso = () => new Date(now()).toISOString();

  const emitter = new EventEmitter<SyncEvents>();
  let running: Promise<unknown> | undefined;
  /** One run or write-back at a time mutates the state document (webhooks do not touch it). */
  let stateLock: Promise<unknown> = Promise.resolve();
  const withStateLock = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = stateLock.then(fn, fn);
    stateLock = next.catch(() => undefined);
    return next;
  };

  const ctx: SyncContext = { hub, adapter, name, actor, now, iso, emitter };
  const checkpoints = createCheckpoints(ctx);
  const letters = createDeadLetters(ctx);
  const { runOnce } = createPasses(
    ctx,
    { types, sweepTypes, readAheadDepth, sweepBatchSize, retryAfterRuns, initialLoadBatchSize },
    checkpoints,
    letters,
  );
  const { push, writeBack } = createWriteBack(
    ctx,
    { writeBatchSize, writeAttempts, writeFields, writeFilter, sleep },
    checkpoints,
    letters,
  );
  const { handleWebhook, pruneInbox } = createWebhookInbox(ctx, claimMs, letters);
  const { loadState } = checkpoints;

  const engine = Object.assign(emitter, {
    name,
    run(runOptions: SyncRunOptions = {}): Promise<SyncReport> {
      if (running) {
        return Promise.reject(
          new CrmkitError({
            code: ErrorCode.CONFLICT,
            message: `[crmkit/adapter-kit] Sync "${name}" is already running.`,
          }),
        );
      }
      const run = withStateLock(() => runOnce(runOptions));
      running = run;
      return run.finally(() => {
        running = undefined;
      });
    },
    push(changes: readonly WriteChange[], pushOptions: { signal?: AbortSignalLike } = {}) {
      return push(changes, pushOptions.signal);
    },
    writeBack(writeOptions: { signal?: AbortSignalLike; limit?: number } = {}) {
      return withStateLock(() => writeBack(writeOptions.signal, writeOptions.limit));
    },
    handleWebhook(request: WebhookRequest, webhookOptions: { signal?: AbortSignalLike } = {}) {
      return handleWebhook(request, webhookOptions.signal);
    },
    pruneInbox,
    state: loadState,
    async status(): Promise<SyncStatus> {
      const [state, deadLetters] = await Promise.all([loadState(), letters.count()]);
      return { name, running: running !== undefined, state, deadLetters };
    },
    async deadLetters(listOptions: { limit?: number } = {}): Promise<SyncDeadLetter[]> {
      return letters.list(listOptions.limit);
    },
    retryDeadLetters(retryOptions: { signal?: AbortSignalLike } = {}): Promise<DeadLetterRetryReport> {
      return letters.retry(retryOptions.signal);
    },
    async reset() {
      await withStateLock(() => checkpoints.reset());
    },
  });
  return engine as SyncEngine;
}

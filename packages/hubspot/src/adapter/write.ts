/**
 * Writing to HubSpot: idempotent creates (batch upsert keyed by a unique write-key property the adapter creates),
 * updates with conflict detection, archives, and the associations of what was written.
 *
 * @module
 */
import { type AbortSignalLike, throwIfAborted, VendorError, type WriteChange, type WriteResult } from '@crmkit/model';
import {
  engagementTypeOfActivity,
  type HubspotAssociationTarget,
  type HubspotObject,
  toHubspotProperties,
  toTimestamp,
} from '../mapping';
import { type HubspotObjectType, isEngagementType, objectTypeOfRecord, parseEngagementId } from '../objects';
import { asSignal, BATCH_SIZE, type BatchAnswer, chunks, type HubspotContext, WRITE_KEY_PROPERTY } from './context';
import type { BatchReader } from './batch-read';
import { codeOfBatchError, failure, failureOf, idsOfError, isInputError, rounds } from './write-results';
import { conflictOf, type Prepared } from './conflicts';

/** The write of the adapter described by `ctx`. */
export function createWriter(
  ctx: HubspotContext,
  reader: BatchReader,
): { write(changes: readonly WriteChange[], options?: { signal?: AbortSignalLike }): Promise<WriteResult[]> } {
  const { s, http, assertOpen } = ctx;
  const { readObjects, readAssociations } = reader;

  const WRITE_KEY_GROUPS: Record<HubspotObjectType, string> = {
    contacts: 'contactinformation',
    companies: 'companyinformation',
    deals: 'dealinformation',
    notes: 'engagement',
    calls: 'engagement',
    meetings: 'engagement',
    tasks: 'engagement',
  };

  const writeKeyReady = new Map<HubspotObjectType, Promise<void>>();
  const ensureWriteKey = (type: HubspotObjectType, signal: AbortSignalLike | undefined): Promise<void> => {
    let pending = writeKeyReady.get(type);
    if (pending === undefined) {
      pending = (async () => {
        let existing: { hasUniqueValue?: boolean } | undefined;
        try {
          existing = await http.get(`/crm/v3/properties/${type}/${WRITE_KEY_PROPERTY}`, { signal: asSignal(signal) });
        } catch (error) {
          if (!(VendorError.isInstance(error) && error.status === 404)) throw error;
        }
        if (existing !== undefined) {
          if (existing?.hasUniqueValue === true) return;
          throw new VendorError({
            vendor: 'hubspot',
            retryable: false,
            message: `[crmkit/hubspot] The ${type} property ${WRITE_KEY_PROPERTY} exists without unique values, so creates cannot be made idempotent; delete it and let the adapter create it.`,
          });
        }
        try {
          await http.post(`/crm/v3/properties/${type}`, {
            json: {
              name: WRITE_KEY_PROPERTY,
              label: 'crmkit write key',
              description: 'Idempotency key of the crmkit write that created this record (do not edit).',
              type: 'string',
              fieldType: 'text',
              groupName: WRITE_KEY_GROUPS[type],
              hasUniqueValue: true,
              hidden: true,
              formField: false,
            },
            signal: asSignal(signal),
          });
        } catch (error) {
          // 409: another writer created it meanwhile.
          if (!(VendorError.isInstance(error) && error.status === 409)) throw error;
        }
      })();
      pending.catch(() => writeKeyReady.delete(type));
      writeKeyReady.set(type, pending);
    }
    return pending;
  };

  const prepare = (change: WriteChange, index: number): Prepared | WriteResult => {
    if (typeof change?.idempotencyKey !== 'string' || change.idempotencyKey === '') {
      return failure(change, 'VALIDATION_FAILED', 'idempotencyKey is required', false);
    }
    let type: HubspotObjectType | undefined;
    let id: string | undefined;
    if (change.operation === 'create') {
      type =
        change.type === 'interaction'
          ? engagementTypeOfActivity((change.data?.activity as { kind?: unknown } | undefined)?.kind)
          : objectTypeOfRecord(change.type);
      if (type === undefined) {
        return failure(
          change,
          'VALIDATION_FAILED',
          change.type === 'interaction'
            ? 'activity.kind must be note, call, meeting or task to create a HubSpot engagement'
            : `HubSpot cannot hold records of type ${change.type}`,
          false,
        );
      }
    } else {
      if (change.externalId === undefined) {
        return failure(change, 'VALIDATION_FAILED', `externalId is required to ${change.operation}`, false);
      }
      type = objectTypeOfRecord(change.type, change.externalId);
      id = change.type === 'interaction' ? parseEngagementId(change.externalId)?.id : change.externalId;
      if (type === undefined || id === undefined || !/^\d+$/.test(id)) {
        return failure(change, 'VALIDATION_FAILED', `externalId "${change.externalId}" is not a HubSpot id`, false);
      }
    }
    if (!s.objects.includes(type)) {
      return failure(change, 'VALIDATION_FAILED', `The adapter does not sync HubSpot ${type}`, false);
    }
    const mapped =
      change.operation === 'delete'
        ? { properties: {}, associations: [], fields: {}, errors: [] }
        : toHubspotProperties(type, change.data ?? {}, { mapping: s.mapping, defaultCurrency: s.defaultCurrency });
    if (mapped.errors.length > 0) {
      const detail = mapped.errors.map((e) => `data.${e.field}: ${e.message}`).join('; ');
      return failure(change, 'VALIDATION_FAILED', `[crmkit/hubspot] ${detail}`.slice(0, 2000), false);
    }
    if (WRITE_KEY_PROPERTY in mapped.properties) {
      return failure(change, 'VALIDATION_FAILED', `${WRITE_KEY_PROPERTY} is managed by the adapter`, false);
    }
    return { index, change, type, ...(id === undefined ? {} : { id }), mapped };
  };

  const associate = async (
    type: HubspotObjectType,
    pairs: { from: string; to: HubspotAssociationTarget }[],
    signal: AbortSignalLike | undefined,
  ): Promise<void> => {
    const byTarget = new Map<HubspotObjectType, { from: string; to: string }[]>();
    for (const pair of pairs) {
      const list = byTarget.get(pair.to.type) ?? [];
      list.push({ from: pair.from, to: pair.to.id });
      byTarget.set(pair.to.type, list);
    }
    for (const [to, list] of byTarget) {
      for (const part of chunks(list, BATCH_SIZE)) {
        await http.post(`/crm/v4/associations/${type}/${to}/batch/associate/default`, {
          json: { inputs: part.map((p) => ({ from: { id: p.from }, to: { id: p.to } })) },
          idempotent: true,
          signal: asSignal(signal),
        });
      }
    }
  };

  /** Runs a batch call; on a whole-batch input error, runs each item alone to find the per-record outcome. */
  const runBatch = async (
    items: Prepared[],
    call: (items: Prepared[]) => Promise<BatchAnswer | undefined>,
    match: (items: Prepared[], answer: BatchAnswer | undefined, results: Map<number, WriteResult>) => void,
    results: Map<number, WriteResult>,
  ): Promise<void> => {
    for (const part of chunks(items, BATCH_SIZE)) {
      try {
        match(part, await call(part), results);
      } catch (error) {
        if (part.length > 1 && isInputError(error)) {
          for (const item of part) {
            try {
              match([item], await call([item]), results);
            } catch (inner) {
              results.set(item.index, failureOf(item.change, inner));
            }
          }
        } else for (const item of part) results.set(item.index, failureOf(item.change, error));
      }
    }
  };

  const matchErrors = (
    items: Prepared[],
    answer: BatchAnswer | undefined,
    results: Map<number, WriteResult>,
    keyOf: (item: Prepared) => string,
  ) => {
    for (const error of answer?.errors ?? []) {
      const ids = idsOfError(error);
      const { code, retryable } = codeOfBatchError(error);
      for (const item of items) {
        if (results.has(item.index)) continue;
        const key = keyOf(item);
        const named = ids.size > 0 ? ids.has(key) : items.length === 1 || (error.message ?? '').includes(`"${key}"`);
        if (named) {
          results.set(
            item.index,
            failure(item.change, code, `[crmkit/hubspot] ${error.message ?? 'HubSpot refused the record.'}`, retryable),
          );
        }
      }
    }
  };

  const write = async (
    changes: readonly WriteChange[],
    options: { signal?: AbortSignalLike } = {},
  ): Promise<WriteResult[]> => {
    assertOpen();
    const signal = options.signal;
    throwIfAborted(signal);
    const results = new Map<number, WriteResult>();
    const prepared: Prepared[] = [];
    changes.forEach((change, index) => {
      const item = prepare(change, index);
      if ('mapped' in item) prepared.push(item);
      else results.set(index, item);
    });
    const groups = new Map<string, Prepared[]>();
    for (const item of prepared) {
      const key = `${item.type}:${item.change.operation}`;
      groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    for (const [key, items] of groups) {
      const [type, operation] = key.split(':') as [HubspotObjectType, WriteChange['operation']];
      if (operation === 'create') await writeCreates(type, items, results, signal);
      else if (operation === 'update') await writeUpdates(type, items, results, signal);
      else await writeDeletes(type, items, results, signal);
    }
    return changes.map(
      (change, index) =>
        results.get(index) ??
        failure(change, 'VENDOR_ERROR', '[crmkit/hubspot] HubSpot returned no result for this record.', true),
    );
  };

  const writeCreates = async (
    type: HubspotObjectType,
    items: Prepared[],
    results: Map<number, WriteResult>,
    signal: AbortSignalLike | undefined,
  ) => {
    try {
      await ensureWriteKey(type, signal);
    } catch (error) {
      for (const item of items) results.set(item.index, failureOf(item.change, error));
      return;
    }
    // One write per key: a repeated key in one call writes once and answers both.
    const byKey = new Map<string, Prepared[]>();
    for (const item of items)
      byKey.set(item.change.idempotencyKey, [...(byKey.get(item.change.idempotencyKey) ?? []), item]);
    const unique = [...byKey.values()].map((list) => list[0]!);
    const created = new Map<number, string>();
    await runBatch(
      unique,
      (part) =>
        http.post<BatchAnswer>(`/crm/v3/objects/${type}/batch/upsert`, {
          json: {
            inputs: part.map((item) => ({
              id: item.change.idempotencyKey,
              idProperty: WRITE_KEY_PROPERTY,
              properties: { ...item.mapped.properties, [WRITE_KEY_PROPERTY]: item.change.idempotencyKey },
            })),
          },
          idempotent: true,
          signal: asSignal(signal),
        }),
      (part, answer, out) => {
        const byWriteKey = new Map<string, HubspotObject>();
        (answer?.results ?? []).forEach((object, i) => {
          const key =
            object.properties?.[WRITE_KEY_PROPERTY] ?? (part.length === 1 ? part[0]!.change.idempotencyKey : undefined);
          if (key) byWriteKey.set(key, object);
          else if (answer?.results?.length === part.length) byWriteKey.set(part[i]!.change.idempotencyKey, object);
        });
        for (const item of part) {
          const object = byWriteKey.get(item.change.idempotencyKey);
          if (object === undefined) continue;
          created.set(item.index, String(object.id));
          out.set(item.index, {
            ok: true,
            idempotencyKey: item.change.idempotencyKey,
            externalId: externalIdFor(type, String(object.id)),
          });
        }
        matchErrors(part, answer, out, (item) => item.change.idempotencyKey);
      },
      results,
    );
    for (const list of byKey.values()) {
      const first = results.get(list[0]!.index);
      for (const item of list.slice(1))
        if (first) results.set(item.index, { ...first, idempotencyKey: item.change.idempotencyKey });
    }
    await associateAfterWrite(type, unique, created, results, signal);
  };

  const externalIdFor = (type: HubspotObjectType, id: string) => (isEngagementType(type) ? `${type}:${id}` : id);

  const associateAfterWrite = async (
    type: HubspotObjectType,
    items: Prepared[],
    ids: Map<number, string>,
    results: Map<number, WriteResult>,
    signal: AbortSignalLike | undefined,
  ) => {
    const withLinks = items.filter((item) => ids.has(item.index) && item.mapped.associations.length > 0);
    if (withLinks.length === 0) return;
    try {
      await associate(
        type,
        withLinks.flatMap((item) => item.mapped.associations.map((to) => ({ from: ids.get(item.index)!, to }))),
        signal,
      );
    } catch (error) {
      // The record is written but its links are not: report it so the Hub retries (the write is idempotent).
      for (const item of withLinks) {
        const base = failureOf(item.change, error);
        if (!base.ok) {
          results.set(item.index, {
            ...base,
            message: `[crmkit/hubspot] The record was written but its associations failed: ${base.message}`,
          });
        }
      }
    }
  };

  const writeUpdates = async (
    type: HubspotObjectType,
    items: Prepared[],
    results: Map<number, WriteResult>,
    signal: AbortSignalLike | undefined,
  ) => {
    const toWrite: Prepared[] = [];
    const withBase = items.filter((item) => item.change.base !== undefined);
    let current: Awaited<ReturnType<typeof readObjects>> | undefined;
    if (withBase.length > 0) {
      try {
        current = await readObjects(
          type,
          withBase.map((item) => item.id!),
          signal,
          'interactive',
          false,
        );
        // Only objects HubSpot changed after the change's base can conflict: their associations are read (to compare
        // references and to hand back the current record); the common case costs one batch read, not two.
        const changedSince = withBase
          .filter((item) => {
            const object = current?.objects.get(item.id!);
            const vendorMs = Date.parse(toTimestamp(object?.updatedAt) ?? '');
            return object !== undefined && !(vendorMs <= Date.parse(item.change.base!.observedAt));
          })
          .map((item) => item.id!);
        if (changedSince.length > 0) {
          const associations = await readAssociations(type, changedSince, signal, 'interactive');
          for (const [id, value] of associations) current.associations.set(id, value);
        }
      } catch (error) {
        for (const item of withBase) results.set(item.index, failureOf(item.change, error));
      }
    }
    for (const item of items) {
      if (results.has(item.index)) continue;
      if (item.change.base !== undefined && current !== undefined) {
        const object = current.objects.get(item.id!);
        if (object === undefined) {
          results.set(
            item.index,
            failure(item.change, 'NOT_FOUND', `[crmkit/hubspot] HubSpot ${type} ${item.id} does not exist.`, false),
          );
          continue;
        }
        const conflict = conflictOf(ctx, type, item, object, current.associations.get(item.id!) ?? {});
        if (conflict !== undefined) {
          results.set(item.index, conflict);
          continue;
        }
      }
      toWrite.push(item);
    }
    const updated = new Map<number, string>();
    const withProperties = toWrite.filter((item) => Object.keys(item.mapped.properties).length > 0);
    for (const item of toWrite) {
      if (Object.keys(item.mapped.properties).length === 0) {
        updated.set(item.index, item.id!);
        results.set(item.index, {
          ok: true,
          idempotencyKey: item.change.idempotencyKey,
          externalId: item.change.externalId!,
        });
      }
    }
    for (const round of rounds(withProperties, (item) => item.id!)) {
      await runBatch(
        round,
        (part) =>
          http.post<BatchAnswer>(`/crm/v3/objects/${type}/batch/update`, {
            json: { inputs: part.map((item) => ({ id: item.id!, properties: item.mapped.properties })) },
            // Setting the same values again is harmless, so the update may be retried.
            idempotent: true,
            signal: asSignal(signal),
          }),
        (part, answer, out) => {
          const ids = new Set((answer?.results ?? []).map((o) => String(o.id)));
          for (const item of part) {
            if (!ids.has(item.id!)) continue;
            updated.set(item.index, item.id!);
            out.set(item.index, {
              ok: true,
              idempotencyKey: item.change.idempotencyKey,
              externalId: item.change.externalId!,
            });
          }
          matchErrors(part, answer, out, (item) => item.id!);
        },
        results,
      );
    }
    await associateAfterWrite(type, toWrite, updated, results, signal);
  };

  const writeDeletes = async (
    type: HubspotObjectType,
    items: Prepared[],
    results: Map<number, WriteResult>,
    signal: AbortSignalLike | undefined,
  ) => {
    for (const part of rounds(items, (item) => item.id!).flatMap((round) => chunks(round, BATCH_SIZE))) {
      try {
        // Archiving is idempotent: archiving an archived or unknown id succeeds too.
        await http.post(`/crm/v3/objects/${type}/batch/archive`, {
          json: { inputs: part.map((item) => ({ id: item.id! })) },
          idempotent: true,
          signal: asSignal(signal),
        });
        for (const item of part) {
          results.set(item.index, {
            ok: true,
            idempotencyKey: item.change.idempotencyKey,
            externalId: item.change.externalId!,
          });
        }
      } catch (error) {
        for (const item of part) results.set(item.index, failureOf(item.change, error));
      }
    }
  };

  return { write };
}

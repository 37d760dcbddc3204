/**
 * The sync state document (checkpoint, pass in progress, write-back position) and the seen sets of full passes.
 *
 * @module
 */
import type { JsonValue, StoredDocument } from '@crmkit/model';
import type { SyncContext } from './context';
import { SYNC_DOCUMENT_KINDS, type SyncState } from './types';

/** Reads and writes one engine's state document and drops the seen sets of its passes. */
export interface SyncCheckpoints {
  /** The stored state, or `undefined` before the first run. */
  loadState(): Promise<SyncState | undefined>;
  /** Stores the state, with `extra` documents in the same transaction. */
  saveState(state: SyncState, extra?: readonly StoredDocument[]): Promise<void>;
  /** Deletes the seen set of a full pass. */
  dropSeen(passId: string | undefined): Promise<void>;
  /** Forgets the state and the seen set of an interrupted pass. */
  reset(): Promise<void>;
}

/** The checkpoints of the engine described by `ctx`. */
export function createCheckpoints(ctx: SyncContext): SyncCheckpoints {
  const { hub, name, iso } = ctx;

  async function loadState(): Promise<SyncState | undefined> {
    const [doc] = await hub.store.transaction((tx) => tx.getDocuments(SYNC_DOCUMENT_KINDS.state, [name]), {
      readOnly: true,
    });
    return doc ? (doc.data as unknown as SyncState) : undefined;
  }

  function stateDocument(state: SyncState): StoredDocument {
    return {
      kind: SYNC_DOCUMENT_KINDS.state,
      id: name,
      ref: null,
      data: JSON.parse(JSON.stringify(state)) as JsonValue,
      updatedAt: iso(),
    };
  }

  async function saveState(state: SyncState, extra: readonly StoredDocument[] = []): Promise<void> {
    await hub.store.transaction(async (tx) => {
      for (const doc of extra) await tx.putDocument(doc);
      await tx.putDocument(stateDocument(state));
    });
  }

  async function dropSeen(passId: string | undefined): Promise<void> {
    if (!passId) return;
    const ref = `${name}:${passId}`;
    for (;;) {
      const page = await hub.store.transaction((tx) => tx.listDocuments(SYNC_DOCUMENT_KINDS.seen, { ref, limit: 500 }));
      if (page.length === 0) return;
      await hub.store.transaction(async (tx) => {
        for (const doc of page) await tx.deleteDocument(SYNC_DOCUMENT_KINDS.seen, doc.id);
      });
    }
  }

  async function reset(): Promise<void> {
    const stored = await loadState();
    if (!stored) return;
    await dropSeen(stored.passId);
    await hub.store.transaction((tx) => tx.deleteDocument(SYNC_DOCUMENT_KINDS.state, name));
  }

  return { loadState, saveState, dropSeen, reset };
}

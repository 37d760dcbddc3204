/**
 * Paging through the documents the sync engine keeps in the store.
 *
 * @module
 */
import { pagesAfterId, type Store, type StoredDocument } from '@crmkit/model';

/** Options of {@link documentPages}. */
export interface DocumentPagesOptions {
  /** Only documents with this `ref`. */
  ref: string;
  /** Documents per read. */
  pageSize: number;
  /** Stop after this many documents in all. @default no limit */
  limit?: number;
}

/**
 * Reads the documents of `kind` with `ref`, page by page in id order, each page in its own read-only transaction.
 * The next page is read only when the consumer asks for it, after the id of the last document of the page before:
 * a consumer may delete the documents of a page before it asks for the next one. Stops after a short page, or when
 * `limit` documents were read (the last page is then shortened to fit).
 */
export function documentPages(
  store: Store,
  kind: string,
  options: DocumentPagesOptions,
): AsyncGenerator<StoredDocument[], void, undefined> {
  const { ref, ...paging } = options;
  return pagesAfterId(
    (request) => store.transaction((tx) => tx.listDocuments(kind, { ref, ...request }), { readOnly: true }),
    paging,
  );
}

/** Every document of `kind` with `ref` (up to `limit`), read page by page. */
export async function listAllDocuments(
  store: Store,
  kind: string,
  options: DocumentPagesOptions,
): Promise<StoredDocument[]> {
  const out: StoredDocument[] = [];
  for await (const page of documentPages(store, kind, options)) out.push(...page);
  return out;
}

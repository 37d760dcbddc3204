import { type Customer, InvalidArgumentError } from '@crmkit/model';
import type { FindQuery } from '../api/options';

/**
 * How many candidates a `find()` for a reader that does not see every customer (a scoped actor, a plugin) examines
 * at most before it gives up with an `INVALID_ARGUMENT` error asking for a narrower query.
 */
export const FIND_SCAN_LIMIT = 10_000;

/** The customers matching a `find()` query among the first `scan` candidates (by id), and whether there were no more. */
export type FindCandidates = (query: FindQuery, scan: number) => Promise<{ customers: Customer[]; complete: boolean }>;

/**
 * The first `limit` candidates of `query` that `keep` accepts: widens the scan (200, then four times as many, up to
 * {@link FIND_SCAN_LIMIT}) until `limit` are kept or the candidates end, so customers the reader cannot see (or
 * cannot match by what it may read) never push its own out of the answer. The one loop for scoped actors and plugins.
 *
 * @param who the reader, for the error message (`u_sam`, `plugin "tags"`)
 */
export async function findVisible(
  candidates: FindCandidates,
  query: FindQuery,
  limit: number,
  keep: (customer: Customer) => boolean,
  who: string,
): Promise<Customer[]> {
  for (let scan = Math.min(FIND_SCAN_LIMIT, Math.max(200, limit * 4)); ; ) {
    const { customers, complete } = await candidates(query, scan);
    const kept = customers.filter(keep);
    if (kept.length >= limit || complete) return kept.slice(0, limit);
    if (scan >= FIND_SCAN_LIMIT) {
      throw new InvalidArgumentError({
        argument: 'query',
        message: `[crmkit/core] The query matches more than ${FIND_SCAN_LIMIT} customers, too many to pick out the ones ${who} may see; narrow it (a full name, an e-mail address).`,
      });
    }
    scan = Math.min(FIND_SCAN_LIMIT, scan * 4);
  }
}

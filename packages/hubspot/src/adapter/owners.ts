/**
 * The account's owners (users and queues), mapped to crmkit's owner ids.
 *
 * @module
 */
import { paginateItems } from '@crmkit/adapter-kit';
import type { AbortSignalLike } from '@crmkit/model';
import { OWNER_ID_PREFIX } from '../mapping';
import { asSignal, type HubspotContext } from './context';

/** A HubSpot owner (user or queue), as {@link HubspotAdapter.owners} lists them. */
export interface HubspotOwner {
  /** crmkit's owner id, the `ownerId` records carry: `hubspot-owner-<id>`. */
  id: string;
  /** HubSpot's owner id. */
  hubspotId: string;
  /** The owner's email, when HubSpot has one. */
  email?: string;
  /** First and last name, when HubSpot has them. */
  name?: string;
  /** Whether the owner is archived (deactivated). */
  archived: boolean;
}

/** Lists the owners of the account the adapter described by `ctx` works on. */
export function createOwners(
  ctx: HubspotContext,
): (options?: { signal?: AbortSignalLike; archived?: boolean }) => Promise<HubspotOwner[]> {
  const { http, assertOpen } = ctx;

  const owners = async (options: { signal?: AbortSignalLike; archived?: boolean } = {}): Promise<HubspotOwner[]> => {
    assertOpen();
    const out: HubspotOwner[] = [];
    const items = paginateItems<Record<string, unknown>, string>(
      async (after, signal) => {
        const answer = await http.get<{ results?: Record<string, unknown>[]; paging?: { next?: { after?: string } } }>(
          '/crm/v3/owners',
          { searchParams: { limit: 100, after, archived: options.archived ?? false }, signal: asSignal(signal) },
        );
        return { items: answer?.results ?? [], next: answer?.paging?.next?.after };
      },
      { signal: options.signal },
    );
    for await (const owner of items) {
      const id = String(owner.id);
      const name = [owner.firstName, owner.lastName].filter((v) => typeof v === 'string' && v !== '').join(' ');
      out.push({
        id: `${OWNER_ID_PREFIX}${id}`,
        hubspotId: id,
        ...(typeof owner.email === 'string' && owner.email !== '' ? { email: owner.email } : {}),
        ...(name === '' ? {} : { name }),
        archived: owner.archived === true,
      });
    }
    return out;
  };

  return owners;
}

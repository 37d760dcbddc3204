import { createAdminActionServices } from './admin-actions';
import { createChangeRequestServices } from './change-requests';
import { createConsentServices } from './consent';
import { type GovernanceDeps, inputChecks } from './deps';
import { createErasureServices } from './gdpr-erase';
import { createExportServices } from './gdpr-export';
import { createPolicyServices } from './policy-store';
import { createRetentionServices } from './retention';

export {
  ADMIN_ACTION_LIMITS,
  type AdminActionInput,
  adminActionCapability,
  parseAdminAction,
} from './admin-actions';
export { DOC, ERASURE_KIND, type GovernanceDeps, loadPolicy } from './deps';
export type { PersonExport } from './gdpr-export';
export type { PurgeReport } from './retention';

/**
 * The governance and privacy services of the Hub: policy versions, the admin-action trail, the consent ledger and
 * contact arrangements with `canContact`, change requests, and GDPR export, erasure and retention. Permission
 * checks live in the scoped Hub (`hub.as(actor)`); these functions run as whoever the caller says.
 *
 * Each concern is its own module built from the same explicit `deps` (no module reaches into another's closure):
 * `policy-store`, `admin-actions`, `consent`, `change-requests`, `gdpr-export`, `gdpr-erase` and `retention`.
 */
export function createGovernanceServices(deps: GovernanceDeps) {
  const { checkInput } = inputChecks(deps);
  return {
    ...createPolicyServices(deps),
    ...createAdminActionServices(deps),
    ...createConsentServices(deps),
    ...createChangeRequestServices(deps),
    ...createExportServices(deps),
    ...createErasureServices(deps),
    ...createRetentionServices(deps),
    checkInput,
  };
}

/** The governance services, as {@link createGovernanceServices} returns them. */
export type GovernanceServices = ReturnType<typeof createGovernanceServices>;

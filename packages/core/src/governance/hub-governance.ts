/**
 * The Hub's governance surface: policy and audit log, consent and contact arrangements, `canContact`, GDPR export,
 * erasure and purge (as the app; `hub.as(actor)` acts as someone), and retention on a schedule.
 *
 * @module
 */
import type { Hub } from '../api/hub';
import { isGroupMember } from '../query/groups';
import { relink } from '../identity/relink';
import { checkLimit, publicCustomer, resolveActive } from '../runtime/customer-rows';
import type { HubRuntime } from '../runtime/hub-runtime';
import { runtime } from '../runtime/runtime';
import { verifyStoreAudit } from './audit';
import { createGovernanceServices, type GovernanceServices } from './service';
import { APP_ACTOR } from './trail';

/** Creates the governance services of a Hub (policy, audit, consent, GDPR) over its runtime. */
export function createServices(
  rt: HubRuntime,
  adapters: HubRuntime['options']['given']['adapters'],
): GovernanceServices {
  return createGovernanceServices({
    write: (signal, fn, origin, actor) => rt.write(signal, fn, origin, actor),
    read: (signal, fn) => rt.read(signal, fn),
    resolveActive,
    relink,
    publicCustomer,
    isGroupMember,
    defaultPolicy: rt.options.defaultPolicy,
    adapters: adapters ?? [],
    limits: rt.limits,
    now: () => rt.now().toISOString(),
    newId: (prefix) => rt.newId(prefix),
  });
}

/** Creates `hub.governance`, `hub.consent`, `hub.canContact` and `hub.gdpr` over the governance services. */
export function createGovernanceApi(
  rt: HubRuntime,
  services: GovernanceServices,
): Pick<Hub, 'governance' | 'consent' | 'canContact' | 'gdpr'> {
  const store = rt.store;
  return {
    governance: {
      policy: () => services.policy(),
      setPolicy: (policy, callOptions = {}) =>
        services.setPolicy(policy, callOptions.actor ?? APP_ACTOR, callOptions.reason),
      policyHistory: () => services.policyHistory(),
      async audit(auditOptions = {}) {
        return rt.read(undefined, (tx) =>
          tx.listAudit({
            limit: checkLimit(auditOptions.limit, 100),
            ...(auditOptions.after !== undefined ? { after: auditOptions.after } : {}),
            ...(auditOptions.target ? { target: auditOptions.target } : {}),
          }),
        );
      },
      verifyAudit: (verifyOptions = {}) => verifyStoreAudit(store, verifyOptions),
      recordAdminAction: (input, callOptions = {}) => services.recordAdminAction(input, callOptions.actor ?? APP_ACTOR),
    },

    consent: {
      record: (capture, callOptions = {}) => services.recordConsent(capture, callOptions.actor ?? APP_ACTOR),
      list: (customerId) => services.consents(customerId),
      setArrangement: (customerId, arrangement, callOptions = {}) =>
        services.setArrangement(customerId, arrangement, callOptions.actor ?? APP_ACTOR),
      removeArrangement: (customerId, channel, callOptions = {}) =>
        services.removeArrangement(customerId, channel, callOptions.actor ?? APP_ACTOR),
      arrangements: (customerId) => services.arrangements(customerId),
    },

    canContact: (customerId, channel, purpose, at) => services.canContact(customerId, channel, purpose, at),

    gdpr: {
      export: (customerId, callOptions = {}) => services.exportPerson(customerId, callOptions.actor ?? APP_ACTOR),
      erase: (customerId, callOptions = {}) =>
        services.erase(customerId, callOptions.actor ?? APP_ACTOR, callOptions.reason, callOptions.alsoErase),
      purge: (rules, callOptions = {}) => services.purge(rules, callOptions.actor ?? APP_ACTOR, callOptions.now),
    },
  };
}

/**
 * Starts the retention schedule: every `everyMs` on the Hub's timers, the rules are applied as `system:retention`.
 * Returns the function that stops it. Start it last: the options were validated before anything was created.
 */
export function startRetention(rt: HubRuntime, services: GovernanceServices): () => void {
  const retention = rt.options.retention;
  if (!retention) return () => {};
  const { rules, everyMs } = retention;
  let timer: unknown;
  let stopped = false;
  const tick = () => {
    timer = rt.timers.setTimeout(() => {
      if (stopped || rt.closed) return;
      services
        .purge(rules, 'system:retention')
        .catch((error: unknown) => runtime.console?.error?.('[crmkit/core] Retention run failed:', error))
        .finally(() => {
          if (!stopped && !rt.closed) tick();
        });
    }, everyMs);
  };
  tick();
  return () => {
    stopped = true;
    if (timer !== undefined) rt.timers.clearTimeout(timer);
  };
}

/** The versioned policy in the store: read, replace (audited, with the roles that changed), history. */

import type { AuditChange, JsonValue, Policy } from '@crmkit/model';
import { DOC, type GovernanceDeps, inputChecks, loadPolicy } from './deps';
import { parsePolicy } from './policy';

/** What {@link createPolicyServices} needs from the Hub. */
export type PolicyDeps = Pick<GovernanceDeps, 'read' | 'write' | 'defaultPolicy' | 'limits'>;

/**
 * The policy services: the policy in force, `setPolicy` (a new version, audited) and the version history.
 */
export function createPolicyServices(deps: PolicyDeps) {
  const { who } = inputChecks(deps);

  async function policy(): Promise<Policy> {
    return deps.read(undefined, (tx) => loadPolicy(tx, deps.defaultPolicy));
  }

  async function setPolicy(input: unknown, actor: string, reason?: string): Promise<Policy> {
    ({ actor, reason } = who(actor, reason));
    const parsed = parsePolicy(input);
    return deps.write(
      undefined,
      async (ctx) => {
        const current = await loadPolicy(ctx.tx, deps.defaultPolicy);
        const next: Policy = { ...parsed, version: current.version + 1 };
        const data = next as unknown as JsonValue;
        await ctx.tx.putDocument({ kind: DOC.policyHead, id: 'current', ref: null, data, updatedAt: ctx.now });
        // The audit entry and events of this operation follow the new policy's secret fields.
        ctx.forgetSecrets();
        await ctx.tx.putDocument({
          kind: DOC.policy,
          id: String(next.version).padStart(10, '0'),
          ref: null,
          data,
          updatedAt: ctx.now,
        });
        ctx.audit.push({
          actor,
          action: 'policy.update',
          target: 'policy',
          ...(reason ? { reason } : {}),
          changes: [{ field: 'version', old: current.version, new: next.version }, ...policyDiff(current, next)],
          at: ctx.now,
        });
        return next;
      },
      undefined,
      actor,
    );
  }

  async function policyHistory(): Promise<Policy[]> {
    return deps.read(undefined, async (tx) => {
      const docs = await tx.listDocuments(DOC.policy, { limit: 1000 });
      return docs.map((d) => d.data as unknown as Policy);
    });
  }

  return { policy, setPolicy, policyHistory };
}

/** The roles whose grants changed between two policies, as audit changes (old and new role policies). */
function policyDiff(before: Policy, after: Policy): AuditChange[] {
  const changes: AuditChange[] = [];
  for (const role of Object.keys(after.roles) as (keyof Policy['roles'])[]) {
    const a = JSON.stringify(before.roles[role]);
    const b = JSON.stringify(after.roles[role]);
    if (a !== b) {
      changes.push({
        field: `roles.${role}`,
        old: before.roles[role] as unknown as JsonValue,
        new: after.roles[role] as unknown as JsonValue,
      });
    }
  }
  if (JSON.stringify(before.secretFields) !== JSON.stringify(after.secretFields)) {
    changes.push({ field: 'secretFields', old: before.secretFields, new: after.secretFields });
  }
  return changes;
}

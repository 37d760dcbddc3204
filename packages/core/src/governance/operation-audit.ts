/**
 * What every write operation records for governance before it commits: its audit entries (its journal and its own)
 * on the hash-chained log, and the installation of plugins the store has not seen.
 *
 * @module
 */
import type { Policy, StoreTransaction } from '@crmkit/model';
import type { PluginHost } from '../plugins/host';
import type { OperationContext } from '../runtime/operation-context';
import { buildAuditEntries } from './audit';
import { SecretFields } from './secrets';
import { DOC, loadPolicy } from './service';
import { APP_ACTOR, auditOfJournal } from './trail';

/**
 * The secret fields of the policy in force in `tx`, read once on first use (for what an operation stores while it
 * runs, its audit entries and events); `forget` drops what was read, after the operation stored a new policy.
 */
export function secretsOnce(
  tx: StoreTransaction,
  defaultPolicy: Policy,
): { get: () => Promise<SecretFields>; forget: () => void } {
  let loaded: Promise<SecretFields> | undefined;
  return {
    get: () => {
      loaded ??= loadPolicy(tx, defaultPolicy).then((policy) => new SecretFields(policy.secretFields));
      return loaded;
    },
    forget: () => {
      loaded = undefined;
    },
  };
}

/** Appends the operation's audit entries (its journal and its own) to the hash-chained log, in its transaction. */
export async function appendAudit(ctx: OperationContext): Promise<void> {
  const inputs = [...ctx.audit, ...ctx.journal.map((entry) => auditOfJournal(entry, ctx.actor))];
  if (inputs.length === 0) return;
  const last = await ctx.tx.lastAudit();
  const entries = await buildAuditEntries(last, inputs, { secretFields: (await ctx.secrets()).auditPatterns() });
  await ctx.tx.appendAudit(entries);
}

/** Audits plugins that are new (or of another version) since the store last saw them: `plugin.install`. */
export async function auditPluginInstalls(ctx: OperationContext, host: PluginHost): Promise<void> {
  const active = host.plugins();
  if (active.length === 0) return;
  const known = new Map(
    (
      await ctx.tx.getDocuments(
        DOC.plugin,
        active.map((p) => p.plugin.name),
      )
    ).map((d) => [d.id, d.data]),
  );
  for (const { plugin } of active) {
    const prior = known.get(plugin.name) as { version?: string } | undefined;
    if (prior?.version === plugin.version) continue;
    await ctx.tx.putDocument({
      kind: DOC.plugin,
      id: plugin.name,
      ref: null,
      data: { version: plugin.version, installedAt: ctx.now },
      updatedAt: ctx.now,
    });
    ctx.audit.push({
      actor: APP_ACTOR,
      action: prior ? 'plugin.upgrade' : 'plugin.install',
      target: `plugin:${plugin.name}`,
      changes: [{ field: 'version', ...(prior?.version ? { old: prior.version } : {}), new: plugin.version }],
      at: ctx.now,
    });
  }
}

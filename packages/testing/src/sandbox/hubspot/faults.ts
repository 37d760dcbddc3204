/** Seeded, deterministic fault decisions. */
import { seededRandom } from '../../generate';
import type { HubspotFaultConfig, HubspotFaultStats } from './types';

/** The fault decided for one API request. */
export interface RequestFault {
  kind: 'none' | 'error5xx' | 'timeout' | 'rateLimit429';
  /** HTTP status of an error5xx. */
  status?: number;
  /** For error5xx / timeout: whether the request is applied before the response is lost. */
  applyFirst?: boolean;
  /** Extra delay before answering. */
  delayMs: number;
}

/** A fresh fault counter object. */
export function emptyFaultStats(): HubspotFaultStats {
  return {
    error5xx: 0,
    timeout: 0,
    slow: 0,
    rateLimit429: 0,
    appliedBeforeFault: 0,
    droppedWebhooks: 0,
    duplicatedWebhooks: 0,
    reorderedWebhookBatches: 0,
  };
}

/** Holds the fault configuration and its PRNG. */
export class FaultInjector {
  private config: HubspotFaultConfig | undefined;
  private random: () => number = seededRandom(1);
  /** Webhook decisions have their own stream, so background deliveries do not shift request faults. */
  private webhookRandom: () => number = seededRandom(0x9e3779b9);
  stats: HubspotFaultStats = emptyFaultStats();

  /** Replaces the configuration and reseeds. */
  set(config: HubspotFaultConfig): void {
    this.config = { ...config };
    this.random = seededRandom(config.seed ?? 1);
    this.webhookRandom = seededRandom(((config.seed ?? 1) ^ 0x9e3779b9) >>> 0);
  }

  /** Removes every fault. */
  clear(): void {
    this.config = undefined;
  }

  /** The active configuration. */
  current(): HubspotFaultConfig | undefined {
    return this.config ? { ...this.config } : undefined;
  }

  private chance(p: number | undefined, random: () => number = this.random): boolean {
    // Always draw, so one probability does not shift the sequence of the others.
    const r = random();
    return p !== undefined && p > 0 && r < p;
  }

  /** Decides the fault of one API request. */
  forRequest(): RequestFault {
    const c = this.config;
    if (!c) return { kind: 'none', delayMs: 0 };
    const is429 = this.chance(c.rateLimit429);
    const isTimeout = this.chance(c.timeout);
    const is5xx = this.chance(c.error5xx);
    const isSlow = this.chance(c.slow);
    const applyFirst = this.chance(c.applyBeforeFault ?? 0.5);
    const pick = this.random();
    const delayRoll = this.random();
    const [min, max] = c.slowMs ?? [200, 800];
    const delayMs = isSlow ? Math.round(min + (max - min) * delayRoll) : 0;
    if (isSlow) this.stats.slow++;
    if (is429) {
      this.stats.rateLimit429++;
      return { kind: 'rateLimit429', delayMs };
    }
    if (isTimeout) {
      this.stats.timeout++;
      return { kind: 'timeout', applyFirst, delayMs };
    }
    if (is5xx) {
      this.stats.error5xx++;
      const status = pick < 0.4 ? 502 : pick < 0.8 ? 503 : 500;
      return { kind: 'error5xx', status, applyFirst, delayMs };
    }
    return { kind: 'none', delayMs };
  }

  /** Decides drop / duplicate for one webhook event. */
  forWebhookEvent(): { drop: boolean; duplicate: boolean } {
    const c = this.config;
    if (!c) return { drop: false, duplicate: false };
    const drop = this.chance(c.dropWebhook, this.webhookRandom);
    const duplicate = this.chance(c.duplicateWebhook, this.webhookRandom);
    if (drop) this.stats.droppedWebhooks++;
    else if (duplicate) this.stats.duplicatedWebhooks++;
    return { drop, duplicate: !drop && duplicate };
  }

  /** Shuffles a batch in place when reordering is on. */
  reorder<T>(items: T[]): void {
    if (!this.config?.reorderWebhooks || items.length < 2) return;
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.webhookRandom() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    this.stats.reorderedWebhookBatches++;
  }
}

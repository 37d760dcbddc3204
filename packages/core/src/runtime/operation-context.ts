import type { HubEvent, HubEventMap, HubEventType, JournalEntry, StoreTransaction } from '@crmkit/model';
import type { DepartmentSources, SurvivorshipOptions } from '../golden/derive';
import type { AuditInput } from '../governance/audit';
import { NO_SECRETS, type SecretFields } from '../governance/secrets';
import type { IdGenerator } from './ids';

/** Settings the linker needs from the Hub. */
export interface LinkerSettings {
  survivorship?: SurvivorshipOptions;
  departments?: readonly DepartmentSources[];
  /** Country for national phone numbers (see `phoneOptionsOf`). */
  defaultCountry?: string;
  /** Plugin namespaces (golden fields per plugin field). */
  namespaces?: ReadonlySet<string>;
}

/** State of one Hub operation inside one store transaction: what it changes, and the events it raises. */
export class OperationContext {
  /** The events raised so far, in the order raised; the Hub puts them in causal order before it stores them. */
  readonly events: HubEvent[] = [];
  readonly journal: JournalEntry[] = [];
  /** Audit entries of the operation beyond its journal entries (record changes, governance actions). */
  readonly audit: AuditInput[] = [];
  /** Who performs the operation (`user:u_1`, `system:app` ...), for the audit log. */
  actor = 'system:app';
  /**
   * The secret fields of the policy in force, for values the operation stores besides the records and the golden
   * record (the matcher's explanations). Set by the Hub; none by default.
   */
  secrets: () => Promise<SecretFields> = async () => NO_SECRETS;
  /**
   * Forgets the secret fields {@link secrets} read (call it after storing a new policy: the next call reads that one).
   * Set by the Hub.
   */
  forgetSecrets: () => void = () => {};

  constructor(
    readonly tx: StoreTransaction,
    readonly now: string,
    readonly newId: IdGenerator,
    readonly settings: LinkerSettings,
  ) {}

  /** Raises an event: it goes to the outbox with the operation (and to listeners after commit). */
  emit<T extends HubEventType>(type: T, payload: HubEventMap[T]): void {
    this.events.push({ id: this.newId('evt'), type, at: this.now, payload } as HubEvent);
  }
}

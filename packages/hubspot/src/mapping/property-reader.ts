/**
 * Reading an object's properties while remembering which ones the mapping consumed (the rest is kept under
 * `attributes.hubspot`).
 *
 * @module
 */
import type { HubspotAssociatedId } from './types';
import { text } from './values';

/** Reads properties and remembers which ones the mapping consumed. */
export class PropertyReader {
  readonly used = new Set<string>();
  constructor(readonly properties: Record<string, string | null | undefined>) {}
  /** The trimmed value of `name` (marked consumed when present). */
  take(name: string): string | undefined {
    const value = text(this.properties[name]);
    if (value !== undefined) this.used.add(name);
    return value;
  }
  /** The value, without marking it consumed. */
  peek(name: string): string | undefined {
    return text(this.properties[name]);
  }
  /** Marks `name` consumed. */
  use(name: string): void {
    this.used.add(name);
  }
  /** Every present property the mapping did not consume. */
  rest(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.properties)) {
      if (this.used.has(name) || value === null || value === undefined || value === '') continue;
      out[name] = value;
    }
    return out;
  }
}

export function orderedAssociations(list: HubspotAssociatedId[] | undefined): HubspotAssociatedId[] {
  return [...(list ?? [])].sort((a, b) => Number(b.primary) - Number(a.primary));
}

/** Association store: bidirectional links between objects with association type ids. */
import { hubspotAssociationType } from './object-types';

/** One association of an object: the other object and the type ids from this side. */
export interface AssociationEntry {
  toId: number;
  typeIds: number[];
}

/** A removed or added association (one direction). */
export interface AssociationChange {
  fromTypeId: string;
  fromId: number;
  toTypeId: string;
  toId: number;
  typeId: number;
}

/** Category of an association type id. */
export function associationCategory(typeId: number): 'HUBSPOT_DEFINED' | 'USER_DEFINED' {
  return hubspotAssociationType(typeId) ? 'HUBSPOT_DEFINED' : 'USER_DEFINED';
}

/** The type id of the other direction. */
export function inverseTypeId(typeId: number): number {
  return hubspotAssociationType(typeId)?.inverseTypeId ?? typeId;
}

/** Bidirectional association store. */
export class AssociationStore {
  private readonly links = new Map<string, Map<string, Map<number, Set<number>>>>();

  private side(typeId: string, id: number, create: true): Map<string, Map<number, Set<number>>>;
  private side(typeId: string, id: number, create: false): Map<string, Map<number, Set<number>>> | undefined;
  private side(typeId: string, id: number, create: boolean) {
    const key = `${typeId}:${id}`;
    let side = this.links.get(key);
    if (!side && create) {
      side = new Map();
      this.links.set(key, side);
    }
    return side;
  }

  private addOne(fromType: string, fromId: number, toType: string, toId: number, typeId: number): boolean {
    const side = this.side(fromType, fromId, true);
    let targets = side.get(toType);
    if (!targets) {
      targets = new Map();
      side.set(toType, targets);
    }
    let types = targets.get(toId);
    if (!types) {
      types = new Set();
      targets.set(toId, types);
    }
    if (types.has(typeId)) return false;
    types.add(typeId);
    return true;
  }

  private removeOne(fromType: string, fromId: number, toType: string, toId: number, typeId: number): boolean {
    const side = this.side(fromType, fromId, false);
    const targets = side?.get(toType);
    const types = targets?.get(toId);
    if (!side || !targets || !types?.delete(typeId)) return false;
    if (types.size === 0) targets.delete(toId);
    if (targets.size === 0) side.delete(toType);
    if (side.size === 0) this.links.delete(`${fromType}:${fromId}`);
    return true;
  }

  /** Adds an association in both directions; returns the changes (empty when it existed). */
  add(fromType: string, fromId: number, toType: string, toId: number, typeId: number): AssociationChange[] {
    const inverse = inverseTypeId(typeId);
    const changes: AssociationChange[] = [];
    if (this.addOne(fromType, fromId, toType, toId, typeId)) {
      changes.push({ fromTypeId: fromType, fromId, toTypeId: toType, toId, typeId });
    }
    if (this.addOne(toType, toId, fromType, fromId, inverse)) {
      changes.push({ fromTypeId: toType, fromId: toId, toTypeId: fromType, toId: fromId, typeId: inverse });
    }
    return changes;
  }

  /** Removes associations between two objects (all types, or the given ones); returns the changes. */
  remove(fromType: string, fromId: number, toType: string, toId: number, typeIds?: number[]): AssociationChange[] {
    const current = this.side(fromType, fromId, false)?.get(toType)?.get(toId);
    if (!current) return [];
    const changes: AssociationChange[] = [];
    for (const typeId of typeIds ?? [...current]) {
      const inverse = inverseTypeId(typeId);
      if (this.removeOne(fromType, fromId, toType, toId, typeId)) {
        changes.push({ fromTypeId: fromType, fromId, toTypeId: toType, toId, typeId });
      }
      if (this.removeOne(toType, toId, fromType, fromId, inverse)) {
        changes.push({ fromTypeId: toType, fromId: toId, toTypeId: fromType, toId: fromId, typeId: inverse });
      }
    }
    return changes;
  }

  /** Associations of an object to one object type, ordered by target id. */
  list(fromType: string, fromId: number, toType: string): AssociationEntry[] {
    const targets = this.side(fromType, fromId, false)?.get(toType);
    if (!targets) return [];
    return [...targets.entries()]
      .map(([toId, types]) => ({ toId, typeIds: [...types].sort((a, b) => a - b) }))
      .sort((a, b) => a.toId - b.toId);
  }

  /** Removes every association of an object; returns the changes. */
  removeAll(typeId: string, id: number): AssociationChange[] {
    const side = this.side(typeId, id, false);
    if (!side) return [];
    const changes: AssociationChange[] = [];
    for (const [toType, targets] of [...side.entries()]) {
      for (const toId of [...targets.keys()]) changes.push(...this.remove(typeId, id, toType, toId));
    }
    return changes;
  }
}

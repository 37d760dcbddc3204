import { runtime } from '../runtime/runtime';

/**
 * A deeply frozen copy of a JSON-like value (plain objects, arrays, primitives), made in one walk: what the memory
 * store keeps, so that it can hand out what it keeps without copying again.
 *
 * Every call copies all of its input, also parts that are frozen already: the caller may have frozen only the top of a
 * value. (Sharing parts this function froze earlier, remembered in a `WeakSet`, cost more CPU on Hub ingest than it
 * saved; see the memory store's doc comment.)
 *
 * Anything else (a `Date`, a `Map`, a typed array: not JSON, and no store of this repository keeps them faithfully)
 * is copied by `structuredClone` and frozen at its top only: freezing does not reach internal slots (a frozen `Date`
 * still has `setTime`). Functions and symbols throw structured clone's `DataCloneError`, as they always did.
 *
 * @example
 * ```ts
 * const row = frozenCopy({ id: 'c1', emails: ['ada@example.com'] });
 * Object.isFrozen(row.emails); // true
 * ```
 */
export function frozenCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'function' || typeof value === 'symbol' ? runtime.structuredClone(value) : value;
  }
  if (Array.isArray(value)) {
    // slice() copies primitives in one go; only nested objects and arrays need a walk.
    const array: unknown[] = value.slice();
    for (let i = 0; i < array.length; i++) {
      const item = array[i];
      if ((typeof item === 'object' && item !== null) || typeof item === 'function' || typeof item === 'symbol') {
        array[i] = frozenCopy(item);
      }
    }
    return Object.freeze(array) as T;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  // Not a plain object: the structured clone algorithm decides what it is worth.
  if (proto !== Object.prototype && proto !== null) return Object.freeze(runtime.structuredClone(value));
  const object: Record<string, unknown> = proto === null ? Object.create(null) : {};
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const field = frozenCopy(source[key]);
    // An own `__proto__` key (JSON.parse makes them) must stay a key, not become the prototype.
    if (key === '__proto__') {
      Object.defineProperty(object, key, { value: field, enumerable: true, writable: true, configurable: true });
    } else object[key] = field;
  }
  return Object.freeze(object) as T;
}

import { describe, expect, it } from 'vitest';
import { frozenCopy } from './frozen';

describe('frozenCopy', () => {
  it('copies and deeply freezes objects and arrays, leaving the input as it was', () => {
    const input = { id: 'c1', emails: ['ada@example.com'], address: { city: 'Delft', lines: ['Main 1'] }, n: null };
    const copy = frozenCopy(input);
    expect(copy).toEqual(input);
    expect(copy).not.toBe(input);
    expect(copy.emails).not.toBe(input.emails);
    expect(copy.address.lines).not.toBe(input.address.lines);
    for (const part of [copy, copy.emails, copy.address, copy.address.lines]) expect(Object.isFrozen(part)).toBe(true);
    expect(Object.isFrozen(input) || Object.isFrozen(input.emails)).toBe(false);
    input.emails.push('other@example.com');
    expect(copy.emails).toEqual(['ada@example.com']);
  });

  it('copies parts that are frozen already: a caller may have frozen only the top', () => {
    const first = frozenCopy({ id: 'c1', emails: ['ada@example.com'] });
    expect(frozenCopy(first)).not.toBe(first);
    const shallow = Object.freeze({ emails: ['x@example.com'] });
    const copied = frozenCopy(shallow);
    expect(copied.emails).not.toBe(shallow.emails);
    shallow.emails.push('y@example.com');
    expect(copied.emails).toEqual(['x@example.com']);
  });

  it('keeps an own __proto__ key as a key, and undefined values as keys', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const copy = frozenCopy({ ...input, b: undefined }) as Record<string, unknown>;
    expect(Object.keys(copy)).toEqual(['__proto__', 'a', 'b']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ polluted: true });
  });

  it('copies values that are not JSON by structured clone', () => {
    const date = new Date('2026-01-01T00:00:00Z');
    const copy = frozenCopy({ at: date });
    expect(copy.at).not.toBe(date);
    expect(copy.at.getTime()).toBe(date.getTime());
    expect(() => frozenCopy({ f: () => 1 })).toThrow();
    expect(() => frozenCopy([Symbol('s')])).toThrow();
  });
});

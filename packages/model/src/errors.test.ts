import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AbortedError,
  ConflictError,
  CrmkitError,
  ErrorCode,
  formatPath,
  InvalidArgumentError,
  NotFoundError,
  StoreLockedError,
  throwIfAborted,
  UnsupportedSpecificationError,
  ValidationError,
  type ValidationIssue,
} from './errors';
import { issuesFromZod, validationErrorFromZod, validationErrorOf, validationIssue } from './validation-errors';

const issue: ValidationIssue = {
  path: [3, 'data', 'emails', 0],
  pathString: 'records[3].data.emails[0]',
  message: 'Invalid email address',
  issueCode: 'invalid_format',
};

/** The marker symbols each class carries; a second copy of the package would use the same registry keys. */
const markers = {
  base: Symbol.for('crmkit.error'),
  validation: Symbol.for('crmkit.error.validation'),
  notFound: Symbol.for('crmkit.error.not-found'),
  conflict: Symbol.for('crmkit.error.conflict'),
  invalidArgument: Symbol.for('crmkit.error.invalid-argument'),
  unsupported: Symbol.for('crmkit.error.unsupported-specification'),
  aborted: Symbol.for('crmkit.error.aborted'),
  storeLocked: Symbol.for('crmkit.error.store-locked'),
} as const;

type MarkerName = Exclude<keyof typeof markers, 'base'>;

/** Simulates an error thrown by a duplicate copy of @crmkit/model: a foreign class carrying the same markers. */
function foreignError(marker: MarkerName | undefined, code = 'X'): Error {
  class ForeignCrmkitError extends Error {
    readonly code = code;
  }
  const error = new ForeignCrmkitError('from another copy') as unknown as Error & Record<symbol, unknown>;
  error[markers.base] = true;
  if (marker) error[markers[marker]] = true;
  return error;
}

interface Case {
  name: string;
  cls: { isInstance(error: unknown): boolean };
  marker: MarkerName;
  make: (cause?: unknown) => CrmkitError;
  code: string;
  errorName: string;
}

const cases: Case[] = [
  {
    name: 'ValidationError',
    cls: ValidationError,
    marker: 'validation',
    make: (cause) => new ValidationError({ message: 'bad', issues: [issue], cause }),
    code: 'VALIDATION_FAILED',
    errorName: 'ValidationError',
  },
  {
    name: 'NotFoundError',
    cls: NotFoundError,
    marker: 'notFound',
    make: (cause) => new NotFoundError({ entity: 'customer', id: 'cus_1', cause }),
    code: 'NOT_FOUND',
    errorName: 'NotFoundError',
  },
  {
    name: 'ConflictError',
    cls: ConflictError,
    marker: 'conflict',
    make: (cause) => new ConflictError({ message: 'conflict', cause }),
    code: 'CONFLICT',
    errorName: 'ConflictError',
  },
  {
    name: 'InvalidArgumentError',
    cls: InvalidArgumentError,
    marker: 'invalidArgument',
    make: (cause) => new InvalidArgumentError({ argument: 'limit', message: 'bad limit', cause }),
    code: 'INVALID_ARGUMENT',
    errorName: 'InvalidArgumentError',
  },
  {
    name: 'AbortedError',
    cls: AbortedError,
    marker: 'aborted',
    make: (cause) => new AbortedError({ cause }),
    code: 'ABORTED',
    errorName: 'AbortedError',
  },
  {
    name: 'StoreLockedError',
    cls: StoreLockedError,
    marker: 'storeLocked',
    make: (cause) => new StoreLockedError({ dataDir: '/srv/crm', pid: 4242, hostname: 'box', cause }),
    code: 'STORE_LOCKED',
    errorName: 'StoreLockedError',
  },
];

describe('CrmkitError', () => {
  it('carries code, message and name and is an Error', () => {
    const error = new CrmkitError({ code: ErrorCode.STORE_FAILED, message: '[crmkit] store broke' });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(CrmkitError);
    expect(error.code).toBe('STORE_FAILED');
    expect(error.message).toBe('[crmkit] store broke');
    expect(error.name).toBe('CrmkitError');
    expect(typeof error.stack).toBe('string');
  });

  it('accepts codes outside ErrorCode', () => {
    expect(new CrmkitError({ code: 'PLUGIN_SPECIFIC', message: 'm' }).code).toBe('PLUGIN_SPECIFIC');
  });

  it('preserves the cause, and sets none when no cause is given', () => {
    const cause = new Error('root');
    const withCause = new CrmkitError({ code: 'CLOSED', message: 'm', cause });
    expect(withCause.cause).toBe(cause);
    const without = new CrmkitError({ code: 'CLOSED', message: 'm' });
    expect('cause' in without).toBe(false);
    expect(without.cause).toBeUndefined();
  });

  it('preserves falsy non-undefined causes', () => {
    expect(new CrmkitError({ code: 'CLOSED', message: 'm', cause: null }).cause).toBeNull();
    expect(new CrmkitError({ code: 'CLOSED', message: 'm', cause: 0 }).cause).toBe(0);
  });

  it('isInstance is true for own instances and for every subclass', () => {
    expect(CrmkitError.isInstance(new CrmkitError({ code: 'X', message: 'm' }))).toBe(true);
    for (const c of cases) expect(CrmkitError.isInstance(c.make()), c.name).toBe(true);
    expect(
      CrmkitError.isInstance(
        new UnsupportedSpecificationError({ contract: 'store', name: 's', version: 'v0', supported: ['v1'] }),
      ),
    ).toBe(true);
  });

  it('isInstance is true for an error from a duplicate package copy', () => {
    const foreign = foreignError(undefined);
    expect(foreign).not.toBeInstanceOf(CrmkitError);
    expect(CrmkitError.isInstance(foreign)).toBe(true);
    expect(CrmkitError.isInstance({ [markers.base]: true })).toBe(true);
  });

  it('isInstance is false for non-crmkit values', () => {
    for (const value of [
      new Error('plain'),
      new TypeError('type'),
      null,
      undefined,
      'CrmkitError',
      42,
      {},
      { code: 'NOT_FOUND', name: 'CrmkitError' },
      { [markers.base]: 'true' },
      { [markers.base]: 1 },
      { [Symbol('crmkit.error')]: true },
      { 'crmkit.error': true },
    ]) {
      expect(CrmkitError.isInstance(value), String(value)).toBe(false);
    }
  });
});

describe.each(cases)('$name', (c) => {
  it('has its code and name, and is a CrmkitError', () => {
    const error = c.make();
    expect(error.code).toBe(c.code);
    expect(error.name).toBe(c.errorName);
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(CrmkitError);
  });

  it('preserves the cause', () => {
    const cause = new Error('root cause');
    expect(c.make(cause).cause).toBe(cause);
    expect(c.make().cause).toBeUndefined();
  });

  it('isInstance recognises own instances', () => {
    expect(c.cls.isInstance(c.make())).toBe(true);
  });

  it('isInstance recognises an instance from a duplicate package copy', () => {
    const foreign = foreignError(c.marker, c.code);
    expect(c.cls.isInstance(foreign)).toBe(true);
    expect(CrmkitError.isInstance(foreign)).toBe(true);
  });

  it('isInstance rejects plain errors, null, strings and a bare CrmkitError', () => {
    expect(c.cls.isInstance(new Error('x'))).toBe(false);
    expect(c.cls.isInstance(null)).toBe(false);
    expect(c.cls.isInstance(undefined)).toBe(false);
    expect(c.cls.isInstance(c.errorName)).toBe(false);
    expect(c.cls.isInstance({ name: c.errorName, code: c.code })).toBe(false);
    expect(c.cls.isInstance(new CrmkitError({ code: c.code, message: 'm' }))).toBe(false);
    // A foreign base crmkit error without the subclass marker.
    expect(c.cls.isInstance(foreignError(undefined, c.code))).toBe(false);
  });

  it('isInstance rejects sibling subclasses, native and foreign', () => {
    for (const other of cases) {
      if (other === c) continue;
      expect(c.cls.isInstance(other.make()), `${c.name}.isInstance(${other.name})`).toBe(false);
      expect(c.cls.isInstance(foreignError(other.marker)), `${c.name}.isInstance(foreign ${other.name})`).toBe(false);
    }
    const unsupported = new UnsupportedSpecificationError({
      contract: 'store',
      name: 's',
      version: 1,
      supported: ['v1'],
    });
    expect(c.cls.isInstance(unsupported)).toBe(false);
  });
});

describe('ValidationError details', () => {
  it('keeps issues, index, source, externalId, and path of the first issue', () => {
    const second: ValidationIssue = { path: [3, 'observedAt'], pathString: 'x', message: 'm', issueCode: 'c' };
    const error = new ValidationError({
      message: 'bad record',
      issues: [issue, second],
      index: 3,
      source: 'hubspot',
      externalId: '51',
    });
    expect(error.issues).toEqual([issue, second]);
    expect(error.index).toBe(3);
    expect(error.source).toBe('hubspot');
    expect(error.externalId).toBe('51');
    expect(error.path).toEqual([3, 'data', 'emails', 0]);
    expect(error.message).toBe('bad record');
  });

  it('has an empty path and undefined location without issues', () => {
    const error = new ValidationError({ message: 'bad', issues: [] });
    expect(error.path).toEqual([]);
    expect(error.index).toBeUndefined();
    expect(error.source).toBeUndefined();
    expect(error.externalId).toBeUndefined();
  });
});

describe('NotFoundError details', () => {
  it('builds a located default message and keeps entity and id', () => {
    const error = new NotFoundError({ entity: 'customer', id: 'cus_1' });
    expect(error.message).toBe('[crmkit] Customer "cus_1" not found.');
    expect(error.entity).toBe('customer');
    expect(error.id).toBe('cus_1');
  });

  it('uses an explicit message', () => {
    expect(new NotFoundError({ entity: 'group', id: 'g', message: 'custom' }).message).toBe('custom');
  });
});

describe('ConflictError details', () => {
  it('defaults to CONFLICT and accepts UNMERGE_BLOCKED', () => {
    expect(new ConflictError({ message: 'm' }).code).toBe('CONFLICT');
    const blocked = new ConflictError({ message: 'm', code: ErrorCode.UNMERGE_BLOCKED });
    expect(blocked.code).toBe('UNMERGE_BLOCKED');
    expect(ConflictError.isInstance(blocked)).toBe(true);
  });
});

describe('InvalidArgumentError details', () => {
  it('keeps the argument name', () => {
    expect(new InvalidArgumentError({ argument: 'options.limit', message: 'm' }).argument).toBe('options.limit');
  });
});

describe('UnsupportedSpecificationError', () => {
  const make = () =>
    new UnsupportedSpecificationError({ contract: 'adapter', name: 'hubspot', version: 'v0', supported: ['v1', 'v2'] });

  it('has code, name, contract, version and a message naming all of them', () => {
    const error = make();
    expect(error.code).toBe('UNSUPPORTED_SPECIFICATION_VERSION');
    expect(error.name).toBe('UnsupportedSpecificationError');
    expect(error.contract).toBe('adapter');
    expect(error.version).toBe('v0');
    expect(error.message).toBe(
      '[crmkit] Adapter "hubspot" implements specification version "v0"; this host supports "v1", "v2".',
    );
  });

  it('isInstance: own, foreign copy, not siblings', () => {
    expect(UnsupportedSpecificationError.isInstance(make())).toBe(true);
    expect(UnsupportedSpecificationError.isInstance(foreignError('unsupported'))).toBe(true);
    expect(UnsupportedSpecificationError.isInstance(new AbortedError())).toBe(false);
    expect(UnsupportedSpecificationError.isInstance(new Error('x'))).toBe(false);
    expect(NotFoundError.isInstance(make())).toBe(false);
  });
});

describe('AbortedError details', () => {
  it('has a default message and accepts a custom one', () => {
    expect(new AbortedError().message).toBe('[crmkit] The operation was aborted.');
    expect(new AbortedError({ message: 'stop' }).message).toBe('stop');
  });
});

describe('formatPath', () => {
  it('formats numbers as brackets and strings as dotted keys', () => {
    expect(formatPath([3, 'data', 'emails', 0], 'records')).toBe('records[3].data.emails[0]');
    expect(formatPath(['data', 'activity', 'purpose'], 'record')).toBe('record.data.activity.purpose');
  });

  it('without a root, starts with the first key', () => {
    expect(formatPath(['data', 'name'])).toBe('data.name');
    expect(formatPath([0, 'a'])).toBe('[0].a');
    expect(formatPath([0, 1])).toBe('[0][1]');
  });

  it('returns the root for an empty path', () => {
    expect(formatPath([], 'records')).toBe('records');
    expect(formatPath([])).toBe('');
  });

  it('stringifies symbol keys', () => {
    expect(formatPath([Symbol('s')], 'r')).toBe('r.Symbol(s)');
  });
});

describe('throwIfAborted', () => {
  it('does nothing without a signal or with a live one', () => {
    expect(() => throwIfAborted(undefined)).not.toThrow();
    expect(() => throwIfAborted({ aborted: false, reason: 'ignored' })).not.toThrow();
  });

  it('throws an AbortedError carrying the reason as cause', () => {
    const reason = new Error('user cancelled');
    let thrown: unknown;
    try {
      throwIfAborted({ aborted: true, reason });
    } catch (error) {
      thrown = error;
    }
    expect(AbortedError.isInstance(thrown)).toBe(true);
    expect(thrown).toBeInstanceOf(AbortedError);
    expect((thrown as AbortedError).code).toBe('ABORTED');
    expect((thrown as AbortedError).cause).toBe(reason);
  });

  it('works with a real AbortController signal', () => {
    // The model compiles without DOM/Node types; reach the runtime's AbortController through globalThis.
    const { AbortController } = globalThis as unknown as {
      AbortController: new () => { signal: { aborted: boolean; reason?: unknown }; abort(reason?: unknown): void };
    };
    const controller = new AbortController();
    expect(() => throwIfAborted(controller.signal)).not.toThrow();
    controller.abort('why');
    expect(() => throwIfAborted(controller.signal)).toThrow(AbortedError);
  });
});

describe('issuesFromZod and validationErrorFromZod (the one zod-error conversion)', () => {
  const schema = z.strictObject({
    name: z.string(),
    tags: z.array(z.number()),
    nested: z.strictObject({ a: z.number() }),
  });
  const failed = (input: unknown) => {
    const parsed = schema.safeParse(input);
    if (parsed.success) throw new Error('expected a failure');
    return parsed.error;
  };

  it('prefixes paths with basePath and formats them under root, keeping the issue code', () => {
    const issues = issuesFromZod(failed({ name: 1, tags: [1, 'x'], nested: { a: 1 } }), {
      basePath: [3, 'data'],
      root: 'records',
    });
    expect(issues).toEqual([
      {
        path: [3, 'data', 'name'],
        pathString: 'records[3].data.name',
        message: expect.any(String),
        issueCode: 'invalid_type',
      },
      {
        path: [3, 'data', 'tags', 1],
        pathString: 'records[3].data.tags[1]',
        message: expect.any(String),
        issueCode: 'invalid_type',
      },
    ]);
    expect(issuesFromZod(failed({ name: 1, tags: [], nested: { a: 1 } }))[0]!.pathString).toBe('name');
  });

  it('reports unknown keys at the object (default) or one issue per key', () => {
    const error = failed({ name: 'x', tags: [], nested: { a: 1, b: 2, c: 3 } });
    expect(issuesFromZod(error).map((i) => i.pathString)).toEqual(['nested']);
    const perKey = issuesFromZod(error, { basePath: ['input'], unknownKeys: 'key' });
    expect(perKey.map((i) => [i.pathString, i.message, i.issueCode])).toEqual([
      ['input.nested.b', 'Unknown key "b"', 'unrecognized_keys'],
      ['input.nested.c', 'Unknown key "c"', 'unrecognized_keys'],
    ]);
    const custom = issuesFromZod(error, {
      unknownKeys: 'key',
      unknownKeyMessage: (path, key) => `${path.join('.')}:${key}?`,
    });
    expect(custom[0]!.message).toBe('nested:b?');
  });

  it('builds a ValidationError naming the first problem, with every issue and the zod error as cause', () => {
    const zodError = failed({ name: 'x', tags: ['y'], nested: { a: 'z' } });
    const error = validationErrorFromZod(zodError, {
      root: 'settings',
      message: '[crmkit/x] Invalid settings',
      source: 'crm',
    });
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(/^\[crmkit\/x\] Invalid settings at settings\.tags\[0\]: /);
    expect(error.issues.map((i) => i.pathString)).toEqual(['settings.tags[0]', 'settings.nested.a']);
    expect(error.path).toEqual(['tags', 0]);
    expect(error.source).toBe('crm');
    expect(error.cause).toBe(zodError);
    const whole = validationErrorFromZod(zodError, { message: (issues) => `${issues.length} problems` });
    expect(whole.message).toBe('2 problems');
  });
});

describe('validationIssue and validationErrorOf (the one message naming the first issue)', () => {
  it('formats the path under the root and names the first issue in the message', () => {
    expect(validationIssue(['value', 0, 'x'], 'Expected a string', 'invalid_type', 'input')).toEqual({
      path: ['value', 0, 'x'],
      pathString: 'input.value[0].x',
      message: 'Expected a string',
      issueCode: 'invalid_type',
    });
    const issues = [validationIssue(['a'], 'first', 'custom'), validationIssue(['b'], 'second', 'custom')];
    const cause = new Error('cause');
    const error = validationErrorOf(issues, { message: '[crmkit/core] X is invalid', index: 2, cause });
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe('[crmkit/core] X is invalid at a: first');
    expect(error.issues).toBe(issues);
    expect(error.index).toBe(2);
    expect(error.path).toEqual(['a']);
    expect(error.cause).toBe(cause);
    expect(validationErrorOf([validationIssue([], 'whole', 'custom')], { message: 'X' }).message).toBe('X: whole');
    expect(validationErrorOf([], { message: 'X' }).message).toBe('X');
    expect(validationErrorOf(issues, { message: (all) => `${all.length} problems` }).message).toBe('2 problems');
  });
});

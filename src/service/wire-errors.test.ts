import { describe, expect, it } from 'vitest';
import { LockLostError, LockTimeoutError, StaleLockError, StorageError } from '../core/errors.js';
import { LeadershipEndedError } from '../leader/errors.js';
import { ServiceGoneError } from './errors.js';
import { fromWire, toWire } from './wire-errors.js';

/** What arrives on the other side: through structured clone, as on a port. */
const across = (thrown: unknown): unknown => fromWire(structuredClone(toWire(thrown)));

describe('errors across the boundary', () => {
  it.each<[string, Error, Record<string, unknown>]>([
    ['LockTimeoutError', new LockTimeoutError('w.a', 'exclusive', 50, ['x (exclusive)']), { lockName: 'w.a', mode: 'exclusive', timeout: 50, holders: ['x (exclusive)'] }],
    ['LockLostError', new LockLostError('w.a', 'stolen'), { lockName: 'w.a', kind: 'stolen' }],
    ['StaleLockError', new StaleLockError('w.a', 3, 4, 'moved on'), { generation: 3, current: 4 }],
    ['LeadershipEndedError', new LeadershipEndedError('stale', 'sync'), { kind: 'stale', electionName: 'sync' }],
    ['ServiceGoneError', new ServiceGoneError('wallet', 2, true), { service: 'wallet', epoch: 2, accepted: true }],
    ['TypeError', new TypeError('bad'), {}],
  ])('%s keeps its class, name, message and fields', (name, error, fields) => {
    const back = across(error) as Error;
    expect(back).toBeInstanceOf(error.constructor);
    expect(back).toBeInstanceOf(Error);
    expect(back.name).toBe(name);
    expect(back.message).toBe(error.message);
    expect(back.stack).toBe(error.stack);
    expect(back).toMatchObject(fields);
  });

  it('keeps a cause, drops fields that cannot be cloned, and passes non-errors through', () => {
    const error = Object.assign(new StorageError('failed', 'write failed', { cause: new RangeError('quota') }), { callback: () => 1, code: 22 });
    const back = across(error) as StorageError & { callback?: unknown; code?: number };
    expect(back).toMatchObject({ name: 'StorageError', kind: 'failed', code: 22 });
    expect(back.callback).toBeUndefined();
    expect(back.cause).toBeInstanceOf(RangeError);
    expect(across('plain string')).toBe('plain string');
    expect(across({ code: 1 })).toEqual({ code: 1 });
    expect(across(Symbol('x'))).toBe('Symbol(x)');
  });

  it("another library's error that shares a crosslock error's name is not rebuilt as ours; an own __proto__ field changes nothing", () => {
    class StorageError extends Error {
      override name = 'StorageError';
    }
    const theirs = across(new StorageError('disk full')) as Error;
    expect(theirs.name).toBe('StorageError');
    expect(Object.getPrototypeOf(theirs)).toBe(Error.prototype);
    const sneaky = across(Object.defineProperty(new TypeError('x'), '__proto__', { value: { polluted: true }, enumerable: true })) as TypeError;
    expect(sneaky).toBeInstanceOf(TypeError);
    expect((sneaky as unknown as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('an unknown error name arrives as an Error with that name', () => {
    class WalletError extends Error {
      override name = 'WalletError';
      readonly code = 'E42';
    }
    const back = across(new WalletError('nope')) as Error & { code: string };
    expect(back).toBeInstanceOf(Error);
    expect(back).toMatchObject({ name: 'WalletError', message: 'nope', code: 'E42' });
  });
});

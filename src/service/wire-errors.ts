/**
 * Errors cross the boundary as themselves. comlink sends what a host method throws through its `'throw'`
 * transfer handler, which keeps only `message`, `name` and `stack`: a `StaleLockError` would arrive
 * without its `generation`, a `LockLostError` without its `kind`. `useTypedErrors()` replaces that
 * handler (comlink's documented extension point, `transferHandlers`) with one that also sends an error's
 * own enumerable fields (those that structured clone accepts) and its `cause`, and on the receiving
 * side rebuilds crosslock's errors (marked as such on the wire, so another library's `StorageError` is
 * not mistaken for ours) and the built-in ones (TypeError, RangeError, DOMException, ...) as instances of
 * their own classes. The wire format is comlink's own (`{ isError, value }`) with more fields in `value`,
 * so a realm still on comlink's handler reads these errors as it always did.
 *
 * It is installed by `serve()` and `connect()`, never at import (the package has no side effects), and
 * only over comlink's own handler: an app that installed its own `'throw'` handler keeps it. The errors a
 * client makes up itself (`ServiceGoneError`, timeouts) use a handler of their own name, so they arrive
 * typed whatever `'throw'` does.
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import * as core from '../core/errors.js';
import * as leader from '../leader/errors.js';
import * as service from './errors.js';

/** What travels for a thrown value. */
export type WireThrown = { isError: true; value: WireError } | { isError: false; value: unknown };
export interface WireError {
  name: string;
  message: string;
  stack?: string | undefined;
  /** Set for a DOMException, rebuilt as one. */
  dom?: true;
  /** Set for crosslock's own errors, rebuilt as their classes. */
  crosslock?: true;
  cause?: WireThrown;
  [field: string]: unknown;
}

type ErrorClass = { prototype: Error };
const classes = (module: Record<string, unknown>): Array<[string, ErrorClass]> =>
  Object.entries(module).filter((entry): entry is [string, ErrorClass] => typeof entry[1] === 'function' && (entry[1] as ErrorClass).prototype instanceof Error);
const OURS = new Map<string, ErrorClass>([...classes(core), ...classes(leader), ...classes(service)]);
const BUILT_IN = new Map<string, ErrorClass>(
  ([TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError] as unknown as Array<ErrorClass & { name: string }>).map((c) => [c.name, c]),
);
/** Keys never copied onto a rebuilt error (they would change what it is). */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype', 'name', 'message', 'stack', 'cause', 'dom', 'crosslock']);

/** What goes on the wire for `thrown`. */
export function toWire(thrown: unknown, depth = 0): WireThrown {
  if (!(thrown instanceof Error) && !(typeof DOMException === 'function' && thrown instanceof DOMException)) return { isError: false, value: cloneable(thrown) ? thrown : String(thrown) };
  const error = thrown as Error;
  const value: WireError = { name: error.name, message: error.message, stack: error.stack };
  if (typeof DOMException === 'function' && error instanceof DOMException) value.dom = true;
  if (OURS.get(error.name) && error instanceof (OURS.get(error.name) as unknown as new () => Error)) value.crosslock = true;
  for (const key of Object.keys(error)) {
    if (RESERVED.has(key)) continue;
    const field = (error as unknown as Record<string, unknown>)[key];
    if (cloneable(field)) value[key] = field;
  }
  if (error.cause !== undefined && depth < 3) value.cause = toWire(error.cause, depth + 1);
  return { isError: true, value };
}

/** The value to throw for what came off the wire. */
export function fromWire(wire: WireThrown): unknown {
  if (!wire.isError) return wire.value;
  const { name, message, stack, dom, crosslock, cause, ...fields } = wire.value;
  let error: Error;
  if (dom && typeof DOMException === 'function') error = new DOMException(message, name);
  else {
    error = new Error(message, cause === undefined ? undefined : { cause: fromWire(cause) });
    const known = crosslock ? OURS.get(name) : BUILT_IN.get(name);
    if (known) Object.setPrototypeOf(error, known.prototype);
    define(error, 'name', name);
    for (const [key, field] of Object.entries(fields)) if (!RESERVED.has(key)) define(error, key, field);
  }
  if (stack !== undefined) error.stack = stack;
  return error;
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function cloneable(value: unknown): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return typeof value !== 'symbol';
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** comlink marks a thrown value by wrapping it in an object with this (unexported) symbol as a key. */
const isThrown = (value: unknown): value is { value: unknown } =>
  typeof value === 'object' && value !== null && Object.getOwnPropertySymbols(value).some((s) => s.description === 'Comlink.thrown');

/**
 * What a host's method threw, as it goes out. The service's own errors (`ServiceGoneError`, ...) are
 * verdicts only a client may give about its own calls: one thrown by an implementation (itself a client
 * of another service) arrives as an `Error` named `RemoteServiceError`, with the original as its
 * `cause` (not rebuilt as ours), so no caller takes it for "your call never ran".
 */
export function thrownByHost(value: unknown): WireThrown {
  const wire = toWire(value);
  if (!wire.isError || !wire.value.crosslock || !SERVICE.has(wire.value.name)) return wire;
  const { crosslock: _, ...original } = wire.value;
  return { isError: true, value: { name: 'RemoteServiceError', message: `the service's implementation threw ${original.name}: ${original.message}`, cause: { isError: true, value: original } } };
}
const SERVICE = new Set(classes(service).map(([name]) => name));

const throwHandler: TransferHandler<{ value: unknown }, WireThrown> = {
  canHandle: isThrown,
  serialize: ({ value }) => [thrownByHost(value), []],
  deserialize: (wire) => {
    throw fromWire(wire);
  },
};

/** The handler of the errors a client makes up (it never serializes anything itself). */
export const MADE_UP = 'crosslock:error';
const madeUpHandler: TransferHandler<never, WireThrown> = {
  canHandle: (_value: unknown): _value is never => false,
  serialize: () => {
    throw new TypeError('never serialized');
  },
  deserialize: (wire) => {
    throw fromWire(wire);
  },
};

/** comlink's own handler, read when this module loads (a read, not a change): only it is replaced. */
const COMLINK_THROW = transferHandlers.get('throw');

/** Replaces comlink's own `'throw'` handler with the typed one (not an app's own), and adds `MADE_UP`. */
export function useTypedErrors(): void {
  if (transferHandlers.get('throw') === COMLINK_THROW) transferHandlers.set('throw', throwHandler as TransferHandler<unknown, unknown>);
  if (!transferHandlers.has(MADE_UP)) transferHandlers.set(MADE_UP, madeUpHandler as TransferHandler<unknown, unknown>);
}

/**
 * The service's typed errors. Like every crosslock error each has a stable `name` and its facts as
 * fields, and they cross the worker boundary as themselves (wire-errors.ts).
 */

/**
 * The host a call was sent to went away (crashed, closed, lost its epoch) before it answered. `accepted`
 * says whether the host had told this client it took the call: `true`, it started running and may have
 * done its work; `false`, it was sent but no word came back, so it may or may not have started. Either
 * way it is never run again by crosslock: retry it yourself if it is safe to (at-most-once per epoch).
 */
export class ServiceGoneError extends Error {
  override readonly name = 'ServiceGoneError';
  constructor(
    readonly service: string,
    /** The epoch of the host that went away. */
    readonly epoch: number,
    readonly accepted: boolean,
    detail = 'its host went away',
  ) {
    super(`service "${service}" (epoch ${epoch}): ${detail}${accepted ? ' after accepting the call' : ''}`);
  }
}

/**
 * A call got no answer within the client's `timeout`. `accepted` as in `ServiceGoneError`: a call the
 * host accepted may still run after this; one never sent (no host came in time) never will.
 */
export class ServiceTimeoutError extends Error {
  override readonly name = 'ServiceTimeoutError';
  constructor(
    readonly service: string,
    readonly timeout: number,
    readonly accepted: boolean,
    /** Where the call was sent: the host's epoch, or `undefined` if no host was ever found for it. */
    readonly epoch: number | undefined,
  ) {
    super(`service "${service}": no answer in ${timeout} ms (${epoch === undefined ? 'no host found' : accepted ? `accepted by epoch ${epoch}` : `sent to epoch ${epoch}`})`);
  }
}

/** The client (or the host) was closed: calls still waiting reject with this; no new ones are taken. */
export class ServiceClosedError extends Error {
  override readonly name = 'ServiceClosedError';
  constructor(readonly service: string) {
    super(`service "${service}" closed`);
  }
}

/** What a service host failed at (see `ServiceHostError`). */
export type ServiceHostErrorKind = 'election' | 'alive-lock' | 'factory' | 'manager';

/**
 * A service host could not serve: its `'error'` event. `kind`: `'election'` (the election's lock could not
 * be had: storage failed, the Web Locks ledger did not load), `'alive-lock'` (a start's alive lock could not
 * be had), `'factory'` (the implementation factory threw, or made no object), `'manager'` (the manager
 * promise rejected, is no crosslock LockManager, leaves the name no room, or was closed). `retryInMs`: the
 * host campaigns again after that long; `undefined` (kind `'manager'` only): it stopped for good. `cause`:
 * what failed.
 */
export class ServiceHostError extends Error {
  override readonly name = 'ServiceHostError';
  constructor(
    readonly service: string,
    readonly kind: ServiceHostErrorKind,
    readonly retryInMs: number | undefined,
    cause: unknown,
  ) {
    super(`service "${service}": ${kind} failed`, { cause });
  }
}

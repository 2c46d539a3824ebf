/**
 * The messages managers sharing a store exchange (IndexedDB: a BroadcastChannel). They only speed
 * things up: a waiter that misses one retries on its own backoff, so correctness never rests on them.
 *
 * Versioned: `v` is the protocol version, and a bus delivers only messages of the version it was
 * made for (the channel name carries it too), so a tab running older or newer code is never fed a
 * shape it misreads. Bump `PROTOCOL_VERSION` whenever a message's meaning or shape changes.
 */
export const PROTOCOL_VERSION = 2;

export interface Handoff {
  readonly token: string;
  /** Wall-clock expiry of the promoted request's new lease. */
  readonly expires: number;
  /** The promoted request's lease length, ms. */
  readonly lease: number;
}

export type LeaseMessage =
  /**
   * A release of `name`: `granted` are the requests it handed the lock to (direct handoff),
   * `generation` the lock's generation after it, `queued` whether requests still wait in the record.
   */
  | { readonly v: typeof PROTOCOL_VERSION; readonly t: 'released'; readonly name: string; readonly granted: readonly Handoff[]; readonly generation: number; readonly queued: boolean }
  /** A tab is unloading: its entries with these tokens are gone (treat them as expired at once). */
  | { readonly v: typeof PROTOCOL_VERSION; readonly t: 'dead'; readonly tokens: readonly string[]; readonly names: readonly string[] }
  /**
   * A steal took `name` from the grants with these tokens: their holders are told at once (otherwise at
   * their next renewal, which finds the lease gone). Older code drops this message, and learns at renewal.
   */
  | { readonly v: typeof PROTOCOL_VERSION; readonly t: 'stolen'; readonly name: string; readonly tokens: readonly string[] };

/** Whether `value` is a message of this protocol version (anything else is ignored). */
export function isMessage(value: unknown): value is LeaseMessage {
  const m = value as Partial<LeaseMessage> | null;
  if (typeof m !== 'object' || m === null || m.v !== PROTOCOL_VERSION) return false;
  // Checked as far as it is read: over Redis, messages come from other processes.
  const strings = (x: unknown): boolean => Array.isArray(x) && x.every((t) => typeof t === 'string');
  if (m.t === 'released') return typeof m.name === 'string' && Array.isArray(m.granted) && typeof m.generation === 'number';
  if (m.t === 'dead') return strings(m.tokens) && strings(m.names);
  return m.t === 'stolen' && typeof m.name === 'string' && strings(m.tokens);
}

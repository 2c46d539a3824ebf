/**
 * The messages managers sharing a store exchange (IndexedDB: a BroadcastChannel; Redis: pub/sub). They
 * only speed things up: a waiter that misses one retries on its own backoff, so correctness never rests
 * on them.
 *
 * INVARIANT: a message is untrusted input. Anyone who can post on the channel (any script of the origin;
 * any Redis client with publish rights on the channel; a buggy or older publisher) can send anything, so a
 * message may only HASTEN what the stored record allows, never grant or revoke on its own:
 * - `released` wakes the waiters of the name: a request it names as promoted asks the store at once and
 *   holds only if the record says it does (lease/waiting.ts `handedOver`);
 * - `stolen` makes the holders it names renew at once: they lose only if the store says their lease is
 *   gone (lease/manager.ts);
 * - `dead` (a tab unloading) makes entries count as expired, so it is honoured only where a page
 *   lifecycle exists (browser tabs: a Redis manager never obeys it, and no Node process sends it), and only
 *   for entries of the owner that sent it (`owner`): a tab can give up its own places, never another's.
 * Every field of every message is checked (`parseMessage`); a malformed one is dropped, and the manager
 * reports it (`LockWarning` kind `'message-dropped'`).
 *
 * Versioned: `v` is the protocol version, and a bus delivers only messages of the version it was made for
 * (the channel name carries it too), so a tab running older or newer code is never fed a shape it misreads;
 * those messages are dropped without a word (they are not malformed, only not ours). Bump
 * `PROTOCOL_VERSION` whenever a message's meaning or shape changes (3: `dead` names its owner, and handoffs
 * are confirmed in the store; a version-2 tab would take a version-3 handoff as a grant).
 */
import { MAX_LEASE_MS } from './record.js';

export const PROTOCOL_VERSION = 3;

export interface Handoff {
  readonly token: string;
  /** Wall-clock expiry of the promoted request's new lease (what the releaser wrote; informative). */
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
  /** The tab of manager `owner` is unloading: its entries with these tokens are gone (treat them as expired at once). */
  | { readonly v: typeof PROTOCOL_VERSION; readonly t: 'dead'; readonly owner: string; readonly tokens: readonly string[]; readonly names: readonly string[] }
  /** A steal took `name` from the grants with these tokens: their holders check their lease at once. */
  | { readonly v: typeof PROTOCOL_VERSION; readonly t: 'stolen'; readonly name: string; readonly tokens: readonly string[] };

/**
 * Bounds of a valid message: ids are short words (core/random.ts makes 16 hex characters), names are full
 * lock names (at most 200 bytes of the name rule's characters and the separator), lists are what one update
 * can name (a release promotes every shared request at the head; a pagehide names every token of a tab).
 */
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const NAME = /^[A-Za-z0-9._+-]{1,200}$/;
const MAX_LIST = 10_000;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const list = (x: unknown, item: (y: unknown) => boolean): boolean => Array.isArray(x) && x.length <= MAX_LIST && x.every(item);
const id = (x: unknown): boolean => typeof x === 'string' && ID.test(x);
const name = (x: unknown): boolean => typeof x === 'string' && NAME.test(x);
const handoff = (x: unknown): boolean =>
  isObject(x) && id(x.token) && typeof x.expires === 'number' && Number.isFinite(x.expires) && typeof x.lease === 'number' && x.lease > 0 && x.lease <= MAX_LEASE_MS;

/** Whether `value` claims this protocol version (messages of other versions are dropped silently). */
export const ofThisVersion = (value: unknown): boolean => isObject(value) && value.v === PROTOCOL_VERSION;

/**
 * `value` as a message of this protocol version, every field checked; otherwise what is wrong with it
 * (a string, for the manager's warning). Extra fields are ignored.
 */
export function parseMessage(value: unknown): LeaseMessage | string {
  const m = isObject(value) && value.v === PROTOCOL_VERSION ? value : undefined;
  const valid =
    m?.t === 'released'
      ? name(m.name) && list(m.granted, handoff) && typeof m.generation === 'number' && Number.isSafeInteger(m.generation) && m.generation >= 0 && typeof m.queued === 'boolean'
      : m?.t === 'dead'
        ? id(m.owner) && list(m.tokens, id) && list(m.names, name)
        : m?.t === 'stolen' && name(m.name) && list(m.tokens, id);
  return valid ? (m as unknown as LeaseMessage) : `a malformed "${String(m?.t).slice(0, 20)}" message`;
}

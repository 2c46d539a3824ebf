/**
 * What a service's clients and hosts say to each other, on a SharedWorker's ports and on the service's
 * channel (a BroadcastChannel, or the in-realm bus for a realm-scoped manager). Versioned: a message of
 * another version is dropped, so an old tab and a new host never misread each other.
 *
 * Client → host:
 * - `hello`: "who hosts?" (a host that serves answers with `host`);
 * - `call`: one comlink request (`msg`, whose `id` names the call), for host `to` in `epoch` only;
 * - `bye`: the client closed.
 * Host → clients:
 * - `host`: "I host this service in `epoch`" (sent when hosting starts, and to answer `hello`);
 * - `ack`: "I took call `id` and run it now" (sent before the call starts);
 * - `refused`: "I did not run call `id`" (not the host of that epoch: not yet, or no longer);
 * - `reply`: comlink's answer to call `id`;
 * - `down`: "I stopped hosting `epoch`" (resigned, closed, lost its leadership).
 * On the channel every message names its sender (`from`) and, where it is for one party, its receiver
 * (`to`); the others ignore it.
 */
import { checkDerived, reserved } from '../core/names.js';

export const SERVICE_PROTOCOL_VERSION = 1;
type V = typeof SERVICE_PROTOCOL_VERSION;
/** Fields of every message: the protocol version, the service's name (several services may share a
 * SharedWorker and its ports), and the sender. */
interface Base {
  readonly v: V;
  readonly s: string;
  readonly from: string;
}

/** Where a host runs. */
export type HostWhere = 'shared-worker' | 'page' | 'worker';

/** A comlink message as it travels: an object with a string `id` (a request or its answer). */
export interface ComlinkMessage {
  readonly id: string;
  readonly [key: string]: unknown;
}

export type ClientMessage =
  | (Base & { readonly t: 'hello' })
  | (Base & { readonly t: 'call'; readonly to: string; readonly epoch: number; readonly msg: ComlinkMessage })
  | (Base & { readonly t: 'bye' });

export type HostMessage =
  | (Base & { readonly t: 'host'; readonly epoch: number; readonly where: HostWhere })
  | (Base & { readonly t: 'ack' | 'refused'; readonly to: string; readonly id: string; readonly epoch: number })
  | (Base & { readonly t: 'reply'; readonly to: string; readonly id: string; readonly msg: ComlinkMessage })
  | (Base & { readonly t: 'down'; readonly epoch: number });

export type ServiceMessage = ClientMessage | HostMessage;

const WHERE: readonly string[] = ['shared-worker', 'page', 'worker'];
const str = (x: unknown): x is string => typeof x === 'string' && x.length > 0;
const epoch = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const comlink = (x: unknown): x is ComlinkMessage => typeof x === 'object' && x !== null && str((x as { id?: unknown }).id);

/** Whether `data` is a well-formed message of this protocol version. */
export function isServiceMessage(data: unknown): data is ServiceMessage {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as Record<string, unknown>;
  if (m.v !== SERVICE_PROTOCOL_VERSION || !str(m.s) || !str(m.from)) return false;
  switch (m.t) {
    case 'hello':
    case 'bye':
      return true;
    case 'call':
      return str(m.to) && epoch(m.epoch) && comlink(m.msg);
    case 'host':
      return epoch(m.epoch) && WHERE.includes(m.where as string);
    case 'ack':
    case 'refused':
      return str(m.to) && str(m.id) && epoch(m.epoch);
    case 'reply':
      return str(m.to) && str(m.id) && comlink(m.msg);
    case 'down':
      return epoch(m.epoch);
    default:
      return false;
  }
}

/**
 * The lock names of service `name`, reserved ones (core/names.ts) under the manager's prefix, which no
 * app's `lock()` meets: who hosts is the election `service+<name>` (host.ts), each host's liveness
 * `alive+<name>+<epoch>+<hostId>`. ALIVE_ROOM is what the latter adds to the name at most: an epoch is a
 * lock generation (at most Number.MAX_SAFE_INTEGER: 16 digits), a host id is `randomId()` (16 hex digits).
 */
const ALIVE_ROOM = 1 + 16 + 1 + 16;
export const aliveLock = (name: string, epoch: number, hostId: string): string => reserved('alive', name, epoch, hostId);
/**
 * Checks service `name` against its longest alive lock under `prefix`: `InvalidLockNameError`, naming the
 * limit. Called with the manager's prefix as soon as it is known (a manager given as a promise: on resolving).
 */
export const checkServiceName = (prefix: string | undefined, name: unknown): string => checkDerived(prefix, 'alive', name, 'a service name', ALIVE_ROOM);
/** The channel of service `name` among the managers of `key` (their prefix). */
export const channelName = (key: string, name: string): string => `crosslock:service:v${SERVICE_PROTOCOL_VERSION}:${key}:${name}`;

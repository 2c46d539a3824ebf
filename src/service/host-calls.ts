/**
 * How a service host answers one call (host.ts states the rule): `ack` before it runs, only for the start
 * it names and while that start may still act (`refused` otherwise: not run), and never through comlink's
 * side channels (`createEndpoint`, `new` on a remote, answers made with `proxy()`).
 */
import { UnsupportedError } from '../core/errors.js';
import type { HostEndpoint } from './endpoint.js';
import type { HostContext } from './hosting.js';
import { SERVICE_PROTOCOL_VERSION as v, type ClientMessage, type ComlinkMessage, type HostMessage } from './messages.js';
import { toWire } from './wire-errors.js';

/** The start a host serves now. */
export interface Serving {
  readonly context: HostContext;
  readonly endpoint: HostEndpoint;
}

export type Reply = (message: HostMessage, transfer?: Transferable[]) => void;

/** Whether a start may still act, checked afresh: its signal reads the leadership's and the alive lock's (campaign.ts). */
export const serves = (serving: Serving): boolean => !serving.context.signal.aborted;

/** Answers call `m` of service `name`, addressed to one of this host's starts, on `reply`. */
export function answerCall(name: string, serving: Serving | undefined, m: Extract<ClientMessage, { t: 'call' }>, reply: Reply): void {
  const id = m.msg.id;
  const answer = { v, s: name, from: m.to, to: m.from, id, epoch: m.epoch } as const;
  if (!serving || serving.context.hostId !== m.to || serving.context.epoch !== m.epoch || !serves(serving)) return attempt(() => reply({ ...answer, t: 'refused' }));
  attempt(() => reply({ ...answer, t: 'ack' }));
  const send = (msg: ComlinkMessage, transfer: Transferable[] = []): void => reply({ v, s: name, t: 'reply', from: m.to, to: m.from, id, msg }, transfer);
  const type = m.msg.type;
  if (type === 'RELEASE') return attempt(() => send({ id, type: 'RAW', value: undefined })); // comlink's "proxy released" would stop the endpoint every client shares
  if (type === 'ENDPOINT' || type === 'CONSTRUCT') return attempt(() => send(thrownMessage(id, sideChannel(type === 'ENDPOINT' ? 'createEndpoint' : '`new` on a remote'))));
  serving.endpoint.deliver(m.msg, (msg, transfer) => {
    if (transfer.some((t) => typeof MessagePort === 'function' && t instanceof MessagePort)) return send(thrownMessage(id, sideChannel('an answer made with comlink proxy()')));
    send(msg, transfer); // throws (DataCloneError) on what cannot be cloned: comlink then answers with a TypeError
  });
}

/** comlink's answer for call `id` that throws `error`. */
export function thrownMessage(id: string, error: Error): ComlinkMessage {
  return { id, type: 'HANDLER', name: 'throw', value: toWire(error) };
}

function sideChannel(what: string): UnsupportedError {
  return new UnsupportedError(`${what} is not supported by crosslock/service: calls through a raw MessagePort escape epochs and timeouts (a call to a dead host would never settle)`);
}

/** Posts that may fail (a port whose page went away, a closed channel): the alive lock tells the rest. */
export function attempt(post: () => void): void {
  try {
    post();
  } catch {
    // nothing to tell any more
  }
}

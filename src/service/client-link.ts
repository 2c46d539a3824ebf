/**
 * How a service client reaches hosts: a SharedWorker's port (when it has one) and the service's channel.
 * A call goes the way its host was heard; anything else (hello, bye) is best effort: a closed port or
 * channel is no error, the alive lock tells the client the rest (client.ts).
 */
import type { Bus } from '../leader/bus.js';
import { isServiceMessage, type ClientMessage, type ServiceMessage } from './messages.js';

export type Via = 'port' | 'channel';

export class ClientLink {
  #port: MessagePort | undefined;
  #bus: Bus<ServiceMessage> | undefined;

  constructor(private readonly onMessage: (message: ServiceMessage, via: Via) => void) {}

  /** The service's channel, once the client's manager is known (its scope and prefix name it). */
  set bus(bus: Bus<ServiceMessage>) {
    this.#bus = bus;
  }

  /** Drops the port in use (saying `bye` on it first), and listens on `port` instead. */
  usePort(port: MessagePort, bye: ClientMessage): void {
    this.closePort(bye);
    this.#port = port;
    port.addEventListener('message', (e: MessageEvent) => {
      if (port === this.#port && isServiceMessage(e.data)) this.onMessage(e.data, 'port');
    });
    port.start();
  }

  /** Says `bye` on the port, if there is one, and closes it. */
  closePort(bye: ClientMessage): void {
    this.say(bye, 'port');
    this.#port?.close();
    this.#port = undefined;
  }

  /** Sends `message` by `via`; a call throws what the port or channel throws (a value that cannot be cloned). */
  say(message: ClientMessage, via: Via, transfer: Transferable[] = []): void {
    if (message.t === 'call') {
      if (via === 'port') this.#port!.postMessage(message, transfer);
      else this.#bus!.post(message);
      return;
    }
    try {
      if (via === 'port') this.#port?.postMessage(message);
      else this.#bus?.post(message);
    } catch {
      // A closed port or channel.
    }
  }

  close(bye: ClientMessage): void {
    this.closePort(bye);
    this.#bus?.close();
  }
}

/**
 * Ties a client's life to its caller and its page: `close` when `signal` aborts; `bye` at a pagehide that
 * unloads (the SharedWorker host then drops its port; the back/forward cache keeps the page, and the
 * port). Every listener is removed once `closed` aborts (explicitly: addEventListener's `signal` option
 * needs Chrome 90).
 */
export function followPage(closed: AbortSignal, signal: AbortSignal | undefined, close: () => void, bye: () => void): void {
  const onClose = (off: () => void): void => closed.addEventListener('abort', off, { once: true });
  if (signal?.aborted) close();
  else if (signal) {
    signal.addEventListener('abort', close, { once: true });
    onClose(() => signal.removeEventListener('abort', close));
  }
  if (typeof document !== 'undefined' && typeof addEventListener === 'function') {
    const onHide = (event: PageTransitionEvent): void => void (event.persisted || bye());
    addEventListener('pagehide', onHide);
    onClose(() => removeEventListener('pagehide', onHide));
  }
}

/**
 * comlink endpoints that carry comlink's own messages through the service protocol instead of a port.
 *
 * - `HostEndpoint`: what `expose()` listens on, at a host. `deliver()` hands it one request with the
 *   function that sends its answer back to whoever asked (a port, or the channel addressed to a client);
 *   the answer is matched to the request by comlink's message `id`.
 * - `ClientEndpoint`: what `wrap()` talks to, at a client, for the client's whole life: `postMessage`
 *   gives each request to the client (which queues, sends, re-sends or fails it: calls.ts), and
 *   `receive()` hands comlink an answer, real or made up (a `ServiceGoneError`, a timeout).
 */
import type { Endpoint } from 'comlink';
import type { ComlinkMessage } from './messages.js';

type Listener = EventListenerOrEventListenerObject;

class Listeners {
  readonly #listeners = new Set<Listener>();
  add(type: string, listener: Listener): void {
    if (type === 'message') this.#listeners.add(listener);
  }
  remove(type: string, listener: Listener): void {
    if (type === 'message') this.#listeners.delete(listener);
  }
  emit(data: ComlinkMessage): void {
    const event = { data } as MessageEvent;
    for (const listener of [...this.#listeners]) (typeof listener === 'function' ? listener(event) : listener.handleEvent(event));
  }
}

export class HostEndpoint implements Endpoint {
  readonly #listeners = new Listeners();
  readonly #answers = new Map<string, (message: ComlinkMessage, transfer: Transferable[]) => void>();

  /** One request in; `answer` sends its reply back. */
  deliver(message: ComlinkMessage, answer: (message: ComlinkMessage, transfer: Transferable[]) => void): void {
    this.#answers.set(message.id, answer);
    this.#listeners.emit(message);
  }

  /**
   * comlink's answer out. If sending it throws (a value that cannot be cloned) the request stays open:
   * comlink catches that and answers again with a TypeError, which goes out instead.
   */
  postMessage(message: ComlinkMessage, transfer: Transferable[] = []): void {
    const answer = this.#answers.get(message.id);
    answer?.(message, transfer);
    this.#answers.delete(message.id);
  }

  addEventListener(type: string, listener: Listener): void {
    this.#listeners.add(type, listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.#listeners.remove(type, listener);
  }
}

export class ClientEndpoint implements Endpoint {
  readonly #listeners = new Listeners();
  /** Each open call's timeout, cleared by its answer. */
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly request: (message: ComlinkMessage, transfer: Transferable[]) => void) {}

  postMessage(message: ComlinkMessage, transfer: Transferable[] = []): void {
    this.request(message, transfer);
  }

  /** Calls `onTimeout` after `ms` unless call `id` is answered first. */
  deadline(id: string, ms: number, onTimeout: () => void): void {
    this.#timers.set(id, setTimeout(onTimeout, ms));
  }

  /** An answer for comlink (it resolves or rejects the call whose `id` it carries); the call's timeout ends. */
  receive(message: ComlinkMessage): void {
    clearTimeout(this.#timers.get(message.id));
    this.#timers.delete(message.id);
    this.#listeners.emit(message);
  }

  addEventListener(type: string, listener: Listener): void {
    this.#listeners.add(type, listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.#listeners.remove(type, listener);
  }
}

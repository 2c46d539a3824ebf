/**
 * One pub/sub connection per manager (`client.duplicate()`: a subscribed connection can send nothing
 * else), shared by the lease bus and the cluster channels (core/channel.ts). Connected on first use (a
 * manager's first lock; a message published before it listens costs that waiter a retry); destroyed by
 * `close()`; a channel nobody listens to any more is unsubscribed. node-redis reconnects
 * and re-subscribes it after a connection loss; what was published meanwhile is lost, which every user
 * of it absorbs (waiters retry, elections recheck the lock).
 *
 * Messages are JSON. Redis delivers a message to every subscriber of its channel, the sender's own
 * connection included, so `channel()` stamps each message with this connection's id and drops its own,
 * as a BroadcastChannel does.
 */
import { randomId } from '../../core/random.js';
import type { ClusterChannel } from '../../core/channel.js';
import type { Commands, RedisSubscriberClient } from './client.js';

export class Subscriber {
  readonly #id = randomId();
  readonly #listeners = new Map<string, Set<(message: unknown) => void>>();
  /** Made and connected on the first `listen()`, so a manager never used (or whose constructor threw) opens nothing. */
  #connection: RedisSubscriberClient | undefined;
  #ready: Promise<unknown> | undefined;
  #closed = false;

  constructor(private readonly commands: Commands) {}

  /** Calls `listener` with every JSON message on `channel` until the returned function is called. */
  listen(channel: string, listener: (message: unknown) => void): () => void {
    if (this.#closed) return () => {};
    let set = this.#listeners.get(channel);
    if (!set) {
      this.#listeners.set(channel, (set = new Set()));
      void this.#connect()
        .then((connection) => this.#listeners.get(channel) && connection.subscribe(channel, (raw) => this.#deliver(channel, raw)))
        .catch(() => {});
    }
    const own = set;
    own.add(listener);
    return () => {
      own.delete(listener);
      if (own.size > 0 || this.#listeners.get(channel) !== own) return;
      this.#listeners.delete(channel);
      // Channels made per round name must not pile up on the connection.
      void this.#ready?.then(() => !this.#closed && !this.#listeners.has(channel) && this.#connection!.unsubscribe(channel)).catch(() => {});
    };
  }

  publish(channel: string, message: unknown): void {
    this.commands.publish(channel, message);
  }

  /** A channel that never hears itself (core/channel.ts). */
  channel(name: string, listener: (message: unknown) => void): ClusterChannel {
    const off = this.listen(name, (data) => {
      const { from, m } = data as { from?: string; m?: unknown };
      if (from !== this.#id) listener(m);
    });
    return { post: (message) => this.publish(name, { from: this.#id, m: message }), close: off };
  }

  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    this.#connection?.destroy();
  }

  #connect(): Promise<RedisSubscriberClient> {
    if (!this.#connection) {
      const connection = (this.#connection = this.commands.client.duplicate());
      // Without a listener node-redis would throw its error event out of the process; reconnecting is its job.
      connection.on('error', () => {});
      this.#ready = connection.connect();
    }
    const connection = this.#connection;
    return this.#ready!.then(() => connection);
  }

  #deliver(channel: string, raw: string): void {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    for (const listener of [...(this.#listeners.get(channel) ?? [])]) listener(message);
  }
}

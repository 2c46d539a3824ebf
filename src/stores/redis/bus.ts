/**
 * The lease bus over Redis pub/sub: every manager sharing the database hears the others' releases, so a
 * waiter is woken by the release (or handed the lock by it) instead of polling; a lost message costs a
 * retry on the waiter's own backoff (lease/waiting.ts), never correctness. The channel name carries the
 * protocol version, and messages of another version are dropped (lease/messages.ts).
 *
 * Pub/sub needs a connection of its own: `client.duplicate()`, connected when the bus is made (so it is
 * listening by the time the first release happens) and destroyed by `close()`. node-redis reconnects and
 * re-subscribes it after a connection loss; messages published meanwhile are lost, which waiters absorb.
 */
import { isMessage, type LeaseMessage } from '../../lease/messages.js';
import type { LeaseBus } from '../../lease/store.js';
import type { Commands, RedisSubscriberClient } from './client.js';

export function redisBus(commands: Commands, channel: string, onError: (error: Error) => void): LeaseBus {
  const listeners = new Set<(message: LeaseMessage) => void>();
  let subscriber: RedisSubscriberClient | undefined = commands.client.duplicate();
  const sub = subscriber;
  // Without a listener node-redis would throw the error event out of the process.
  sub.on('error', onError);
  const deliver = (raw: string): void => {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    if (isMessage(message)) for (const listener of [...listeners]) listener(message);
  };
  void sub
    .connect()
    .then(() => subscriber && sub.subscribe(channel, deliver))
    .catch((error: Error) => subscriber && onError(error));
  return {
    post(message: LeaseMessage): void {
      commands.send(['PUBLISH', channel, JSON.stringify(message)], 'publish a lease message').catch(() => {
        // Waiters elsewhere retry on their own schedule.
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close(): void {
      listeners.clear();
      subscriber = undefined;
      sub.destroy();
    },
  };
}

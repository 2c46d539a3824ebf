/**
 * The lease bus over Redis pub/sub (subscriber.ts): every manager sharing the database hears the others'
 * releases, so a waiter is woken by the release (or handed the lock by it) instead of polling; a lost
 * message costs a retry on the waiter's own backoff (lease/waiting.ts), never correctness. The channel
 * name carries the protocol version, and messages of another version are dropped (lease/messages.ts);
 * the rest reach the manager unchecked, which checks every field (any client that may publish on the
 * channel can send anything).
 */
import { ofThisVersion, type LeaseMessage } from '../../lease/messages.js';
import type { LeaseBus } from '../../lease/store.js';
import type { Subscriber } from './subscriber.js';

export function redisBus(subscriber: Subscriber, channel: string): LeaseBus {
  return {
    post: (message: LeaseMessage) => subscriber.publish(channel, message),
    subscribe: (listener) => subscriber.listen(channel, (message) => ofThisVersion(message) && listener(message)),
    close: () => subscriber.close(),
  };
}

/**
 * The lease bus over a BroadcastChannel: every manager of the origin using the same database hears
 * the others' releases and unload notices. The channel's name carries the protocol version, and
 * messages of another version are dropped (see lease/messages.ts), so old and new code never misread
 * each other (the rest reach the manager unchecked: any script of the origin may post here); they still meet in the store, and waiters poll. Created on first subscription, so a
 * manager never used opens nothing; absent (`undefined`) where BroadcastChannel is missing.
 */
import { ofThisVersion, PROTOCOL_VERSION, type LeaseMessage } from '../../lease/messages.js';
import type { LeaseBus } from '../../lease/store.js';

export function broadcastBus(database: string): LeaseBus | undefined {
  if (typeof BroadcastChannel !== 'function') return undefined;
  let channel: BroadcastChannel | undefined;
  return {
    post(message: LeaseMessage): void {
      try {
        channel?.postMessage(message);
      } catch {
        // A closed channel (manager closing): waiters elsewhere still retry on their own schedule.
      }
    },
    subscribe(listener) {
      channel ??= new BroadcastChannel(`crosslock:lease:v${PROTOCOL_VERSION}:${database}`);
      const onMessage = (event: MessageEvent): void => {
        if (ofThisVersion(event.data)) listener(event.data);
      };
      channel.addEventListener('message', onMessage);
      return () => channel?.removeEventListener('message', onMessage);
    },
    close(): void {
      channel?.close();
      channel = undefined;
    },
  };
}

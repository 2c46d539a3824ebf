/**
 * The announcement bus of one election name: a BroadcastChannel for managers that exclude across an
 * origin (`scope: 'origin'`), an in-realm bus for realm-scoped ones (the memory backend: elections in
 * other tabs or processes are other elections, and must not hear these). Messages of another protocol
 * version are dropped (messages.ts). Delivery is never to the sender itself, as with BroadcastChannel.
 *
 * Back/forward cache: Chromium does not keep a page with an open BroadcastChannel (its
 * "BroadcastChannel" not-restored reason), so the channel is closed on a `persisted` pagehide and opened
 * again on the `persisted` pageshow that restores the page, when `onRestore` lets the election catch up
 * (it asks who leads). Globals are looked up when the bus is made, never at import.
 */
import type { LockScope } from '../core/types.js';
import { isLeaderMessage, LEADER_PROTOCOL_VERSION, type LeaderMessage } from './messages.js';

export interface AnnouncementBus {
  post(message: LeaderMessage): void;
  close(): void;
}

const realm = new Map<string, Set<(message: LeaderMessage) => void>>();

export function announcementBus(scope: LockScope, key: string, listener: (message: LeaderMessage) => void, onRestore: () => void = () => {}): AnnouncementBus {
  const channelName = `crosslock:leader:v${LEADER_PROTOCOL_VERSION}:${key}`;
  if (scope === 'origin' && typeof BroadcastChannel === 'function') {
    let channel: BroadcastChannel | undefined;
    const open = (): void => {
      channel = new BroadcastChannel(channelName);
      channel.onmessage = (event: MessageEvent) => {
        if (isLeaderMessage(event.data)) listener(event.data);
      };
    };
    open();
    const page = typeof document !== 'undefined' && typeof addEventListener === 'function';
    const onHide = (event: PageTransitionEvent): void => {
      if (event.persisted) channel = void channel?.close();
    };
    const onShow = (event: PageTransitionEvent): void => {
      if (event.persisted && !channel) (open(), onRestore());
    };
    if (page) (addEventListener('pagehide', onHide), addEventListener('pageshow', onShow));
    return {
      post(message) {
        try {
          channel?.postMessage(message);
        } catch {
          // Closed: nothing to tell any more.
        }
      },
      close() {
        if (page) (removeEventListener('pagehide', onHide), removeEventListener('pageshow', onShow));
        channel = void channel?.close();
      },
    };
  }
  // Realm scope (or no BroadcastChannel): listeners of this realm, each message delivered as a task.
  let listeners = realm.get(channelName);
  if (!listeners) realm.set(channelName, (listeners = new Set()));
  const group = listeners;
  group.add(listener);
  return {
    post(message) {
      for (const other of group) if (other !== listener) queueMicrotask(() => group.has(other) && other(message));
    },
    close() {
      group.delete(listener);
      if (group.size === 0 && realm.get(channelName) === group) realm.delete(channelName);
    },
  };
}

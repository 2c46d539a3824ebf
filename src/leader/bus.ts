/**
 * A scoped message bus of one channel name: the manager's own channels for managers that exclude across
 * a cluster (`scope: 'cluster'`, core/channel.ts), a BroadcastChannel for managers that exclude across an
 * origin (`scope: 'origin'`), an in-realm bus for realm-scoped ones (the memory backend: elections or
 * services in other tabs or processes are other ones, and must not hear these). Messages that fail the
 * bus's check (another protocol version, malformed) are dropped. Delivery is never to the sender itself,
 * as with BroadcastChannel. Used by the leader election (its announcements) and by crosslock/service.
 *
 * Back/forward cache: Chromium does not keep a page with an open BroadcastChannel (its
 * "BroadcastChannel" not-restored reason), so the channel is closed on a `persisted` pagehide and opened
 * again on the `persisted` pageshow that restores the page, when `onRestore` lets the owner catch up.
 * Globals are looked up when the bus is made, never at import.
 */
import { CLUSTER_CHANNEL, type ClusterChannels } from '../core/channel.js';
import { UnsupportedError } from '../core/errors.js';
import type { LockScope } from '../core/types.js';
import { isLeaderMessage, LEADER_PROTOCOL_VERSION, type LeaderMessage } from './messages.js';

export interface Bus<M> {
  /** Sends to every other listener; throws (DataCloneError) when the message cannot be cloned. */
  post(message: M): void;
  close(): void;
}

/** The election's bus: leader messages. */
export type AnnouncementBus = Bus<LeaderMessage>;

const realm = new Map<string, Set<(message: unknown) => void>>();

export function scopedBus<M>(
  scope: LockScope,
  channelName: string,
  check: (data: unknown) => data is M,
  listener: (message: M) => void,
  onRestore: () => void = () => {},
  cluster?: ClusterChannels,
): Bus<M> {
  if (scope === 'cluster') {
    // The manager's own channels (Redis pub/sub): every process of the cluster hears it. Without them, an
    // in-process bus would pass for one and leave the other processes deaf: refuse instead.
    if (!cluster) throw new UnsupportedError("a 'cluster' manager without channels");
    const channel = cluster[CLUSTER_CHANNEL](channelName, (data) => check(data) && listener(data));
    return { post: (message) => channel.post(message), close: () => channel.close() };
  }
  if (scope === 'origin' && typeof BroadcastChannel === 'function') {
    let channel: BroadcastChannel | undefined;
    const open = (): void => {
      channel = new BroadcastChannel(channelName);
      channel.onmessage = (event: MessageEvent) => {
        if (check(event.data)) listener(event.data);
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
        // Closed (or in the back/forward cache): nothing to tell. A message that cannot be cloned throws.
        channel?.postMessage(message);
      },
      close() {
        if (page) (removeEventListener('pagehide', onHide), removeEventListener('pageshow', onShow));
        channel = void channel?.close();
      },
    };
  }
  // Realm scope (or no BroadcastChannel): listeners of this realm, each message delivered as a microtask
  // (structured-cloned, as a channel would: a receiver never shares an object with its sender).
  let listeners = realm.get(channelName);
  if (!listeners) realm.set(channelName, (listeners = new Set()));
  const group = listeners;
  const own = (message: unknown): void => {
    if (check(message)) listener(message);
  };
  group.add(own);
  return {
    post(message) {
      const copy = structuredClone(message);
      for (const other of group) if (other !== own) queueMicrotask(() => group.has(other) && other(copy));
    },
    close() {
      group.delete(own);
      if (group.size === 0 && realm.get(channelName) === group) realm.delete(channelName);
    },
  };
}

/** The announcement bus of one election name (messages.ts). */
export function announcementBus(scope: LockScope, key: string, listener: (message: LeaderMessage) => void, onRestore: () => void = () => {}, cluster?: ClusterChannels): AnnouncementBus {
  return scopedBus(scope, `crosslock:leader:v${LEADER_PROTOCOL_VERSION}:${key}`, isLeaderMessage, listener, onRestore, cluster);
}

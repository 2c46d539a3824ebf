/**
 * Messages across a manager's whole scope, for scopes a BroadcastChannel does not reach. A manager of
 * scope `'cluster'` (Redis: processes on many hosts) offers channels through this symbol-keyed method,
 * and the coordination layers (the leader election's announcements) use them where they would use a
 * BroadcastChannel in a browser. Like a BroadcastChannel, a channel never delivers to its own sender,
 * and delivery is best effort: a lost message costs a recheck, never correctness.
 */
export const CLUSTER_CHANNEL: unique symbol = Symbol.for('crosslock.clusterChannel') as never;

export interface ClusterChannel {
  /** Sends to every other channel of this name (messages are plain data: JSON on the wire). */
  post(message: unknown): void;
  close(): void;
}

export interface ClusterChannels {
  [CLUSTER_CHANNEL](name: string, listener: (message: unknown) => void): ClusterChannel;
}

/** The manager's channels, if it offers them. */
export function clusterChannels(manager: unknown): ClusterChannels | undefined {
  return typeof (manager as Partial<ClusterChannels> | null)?.[CLUSTER_CHANNEL] === 'function' ? (manager as ClusterChannels) : undefined;
}

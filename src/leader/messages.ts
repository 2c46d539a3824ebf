/**
 * What elections of one lock say to each other (the announcement bus, bus.ts). Versioned: a message of
 * another version is dropped, so old and new code never misread each other (they still meet in the lock).
 *
 * - `beat`: "I lead, in this term, since then", sent when leadership starts and on every heartbeat;
 * - `gone`: "I no longer lead (this term)", sent on resign, loss and close;
 * - `ask`: "who leads?", sent by a new election so the leader beats at once instead of on its next tick;
 * - `visible`: "I wait to lead, and my page is visible" (visible.ts; only with `preferVisible`). Added
 *   within version 1: older code drops it as malformed, which is what it should do with it.
 */
export const LEADER_PROTOCOL_VERSION = 1;

export type LeaderMessage =
  | { readonly v: typeof LEADER_PROTOCOL_VERSION; readonly t: 'beat'; readonly clientId: string; readonly term: number; readonly since: number }
  | { readonly v: typeof LEADER_PROTOCOL_VERSION; readonly t: 'gone'; readonly clientId: string; readonly term: number }
  | { readonly v: typeof LEADER_PROTOCOL_VERSION; readonly t: 'ask' }
  | { readonly v: typeof LEADER_PROTOCOL_VERSION; readonly t: 'visible'; readonly clientId: string };

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

export function isLeaderMessage(data: unknown): data is LeaderMessage {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as Record<string, unknown>;
  if (m.v !== LEADER_PROTOCOL_VERSION) return false;
  if (m.t === 'ask') return true;
  if (typeof m.clientId !== 'string') return false;
  if (m.t === 'visible') return true;
  if (!finite(m.term)) return false;
  return m.t === 'gone' || (m.t === 'beat' && finite(m.since));
}

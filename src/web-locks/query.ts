/**
 * `query()` for Web Locks, loaded on the first query (or the first timeout, whose error names the
 * holders): the browser's snapshot, with this realm's entries named by the crosslock manager that made
 * them (see `attribution.ts`); other tabs' entries keep their browser client id.
 */
import { randomId } from '../core/random.js';
import type { LockInfo, LockMode, LockSnapshot } from '../core/types.js';
import type { Request } from './attribution.js';
import type { BrowserLocks } from './support.js';

let ownClientId: Promise<string | undefined> | undefined;

/** This realm's browser client id, learnt once by holding a throw-away lock and finding it in a query. */
function own(locks: BrowserLocks): Promise<string | undefined> {
  const probe = `crosslock-probe.${randomId()}`;
  ownClientId ??= locks
    .request(probe, { ifAvailable: true }, async () => (await locks.query()).held?.find((l) => l.name === probe)?.clientId)
    .catch(() => undefined);
  return ownClientId;
}

export async function query(locks: BrowserLocks, requests: Iterable<Request>): Promise<LockSnapshot> {
  const [snapshot, me] = await Promise.all([locks.query(), own(locks)]);
  const unclaimed = [...requests];
  const map = (list: readonly globalThis.LockInfo[] | undefined, held: boolean): LockInfo[] =>
    (list ?? []).map((info) => {
      const name = info.name ?? '';
      const mode: LockMode = info.mode === 'shared' ? 'shared' : 'exclusive';
      let clientId = info.clientId;
      if (me !== undefined && clientId === me) {
        const at = unclaimed.findIndex((r) => r.name === name && r.mode === mode && !r.held === !held);
        if (at >= 0) clientId = unclaimed.splice(at, 1)[0]!.clientId;
      }
      return clientId === undefined ? { name, mode } : { name, mode, clientId };
    });
  return { held: map(snapshot.held, true), pending: map(snapshot.pending, false) };
}

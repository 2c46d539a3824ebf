/**
 * Who holds what, for `query()`. `navigator.locks.query()` names holders by browser client (one id per
 * tab or worker), so two managers of one tab look alike. This realm-wide register remembers which
 * crosslock manager made each of this realm's requests; the query maps this realm's browser client id
 * back to manager ids, and leaves other tabs' entries with their browser client id.
 *
 * It is diagnostics only: exclusion never depends on it.
 */
import { randomId } from '../core/random.js';
import type { LockInfo, LockMode, LockSnapshot } from '../core/types.js';
import type { BrowserLocks } from './support.js';

export interface Request {
  readonly name: string;
  readonly mode: LockMode;
  readonly clientId: string;
  state: 'pending' | 'held';
}

export class Attribution {
  static #realm: Attribution | undefined;

  static realm(): Attribution {
    Attribution.#realm ??= new Attribution();
    return Attribution.#realm;
  }

  readonly #requests = new Set<Request>();
  #ownClientId: Promise<string | undefined> | undefined;

  add(name: string, mode: LockMode, clientId: string): Request {
    const request: Request = { name, mode, clientId, state: 'pending' };
    this.#requests.add(request);
    return request;
  }

  remove(request: Request): void {
    this.#requests.delete(request);
  }

  /** The browser's snapshot, with this realm's entries named by the manager that made them. */
  async query(locks: BrowserLocks): Promise<LockSnapshot> {
    const [snapshot, own] = await Promise.all([locks.query(), this.#own(locks)]);
    const unclaimed = [...this.#requests];
    const map = (list: readonly LockInfoLike[] | undefined, state: Request['state']): LockInfo[] =>
      (list ?? []).map((info) => {
        const name = info.name ?? '';
        const mode: LockMode = info.mode === 'shared' ? 'shared' : 'exclusive';
        let clientId = info.clientId;
        if (own !== undefined && clientId === own) {
          const at = unclaimed.findIndex((r) => r.name === name && r.mode === mode && r.state === state);
          if (at >= 0) clientId = unclaimed.splice(at, 1)[0]!.clientId;
        }
        return clientId === undefined ? { name, mode } : { name, mode, clientId };
      });
    return { held: map(snapshot.held, 'held'), pending: map(snapshot.pending, 'pending') };
  }

  /** This realm's browser client id, learnt once by holding a throw-away lock and finding it in a query. */
  #own(locks: BrowserLocks): Promise<string | undefined> {
    this.#ownClientId ??= (async () => {
      const probe = `crosslock-probe.${randomId()}`;
      const found = await locks.request(probe, { ifAvailable: true }, async () => {
        const { held } = await locks.query();
        return held?.find((l) => l.name === probe)?.clientId;
      });
      return found;
    })().catch(() => undefined);
    return this.#ownClientId;
  }
}

interface LockInfoLike {
  name?: string;
  mode?: string;
  clientId?: string;
}

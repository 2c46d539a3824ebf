/**
 * The `leader` chaos campaign of a page: a `LeaderElection` named `wallet` and a loop that leads
 * whenever it can, until `close()`. Each leadership is logged (term, manager, the lock record's stored
 * generation right after) before any action under it; each action is a fenced chain write under the
 * current leadership, or the last one when there is none now (chaos-layer-kit.ts).
 *
 * Only `close()` may end the loop: `lead()` rejecting with anything while the campaign is not closed is
 * a dead campaign, reported at once as a problem. The election's `'error'` events are counted.
 */
import type { LockManager } from '../../src/index.js';
import { LeaderElection, type Leadership } from '../../src/leader.js';
import { ELECTION, type LayerSetup } from '../chaos/layers/types.js';
import { LOCK_PREFIX } from '../chaos/types.js';
import { logLead, storedGeneration } from './chaos-layer-log.js';
import { aborted, describe, fencedWrite, type Campaign, type Sink } from './chaos-layer-kit.js';

export class LeaderCampaign implements Campaign {
  readonly election: LeaderElection;
  #last: { leadership: Leadership; logged: Promise<unknown> } | undefined;
  #closing = false;
  readonly #listeners: Array<() => void> = [];

  constructor(
    readonly manager: LockManager,
    readonly sink: Sink,
    setup: LayerSetup,
    readonly next: () => number,
  ) {
    this.election = new LeaderElection(manager, ELECTION, { heartbeatMs: setup.heartbeatMs, staleAfterMs: setup.staleAfterMs });
    this.election.addEventListener('error', (event) => sink.countError((event as Event & { error?: unknown }).error));
    sink.watch('the leader campaign', this.#run());
  }

  async #run(): Promise<void> {
    for (;;) {
      let leadership: Leadership;
      try {
        leadership = await this.election.lead();
      } catch (error) {
        if (!this.#closing) this.sink.problem(`its leader campaign died without close(): lead() rejected with ${describe(error)}`);
        return;
      }
      const seq = this.next();
      const logged = this.sink.track(
        'logging a leadership',
        storedGeneration(`${LOCK_PREFIX}+${leadership.guard.name}`).then((stored) =>
          logLead({ lockName: 'leader', generation: leadership.term, owner: this.manager.clientId, actor: this.sink.tag, seq, stored }),
        ),
      );
      this.#last = { leadership, logged };
      for (const listener of this.#listeners) listener();
      await aborted(leadership.signal);
      if (this.#closing) return;
    }
  }

  leading(): boolean {
    return this.election.isLeader;
  }

  onLead(listener: () => void): void {
    this.#listeners.push(listener);
  }

  async act(): Promise<void> {
    const last = this.#last;
    if (!last) return;
    await last.logged;
    const { leadership } = last;
    const id = `${this.manager.clientId}.${this.sink.id()}`;
    this.sink.writes.push((await fencedWrite(leadership.guard, 'leader', leadership.term, this.manager.clientId, this.sink.tag, id)).report);
  }

  async resign(): Promise<void> {
    if (this.election.isLeader) await this.#last?.leadership.resign();
  }

  async read(): Promise<void> {}

  async prove(): Promise<string> {
    if (!this.election.isLeader) return 'not leader';
    await this.act();
    return this.sink.writes.at(-1)?.outcome ?? 'no write';
  }

  async close(): Promise<string | undefined> {
    this.#closing = true;
    await this.election.close();
    const last = this.#last?.leadership;
    if (this.election.isLeader) return 'the election still leads after close() resolved';
    if (last && !last.signal.aborted) return `its leadership (term ${last.term}) is not over after close() resolved`;
    if (last && !last.guard.released) return `its leadership's lock (term ${last.term}) is still held after close() resolved`;
    return undefined;
  }
}

/**
 * The `backup` chaos campaign of a page: a `BackupSwapper({ manager })` of wallet `chaos-wallet`,
 * which runs its own election and campaigns in it. It keeps every replaced backup in its archive
 * (`keep: KEEP_ALL`), so at the end the archive and the latest backup are every swap that ever committed:
 * the checker needs no timing to see one lost, forked or gone back.
 *
 * Each `act` gives `update()` a fresh state `<tag>.<n>` (logged BEFORE the call: a stored payload that
 * was never a state is invented or torn). Each swap's `'backup'` event is logged (sequence, state). Each
 * `read` reads the stored latest backup raw (chaos-layer-log.ts, spared by the faults) and decodes it with
 * src/backup/format.ts; one page's reads are serialised, so what they see may only go forward.
 * Leaderships gained are logged (term, manager) for "one term, one leader". The swapper's `'error'`
 * events are counted. A swapper whose campaign died shows at the end: it never writes again (run.ts).
 */
import type { LockManager } from '../../src/index.js';
import { BackupSwapper, type BackupEvent } from '../../src/backup.js';
import { decode } from '../../src/backup/format.js';
import type { Leadership } from '../../src/leader.js';
import { WALLET, type StoredBackup } from '../chaos/layers/types.js';
import { LOCK_PREFIX } from '../chaos/types.js';
import { logLead, logRead, logSwap, logUpdate, readCrosslock, storedGeneration } from './chaos-layer-log.js';
import { nameOf, type Campaign, type Sink } from './chaos-layer-kit.js';

/** As good as all: a run makes a few thousand swaps at most. */
export const KEEP_ALL = 1_000_000;
const text = new TextEncoder();

/** A stored backup, decoded with src/backup/format.ts (its bytes as crosslock's IndexedDB target keeps them). */
export async function decodeStored(key: string, bytes: unknown): Promise<StoredBackup> {
  try {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`stored as ${Object.prototype.toString.call(bytes)}, not bytes`);
    const backup = await decode(bytes, { walletId: WALLET });
    return { key, sequence: backup.sequence, state: new TextDecoder().decode(backup.payload) };
  } catch (error) {
    return { key, error: `${nameOf(error)}: ${(error as Error)?.message}` };
  }
}

/** The namespace the IndexedDB backup target keeps wallet `WALLET`'s backups under (src/backup/indexeddb.ts). */
const NAMESPACE = `backup:${WALLET}`;

/** The latest backup and (unless `latestOnly`) the archive, as stored now. */
export async function storedBackups(latestOnly = false): Promise<{ latest: StoredBackup | undefined; archive: StoredBackup[] }> {
  const latest = await readCrosslock<Uint8Array>('fenced', [NAMESPACE, 'latest']);
  const archive = latestOnly ? [] : ((await readCrosslock<unknown[]>('fenced', IDBKeyRange.bound([NAMESPACE, 'archive.'], [NAMESPACE, 'archive.\uffff']), true)) ?? []);
  return {
    latest: latest === undefined ? undefined : await decodeStored('latest', latest),
    archive: await Promise.all(archive.map((bytes, i) => decodeStored(`archive #${i}`, bytes))),
  };
}

/** This page's reads, one at a time and numbered in order, whichever campaign makes them (a reopen makes another). */
let reads = 0;
let reading: Promise<void> = Promise.resolve();

export class BackupCampaign implements Campaign {
  readonly swapper: BackupSwapper<string>;
  #logged: Leadership | undefined;
  readonly #listeners: Array<() => void> = [];

  constructor(
    readonly manager: LockManager,
    readonly sink: Sink,
    readonly next: () => number,
  ) {
    this.swapper = new BackupSwapper<string>({ manager, walletId: WALLET, pack: (state) => text.encode(state), keep: KEEP_ALL });
    this.swapper.addEventListener('error', (event) => sink.countError((event as Event & { error?: unknown }).error));
    this.swapper.addEventListener('backup', (event) => {
      const { info, bytes } = event as BackupEvent;
      void sink.track('logging a swap', decodeStored('swap', bytes).then((b) => logSwap({ sequence: info.sequence, state: b.state ?? `undecodable: ${b.error}`, actor: sink.tag })));
    });
    this.swapper.election.addEventListener('change', () => {
      const leadership = this.swapper.election.leadership;
      if (!leadership || leadership === this.#logged) return;
      this.#logged = leadership;
      const seq = this.next();
      void sink.track(
        'logging a leadership',
        storedGeneration(`${LOCK_PREFIX}+${leadership.guard.name}`).then((stored) => logLead({ lockName: 'backup', generation: leadership.term, owner: manager.clientId, actor: sink.tag, seq, stored })),
      );
      for (const listener of this.#listeners) listener();
    });
  }

  leading(): boolean {
    return this.swapper.election.isLeader;
  }

  onLead(listener: () => void): void {
    this.#listeners.push(listener);
  }

  async act(): Promise<void> {
    await this.update(this.sink.id());
  }

  async update(state: string): Promise<string> {
    await logUpdate(state);
    try {
      const info = await this.swapper.update(state);
      this.sink.updates.push(info ? { state, outcome: 'written', sequence: info.sequence } : { state, outcome: 'null' });
      return info ? 'written' : 'null';
    } catch (error) {
      this.sink.updates.push({ state, outcome: nameOf(error), detail: (error as Error)?.message });
      return `${nameOf(error)} (${(error as Error)?.message})`;
    }
  }

  async resign(): Promise<void> {
    await this.swapper.election.leadership?.resign();
  }

  read(): Promise<void> {
    const order = ++reads;
    const read = reading.then(async () => {
      const { latest } = await storedBackups(true);
      await logRead({ actor: this.sink.tag, order, ...(latest ? { seen: latest } : {}) });
    });
    reading = read.catch(() => {});
    return read;
  }

  async prove(): Promise<string> {
    if (!this.leading()) return 'not leader';
    return this.update(`final.${this.sink.id()}`);
  }

  async close(): Promise<string | undefined> {
    await this.swapper.close();
    if (this.swapper.election.isLeader) return 'its swapper still leads after close()';
    return undefined;
  }
}

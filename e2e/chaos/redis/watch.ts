/**
 * A grant WATCHED while held, in a chaos process (child.ts): `guard.signal.aborted` is read every
 * READ_EVERY_MS (each read runs crosslock's synchronous lease checks), bracketed by two readings of the
 * machine-wide monotonic clock, and the grant's `Hold` (types.ts) is sent to the driver at its start,
 * every FLUSH_EVERY_MS while it changes (the process flushes its watches), and at its end, so a holder
 * killed mid-hold still counts up to its last report. Nothing is read after the first "aborted", nor
 * after `end()` (called right before the release: the release ends the belief).
 */
import type { LockGuard } from '../../../src/index.js';
import { monoNow, type FromChild, type Hold } from './types.js';

/** A holder reads its signal this often: short against the lease (1000 ms), cheap (a synchronous check). */
const READ_EVERY_MS = 5;
/** Hold updates are sent this often: a killed holder loses at most this much of its reads (the check only gets weaker). */
export const FLUSH_EVERY_MS = 50;

export class Watch {
  readonly hold: Hold;
  #timer: ReturnType<typeof setInterval> | undefined;
  #dirty = true;

  constructor(
    readonly guard: LockGuard,
    who: Pick<Hold, 'key' | 'actor' | 'owner'>,
    private readonly send: (message: FromChild) => void,
    onLost: (kind: string) => void,
  ) {
    const signal = guard.signal;
    const lost = (): void => onLost((signal.reason as { kind?: string })?.kind ?? 'unknown');
    if (signal.aborted) lost();
    else signal.addEventListener('abort', lost, { once: true });
    this.hold = { ...who, name: guard.name, mode: guard.mode, generation: guard.generation!, grantedAt: monoNow(), reads: 0 };
    if (this.read()) this.#timer = setInterval(() => this.read(), READ_EVERY_MS);
    this.flush();
  }

  /** One read of the signal; true when it said "not aborted". */
  read(): boolean {
    if (this.hold.releasedAt !== undefined || this.hold.lostAt !== undefined) return false;
    const t1 = monoNow();
    const aborted = this.guard.signal.aborted;
    const t2 = monoNow();
    this.hold.reads++;
    this.#dirty = true;
    if (!aborted) {
      if (this.hold.firstT1 === undefined) [this.hold.firstT1, this.hold.firstT2] = [t1, t2];
      this.hold.lastT1 = t1;
      return true;
    }
    this.hold.lostAt = t2;
    this.hold.lostKind = (this.guard.signal.reason as { kind?: string })?.kind ?? 'unknown';
    clearInterval(this.#timer);
    return false;
  }

  /** The last read before the release; nothing is read after it. Once. */
  end(): void {
    if (this.hold.releasedAt !== undefined) return;
    this.read();
    clearInterval(this.#timer);
    this.hold.releasedAt = monoNow();
    this.#dirty = true;
    this.flush();
  }

  flush(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    this.send({ t: 'hold', hold: this.hold });
  }
}

/**
 * `RedisLeaseStore`: the lease store (lease/store.ts) in Redis. Every update is READ → rule → CAS
 * (scripts.ts explains the choice): the rule runs on the records and on Redis `TIME` read in one step,
 * and its writes land only if nothing changed in between; otherwise the CAS answers with what is there
 * now (and TIME), and the rule runs again on that. A rule is pure, so running it again is safe; only the
 * last run's result is written and returned.
 *
 * A release skips the READ: it decides on the record as this store last saw it and on a time Redis has
 * certainly reached (`RedisClock.lower()`), which is safe for a release (lease/store.ts `UpdateHints`),
 * and its CAS checks the record is unchanged. The handoff to the next waiter is then one round trip.
 *
 * Values are the lease records as JSON. A value that is not JSON (written by something else) is given
 * to the rule as the string it is, which `normalise` treats as a broken record: repaired, and reported.
 */
import { StorageError } from '../../core/errors.js';
import type { LeaseStore, Rule, RuleResult, UpdateHints } from '../../lease/store.js';
import type { RedisClock } from './clock.js';
import type { Commands } from './client.js';
import { ACTIVE, CAS, READ, SCAN, SWEEP, type Keys } from './scripts.js';

/**
 * How many times an update reads again after losing its CAS before it fails (`StorageError('failed')`).
 * Each loss means another writer of the same record won, so 100 in a row is not contention but a record
 * rewritten by something that is not crosslock.
 */
const MAX_ATTEMPTS = 100;

/** Records remembered for one-round-trip releases: the names a process holds at once, with room to spare. */
const CACHE_SIZE = 1024;

/** The record read back ('' for none) as the rule wants it. */
export function parseRecord(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** Redis `TIME` (seconds and microseconds, as strings) in ms. */
export const redisMs = (seconds: string, micros: string): number => Number(seconds) * 1000 + Number(micros) / 1000;

export class RedisLeaseStore implements LeaseStore {
  /** The records as this store last read or wrote them (most recent last), for releases (see update). */
  readonly #cache = new Map<string, string>();
  #floor: string | undefined;
  /** The born stamp last read (scripts.ts): a release decided on remembered records lands only if it is unchanged. */
  #born: string | undefined;
  /** Two updates in flight land in whichever order their CAS wins. */
  readonly ordered = false;
  /** Rules run on Redis `TIME`. */
  readonly ownTime = true;
  /** A release's message is published by its CAS script (see scripts.ts), on the lease bus's channel. */
  readonly announces = true;

  constructor(
    readonly database: string,
    private readonly commands: Commands,
    private readonly keys: Keys,
    private readonly clock: RedisClock,
  ) {}

  async update<R extends RuleResult>(items: ReadonlyArray<readonly [string, Rule<R>]>, hints: UpdateHints = {}): Promise<R[]> {
    // Each name once: two rules of one name (two shared grants renewed together) run one after the
    // other, the second on what the first wrote, as in one IndexedDB transaction; one CAS entry per name.
    const names = [...new Set(items.map(([name]) => name))];
    const what = `update the lease of "${names[0]}"`;
    // A release may start from the records as this store last saw them and a time Redis has certainly
    // reached (lease/store.ts `UpdateHints`): one round trip when nothing changed since. Anything else
    // reads the records and Redis TIME first.
    const lower = hints.releaseOnly ? this.clock.lower() : undefined;
    const cached = names.map((name) => this.#cache.get(name));
    const remembered = lower !== undefined && this.#floor !== undefined && this.#born !== undefined && cached.every((v) => v !== undefined);
    let state = remembered ? { now: lower, floor: this.#floor!, born: this.#born!, values: cached as string[], fresh: false } : { ...(await this.read(names, what)), fresh: true };
    for (let attempt = 1; ; attempt++) {
      const { now, floor, born, values } = state;
      const current = new Map(names.map((name, i) => [name, values[i]!]));
      // A new record starts above the swept high-water mark AND above Redis time in microseconds: a Redis
      // restarted empty lost its records and its floor, and generations go up by one per change of owner,
      // so a hot lock (over 1000 changes a second) would outrun a clock in milliseconds, never one in µs.
      const above = Math.max(Number(floor), Math.floor(now * 1000));
      const results = items.map(([name, rule]) => {
        const result = rule(parseRecord(current.get(name)!), above, now, Number(born));
        if (result.write !== null) current.set(name, JSON.stringify(result.write));
        return result;
      });
      const changed = names.filter((name, i) => current.get(name) !== values[i]);
      const message = hints.announce?.(results);
      // Nothing to write, on records just read in one step: the answer holds as of that step.
      if (state.fresh && changed.length === 0) {
        if (message) this.commands.publish(this.keys.channel, message);
        return results;
      }
      const args = [floor, message ? this.keys.channel : '', message ? JSON.stringify(message) : '', born];
      names.forEach((name, i) => {
        const value = current.get(name)!;
        const record = parseRecord(value) as { holders?: unknown[]; queue?: unknown[] } | undefined;
        const active = !!(record?.holders?.length || record?.queue?.length);
        args.push(name, values[i]!, value === values[i] ? '' : value, active ? '1' : '0');
      });
      // Sent even when nothing is written (remembered records): it confirms the answer for the record as it is.
      const sent = this.clock.mono();
      const [written, seconds, micros, floorNow, bornNow, ...valuesNow] = await this.commands.run<[number, string?, string?, string?, string?, ...string[]]>(
        CAS,
        [this.keys.records, this.keys.active, this.keys.floor, this.keys.born],
        args,
        what,
      );
      if (written === 1) {
        for (const name of names) this.#remember(name, current.get(name)!);
        return results;
      }
      if (attempt >= MAX_ATTEMPTS) throw new StorageError('failed', `Redis: could not ${what}: the record changed under ${MAX_ATTEMPTS} attempts in a row`);
      state = { ...this.#saw(names, sent, seconds!, micros!, floorNow!, bornNow!, valuesNow), fresh: true };
    }
  }

  /** The records of `names`, the floor, the born stamp (written if missing), and Redis time, in one step. */
  async read(names: readonly string[], what: string): Promise<{ now: number; floor: string; born: string; values: string[] }> {
    const sent = this.clock.mono();
    const [seconds, micros, floor, born, ...values] = await this.commands.run<string[]>(READ, [this.keys.records, this.keys.floor, this.keys.born], names, what);
    return this.#saw(names, sent, seconds!, micros!, floor!, born!, values);
  }

  /** What a READ (or a CAS that lost) returned: remembered, and Redis time observed. */
  #saw(names: readonly string[], sent: number, seconds: string, micros: string, floor: string, born: string, values: string[]): { now: number; floor: string; born: string; values: string[] } {
    const now = redisMs(seconds, micros);
    this.clock.observe(now, sent);
    this.#floor = floor;
    this.#born = born;
    names.forEach((name, i) => this.#remember(name, values[i]!));
    return { now, floor, born, values };
  }

  #remember(name: string, value: string): void {
    this.#cache.delete(name);
    this.#cache.set(name, value);
    if (this.#cache.size > CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value!);
  }

  async active(): Promise<Array<[string, unknown]>> {
    const flat = await this.commands.run<string[]>(ACTIVE, [this.keys.records, this.keys.active], [], 'read the active lease records');
    const rows: Array<[string, unknown]> = [];
    for (let i = 0; i < flat.length; i += 2) if (flat[i + 1] !== '') rows.push([flat[i]!, parseRecord(flat[i + 1]!)]);
    return rows;
  }

  /**
   * `from` is an HSCAN cursor (Redis hashes have no key order): a pass may visit a record twice, never miss
   * one. The records are judged on Redis time read in the same step as the scan, never this process's clock.
   */
  async sweep(idle: (stored: unknown, name: string, now?: number) => number | undefined, from: string | undefined, limit: number): Promise<{ next: string | undefined; removed: number }> {
    const what = 'sweep idle lease records';
    const [seconds, micros, cursor, ...flat] = await this.commands.run<string[]>(SCAN, [this.keys.records], [from ?? '0', String(limit)], what);
    const now = redisMs(seconds!, micros!);
    const args: string[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const generation = idle(parseRecord(flat[i + 1]!), flat[i]!, now);
      if (generation !== undefined) args.push(flat[i]!, flat[i + 1]!, String(generation));
    }
    const removed = args.length === 0 ? 0 : await this.commands.run<number>(SWEEP, [this.keys.records, this.keys.active, this.keys.floor], args, what);
    return { next: cursor === '0' ? undefined : cursor, removed };
  }

  close(): void {
    // The client is the app's: it closes it.
  }
}

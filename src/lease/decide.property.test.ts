/**
 * Properties of the lease rule (fast-check), beside the exhaustive table of decide.test.ts:
 * - over arbitrary stored values, clocks and lease settings, one decision keeps the record's
 *   invariants (no exclusive holder beside another, no entry past its own lease, generations only up);
 * - over random sequences of managers with DIFFERENT lease settings asking, waiting, renewing and
 *   releasing on a clock that moves forward, no manager is ever granted the lock while another
 *   manager's lease, judged by that manager's own setting, is still live (issue 11, item 1: a tab on a
 *   short lease cut a long one), and a handoff goes only to a request that was waiting.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LockMode } from '../core/types.js';
import { decide, type Intent } from './decide.js';
import { MAX_LEASE_MS, type Entry, type LeaseRecord } from './record.js';

const modes = fc.constantFrom<LockMode>('exclusive', 'shared');
const intents = fc.constantFrom<Intent>('acquire', 'wait', 'renew', 'release');
const leases = fc.integer({ min: 2, max: MAX_LEASE_MS });
const NOW = 5_000_000;

const entries = fc.array(
  fc.record({
    owner: fc.constantFrom('a', 'b', 'c', 'me'),
    token: fc.constantFrom('t1', 't2', 't3', 'mine'),
    mode: modes,
    expires: fc.integer({ min: NOW - 20_000, max: NOW + 2 * MAX_LEASE_MS }),
    lease: leases,
  }),
  { maxLength: 4 },
);
const records = fc.record({
  v: fc.constant(2 as const),
  generation: fc.integer({ min: 0, max: 1e12 }),
  lastOwner: fc.constantFrom(null, 'a', 'b', 'me'),
  used: fc.integer({ min: 0, max: NOW }),
  holders: entries,
  queue: entries,
});
const storedValues = fc.oneof(records, fc.constant(undefined), fc.anything());

describe('decide: properties', () => {
  it('inside the window after a loss of records, nothing is granted that was not held already (steals aside)', () => {
    fc.assert(
      fc.property(storedValues, intents, modes, leases, fc.integer({ min: 1, max: MAX_LEASE_MS }), (stored, intent, mode, lease, left) => {
        let d: ReturnType<typeof decide>;
        try {
          d = decide(stored, { now: NOW, lease, owner: 'me', token: 'mine', mode, intent, quietUntil: NOW + left });
        } catch {
          return; // a newer version's record: refused (the property above)
        }
        const before = new Set(((stored as Partial<LeaseRecord> | undefined)?.holders ?? []).map((e) => (e as Entry | undefined)?.token));
        expect(d.promoted).toEqual([]);
        for (const e of d.record.holders) expect(before.has(e.token)).toBe(true);
        if (d.verdict === 'refuse') expect(d.retryAt).toBe(NOW + left);
      }),
    );
  });

  it('one decision on any stored value keeps the record invariants', () => {
    fc.assert(
      fc.property(storedValues, intents, modes, leases, fc.integer({ min: 0, max: 1e9 }), (stored, intent, mode, lease, floor) => {
        let d: ReturnType<typeof decide>;
        try {
          d = decide(stored, { now: NOW, lease, owner: 'me', token: 'mine', mode, intent, floor });
        } catch (error) {
          // Only a record of a newer version is refused, with StorageError('version').
          expect(error).toMatchObject({ name: 'StorageError', kind: 'version' });
          expect((stored as { v: number }).v).toBeGreaterThan(2);
          return;
        }
        const r = d.record;
        expect(r.holders.length > 1 && r.holders.some((e) => e.mode === 'exclusive')).toBe(false);
        for (const e of [...r.holders, ...r.queue]) expect(e.expires > NOW && e.expires <= NOW + e.lease).toBe(true);
        const before = (stored as Partial<LeaseRecord> | undefined)?.generation;
        if (!d.corrupt && typeof before === 'number' && stored !== undefined) {
          expect(r.generation - before).toBe(d.generationUp ? 1 : 0);
        } else {
          expect(r.generation).toBeGreaterThan(floor); // new or repaired: above the high-water mark
        }
        if (d.write) expect(d.write).toEqual(r);
      }),
      { numRuns: 3000 },
    );
  });

  it('a live entry of another request keeps its place and expiry, whatever the asker\'s lease', () => {
    fc.assert(
      fc.property(records, intents, modes, leases, (stored, intent, mode, lease) => {
        const tokens = [...stored.holders, ...stored.queue].map((e) => e.token);
        fc.pre(new Set(tokens).size === tokens.length); // a token is one request: it stands in a record once
        const d = decide(stored, { now: NOW, lease, owner: 'me', token: 'mine', mode, intent });
        if (d.corrupt) return;
        const after = [...d.record.holders, ...d.record.queue];
        for (const e of [...stored.holders, ...stored.queue]) {
          if (e.token === 'mine' || e.expires <= NOW || e.expires > NOW + e.lease) continue;
          const kept = after.find((a) => a.token === e.token);
          expect(kept, 'a live entry vanished').toBeDefined();
          expect(kept!.expires).toBeGreaterThanOrEqual(e.expires);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('random managers with mixed lease settings: no grant while another lease is live by its own length', () => {
    type State = { kind: 'idle' } | { kind: 'waiting'; token: string; mode: LockMode } | { kind: 'holding'; token: string; mode: LockMode; since: number };
    const step = fc.record({ who: fc.nat(3), intent: intents, mode: modes, advance: fc.integer({ min: 0, max: 4000 }) });
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 500, max: 12_000 }), { minLength: 2, maxLength: 4 }), fc.array(step, { maxLength: 60 }), (settings, steps) => {
        let stored: unknown;
        let now = NOW;
        let serial = 0;
        const states: State[] = settings.map(() => ({ kind: 'idle' }));
        const liveHolders = (except: number) =>
          states.flatMap((s, j) => (j !== except && s.kind === 'holding' && s.since + settings[j]! > now ? [{ j, mode: s.mode }] : []));
        for (const { who, intent, mode, advance } of steps) {
          now += advance;
          const i = who % settings.length;
          const state = states[i]!;
          // Each manager has one request at a time; the intent must make sense for its state.
          if ((intent === 'renew' || intent === 'release') && state.kind === 'idle') continue;
          if ((intent === 'acquire' || intent === 'wait') && state.kind === 'holding') continue;
          if (intent === 'renew' && state.kind !== 'holding') continue;
          const token = state.kind === 'idle' ? `r${serial++}` : state.token;
          const asMode = state.kind === 'idle' ? mode : state.mode;
          const d = decide(stored, { now, lease: settings[i]!, owner: `m${i}`, token, mode: asMode, intent });
          if (d.write) stored = d.write;
          const granted: Array<{ j: number; mode: LockMode }> = [];
          if (d.verdict === 'take' && state.kind !== 'holding') granted.push({ j: i, mode: asMode });
          for (const e of d.promoted as Entry[]) {
            const j = states.findIndex((s) => s.kind === 'waiting' && s.token === e.token);
            expect(j, 'a handoff went to a request that was not waiting').toBeGreaterThanOrEqual(0);
            granted.push({ j, mode: e.mode });
          }
          if (intent === 'release') states[i] = { kind: 'idle' };
          for (const g of granted) {
            for (const other of liveHolders(g.j)) {
              expect(g.mode === 'shared' && other.mode === 'shared', `m${g.j} granted ${g.mode} while m${other.j} holds ${other.mode} on a live lease`).toBe(true);
            }
            const s = states[g.j]!;
            states[g.j] = { kind: 'holding', token: s.kind === 'idle' ? token : (s as { token: string }).token, mode: g.mode, since: now };
          }
          if (d.verdict === 'extend') states[i] = { ...(state as Extract<State, { kind: 'holding' }>), since: now };
          if (d.verdict === 'lost') states[i] = { kind: 'idle' };
          if (d.verdict === 'refuse' && intent === 'wait') states[i] = { kind: 'waiting', token, mode: asMode };
          if (d.verdict === 'refuse' && intent === 'acquire' && state.kind === 'idle') states[i] = { kind: 'idle' };
        }
      }),
      { numRuns: 2000 },
    );
  });
});

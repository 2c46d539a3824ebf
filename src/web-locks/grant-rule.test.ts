import { describe, expect, it } from 'vitest';
import { freshRecord, type LeaseRecord } from '../lease/record.js';
import { recordGrant, type GrantInput } from './grant-rule.js';

const NOW = 1_700_000_000_000;
const grant = (owner: string, more: Partial<GrantInput> = {}): GrantInput => ({ now: NOW, owner, mode: 'exclusive', steal: false, floor: 0, ...more });
const stored: LeaseRecord = { v: 2, generation: 42, lastOwner: 'tab-a', used: NOW - 1000, holders: [], queue: [] };

describe('recordGrant (the Web Locks ledger rule)', () => {
  it('starts a new lock at the wall-clock generation, owned by the grantee', () => {
    const { record, generationUp, write } = recordGrant(undefined, grant('tab-a'));
    expect(record).toEqual({ ...freshRecord(NOW), generation: NOW + 1, lastOwner: 'tab-a', used: NOW });
    expect(generationUp).toBe(true);
    expect(write).toEqual(record);
  });

  it('keeps the generation when the same owner takes the lock again', () => {
    const { record, generationUp } = recordGrant(stored, grant('tab-a'));
    expect(record.generation).toBe(42);
    expect(generationUp).toBe(false);
  });

  it('raises the generation by one when another owner takes it', () => {
    const { record, generationUp } = recordGrant(stored, grant('tab-b'));
    expect(record).toMatchObject({ generation: 43, lastOwner: 'tab-b' });
    expect(generationUp).toBe(true);
  });

  it('raises the generation on a steal even by the same manager, so the victim is fenced out (issue 11, item 6)', () => {
    expect(recordGrant(stored, grant('tab-a', { steal: true }))).toMatchObject({ generationUp: true, record: { generation: 43, lastOwner: 'tab-a' } });
  });

  it('never moves the generation or the last owner for a shared grant, and writes nothing then (item 11)', () => {
    expect(recordGrant(stored, grant('tab-b', { mode: 'shared' }))).toEqual({ record: stored, generationUp: false, write: null });
    const fresh = recordGrant(undefined, grant('tab-b', { mode: 'shared' }));
    expect(fresh.write).toEqual(fresh.record); // a new record is written once, so every reader sees one generation
    expect(fresh.record.lastOwner).toBeNull();
  });

  it('replaces a corrupt record with a fresh one, never going below the wall clock or the floor', () => {
    for (const corrupt of [null, 'x', { v: 2 }, { v: 1, generation: -1, lastOwner: null, holders: [], queue: [] }]) {
      const { record } = recordGrant(corrupt, grant('tab-a'));
      expect(record.generation).toBeGreaterThanOrEqual(NOW);
      expect(record.lastOwner).toBe('tab-a');
    }
    expect(recordGrant(undefined, grant('tab-a', { floor: NOW * 2 })).record.generation).toBe(NOW * 2 + 2);
  });

  it('refuses a record of a newer version with StorageError("version")', () => {
    expect(() => recordGrant({ v: 3 }, grant('tab-a'))).toThrow(expect.objectContaining({ name: 'StorageError', kind: 'version' }));
  });
});

import { describe, expect, it } from 'vitest';
import { freshRecord, recordGrant, type LeaseRecord } from './record.js';

const NOW = 1_700_000_000_000;

describe('recordGrant (the Web Locks ledger rule)', () => {
  it('starts a new lock at the wall-clock generation, owned by the grantee', () => {
    const { record, generationUp, write } = recordGrant(undefined, NOW, 'tab-a');
    expect(record).toEqual({ ...freshRecord(NOW), generation: NOW + 1, lastOwner: 'tab-a' });
    expect(generationUp).toBe(true);
    expect(write).toEqual(record);
  });

  it('keeps the generation when the same owner takes the lock again', () => {
    const stored: LeaseRecord = { v: 1, generation: 42, lastOwner: 'tab-a', holders: [], queue: [] };
    const { record, generationUp } = recordGrant(stored, NOW, 'tab-a');
    expect(record.generation).toBe(42);
    expect(generationUp).toBe(false);
  });

  it('raises the generation by one when another owner takes it', () => {
    const stored: LeaseRecord = { v: 1, generation: 42, lastOwner: 'tab-a', holders: [], queue: [] };
    const { record, generationUp } = recordGrant(stored, NOW, 'tab-b');
    expect(record).toMatchObject({ generation: 43, lastOwner: 'tab-b' });
    expect(generationUp).toBe(true);
  });

  it('replaces a corrupt record with a fresh one, never going below the wall clock', () => {
    for (const corrupt of [null, 'x', { v: 2 }, { v: 1, generation: -1, lastOwner: null, holders: [], queue: [] }]) {
      const { record } = recordGrant(corrupt, NOW, 'tab-a');
      expect(record.generation).toBeGreaterThanOrEqual(NOW);
      expect(record.lastOwner).toBe('tab-a');
    }
  });
});

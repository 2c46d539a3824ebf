import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackupFormatError } from './errors.js';
import { decode, encode, peek } from './format.js';

const key = () => crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
const backup = (payload: Uint8Array, sequence = 7) => ({ walletId: 'wallet-1', sequence, createdAt: 1_764_633_600_000, payload });

describe('backup format', () => {
  it.each([false, true])('round-trips a backup (encrypted: %s)', async (encrypted) => {
    const k = encrypted ? await key() : undefined;
    const bytes = await encode(backup(new TextEncoder().encode('channels: 3')), k);
    expect(peek(bytes)).toMatchObject({ walletId: 'wallet-1', sequence: 7, encrypted });
    const back = await decode(bytes, { walletId: 'wallet-1', ...(k ? { key: k } : {}) });
    expect(new TextDecoder().decode(back.payload)).toBe('channels: 3');
    expect(back).toMatchObject({ walletId: 'wallet-1', sequence: 7, createdAt: 1_764_633_600_000, encrypted });
  });

  it('says what is wrong, by kind', async () => {
    const k = await key();
    const plain = await encode(backup(new Uint8Array([1, 2, 3])));
    const secret = await encode(backup(new Uint8Array([1, 2, 3])), k);
    const kind = (p: Promise<unknown>) => p.then(() => 'decoded', (e: BackupFormatError) => (e.name === 'BackupFormatError' ? e.kind : e.name));
    expect(await kind(decode(plain.subarray(0, plain.length - 1)))).toBe('truncated');
    expect(await kind(decode(new Uint8Array(3)))).toBe('truncated');
    expect(await kind(decode(new TextEncoder().encode('{"channels":[]} not a backup at all........................................')))).toBe('magic');
    const newer = plain.slice();
    newer[4] = 2;
    expect(await kind(decode(newer))).toBe('version');
    expect(await kind(decode(plain, { walletId: 'another' }))).toBe('wallet');
    expect(await kind(decode(secret))).toBe('key');
    expect(await kind(decode(secret, { key: await key() }))).toBe('key');
    const longer = new Uint8Array(plain.length + 1);
    longer.set(plain);
    expect(await kind(decode(longer))).toBe('checksum');
    await expect(encode({ ...backup(new Uint8Array()), sequence: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(encode({ ...backup(new Uint8Array()), walletId: '' })).rejects.toBeInstanceOf(RangeError);
  });

  it('any single flipped byte or cut is detected: never a different state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), async (payload, where, flip, cut) => {
        const bytes = await encode(backup(payload));
        const damaged = cut ? bytes.subarray(0, where % bytes.length) : bytes.slice();
        if (!cut) damaged[where % bytes.length]! ^= flip;
        await expect(decode(damaged, { walletId: 'wallet-1' })).rejects.toBeInstanceOf(BackupFormatError);
      }),
      { numRuns: 300 },
    );
  });

  it('an encrypted payload cannot be moved under another header (the header is authenticated)', async () => {
    const k = await key();
    const a = await encode(backup(new Uint8Array([1]), 1), k);
    const b = await encode(backup(new Uint8Array([2]), 2), k);
    // b's header (sequence 2) with a's ciphertext, and a checksum made to match: only AES-GCM can tell.
    const forged = b.slice();
    forged.set(a.subarray(a.length - peek(a).length), b.length - peek(b).length);
    forged.set(a.subarray(a.length - peek(a).length - 32 - 12, a.length - peek(a).length - 32), b.length - peek(b).length - 32 - 12); // a's IV
    const body = forged.subarray(0, forged.length - peek(b).length - 32);
    const stored = forged.subarray(forged.length - peek(b).length);
    const all = new Uint8Array(body.length + stored.length);
    all.set(body);
    all.set(stored, body.length);
    forged.set(new Uint8Array(await crypto.subtle.digest('SHA-256', all)), body.length);
    await expect(decode(forged, { key: k })).rejects.toMatchObject({ name: 'BackupFormatError', kind: 'key' });
  });
});

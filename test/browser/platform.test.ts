import { afterEach, describe, expect, it } from 'vitest';
import { platformDefault, type LockManager } from '../../src/index.js';

const made: LockManager[] = [];
const restore: Array<() => void> = [];
afterEach(async () => {
  restore.splice(0).forEach((undo) => undo());
  await Promise.all(made.splice(0).map((m) => m.close()));
});

/** Hides a browser API the way an old browser or an insecure context lacks it. */
function hide(target: object, key: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key)!;
  Object.defineProperty(target, key, { configurable: true, get: () => undefined });
  restore.push(() => Object.defineProperty(target, key, descriptor));
}

describe('platformDefault in Chromium', async () => {
  it('picks Web Locks where they exist', async () => {
    const chosen = await platformDefault();
    made.push(chosen.manager);
    expect(chosen).toMatchObject({ backend: 'web-locks', scope: 'origin', realmOnly: false, reason: 'available' });
  });

  it('falls back to IndexedDB leases without navigator.locks, and says why', async () => {
    hide(Navigator.prototype, 'locks');
    const chosen = await platformDefault({ indexedDb: { database: `platform-${Math.random()}` } });
    made.push(chosen.manager);
    expect(chosen).toMatchObject({ backend: 'indexeddb', scope: 'origin', realmOnly: false });
    expect(chosen.reason).toMatch(/not web-locks: no navigator.locks: browser too old/);
  });

  it('falls back to memory only loudly, and refuses to when told to', async () => {
    hide(Navigator.prototype, 'locks');
    hide(globalThis, 'indexedDB');
    const chosen = await platformDefault();
    made.push(chosen.manager);
    expect(chosen).toMatchObject({ backend: 'memory', scope: 'realm', realmOnly: true });
    expect(chosen.reason).toMatch(/memory ONLY/);
    await expect(platformDefault({ requireOrigin: true })).rejects.toThrow(expect.objectContaining({ name: 'UnsupportedError' }));
  });
});

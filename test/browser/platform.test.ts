import { afterEach, describe, expect, it } from 'vitest';
import { deleteDB } from 'idb';
import { FencedStore } from '../../src/fenced.js';
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
    // And installing the polyfill there leaves the browser's own locks alone.
    const { installWebLocksPolyfill } = await import('../../src/polyfill.js');
    expect(installWebLocksPolyfill()).toEqual({ installed: false, locks: navigator.locks });
  });

  it('falls back to IndexedDB leases without navigator.locks, and says why', async () => {
    hide(Navigator.prototype, 'locks');
    const chosen = await platformDefault({ indexedDb: { database: `platform-${Math.random()}` } });
    made.push(chosen.manager);
    expect(chosen).toMatchObject({ backend: 'indexeddb', scope: 'origin', realmOnly: false });
    expect(chosen.reason).toMatch(/not web-locks: no navigator.locks: browser too old/);
  });

  it('with crosslock/polyfill installed as navigator.locks, picks the IndexedDB leases, not the polyfill as if it were Web Locks', async () => {
    hide(Navigator.prototype, 'locks');
    const { installWebLocksPolyfill } = await import('../../src/polyfill.js');
    const { installed, locks } = installWebLocksPolyfill({ database: `platform-polyfill-${Math.random()}` });
    restore.push(() => delete (navigator as { locks?: unknown }).locks);
    expect(installed).toBe(true);
    expect(navigator.locks).toBe(locks);
    const chosen = await platformDefault({ indexedDb: { database: `platform-${Math.random()}` } });
    made.push(chosen.manager);
    expect(chosen).toMatchObject({ backend: 'indexeddb', scope: 'origin' });
    expect(chosen.reason).toMatch(/crosslock\/polyfill/);
    await (locks as { close(): Promise<void> }).close();
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

  it('takes one database option for every backend, so FencedStore works with whichever is chosen (issue 11, item 9)', async () => {
    for (const hideLocks of [false, true]) {
      if (hideLocks) hide(Navigator.prototype, 'locks');
      const database = `platform-db-${Math.random().toString(36).slice(2)}`;
      const chosen = await platformDefault({ database, prefix: 'p' });
      made.push(chosen.manager);
      expect(chosen.backend).toBe(hideLocks ? 'indexeddb' : 'web-locks');
      const store = new FencedStore<number>({ namespace: 'n', database });
      await chosen.manager.withLock('x', { timeout: 1000 }, (guard) => store.put(guard, 'k', 1));
      expect(await store.get('k')).toBe(1);
      store.close();
      await chosen.manager.close();
      await deleteDB(database);
    }
    await expect(platformDefault({ database: 'a', indexedDb: { database: 'b' } })).rejects.toMatchObject({ name: 'InvalidOptionError' });
    await expect(platformDefault({ database: '' })).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'database' });
  });
});

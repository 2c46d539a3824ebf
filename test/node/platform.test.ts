import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { platformDefault, type LockManager } from '../../src/index.js';

const made: LockManager[] = [];
afterEach(async () => void (await Promise.all(made.splice(0).map((m) => m.close()))));

describe('platformDefault in Node', async () => {
  it('picks the memory manager, says so, and flags that it is realm-only', async () => {
    const chosen = await platformDefault({ prefix: 'wallet' });
    made.push(chosen.manager);
    expect(chosen).toMatchObject({ backend: 'memory', scope: 'realm', realmOnly: true });
    expect(chosen.reason).toMatch(/not a browser/);
    expect(chosen.manager.prefix).toBe('wallet');
    await (await chosen.manager.lock('x', { timeout: 0 })).release();
  });

  it('honours an explicit backend, and never swaps it for another', async () => {
    const idb = await platformDefault({ backend: 'indexeddb', indexedDb: { database: 'platform-test' } });
    made.push(idb.manager);
    expect(idb).toMatchObject({ backend: 'indexeddb', scope: 'origin', realmOnly: false });
    await expect(platformDefault({ backend: 'web-locks' })).rejects.toThrow(expect.objectContaining({ name: 'UnsupportedError' }));
  });

  it('rejects bad options with typed errors', async () => {
    await expect(platformDefault({ backend: 'redis' as never })).rejects.toThrow(expect.objectContaining({ name: 'InvalidOptionError' }));
    await expect(platformDefault({ requireOrigin: 'yes' as never })).rejects.toThrow(expect.objectContaining({ name: 'InvalidOptionError' }));
    await expect(platformDefault({ backendd: 'memory' } as never)).rejects.toThrow(expect.objectContaining({ name: 'InvalidOptionError' }));
  });
});

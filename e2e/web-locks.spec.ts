/**
 * WebLockManager across real tabs and workers of one browser context. Every wait is on an event (a
 * promise that resolves when a tab acquires), never on a sleep; exclusion is checked in IndexedDB.
 */
import { expect, test } from './fixtures.js';
import { loop, pendingCount } from './helpers.js';

const ITERATIONS = 40;

test('4 tabs looping on one lock: never two inside, no lost update', async ({ tabs }) => {
  const pages = await tabs.open(4);
  await pages[0]!.evaluate(() => window.harness.checker.reset());
  await Promise.all(pages.map((page, i) => loop(page, `tab${i}`, ITERATIONS)));
  expect(await pages[0]!.evaluate(() => window.harness.checker.read())).toEqual({ counter: 4 * ITERATIONS, violations: 0 });
});

test('the checker sees overlap and lost updates when tabs skip the lock', async ({ tabs }) => {
  // Control for the test above: two tabs forced to interleave (by messages, not timing) must be caught.
  const [a, b] = await tabs.open(2);
  await a!.evaluate(() => window.harness.checker.reset());
  // B listens first (the evaluate returns once its channel exists); A then drives the interleaving.
  await b!.evaluate(() => {
    const channel = new BroadcastChannel('interleave');
    (window as { bDone?: Promise<void> }).bDone = new Promise<void>((done) => {
      channel.onmessage = async () => {
        const { checker } = window.harness;
        await checker.enter('b');
        const counter = await checker.readCounter();
        channel.postMessage('b read');
        await checker.write(counter + 1);
        await checker.exit('b');
        done();
      };
    });
  });
  await a!.evaluate(async () => {
    const { checker } = window.harness;
    const channel = new BroadcastChannel('interleave');
    await checker.enter('a');
    const counter = await checker.readCounter();
    const bRead = new Promise((r) => (channel.onmessage = r));
    channel.postMessage('a read');
    await bRead;
    await checker.write(counter + 1);
    await checker.exit('a');
  });
  await b!.evaluate(() => (window as { bDone?: Promise<void> }).bDone);
  expect(await a!.evaluate(() => window.harness.checker.read())).toEqual({ counter: 1, violations: 1 });
});

for (const end of ['closed', 'crashed'] as const) {
  test(`a holder tab ${end}: the waiting tab acquires`, async ({ tabs }) => {
    const [holder, waiter] = await tabs.open(2);
    await holder!.evaluate(() => window.harness.hold('round', { timeout: 0 }));
    const acquired = waiter!.evaluate(() => window.harness.hold('round', { timeout: Infinity }));
    await expect.poll(() => pendingCount(waiter!)).toBe(1);
    await (end === 'closed' ? tabs.close(holder!) : tabs.crash(holder!));
    expect(await acquired).toBeGreaterThan(0);
    expect(await waiter!.evaluate(async () => (await (await window.harness.locks()).query()).held.length)).toBe(1);
  });
}

test('tryLock in tab B is null while tab A holds, and succeeds once A releases', async ({ tabs }) => {
  const [a, b] = await tabs.open(2);
  await a!.evaluate(() => window.harness.hold('round', { timeout: 0 }));
  expect(await b!.evaluate(() => window.harness.tryHold('round'))).toBe(false);
  await a!.evaluate(() => window.harness.release('round'));
  expect(await b!.evaluate(() => window.harness.tryHold('round'))).toBe(true);
});

test('shared readers in 3 tabs hold together while a writer in a 4th waits', async ({ tabs }) => {
  const pages = await tabs.open(4);
  const readers = pages.slice(0, 3);
  const writer = pages[3]!;
  for (const reader of readers) await reader.evaluate(() => window.harness.hold('wallet', { timeout: 0, mode: 'shared' }));
  const written = writer.evaluate(() => window.harness.hold('wallet', { timeout: Infinity }));
  const state = () => writer.evaluate(async () => {
    const { held, pending } = await (await window.harness.locks()).query();
    return { held: held.map((l) => l.mode), pending: pending.map((l) => l.mode) };
  });
  await expect.poll(state).toEqual({ held: ['shared', 'shared', 'shared'], pending: ['exclusive'] });
  await readers[0]!.evaluate(() => window.harness.release('wallet'));
  await readers[1]!.evaluate(() => window.harness.release('wallet'));
  expect(await state()).toEqual({ held: ['shared'], pending: ['exclusive'] });
  await readers[2]!.evaluate(() => window.harness.release('wallet'));
  await written;
  expect(await state()).toEqual({ held: ['exclusive'], pending: [] });
});

test("steal: tab B takes the lock; tab A's guard signal aborts with LockLostError", async ({ tabs }) => {
  const [a, b] = await tabs.open(2);
  await a!.evaluate(() => window.harness.hold('round', { timeout: 0 }));
  const lost = a!.evaluate(() => window.harness.lost('round'));
  await b!.evaluate(() => window.harness.hold('round', { timeout: 0, steal: true }));
  expect(await lost).toEqual({ name: 'LockLostError', kind: 'stolen' });
  expect(await a!.evaluate(() => window.harness.tryHold('round'))).toBe(false);
});

for (const kind of ['sharedWorker', 'dedicatedWorker'] as const) {
  test(`one lock contended between a page and a ${kind}`, async ({ tabs }) => {
    const [page] = await tabs.open(1);
    await page!.evaluate((kind) => void (window.worker = window.harness[kind]()), kind);
    expect(await page!.evaluate(() => window.worker!.scope())).toBe('origin');
    // The worker holds: the page cannot take it, and a waiting page gets it when the worker lets go.
    expect(await page!.evaluate(() => window.worker!.hold('round', 0))).toBe(true);
    expect(await page!.evaluate(() => window.harness.tryHold('round'))).toBe(false);
    const acquired = page!.evaluate(() => window.harness.hold('round', { timeout: Infinity }));
    await expect.poll(() => pendingCount(page!)).toBe(1);
    await page!.evaluate(() => window.worker!.release('round'));
    await acquired;
    // The page holds: the worker cannot take it until the page lets go.
    expect(await page!.evaluate(() => window.worker!.tryHold('round'))).toBe(false);
    await page!.evaluate(() => window.harness.release('round'));
    expect(await page!.evaluate(() => window.worker!.tryHold('round'))).toBe(true);
  });
}

test('a ledger chunk that fails to load: StorageError, the lock is given back, the next lock loads it', async ({ page }) => {
  // Playwright's own page, not a fixture tab: the failed fetch logs a console error, checked below.
  const errors: string[] = [];
  page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  await page.goto('/e2e/pages/tab.html');
  await page.waitForFunction(() => 'crosslock' in window);
  const ledger = /\/src\/web-locks\/ledger\.ts/;
  await page.route(ledger, (route) => route.abort());

  const first = await page.evaluate(async () => {
    const locks = new window.crosslock.WebLockManager({ prefix: 'ledger-load' });
    (window as unknown as { ledgerLocks: typeof locks }).ledgerLocks = locks;
    const failed = await locks.lock('x', { timeout: 1000 }).then(
      () => 'granted',
      (e: Error & { kind?: string }) => `${e.name}:${e.kind}`,
    );
    const free = await locks.tryLock('x', { unchecked: true });
    await free?.release();
    return { failed, givenBack: free !== null };
  });
  expect(first).toEqual({ failed: 'StorageError:unavailable', givenBack: true });
  expect(errors.length).toBeGreaterThan(0);
  expect(errors.every((e) => /Failed to load resource|ledger/.test(e)), errors.join('\n')).toBe(true);

  await page.unroute(ledger);
  const generation = await page.evaluate(async () => {
    const { ledgerLocks } = window as unknown as { ledgerLocks: InstanceType<typeof window.crosslock.WebLockManager> };
    const guard = await ledgerLocks.lock('x', { timeout: 1000 });
    await guard.release();
    await ledgerLocks.close();
    return guard.generation;
  });
  expect(generation).toEqual(expect.any(Number));
});

test('the ledger chunk is loaded before the lock is requested: a stalled download holds no lock (issue 11, item 6)', async ({ tabs }) => {
  const [a, b] = await tabs.open(2);
  const ledger = /\/src\/web-locks\/ledger\.ts/;
  let release!: () => void;
  const stalled = new Promise<void>((resolve) => (release = resolve));
  let requested!: () => void;
  const seen = new Promise<void>((resolve) => (requested = resolve));
  await a!.route(ledger, async (route) => {
    requested();
    await stalled;
    await route.continue();
  });
  const checked = a!.evaluate(() => window.harness.hold('round', { timeout: 10_000 }));
  await seen; // a's checked lock is waiting for its ledger chunk
  // Meanwhile the lock is free for every other tab: a has requested nothing yet.
  const free = await b!.evaluate(async () => {
    const guard = await (await window.harness.locks()).tryLock('round', { unchecked: true });
    await guard?.release();
    return guard !== null;
  });
  expect(free).toBe(true);
  release();
  expect(await checked).toBeGreaterThan(0);
  expect(await a!.evaluate(async () => (await (await window.harness.locks()).query()).held.map((l) => l.name))).toEqual(['round']);
});

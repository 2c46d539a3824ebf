/** The fixture itself: later specs rely on it opening real tabs and failing on page errors. */
import { PageProblems, expect, test } from './fixtures.js';

test('opens 3 tabs of one context that share origin state', async ({ tabs }) => {
  const [a, b, c] = await tabs.open(3);
  // Listen first (each evaluate returns once its channel exists), then post, then collect.
  for (const page of [b!, c!]) {
    await page.evaluate(() => {
      const channel = new BroadcastChannel('fixture');
      (window as { heard?: Promise<string> }).heard = new Promise((resolve) => {
        channel.onmessage = (event) => resolve(String(event.data));
      });
    });
  }
  await a!.evaluate(() => new BroadcastChannel('fixture').postMessage('hello'));
  const heard = [b!, c!].map((page) => page.evaluate(() => (window as { heard?: Promise<string> }).heard));
  expect(await Promise.all(heard)).toEqual(['hello', 'hello']);
});

test('MemoryLockManager is realm-scoped: every tab can hold the same name at once', async ({ tabs }) => {
  const pages = await tabs.open(3);
  const held = await Promise.all(
    pages.map((page) =>
      page.evaluate(async () => {
        const locks = new window.crosslock.MemoryLockManager({ prefix: 'wallet' });
        const guard = await locks.tryLock('round.1');
        return { scope: locks.scope, held: guard !== null };
      }),
    ),
  );
  expect(held).toEqual(Array(3).fill({ scope: 'realm', held: true }));
});

test('records console errors, uncaught errors and unhandled rejections', async ({ page }) => {
  // Playwright's own `page`, not a fixture tab: the errors below must not fail this test.
  const problems = new PageProblems();
  problems.watch(page, 'watched');
  await page.goto('/e2e/pages/tab.html');
  await page.evaluate(() => {
    console.error('visible error');
    setTimeout(() => {
      throw new Error('uncaught');
    });
    void Promise.reject(new Error('unhandled'));
  });
  await expect.poll(() => problems.messages.length).toBe(3);
  expect(problems.messages.join('\n')).toMatch(/console\.error: visible error/);
  expect(problems.messages.join('\n')).toMatch(/uncaught/);
  expect(problems.messages.join('\n')).toMatch(/unhandled/);
  expect(() => problems.assertNone()).toThrow();
});

test.describe('a test with a page error', () => {
  // Expected to fail: if the fixture stopped failing tests on console errors, this would pass and the
  // run would report an unexpected pass.
  test.fail();
  test('fails through the fixture', async ({ tabs }) => {
    const [page] = await tabs.open(1);
    await page!.evaluate(() => console.error('this must fail the test'));
  });
});

test('close and crash end a tab: its Web Lock passes to a waiting tab', async ({ tabs }) => {
  for (const end of ['close', 'crash'] as const) {
    const [holder, waiter] = await tabs.open(2);
    const name = `fixture-${end}`;
    await holder!.evaluate(
      (n) => new Promise<void>((held) => void navigator.locks.request(n, () => (held(), new Promise(() => {})))),
      name,
    );
    const acquired = waiter!.evaluate((n) => navigator.locks.request(n, () => 'acquired'), name);
    await (end === 'close' ? tabs.close(holder!) : tabs.crash(holder!));
    expect(await acquired).toBe('acquired');
  }
});

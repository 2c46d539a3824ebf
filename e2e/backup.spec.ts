/**
 * crosslock/backup in real Chromium (issue 14): crash consistency of the IndexedDB target, and fencing of
 * a frozen ex-leader. Facts come from IndexedDB (the stored backup, verified), never from timings.
 */
import type { Page } from '@playwright/test';
import { expect, test, type Tabs } from './fixtures.js';

const PAGE = '/e2e/pages/backup.html?stale=2000';

async function leader(tabs: Tabs): Promise<Page> {
  const [page] = await tabs.open(1, PAGE, 'backupTab');
  await page!.evaluate(() => window.backupTab.leads());
  return page!;
}

test('a tab backing up in a tight loop is crashed 20 times: the stored backup always verifies, never older than one read back', async ({ tabs }) => {
  test.setTimeout(120_000);
  let floor = -1;
  const reader = (await tabs.open(1, `${PAGE}&reader`, 'backupTab'))[0]!; // only reads
  for (let round = 0; round < 20; round++) {
    const writer = await leader(tabs);
    await writer.evaluate(() => window.backupTab.loop());
    // Let it write a random number of backups first (read back from IndexedDB: an event, not a sleep).
    const target = floor + 1 + Math.floor(Math.random() * 5);
    await expect.poll(async () => (await reader.evaluate(() => window.backupTab.stored())).sequence ?? -1).toBeGreaterThanOrEqual(target);
    await tabs.crash(writer);
    const stored = await reader.evaluate(() => window.backupTab.stored());
    expect(stored.error, `round ${round}`).toBeUndefined();
    expect(stored.sequence!).toBeGreaterThanOrEqual(Math.max(floor, target));
    expect(stored.state).toMatch(/^state \d+$/);
    floor = stored.sequence!;
  }
});

test("a frozen leader thaws after another tab took over and wrote: its late backup is refused", async ({ tabs, context }) => {
  const old = await leader(tabs);
  const next = (await tabs.open(1, PAGE, 'backupTab'))[0]!;
  await old.evaluate(() => window.backupTab.loop());
  await expect.poll(async () => (await next.evaluate(() => window.backupTab.stored())).sequence ?? -1).toBeGreaterThanOrEqual(2);
  await old.evaluate(() => window.backupTab.quiet()); // no transaction of its own open while it is paused
  const cdp = await context.newCDPSession(old);
  await cdp.send('Debugger.enable');
  await cdp.send('Debugger.pause');
  await next.evaluate(() => window.backupTab.leads()); // took over (steal after staleAfterMs, or lease lapsed)
  await next.evaluate(() => window.backupTab.loop());
  await expect.poll(async () => (await next.evaluate(() => window.backupTab.stored())).state).toMatch(/^state \d+$/);
  await next.evaluate(() => window.backupTab.quiet());
  const written = await next.evaluate(() => window.backupTab.stored());
  await cdp.send('Debugger.resume');
  expect(await old.evaluate(() => window.backupTab.lateSwap())).toBe('StaleLockError');
  const after = await next.evaluate(() => window.backupTab.stored());
  expect(after.sequence).toBe(written.sequence!);
  for (const page of [old, next]) {
    const { started, settled } = await page.evaluate(() => window.backupTab.drain());
    expect(settled).toBe(started);
  }
});

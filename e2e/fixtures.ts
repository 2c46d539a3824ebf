/**
 * The multi-tab fixture: `tabs.open(n)` opens n pages of ONE browser context (they share
 * navigator.locks, IndexedDB and BroadcastChannel like tabs of one profile). The test fails on any
 * console error, uncaught exception or unhandled rejection in any of them, and `tabs.close()` /
 * `tabs.crash()` end a tab the two ways a real tab ends without warning.
 */
import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';

/** Records what went wrong in pages; `assertNone()` fails with the whole list. */
export class PageProblems {
  readonly messages: string[] = [];

  watch(page: Page, label: string): void {
    page.on('console', (message) => {
      if (message.type() === 'error') this.messages.push(`${label}: console.error: ${message.text()}`);
    });
    // Uncaught exceptions and unhandled promise rejections both arrive as 'pageerror' in Chromium.
    page.on('pageerror', (error) => this.messages.push(`${label}: ${error.name}: ${error.message}`));
    page.on('worker', (worker) =>
      worker.on('console', (message) => {
        if (message.type() === 'error') this.messages.push(`${label} worker: console.error: ${message.text()}`);
      }),
    );
    page.on('crash', () => {
      if (!crashing.has(page)) this.messages.push(`${label}: crashed unexpectedly`);
    });
  }

  assertNone(): void {
    expect(this.messages, 'console errors, page errors or unhandled rejections in the tabs').toEqual([]);
  }
}

const crashing = new WeakSet<Page>();

export class Tabs {
  readonly pages: Page[] = [];

  constructor(
    private readonly context: BrowserContext,
    private readonly problems: PageProblems,
  ) {}

  /** Opens `count` tabs on `path` and waits until each is ready (by default: has loaded crosslock). */
  async open(count: number, path = '/e2e/pages/tab.html', ready = 'crosslock'): Promise<Page[]> {
    const opened = await Promise.all(
      Array.from({ length: count }, async () => {
        const page = await this.context.newPage();
        this.problems.watch(page, `tab ${this.pages.length + 1}`);
        this.pages.push(page);
        await page.goto(path);
        await page.waitForFunction((global) => global in window, ready);
        return page;
      }),
    );
    return opened;
  }

  /** Closes a tab the way a user does, without running beforeunload handlers. */
  async close(page: Page): Promise<void> {
    await page.close({ runBeforeUnload: false });
  }

  /** Crashes a tab's renderer (CDP `Page.crash`) and waits until Playwright reports the crash. */
  async crash(page: Page): Promise<void> {
    crashing.add(page);
    const session = await this.context.newCDPSession(page);
    const crashed = page.waitForEvent('crash');
    // The command never answers: the renderer that would answer is gone.
    session.send('Page.crash').catch(() => {});
    await crashed;
  }
}

export const test = base.extend<{ problems: PageProblems; tabs: Tabs }>({
  problems: async ({}, use) => {
    const problems = new PageProblems();
    await use(problems);
    problems.assertNone();
  },
  tabs: async ({ context, problems }, use) => {
    await use(new Tabs(context, problems));
  },
});

export { expect };

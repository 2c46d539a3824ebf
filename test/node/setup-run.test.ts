/**
 * `npm test`'s setup step run as a process (issue 20), with PATH and the environment arranged: nothing
 * found and installing off → one line naming what to install, exit 1, within seconds; a browser on PATH
 * → one line naming it, exit 0; an explicit path that does not exist → its own line, nothing installed.
 * The real installs (Playwright's download, apt-get) are proven by CI, which starts with no browser.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, '../../tools/setup/main.mjs');
const empty = mkdtempSync(join(tmpdir(), 'crosslock-setup-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

const REDIS_URL = 'redis://127.0.0.1:1';

/** `lines`: what it said of Chromium; `redis`: of Redis (given as CROSSLOCK_REDIS_URL unless a test says otherwise). */
function setup(env: Record<string, string>) {
  // Only what is given: no PATH to a system Chromium, no Playwright download, no CROSSLOCK_* from outside.
  const result = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { HOME: empty, PLAYWRIGHT_BROWSERS_PATH: empty, PATH: empty, CROSSLOCK_REDIS_URL: REDIS_URL, ...env } });
  const all = `${result.stdout}${result.stderr}`.split('\n').filter(Boolean);
  const redis = all.filter((line) => /redis/i.test(line));
  return { status: result.status, lines: all.filter((line) => !redis.includes(line)), redis };
}

describe('the setup step as a process', () => {
  it('with nothing found and CROSSLOCK_NO_INSTALL=1 it stops at once with one line naming what to install, trying no install', () => {
    const { status, lines } = setup({ CROSSLOCK_NO_INSTALL: '1' });
    expect(status).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^setup: no Chromium found and CROSSLOCK_NO_INSTALL=1 is set: run `(sudo )?apt-get install -y chromium`|npx playwright install chromium/);
    expect(lines[0]).toContain('CROSSLOCK_CHROMIUM=');
  });

  it('finds a browser on PATH, checks that it runs, and says so in one line', () => {
    const bin = mkdtempSync(join(empty, 'bin-'));
    writeFileSync(join(bin, 'chromium'), '#!/bin/sh\necho "Chromium 999.0.0.1"\n');
    chmodSync(join(bin, 'chromium'), 0o755);
    const { status, lines } = setup({ PATH: bin, CROSSLOCK_NO_INSTALL: '1' });
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^setup: Chromium 999\\.0\\.0\\.1 at ${bin}/chromium \\(found in \\d+\\.\\d s\\)$`))]);
    expect(status).toBe(0);
  });

  it('refuses a browser that does not run, instead of passing it on to the tests', () => {
    const bin = mkdtempSync(join(empty, 'broken-'));
    writeFileSync(join(bin, 'chromium'), '#!/bin/sh\nexit 3\n');
    chmodSync(join(bin, 'chromium'), 0o755);
    const { status, lines } = setup({ PATH: bin, CROSSLOCK_NO_INSTALL: '1' });
    expect(status).toBe(1);
    expect(lines).toEqual([`setup: ${bin}/chromium (found) does not run: \`${bin}/chromium --version\` failed; reinstall Chromium or set CROSSLOCK_CHROMIUM.`]);
  });

  it('uses CROSSLOCK_CHROMIUM as given, and stops (installing nothing) when it does not exist', () => {
    const { status, lines } = setup({ CROSSLOCK_CHROMIUM: join(empty, 'no-such-chrome') });
    expect(status).toBe(1);
    expect(lines).toEqual([`setup: CROSSLOCK_CHROMIUM=${join(empty, 'no-such-chrome')} does not exist; point it at /path/to/chrome, or unset it.`]);
  });

  it('uses CROSSLOCK_REDIS_URL as given (the Redis tests check it), without looking for a redis-server', () => {
    const { redis } = setup({ CROSSLOCK_NO_INSTALL: '1' });
    expect(redis).toEqual([`setup: Redis at ${REDIS_URL} (from CROSSLOCK_REDIS_URL; the tests that use it check it)`]);
  });

  it('finds a redis-server on PATH and checks that it runs; with none and CROSSLOCK_NO_INSTALL=1, one line naming what to install', () => {
    const bin = mkdtempSync(join(empty, 'redis-'));
    writeFileSync(join(bin, 'redis-server'), '#!/bin/sh\necho "Redis server v=9.9.9"\n');
    chmodSync(join(bin, 'redis-server'), 0o755);
    const found = setup({ PATH: bin, CROSSLOCK_NO_INSTALL: '1', CROSSLOCK_REDIS_URL: '' });
    expect(found.redis).toEqual([expect.stringMatching(new RegExp(`^setup: Redis server v=9\\.9\\.9 at ${bin}/redis-server \\(found in \\d+\\.\\d s\\)$`))]);
    const browserOnly = mkdtempSync(join(empty, 'chromium-'));
    writeFileSync(join(browserOnly, 'chromium'), '#!/bin/sh\necho "Chromium 999.0.0.1"\n');
    chmodSync(join(browserOnly, 'chromium'), 0o755);
    const missing = setup({ PATH: browserOnly, CROSSLOCK_NO_INSTALL: '1', CROSSLOCK_REDIS_URL: '' });
    expect(missing.status).toBe(1);
    expect(missing.redis).toHaveLength(1);
    expect(missing.redis[0]).toMatch(/^setup: no Redis found and CROSSLOCK_NO_INSTALL=1 is set: run `(sudo )?apt-get install -y redis-server`|brew install redis-server|install Redis/);
    expect(missing.redis[0]).toContain('CROSSLOCK_REDIS_URL=redis://127.0.0.1:6379');
  });

  it('with nothing at all (no Chromium, no redis-server) and CROSSLOCK_NO_INSTALL=1: one line naming both, exit 1', () => {
    const started = performance.now();
    const result = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { HOME: empty, PLAYWRIGHT_BROWSERS_PATH: empty, PATH: empty, CROSSLOCK_NO_INSTALL: '1' } });
    const lines = `${result.stdout}${result.stderr}`.split('\n').filter(Boolean);
    expect(result.status).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^setup: no Chromium and no Redis found and CROSSLOCK_NO_INSTALL=1 is set: Chromium: .*apt-get install -y chromium.*; Redis: .*apt-get install -y redis-server.*\.$/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

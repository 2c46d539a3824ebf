/**
 * Three Vitest projects: `unit` runs in Node (fast, fake-indexeddb where IndexedDB is needed); `redis`
 * runs in Node against a real redis-server (test/redis/global-setup.ts); `browser` runs in real Chromium through Playwright (navigator.locks, IndexedDB, BroadcastChannel, workers).
 * The browser is found by tools/browser.ts; Playwright e2e specs (e2e/) are not Vitest's.
 */
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_ARGS, findChromium } from './tools/browser.js';

const browserProject = process.argv.includes('--project=unit') || process.argv.includes('--project=redis')
  ? []
  : [
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({ launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS } }),
            instances: [{ browser: 'chromium' as const }],
            api: { host: '127.0.0.1', strictPort: false },
          },
        },
      },
    ];

export default defineConfig({
  test: {
    retry: 0,
    projects: [
      { test: { name: 'unit', environment: 'node', include: ['src/**/*.test.ts', 'test/node/**/*.test.ts'] } },
      // Against a real redis-server: started by the global setup (tools/redis.ts), or CROSSLOCK_REDIS_URL.
      { test: { name: 'redis', environment: 'node', include: ['test/redis/**/*.test.ts'], globalSetup: ['test/redis/global-setup.ts'] } },
      ...browserProject,
    ],
  },
});

// @ts-check
/**
 * What the tests need from the system, described once for the setup step (main.mjs) and for the code that
 * finds them at test time (tools/browser.ts), so both always agree on where to look.
 */

/** @type {import('./plan.mjs').Dependency} */
export const CHROMIUM = {
  name: 'Chromium',
  env: 'CROSSLOCK_CHROMIUM',
  envKind: 'path',
  example: '/path/to/chrome',
  // Debian's wrapper first (it sets Debian's flags), then other distributions' and Chrome's names.
  commands: ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'],
  fixedPaths: ['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium'],
  aptPackage: 'chromium',
  playwright: 'chromium',
};

/**
 * The Redis tests (`npm run test:redis`) start a throwaway `redis-server` of their own (tools/redis.ts),
 * or use the server at CROSSLOCK_REDIS_URL as it is.
 * @type {import('./plan.mjs').Dependency}
 */
export const REDIS = {
  name: 'Redis',
  env: 'CROSSLOCK_REDIS_URL',
  envKind: 'url',
  example: 'redis://127.0.0.1:6379',
  commands: ['redis-server'],
  fixedPaths: ['/opt/homebrew/bin/redis-server'],
  aptPackage: 'redis-server',
  playwright: undefined,
};

/** Every dependency the setup step checks, in order. */
export const DEPENDENCIES = [CHROMIUM, REDIS];

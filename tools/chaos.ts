/**
 * `npm run chaos`: the chaos suite, standalone. For each backend configuration, 8 pages of one fresh
 * browser context run a seeded random schedule of lock / tryLock / withLock calls (shared and
 * exclusive, timeouts, aborts, steals), fenced counter writes, clock jumps, page freezes, closes,
 * crashes and back/forward navigations; then the invariants are checked from IndexedDB
 * (e2e/chaos/invariants.ts). Prints a summary per configuration; exits 1 on any violation, with the
 * command that replays it.
 *
 * Options: --seed N (default: random, printed)  --actions N (per configuration, default 500)
 *          --config web-locks,leases,leases-mixed (default: all)  --concurrency N (default 10)
 *          --grace ms (slack on each call's time bound, default 2000)
 *          --without clock,freeze,... (step kinds to leave out, to narrow a failure down; see STEP_KINDS)
 *
 * Chromium is found like the tests (tools/browser.ts), and launched WITH the back/forward cache, which
 * Playwright turns off by default (`--disable-back-forward-cache`).
 *
 * `--config leader,service,backup` (and `leader-web-locks`, `service-web-locks`, `backup-web-locks`: in the
 * default set, after the lock configurations) drive crosslock/leader, crosslock/service and crosslock/backup
 * over 8 pages, with injected storage failures besides (e2e/chaos/layers/run.ts); their step kinds for
 * `--without` are LAYER_STEP_KINDS.
 *
 * `--config redis` (in the default set, run last; no browser) drives the Redis backend across 5 real
 * Node processes on a redis-server of its own, which it crashes, restarts and pauses, while processes
 * are killed and stopped (e2e/chaos/redis/run.ts); its step kinds for `--without` are REDIS_STEP_KINDS.
 */
import { chromium } from 'playwright';
import { createServer } from 'vite';
import { CONFIGS } from '../e2e/chaos/configs.js';
import { runChaos } from '../e2e/chaos/run.js';
import { randomSeed, STEP_KINDS } from '../e2e/chaos/schedule.js';
import { DEFAULT_CONCURRENCY, DEFAULT_GRACE_MS, format, replayCommand, type Summary } from '../e2e/chaos/summary.js';
import { CONFIG_NAMES, type ConfigName } from '../e2e/chaos/types.js';
import { PageProblems, Tabs } from '../e2e/fixtures.js';
import { CHROMIUM_ARGS, findChromium } from './browser.js';
import { runRedisChaos } from '../e2e/chaos/redis/run.js';
import { REDIS_STEP_KINDS } from '../e2e/chaos/redis/schedule.js';
import { formatRedis, type RedisSummary } from '../e2e/chaos/redis/summary.js';
import { LAYER_CONFIGS } from '../e2e/chaos/layers/configs.js';
import { runLayerChaos } from '../e2e/chaos/layers/run.js';
import { LAYER_STEP_KINDS } from '../e2e/chaos/layers/schedule.js';
import { formatLayer, type LayerSummary } from '../e2e/chaos/layers/summary.js';
import { LAYER_CONFIG_NAMES, type LayerConfigName } from '../e2e/chaos/layers/types.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const integer = (name: string, fallback: number): number => {
  const value = Number(option(name) ?? fallback);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
};
const seed = integer('seed', randomSeed());
const actions = integer('actions', 500);
const concurrency = integer('concurrency', DEFAULT_CONCURRENCY);
const graceMs = integer('grace', DEFAULT_GRACE_MS);
if (concurrency < 1) throw new Error('--concurrency must be at least 1');
const ALL_CONFIGS: readonly string[] = [...CONFIG_NAMES, ...LAYER_CONFIG_NAMES, 'redis'];
const configs = (option('config') ?? ALL_CONFIGS.join(',')).split(',').filter(Boolean);
for (const name of configs) if (!ALL_CONFIGS.includes(name)) throw new Error(`unknown --config ${name} (known: ${ALL_CONFIGS.join(', ')})`);
const browserConfigs = configs.filter((name): name is ConfigName | LayerConfigName => name !== 'redis');
const without = (option('without') ?? '').split(',').filter(Boolean);
// A kind one configuration does not know is left out of the others' schedules only.
const KINDS: readonly string[] = [...new Set([...STEP_KINDS, ...REDIS_STEP_KINDS, ...LAYER_STEP_KINDS])];
for (const kind of without) if (!KINDS.includes(kind)) throw new Error(`unknown --without ${kind} (known: ${KINDS.join(', ')})`);

/** A progress line on stderr every this many steps, so a run of 20,000 shows it is alive. */
const PROGRESS_EVERY = 1000;

const replay = replayCommand({ config: configs.join(','), seed, actions, without, concurrency, graceMs });
console.log(`chaos: seed ${seed}, ${actions} actions per configuration, ${configs.join(', ')}${without.length ? `, without ${without.join(', ')}` : ''} (replay: ${replay})`);

const summaries: Array<Summary | RedisSummary | LayerSummary> = [];
const progress = (name: string, began: number) => (started: number, total: number): void => {
  if (started % PROGRESS_EVERY === 0 && started < total) console.error(`chaos: ${name}: ${started}/${total} steps started, ${Math.round((Date.now() - began) / 1000)} s`);
};
let browserVersion: string | undefined;
if (browserConfigs.length > 0) {
  const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
  await server.listen();
  const baseURL = server.resolvedUrls!.local[0]!;
  const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, ignoreDefaultArgs: ['--disable-back-forward-cache'] });
  browserVersion = browser.version();
  try {
    await runBrowserConfigs(browser, baseURL);
  } finally {
    await browser.close();
    await server.close();
  }
}
if (configs.includes('redis')) {
  const summary = await runRedisChaos({ seed, actions, concurrency, graceMs, without, onStep: progress('redis', Date.now()) });
  summaries.push(summary);
  console.log(formatRedis(summary));
}

async function runBrowserConfigs(browser: Awaited<ReturnType<typeof chromium.launch>>, baseURL: string): Promise<void> {
  for (const name of browserConfigs) {
    const context = await browser.newContext({ baseURL });
    const problems = new PageProblems();
    try {
      const onStep = progress(name, Date.now());
      if (name in LAYER_CONFIGS) {
        const summary = await runLayerChaos({ config: LAYER_CONFIGS[name as LayerConfigName], seed, actions, context, tabs: new Tabs(context, problems), problems, concurrency, graceMs, without, onStep });
        summaries.push(summary);
        console.log(formatLayer(summary));
        continue;
      }
      const summary = await runChaos({ config: CONFIGS[name as ConfigName], seed, actions, context, tabs: new Tabs(context, problems), problems, concurrency, graceMs, without, onStep });
      summaries.push(summary);
      console.log(format(summary));
    } finally {
      await context.close();
    }
  }
}

const failed = summaries.filter((s) => s.violations.length > 0);
if (failed.length > 0) {
  console.log(`\n${failed.length} configuration(s) with violations; replay with:`);
  for (const s of failed) console.log(`  ${replayCommand(s)}`);
  process.exit(1);
}
console.log(`\nno violations (seed ${seed}${browserVersion ? `, ${browserVersion}` : ''})`);

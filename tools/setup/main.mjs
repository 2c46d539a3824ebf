// @ts-check
/**
 * `npm test`'s first step (the `pretest` script): makes sure what the tests need is on this machine, and
 * says in one line per dependency what it found or installed and how long that took. The decisions are
 * tools/setup/plan.mjs (pure, table-tested); this file only probes, runs the install steps and prints.
 *
 * Exit 0: everything found or installed and answering `--version`. Exit 1: one line saying what to run.
 * An install counts only once the dependency is found again and answers `--version`, so an interrupted or
 * broken install is never reported as done. Time limits keep an offline machine from hanging:
 * Playwright's download gets PLAYWRIGHT_DOWNLOAD_CONNECTION_TIMEOUT (10 s without a connection) and
 * INSTALL_LIMIT_MS in all; apt-get gets INSTALL_LIMIT_MS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DEPENDENCIES } from './deps.mjs';
import { findInstalled, onPath } from './find.mjs';
import { combineStops, describeStep, planSetup, seconds, stepFailure } from './plan.mjs';

/** A browser download is ~170 MB; apt-get's chromium with its libraries ~100 MB. */
const INSTALL_LIMIT_MS = 10 * 60_000;
const VERSION_LIMIT_MS = 15_000;

const results = DEPENDENCIES.map((dep) => ensure(dep));
for (const line of combineStops(results.map((r) => r.text))) console.log(line);
process.exit(results.every((r) => r.ok) ? 0 : 1);

/**
 * @param {import('./plan.mjs').Dependency} dep
 * @returns {{ ok: boolean, text: string }}
 */
function ensure(dep) {
  const began = performance.now();
  const plan = planSetup(dep, probe(dep));
  if (plan.kind === 'stop') return { ok: false, text: plan.line };
  if (plan.kind === 'use') {
    if (plan.source === 'env' && dep.envKind === 'url') return { ok: true, text: `setup: ${dep.name} at ${plan.path} (from ${dep.env}; the tests that use it check it)` };
    const version = versionOf(plan.path);
    if (version === undefined) return { ok: false, text: `setup: ${plan.path} (${plan.source === 'env' ? dep.env : 'found'}) does not run: \`${plan.path} --version\` failed; reinstall ${dep.name} or set ${dep.env}.` };
    return { ok: true, text: `setup: ${version} at ${plan.path} (${plan.source === 'env' ? `from ${dep.env}` : 'found'} in ${seconds(performance.now() - began)})` };
  }
  /** @type {string[]} */
  const failures = [];
  for (const step of plan.steps) {
    console.log(`setup: no ${dep.name} found; trying ${describeStep(step)}`);
    const stepBegan = performance.now();
    let output;
    try {
      output = runStep(step);
    } catch (error) {
      output = `Error: ${/** @type {Error} */ (error).message}`;
    }
    const path = findInstalled(dep);
    const version = path === undefined ? undefined : versionOf(path);
    if (path !== undefined && version !== undefined) {
      return { ok: true, text: `setup: installed ${version} with ${describeStep(step)} in ${seconds(performance.now() - stepBegan)}: ${path}` };
    }
    failures.push(stepFailure(step, output));
  }
  const manual = planSetup(dep, { ...probe(dep), noInstall: true });
  const what = manual.kind === 'stop' ? manual.line.replace(/^setup: no \S+ found and CROSSLOCK_NO_INSTALL=1 is set: /, '') : '';
  return { ok: false, text: `setup: could not install ${dep.name} (${failures.join('; ')}): ${what}` };
}

/**
 * @param {import('./plan.mjs').Dependency} dep
 * @returns {import('./plan.mjs').Probe}
 */
function probe(dep) {
  const explicit = process.env[dep.env];
  const root = process.getuid?.() === 0;
  const debianLike = process.platform === 'linux' && isDebianLike();
  const aptGet = debianLike && onPath('apt-get') !== undefined;
  return {
    explicit,
    explicitExists: explicit !== undefined && explicit !== '' && existsSync(explicit),
    found: explicit ? undefined : findInstalled(dep),
    noInstall: process.env.CROSSLOCK_NO_INSTALL === '1',
    platform: process.platform,
    debianLike,
    aptGet,
    root,
    sudo: aptGet && !root && onPath('sudo') !== undefined && run('sudo', ['-n', 'true'], 5_000).status === 0,
  };
}

function isDebianLike() {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const ids = [...text.matchAll(/^(?:ID|ID_LIKE)=["']?([^"'\n]*)/gm)].flatMap((m) => (m[1] ?? '').split(/\s+/));
    return ids.includes('debian') || ids.includes('ubuntu');
  } catch {
    return false;
  }
}

/**
 * @param {import('./plan.mjs').InstallStep} step
 * @returns {string} what it printed
 */
function runStep(step) {
  if (step.kind === 'playwright') {
    // Its `bin` (the CLI is not in playwright-core's exports map).
    const manifest = createRequire(import.meta.url).resolve('playwright-core/package.json');
    const bin = /** @type {{ bin: Record<string, string> }} */ (JSON.parse(readFileSync(manifest, 'utf8'))).bin['playwright-core'];
    const cli = join(dirname(manifest), /** @type {string} */ (bin));
    const result = run(process.execPath, [cli, 'install', step.browser], INSTALL_LIMIT_MS, { PLAYWRIGHT_DOWNLOAD_CONNECTION_TIMEOUT: '10000' });
    return result.output;
  }
  const sudo = step.sudo ? ['sudo', '-n'] : [];
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const [command, ...prefix] = [...sudo, 'apt-get'];
  const update = run(/** @type {string} */ (command), [...prefix, 'update', '-qq'], INSTALL_LIMIT_MS, env);
  if (update.status !== 0) return update.output;
  return run(/** @type {string} */ (command), [...prefix, 'install', '-y', '-qq', step.packageName], INSTALL_LIMIT_MS, env).output;
}

/**
 * `<path> --version`'s first line that names something, or undefined if it does not run.
 * (Debian's chromium wrapper prints a harmless `[: …: unexpected operator` line on stderr first.)
 * @param {string} path
 */
function versionOf(path) {
  const result = run(path, ['--version'], VERSION_LIMIT_MS);
  if (result.status !== 0) return undefined;
  return result.stdout.split('\n').map((l) => l.trim()).find(Boolean) ?? path;
}

/**
 * @param {string} command
 * @param {string[]} args
 * @param {number} timeout
 * @param {Record<string, string>} [env]
 */
function run(command, args, timeout, env = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = result.stdout ?? '';
  const timedOut = result.error !== undefined && /** @type {NodeJS.ErrnoException} */ (result.error).code === 'ETIMEDOUT';
  const output = `${stdout}\n${result.stderr ?? ''}${timedOut ? `\nError: no answer within ${seconds(timeout)}` : ''}${result.error && !timedOut ? `\nError: ${result.error.message}` : ''}`;
  return { status: result.status, stdout, output };
}

/**
 * `npm test`'s setup step (issue 20): the pure decision, by table. What is present, which platform, root
 * or not, which install paths are tried in which order, and the line printed when it stops.
 */
import { describe, expect, it } from 'vitest';
import { CHROMIUM } from '../../tools/setup/deps.mjs';
import { describeStep, manualStep, planSetup, stepFailure, type Probe } from '../../tools/setup/plan.mjs';

const debianRoot: Probe = {
  explicit: undefined,
  explicitExists: false,
  found: undefined,
  noInstall: false,
  platform: 'linux',
  debianLike: true,
  aptGet: true,
  root: true,
  sudo: false,
};
const probe = (over: Partial<Probe>): Probe => ({ ...debianRoot, ...over });

describe('planSetup', () => {
  const rows: Array<[string, Partial<Probe>, ReturnType<typeof planSetup>]> = [
    ['found', { found: '/usr/bin/chromium' }, { kind: 'use', path: '/usr/bin/chromium', source: 'found' }],
    ['explicit and present', { explicit: '/opt/chrome', explicitExists: true, found: '/usr/bin/chromium' }, { kind: 'use', path: '/opt/chrome', source: 'env' }],
    ['explicit, empty, counts as unset', { explicit: '', found: '/usr/bin/chromium' }, { kind: 'use', path: '/usr/bin/chromium', source: 'found' }],
    [
      'explicit and missing: never replaced by an install',
      { explicit: '/opt/none' },
      { kind: 'stop', line: 'setup: CROSSLOCK_CHROMIUM=/opt/none does not exist; point it at /path/to/chrome, or unset it.' },
    ],
    [
      'missing, installing off',
      { noInstall: true },
      { kind: 'stop', line: 'setup: no Chromium found and CROSSLOCK_NO_INSTALL=1 is set: run `apt-get install -y chromium`, or set CROSSLOCK_CHROMIUM=/path/to/chrome.' },
    ],
    [
      'missing, installing off, not root',
      { noInstall: true, root: false, sudo: true },
      { kind: 'stop', line: 'setup: no Chromium found and CROSSLOCK_NO_INSTALL=1 is set: run `sudo apt-get install -y chromium`, or set CROSSLOCK_CHROMIUM=/path/to/chrome.' },
    ],
    ['missing, Debian, root: Playwright then apt-get', {}, { kind: 'install', steps: [{ kind: 'playwright', browser: 'chromium' }, { kind: 'apt', packageName: 'chromium', sudo: false }] }],
    ['missing, Debian, sudo: apt-get through sudo', { root: false, sudo: true }, { kind: 'install', steps: [{ kind: 'playwright', browser: 'chromium' }, { kind: 'apt', packageName: 'chromium', sudo: true }] }],
    ['missing, Debian, no root, no sudo: Playwright only', { root: false }, { kind: 'install', steps: [{ kind: 'playwright', browser: 'chromium' }] }],
    ['missing, Debian without apt-get on PATH', { aptGet: false }, { kind: 'install', steps: [{ kind: 'playwright', browser: 'chromium' }] }],
    ['missing, Fedora as root: Playwright only', { debianLike: false }, { kind: 'install', steps: [{ kind: 'playwright', browser: 'chromium' }] }],
    ['missing, macOS', { platform: 'darwin', debianLike: false, aptGet: false, root: false }, { kind: 'install', steps: [{ kind: 'playwright', browser: 'chromium' }] }],
  ];
  it.each(rows)('%s', (_, over, expected) => {
    expect(planSetup(CHROMIUM, probe(over))).toEqual(expected);
  });

  it('stops with the manual line when nothing can be installed (no download, no package manager)', () => {
    const redisLike = { ...CHROMIUM, name: 'redis-server', env: 'CROSSLOCK_REDIS_URL', envKind: 'url' as const, example: 'redis://127.0.0.1:6379', playwright: undefined, aptPackage: 'redis-server' };
    expect(planSetup(redisLike, probe({ root: false }))).toEqual({
      kind: 'stop',
      line: 'setup: no redis-server found and none can be installed here: run `sudo apt-get install -y redis-server`, or set CROSSLOCK_REDIS_URL=redis://127.0.0.1:6379.',
    });
    expect(planSetup(redisLike, probe({ explicit: 'redis://127.0.0.1:6390' }))).toEqual({ kind: 'use', path: 'redis://127.0.0.1:6390', source: 'env' });
  });
});

describe('manualStep', () => {
  it.each([
    [{}, 'run `apt-get install -y chromium`, or set CROSSLOCK_CHROMIUM=/path/to/chrome'],
    [{ root: false }, 'run `sudo apt-get install -y chromium`, or set CROSSLOCK_CHROMIUM=/path/to/chrome'],
    [{ platform: 'darwin', debianLike: false }, 'run `npx playwright install chromium`, `brew install chromium`, or set CROSSLOCK_CHROMIUM=/path/to/chrome'],
    [{ platform: 'linux', debianLike: false }, "run `npx playwright install chromium`, install Chromium with your system's package manager, or set CROSSLOCK_CHROMIUM=/path/to/chrome"],
  ] as Array<[Partial<Probe>, string]>)('%o', (over, expected) => {
    expect(manualStep(CHROMIUM, probe(over))).toBe(expected);
  });
});

describe('step lines', () => {
  it('names each step as the command a person would type', () => {
    expect(describeStep({ kind: 'playwright', browser: 'chromium' })).toBe('`npx playwright install chromium`');
    expect(describeStep({ kind: 'apt', packageName: 'chromium', sudo: true })).toBe('`sudo apt-get install -y chromium`');
  });
  it('keeps the line of output that says why a step failed', () => {
    const output = 'Downloading Chrome for Testing\n|■■■   |\nError: Failed to download Chrome for Testing, caused by\n    at ChildProcess.<anonymous>\n';
    expect(stepFailure({ kind: 'playwright', browser: 'chromium' }, output)).toBe('`npx playwright install chromium` failed (Error: Failed to download Chrome for Testing, caused by)');
    expect(stepFailure({ kind: 'apt', packageName: 'chromium', sudo: false }, 'Reading package lists...\nE: Unable to locate package chromium\n')).toBe(
      '`apt-get install -y chromium` failed (E: Unable to locate package chromium)',
    );
    expect(stepFailure({ kind: 'apt', packageName: 'chromium', sudo: false }, '')).toBe('`apt-get install -y chromium` failed (no output)');
  });
});

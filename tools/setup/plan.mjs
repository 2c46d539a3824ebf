// @ts-check
/**
 * What `npm test`'s setup step does, decided without any I/O: given what was probed (the environment
 * variable, what a search found, the platform, root or password-less sudo, whether installing is allowed),
 * which install paths to try, in order, and the one line to print. tools/setup/main.mjs does the I/O.
 *
 * Order, for a dependency that is missing: Playwright's own download where the dependency has one (it
 * fails within seconds on a machine that reaches only the npm registry), then the distribution's package
 * (`apt-get` on Debian and Ubuntu, as root or with password-less sudo), then a stop with one line saying
 * exactly what to run. `CROSSLOCK_NO_INSTALL=1` skips straight to that line. An explicit path or URL in the
 * dependency's variable is used as given and never replaced by an install.
 */

/**
 * @typedef {object} Dependency
 * @property {string} name          shown in every line ("Chromium")
 * @property {string} env           the variable that names it explicitly (CROSSLOCK_CHROMIUM)
 * @property {'path' | 'url'} envKind  a path must exist; a URL is used as given (checked by the tests that use it)
 * @property {string} example       the variable's example value in the manual line
 * @property {readonly string[]} commands    names searched in PATH, in order
 * @property {readonly string[]} fixedPaths  absolute paths tried after PATH (e.g. macOS application bundles)
 * @property {string} aptPackage    Debian's package
 * @property {string | undefined} playwright  Playwright's browser name, when Playwright can download it
 */

/**
 * @typedef {object} Probe
 * @property {string | undefined} explicit   the dependency's variable, when set
 * @property {boolean} explicitExists        for a path: whether it exists
 * @property {string | undefined} found      what the search found (Playwright's own copy, PATH, fixed paths)
 * @property {boolean} noInstall             CROSSLOCK_NO_INSTALL=1
 * @property {string} platform               process.platform
 * @property {boolean} debianLike            /etc/os-release names debian or ubuntu
 * @property {boolean} aptGet                apt-get is on PATH
 * @property {boolean} root
 * @property {boolean} sudo                  password-less sudo works
 */

/** @typedef {{ kind: 'playwright', browser: string } | { kind: 'apt', packageName: string, sudo: boolean }} InstallStep */

/**
 * @typedef {{ kind: 'use', path: string, source: 'env' | 'found' }
 *   | { kind: 'install', steps: InstallStep[] }
 *   | { kind: 'stop', line: string }} Plan
 */

/**
 * @param {Dependency} dep
 * @param {Probe} probe
 * @returns {Plan}
 */
export function planSetup(dep, probe) {
  if (probe.explicit !== undefined && probe.explicit !== '') {
    if (dep.envKind === 'url' || probe.explicitExists) return { kind: 'use', path: probe.explicit, source: 'env' };
    return { kind: 'stop', line: `setup: ${dep.env}=${probe.explicit} does not exist; point it at ${dep.example}, or unset it.` };
  }
  if (probe.found !== undefined) return { kind: 'use', path: probe.found, source: 'found' };
  if (probe.noInstall) return { kind: 'stop', line: `setup: no ${dep.name} found and CROSSLOCK_NO_INSTALL=1 is set: ${manualStep(dep, probe)}.` };
  /** @type {InstallStep[]} */
  const steps = [];
  if (dep.playwright !== undefined) steps.push({ kind: 'playwright', browser: dep.playwright });
  if (canApt(probe)) steps.push({ kind: 'apt', packageName: dep.aptPackage, sudo: !probe.root });
  if (steps.length === 0) return { kind: 'stop', line: `setup: no ${dep.name} found and none can be installed here: ${manualStep(dep, probe)}.` };
  return { kind: 'install', steps };
}

/** @param {Probe} probe */
function canApt(probe) {
  return probe.platform === 'linux' && probe.debianLike && probe.aptGet && (probe.root || probe.sudo);
}

/**
 * What a person should run on this system, as one clause.
 * @param {Dependency} dep
 * @param {Probe} probe
 */
export function manualStep(dep, probe) {
  const explicit = `or set ${dep.env}=${dep.example}`;
  const download = dep.playwright === undefined ? '' : `\`npx playwright install ${dep.playwright}\`, `;
  if (probe.platform === 'linux' && probe.debianLike) {
    const sudo = probe.root ? '' : 'sudo ';
    return `run \`${sudo}apt-get install -y ${dep.aptPackage}\`, ${explicit}`;
  }
  if (probe.platform === 'darwin') return `run ${download}\`brew install ${dep.aptPackage}\`, ${explicit}`;
  return `run ${download}install ${dep.name} with your system's package manager, ${explicit}`;
}

/**
 * The line for an install step that failed, kept short: the first line of its output that says why.
 * @param {InstallStep} step
 * @param {string} output
 */
export function stepFailure(step, output) {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const why = lines.find((l) => /^(E:|Error:|error:)/.test(l)) ?? lines.at(-1) ?? 'no output';
  return `${describeStep(step)} failed (${why.slice(0, 160)})`;
}

/** @param {InstallStep} step */
export function describeStep(step) {
  return step.kind === 'playwright' ? `\`npx playwright install ${step.browser}\`` : `\`${step.sudo ? 'sudo ' : ''}apt-get install -y ${step.packageName}\``;
}

/** @param {number} ms */
export function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * One line for several dependencies missing with installing off, so `CROSSLOCK_NO_INSTALL=1 npm test` stops
 * with one line however many are missing. Lines that are not such stops are kept as they are.
 * @param {string[]} lines
 * @returns {string[]}
 */
export function combineStops(lines) {
  const pattern = /^setup: no (.+?) found and CROSSLOCK_NO_INSTALL=1 is set: (.*?)\.?$/;
  const stops = lines.map((line) => pattern.exec(line)).filter((m) => m !== null);
  if (stops.length < 2) return lines;
  const combined = `setup: no ${stops.map((m) => m[1]).join(' and no ')} found and CROSSLOCK_NO_INSTALL=1 is set: ${stops.map((m) => `${m[1]}: ${m[2]}`).join('; ')}.`;
  const rest = lines.filter((line) => !pattern.test(line));
  return [combined, ...rest];
}

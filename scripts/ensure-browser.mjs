// `npm run test:e2e` runs this before Playwright: make sure a Chromium is there, installing one
// when none is found (Debian's package when running as root, else Playwright's download).
// Prints the chosen path to stderr; exits non-zero, saying how to get a browser, when it can't.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEBIAN_CHROMIUM_PATH, findChromium } from '../tests/e2e/browser.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function log(message) {
  process.stderr.write(`[ensure-browser] ${message}\n`);
}

function run(command, args, options = {}) {
  log(`$ ${[command, ...args].join(' ')}`);
  // Standard output goes to stderr too, so that nothing but results ever reaches stdout.
  const result = spawnSync(command, args, { stdio: ['ignore', 2, 2], ...options });
  if (result.error) log(`could not run ${command}: ${result.error.message}`);
  return result.status === 0;
}

function hasAptGet() {
  return ['/usr/bin/apt-get', '/bin/apt-get'].some((p) => fs.existsSync(p));
}

function report(found) {
  log(`using Chromium from ${found.source}: ${found.executablePath}`);
}

const first = findChromium();
for (const problem of first.problems) log(problem);
if (first.problems.length > 0) {
  // A variable that names a missing browser is a mistake to fix, not something to paper over.
  log('Fix or unset the variable, then run again.');
  process.exit(1);
}
if (first.found) {
  report(first.found);
  process.exit(0);
}

log('no Chromium found (CHROMIUM_PATH, Playwright browsers, /usr/bin/chromium); installing one');
const isRoot = process.getuid?.() === 0;
const attempts = [];
if (isRoot && hasAptGet()) {
  attempts.push(() => {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    return run('apt-get', ['update'], { env }) && run('apt-get', ['install', '-y', 'chromium'], { env });
  });
}
attempts.push(() =>
  run(process.execPath, [path.join(root, 'node_modules', 'playwright', 'cli.js'), 'install', 'chromium'], { cwd: root }),
);

for (const attempt of attempts) {
  if (!attempt()) continue;
  const after = findChromium();
  if (after.found) {
    report(after.found);
    process.exit(0);
  }
}

log(
  [
    'could not find or install Chromium. Install one of these, then run `npm run test:e2e` again:',
    `  - Debian/Ubuntu, as root:  apt-get update && apt-get install -y chromium   (gives ${DEBIAN_CHROMIUM_PATH})`,
    "  - Playwright's own build:  npx playwright install chromium   (needs access to Playwright's download server)",
    '  - any Chromium or Chrome already installed: set CHROMIUM_PATH=/path/to/the/executable',
  ].join('\n'),
);
process.exit(1);

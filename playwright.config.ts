/**
 * End-to-end tests: the built server, started as `npm start` starts it, on its own port and a
 * fresh database, driven by Chromium (see tests/e2e/browser.ts for where the browser comes
 * from; `npm run test:e2e` installs one first when none is there).
 */
import fs from 'node:fs';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './tests/e2e/browser.ts';
import { E2E_BASE_URL, E2E_DATA_DIR, E2E_DATABASE_PATH, E2E_PORT } from './tests/e2e/fixtures.ts';

// Playwright loads this file in the runner and again in every worker. Only the runner (which
// has no TEST_WORKER_INDEX) starts a run, so only it clears the database; workers inherit the
// marker and leave the server's files alone.
if (!process.env.TEST_WORKER_INDEX && !process.env.GROUNDTRUTH_E2E_RUN) {
  process.env.GROUNDTRUTH_E2E_RUN = String(Date.now());
  fs.rmSync(E2E_DATA_DIR, { recursive: true, force: true });
}

const browser = findChromium().found;
if (!browser) {
  console.warn('No Chromium found: run `node scripts/ensure-browser.mjs` (npm run test:e2e does) or set CHROMIUM_PATH.');
}

export default defineConfig({
  testDir: 'tests/e2e',
  globalSetup: './tests/e2e/global-setup.ts',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [['list']],
  use: {
    baseURL: E2E_BASE_URL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        launchOptions: { executablePath: browser?.executablePath, args: CHROMIUM_ARGS },
      },
    },
  ],
  webServer: {
    // `npm start` (build, migrate, demo, serve) on the Node running Playwright: the pinned one.
    command: `"${process.execPath}" scripts/start.mjs`,
    url: `${E2E_BASE_URL}/healthz`,
    env: {
      HOST: '127.0.0.1',
      PORT: String(E2E_PORT),
      DATABASE_PATH: E2E_DATABASE_PATH,
      PUBLIC_URL: E2E_BASE_URL,
      ASTRO_TELEMETRY_DISABLED: '1',
    },
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
  },
});

/**
 * End-to-end tests: the built server, started as `npm start` starts it, on its own port and a
 * fresh database (a new folder per run, see tests/e2e/fixtures.ts), driven by Chromium (see
 * tests/e2e/browser.ts for where the browser comes from; `npm run test:e2e` installs one first
 * when none is there).
 */
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './tests/e2e/browser.ts';
import { E2E_BASE_URL, E2E_DATABASE_PATH, E2E_PORT, FAKE_RESEND_PORT, FAKE_RESEND_URL } from './tests/e2e/fixtures.ts';

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
  webServer: [
    {
      // A fake Resend on loopback: the app sends its email through the real SDK to it, and
      // tests read what was "sent" (tests/e2e/fake-resend-server.ts).
      command: `"${process.execPath}" --no-warnings=ExperimentalWarning tests/e2e/fake-resend-server.ts`,
      url: `${FAKE_RESEND_URL}/__test/emails`,
      env: { FAKE_RESEND_PORT: String(FAKE_RESEND_PORT) },
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // `npm start` (build, migrate, demo, serve) on the Node running Playwright: the pinned one.
      command: `"${process.execPath}" scripts/start.mjs`,
      url: `${E2E_BASE_URL}/healthz`,
      env: {
        HOST: '127.0.0.1',
        PORT: String(E2E_PORT),
        DATABASE_PATH: E2E_DATABASE_PATH,
        PUBLIC_URL: E2E_BASE_URL,
        RESEND_API_KEY: 're_e2e_fake_key',
        RESEND_BASE_URL: FAKE_RESEND_URL,
        EMAIL_FROM: 'Groundtruth E2E <e2e@groundtruth.test>',
        ASTRO_TELEMETRY_DISABLED: '1',
      },
      reuseExistingServer: false,
      timeout: 180_000,
      stdout: 'ignore',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
  ],
});

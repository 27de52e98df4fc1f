/**
 * What every end-to-end test shares: where the server under test listens, its database, and
 * the staff accounts that global-setup.ts creates through the CLI before the tests start.
 *
 * Each account has one job, so that no test can lock out or sign out another running in
 * parallel: the lockout test has its own account, and so has the password-change test.
 */
import os from 'node:os';
import path from 'node:path';
import { expect, type Page } from '@playwright/test';

/** Another port lets two runs (two checkouts) go side by side: E2E_PORT=4398 npm run test:e2e. */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 4399);
export const E2E_BASE_URL = `http://127.0.0.1:${E2E_PORT}`;
/** The fake Resend server the app sends its email to during end-to-end runs (fake-resend-server.ts). */
export const FAKE_RESEND_PORT = E2E_PORT + 100;
export const FAKE_RESEND_URL = `http://127.0.0.1:${FAKE_RESEND_PORT}`;
// One new folder per run, so every run starts with an empty database and no run can delete
// another's. The runner names it when it first loads this module; the workers, which load it
// again, inherit the name through the environment. global-setup.ts removes it at the end.
process.env.GROUNDTRUTH_E2E_RUN ??= `${Date.now()}-${process.pid}`;
export const E2E_DATA_DIR = path.join(os.tmpdir(), `groundtruth-e2e-${process.env.GROUNDTRUTH_E2E_RUN}`);
export const E2E_DATABASE_PATH = path.join(E2E_DATA_DIR, 'groundtruth.sqlite');

export interface TestAccount {
  email: string;
  name: string;
  role: 'admin' | 'editor' | 'reviewer';
  password: string;
}

export const ACCOUNTS = {
  admin: { email: 'e2e-admin@example.com', name: 'Ada Admin', role: 'admin', password: 'e2e admin passphrase one' },
  editor: { email: 'e2e-editor@example.com', name: 'Eddie Editor', role: 'editor', password: 'e2e editor passphrase two' },
  lockout: { email: 'e2e-lockout@example.com', name: 'Lou Lockout', role: 'editor', password: 'e2e lockout passphrase three' },
  passwordChange: {
    email: 'e2e-password-change@example.com',
    name: 'Pat Changer',
    role: 'reviewer',
    password: 'e2e changer passphrase four',
  },
  reviewer: { email: 'e2e-reviewer@example.com', name: 'Rae Reviewer', role: 'reviewer', password: 'e2e reviewer passphrase five' },
} satisfies Record<string, TestAccount>;

/** Signs in through the form, as a person would, and waits for the page it leads to. */
export async function signIn(page: Page, account: Pick<TestAccount, 'email' | 'password'>, options: { from?: string } = {}) {
  await page.goto(options.from ?? '/sign-in');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/sign-in/);
}

/**
 * Creates the test staff accounts with the real command line, against the same database the
 * server under test uses. Playwright starts the web server (which builds and migrates) before
 * this runs; the CLI migrates by itself too, so the order does not matter.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { ACCOUNTS, E2E_DATA_DIR, E2E_DATABASE_PATH, type TestAccount } from './fixtures.ts';

function createAccount(account: TestAccount): Promise<void> {
  const args = ['--no-warnings=ExperimentalWarning', 'src/cli/main.ts', 'user:create'];
  args.push('--email', account.email, '--name', account.name, '--role', account.role, '--password', account.password);
  return new Promise((resolve, reject) => {
    // process.execPath is the Node that runs Playwright: the pinned Node 24 under npm scripts.
    const child = spawn(process.execPath, args, {
      env: { ...process.env, DATABASE_PATH: E2E_DATABASE_PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`user:create ${account.email} exited with ${code}:\n${output}`));
    });
  });
}

/** Returns the teardown: the run's database folder goes when the run ends. */
export default async function globalSetup(): Promise<() => void> {
  await Promise.all(Object.values(ACCOUNTS).map(createAccount));
  return () => fs.rmSync(E2E_DATA_DIR, { recursive: true, force: true });
}

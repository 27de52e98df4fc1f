/** Runs the real command line against the end-to-end database and returns its standard output. */
import { spawn } from 'node:child_process';
import { E2E_BASE_URL, E2E_DATABASE_PATH } from './fixtures.ts';

export function runCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings=ExperimentalWarning', 'src/cli/main.ts', ...args], {
      env: { ...process.env, DATABASE_PATH: E2E_DATABASE_PATH, PUBLIC_URL: E2E_BASE_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`cli ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

/** Runs the real command line against the end-to-end database and returns its standard output. */
import { runCli as runCliWith } from '../helpers/cli.ts';
import { E2E_BASE_URL, E2E_DATABASE_PATH } from './fixtures.ts';

export async function runCli(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await runCliWith(args, { DATABASE_PATH: E2E_DATABASE_PATH, PUBLIC_URL: E2E_BASE_URL });
  if (code !== 0) throw new Error(`cli ${args.join(' ')} exited ${code}: ${stderr}`);
  return stdout;
}

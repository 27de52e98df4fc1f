/**
 * `npm run cli -- <command> [options]`: administration and automation.
 *
 * Standard output carries only the result, so it can be piped and parsed (`--json` makes it
 * JSON); logs and errors go to standard error, and any error exits non-zero (2 for a usage
 * error, 1 for a refused or failed command).
 */
import { parseArgs } from 'node:util';
import { commands, type Command } from './commands.ts';
import { CliError, UsageError } from './errors.ts';

function printHelp(): void {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  process.stdout.write(
    [
      'Usage: npm run cli -- <command> [options]',
      '',
      'Commands:',
      ...lines,
      '',
      'Every command takes --json for machine-readable output and --help for its options.',
      '',
    ].join('\n'),
  );
}

function printCommandHelp(name: string, command: Command): void {
  process.stdout.write(`Usage: npm run cli -- ${name} ${command.usage}\n\n${command.summary}\n`);
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    printHelp();
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`Unknown command "${name}". Run with --help to list the commands.`);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nUsage: npm run cli -- ${name} ${command.usage}`);
  }
  if (parsed.values.help) {
    printCommandHelp(name, command);
    return 0;
  }
  const isJson = parsed.values.json === true;
  const output = await command.run({ values: parsed.values, positionals: parsed.positionals });
  if (output.raw) process.stdout.write(output.text);
  else if (isJson) process.stdout.write(JSON.stringify(output.json) + '\n');
  else if (output.text !== '') process.stdout.write(output.text.endsWith('\n') ? output.text : output.text + '\n');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CliError) {
      process.stderr.write(`error: ${error.message}\n`);
      process.exitCode = error instanceof UsageError ? 2 : 1;
    } else {
      process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);

// `npm start`: build, migrate, create the demo on the first run, then serve.
// Runs on the Node that npm puts first on PATH (the pinned `node` devDependency).
import { spawnSync, spawn } from 'node:child_process';

const env = { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' };
const cliArgs = ['--no-warnings=ExperimentalWarning', 'src/cli/main.ts'];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', env, ...options });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!process.argv.includes('--no-build')) run(process.execPath, ['node_modules/astro/bin/astro.mjs', 'build']);
run(process.execPath, [...cliArgs, 'db:migrate']);
run(process.execPath, [...cliArgs, 'demo:init']);

// The HTTP front (src/server/http/serve.ts) hosts the built Astro server; HOST and PORT apply.
const server = spawn(process.execPath, [...cliArgs.slice(0, 1), 'src/server/http/serve.ts'], { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));

// `npm run bench`: how fast the built server answers, next to how fast Node itself could.
//
// Each benchmark loads one path on the real server (dist/server/entry.mjs, fresh database,
// its own process) and then on a *ceiling* server: a bare node:http server in another process
// that answers the same path with the bytes and headers the real server sent. The ceiling is
// what this machine, this Node and this load generator can do with no work at all, so the
// ratio real/ceiling says how much of that the app keeps, and stays comparable across machines.
//
// To benchmark another path, add one entry to BENCHMARKS. Flags:
//   --no-build            use the existing dist/ instead of running `astro build`
//   --duration=SECONDS    load per run (default 5; a 1 s warm-up runs first)
//   --connections=N       concurrent connections (default 50)
//   --only=TEXT           run only the benchmarks whose name contains TEXT
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What is measured, and the goal for each. `session: true` sends the benchmark admin's session
 * cookie; `headers` are sent as given; `status` is what every answer must be (default 200).
 * A goal may set minRatio (real/ceiling), minRps (requests/s) and maxP99Ms.
 *
 * The first goals are floors under the first measurements (2 CPUs, 50 connections: ratios of
 * 0.05 to 0.1, p99 of 50 to 120 ms on a quiet machine), to catch a change that makes a page
 * markedly slower. Raise them as the app gets faster. On a busy machine the numbers swing, so
 * read a miss twice before believing it.
 */
const BENCHMARKS = [
  { name: 'GET /healthz', path: '/healthz', goal: { minRatio: 0.04 } },
  { name: 'GET /sign-in', path: '/sign-in', goal: { minRatio: 0.04, maxP99Ms: 200 } },
  { name: 'GET /app (signed in)', path: '/app', session: true, goal: { minRatio: 0.03, maxP99Ms: 200 } },
];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CEILING_FLAG = '--serve-ceiling';
const BENCH_ACCOUNT = { email: 'bench@example.com', name: 'Bench Admin', role: 'admin', password: 'bench passphrase for load' };
// Transport headers belong to each connection, not to the answer; node:http writes its own.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date', 'content-length']);

if (process.argv.includes(CEILING_FLAG)) {
  serveCeiling();
} else {
  await main();
}

/** Child mode: answer each recorded path with its recorded status, headers and body. */
function serveCeiling() {
  const recorded = JSON.parse(fs.readFileSync(process.env.CEILING_RESPONSES, 'utf8'));
  const answers = new Map(
    Object.entries(recorded).map(([url, r]) => [url, { status: r.status, headers: r.headers, body: Buffer.from(r.body, 'base64') }]),
  );
  const server = http.createServer((req, res) => {
    const answer = answers.get(req.url);
    req.resume();
    if (!answer) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
    res.end(answer.body);
  });
  server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const benchmarks = BENCHMARKS.filter((b) => !options.only || b.name.includes(options.only));
  if (benchmarks.length === 0) fail(`No benchmark name contains "${options.only}".`);
  const { default: autocannon } = await import('autocannon');

  // A fixed folder, emptied first: DATABASE_PATH is baked into dist/ at build time (see
  // signIn), so a --no-build run only reaches its database when the path is the same as before.
  const workDir = path.join(os.tmpdir(), 'groundtruth-bench');
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.mkdirSync(workDir, { recursive: true });
  const children = new Set();
  // Children are ended however this process ends: done, failed, or interrupted.
  process.on('exit', () => {
    for (const child of children) child.kill('SIGTERM');
    fs.rmSync(workDir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

  const env = {
    ...process.env,
    ASTRO_TELEMETRY_DISABLED: '1',
    DATABASE_PATH: path.join(workDir, 'bench.sqlite'),
    HOST: '127.0.0.1',
  };

  if (options.build) {
    step('Building (astro build; skip with --no-build)');
    runOrFail(process.execPath, ['node_modules/astro/bin/astro.mjs', 'build'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  } else if (!fs.existsSync(path.join(root, 'dist/server/entry.mjs'))) {
    fail('dist/server/entry.mjs is missing: run without --no-build.');
  }

  step('Creating a fresh database and a staff account');
  const cli = ['--no-warnings=ExperimentalWarning', 'src/cli/main.ts'];
  runOrFail(process.execPath, [...cli, 'db:migrate'], { env });
  const { email, name, role, password } = BENCH_ACCOUNT;
  runOrFail(process.execPath, [...cli, 'user:create', '--email', email, '--name', name, '--role', role, '--password', password], { env });

  const appPort = await findFreePort();
  const appUrl = `http://127.0.0.1:${appPort}`;
  step(`Starting the server on ${appUrl}`);
  const app = startChild(children, process.execPath, ['dist/server/entry.mjs'], {
    env: { ...env, PORT: String(appPort), PUBLIC_URL: appUrl },
  });
  await waitForHealthy(appUrl, app);

  const cookie = await signIn(appUrl);
  const requests = benchmarks.map((b) => ({
    ...b,
    method: b.method ?? 'GET',
    status: b.status ?? 200,
    headers: { ...(b.headers ?? {}), ...(b.session ? { cookie } : {}) },
  }));

  step('Recording what the server answers');
  const recorded = {};
  for (const r of requests) {
    const response = await fetch(appUrl + r.path, { method: r.method, headers: r.headers, redirect: 'manual' });
    const body = Buffer.from(await response.arrayBuffer());
    if (response.status !== r.status) fail(`${r.name}: expected status ${r.status}, got ${response.status}.`);
    const headers = {};
    for (const [key, value] of response.headers) if (!HOP_BY_HOP.has(key)) headers[key] = value;
    recorded[r.path] = { status: response.status, headers, body: body.toString('base64') };
  }
  const responsesFile = path.join(workDir, 'ceiling-responses.json');
  fs.writeFileSync(responsesFile, JSON.stringify(recorded));

  const ceilingPort = await findFreePort();
  const ceilingUrl = `http://127.0.0.1:${ceilingPort}`;
  step(`Starting the ceiling server on ${ceilingUrl}`);
  const ceiling = startChild(children, process.execPath, [fileURLToPath(import.meta.url), CEILING_FLAG], {
    env: { ...process.env, PORT: String(ceilingPort), CEILING_RESPONSES: responsesFile },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise((resolve, reject) => {
    ceiling.once('message', resolve);
    ceiling.once('exit', (code) => reject(new Error(`The ceiling server exited with ${code}.`)));
  });

  const load = async (url, r, duration) => {
    const result = await autocannon({
      url: url + r.path,
      method: r.method,
      headers: r.headers,
      body: r.body,
      connections: options.connections,
      duration,
    });
    const unexpected = result.statusCodeStats ? Object.keys(result.statusCodeStats).filter((s) => Number(s) !== r.status) : [];
    return {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      problems: result.errors + result.timeouts + (unexpected.length ? result.non2xx || 1 : 0),
    };
  };

  const results = [];
  for (const r of requests) {
    step(`Loading ${r.name}: ${options.connections} connections, ${options.duration} s each on the server and the ceiling`);
    await load(appUrl, r, 1);
    const real = await load(appUrl, r, options.duration);
    await load(ceilingUrl, r, 1);
    const bare = await load(ceilingUrl, r, options.duration);
    const ratio = bare.rps > 0 ? real.rps / bare.rps : 0;
    const result = {
      name: r.name,
      value: round(real.rps),
      unit: 'requests/s',
      ceiling: round(bare.rps),
      ratio: round(ratio, 3),
      p50Ms: real.p50,
      p99Ms: real.p99,
      ceilingP50Ms: bare.p50,
      ceilingP99Ms: bare.p99,
      goal: describeGoal(r.goal),
      isGoalMet: isGoalMet(r.goal, { rps: real.rps, ratio, p99: real.p99 }) && real.problems === 0,
      errors: real.problems,
    };
    results.push(result);
  }

  printTable(results);
  const report = {
    runAt: new Date().toISOString(),
    node: process.version,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memory: os.totalmem(), platform: `${os.platform()} ${os.release()}` },
    settings: { connections: options.connections, durationSeconds: options.duration, warmUpSeconds: 1 },
    results,
  };
  const out = path.join(root, 'bench', 'results.json');
  fs.writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  step(`Wrote ${path.relative(root, out)}`);
  // The running children (and the ceiling's IPC channel) would keep this process alive.
  process.exit(0);
}

function parseOptions(args) {
  const options = { build: true, duration: 5, connections: 50, only: null };
  for (const arg of args) {
    const [key, value] = arg.split('=');
    if (key === '--no-build') options.build = false;
    else if (key === '--duration') options.duration = Number(value);
    else if (key === '--connections') options.connections = Number(value);
    else if (key === '--only') options.only = value ?? null;
    else fail(`Unknown option ${arg}. Options: --no-build --duration=S --connections=N --only=TEXT`);
  }
  if (!(options.duration > 0) || !(options.connections > 0)) fail('--duration and --connections must be positive numbers.');
  return options;
}

function describeGoal(goal = {}) {
  const parts = [];
  if (goal.minRatio !== undefined) parts.push(`ratio ≥ ${goal.minRatio}`);
  if (goal.minRps !== undefined) parts.push(`≥ ${goal.minRps} requests/s`);
  if (goal.maxP99Ms !== undefined) parts.push(`p99 ≤ ${goal.maxP99Ms} ms`);
  return parts.join(', ') || 'none';
}

function isGoalMet(goal = {}, measured) {
  return (
    (goal.minRatio === undefined || measured.ratio >= goal.minRatio) &&
    (goal.minRps === undefined || measured.rps >= goal.minRps) &&
    (goal.maxP99Ms === undefined || measured.p99 <= goal.maxP99Ms)
  );
}

function printTable(results) {
  const rows = [
    ['benchmark', 'requests/s', 'ceiling', 'ratio', 'p50 ms', 'p99 ms', 'goal', 'met'],
    ...results.map((r) => [
      r.name,
      String(r.value),
      String(r.ceiling),
      r.ratio.toFixed(3),
      String(r.p50Ms),
      String(r.p99Ms),
      r.goal,
      r.isGoalMet ? 'yes' : r.errors ? `no (${r.errors} errors)` : 'no',
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i === 0 || i === 6 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log('\n' + line(rows[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows.slice(1)) console.log(line(row));
  console.log('');
}

async function signIn(appUrl) {
  const response = await fetch(`${appUrl}/_actions/auth.signIn`, {
    method: 'POST',
    headers: { origin: appUrl },
    body: new URLSearchParams({ email: BENCH_ACCOUNT.email, password: BENCH_ACCOUNT.password }),
    redirect: 'manual',
  });
  const session = response.headers.getSetCookie().find((c) => c.startsWith('gt_staff='));
  if (response.status === 401) {
    fail(
      'The server does not know the benchmark account: it is not using the database the CLI wrote to. ' +
        'astro:env public variables such as DATABASE_PATH are fixed when dist/ is built, so run without --no-build.',
    );
  }
  if (!response.ok || !session) fail(`Signing in for the benchmark failed: ${response.status} ${await response.text()}`);
  return session.split(';')[0];
}

function startChild(children, command, args, options) {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], ...options });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function waitForHealthy(url, child) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) fail(`The server exited with ${child.exitCode} before it was ready.`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  fail('The server did not answer /healthz within 30 s.');
}

function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function runOrFail(command, args, options) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], ...options });
  if (result.status !== 0) fail(`${path.basename(command)} ${args.join(' ')} exited with ${result.status}.`);
}

function step(message) {
  console.log(`• ${message}`);
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

function round(value, digits = 0) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

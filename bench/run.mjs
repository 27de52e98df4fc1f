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
 * What is measured, and the goal for each. `path` is a string or a function of the setup
 * (ids of the maps and invitation made for the run); `session` sends the benchmark admin's
 * ('staff') or an invited customer's ('participant') session cookie; `form` sends a
 * same-origin form post; `status` is what every answer must be (default 200). Load benchmarks
 * run many connections for a while; `sequential: N` sends N requests one after another and
 * reports latency percentiles instead (the server's time per request). A goal may set
 * minRatio (real/ceiling), minRps (requests/s), maxP99Ms and, for sequential ones, maxP95Ms.
 *
 * The first goals are floors under the first measurements (2 CPUs, 50 connections: ratios of
 * 0.05 to 0.1, p99 of 50 to 120 ms on a quiet machine), to catch a change that makes a page
 * markedly slower. Raise them as the app gets faster. On a busy machine the numbers swing, so
 * read a miss twice before believing it.
 */
const BENCHMARKS = [
  { name: 'GET /healthz', path: '/healthz', goal: { minRatio: 0.04 } },
  { name: 'GET /sign-in', path: '/sign-in', goal: { minRatio: 0.04, maxP99Ms: 200 } },
  // The home page validates the staff session and lists recent maps: about 0.03 of the ceiling.
  { name: 'GET /app (signed in)', path: '/app', session: 'staff', goal: { minRatio: 0.02, maxP99Ms: 200 } },
  // Issue 4: the customer view of a published version, as an invited participant opens it.
  {
    name: 'GET customer view (participant)',
    path: (ctx) => ctx.customerViewPath,
    session: 'participant',
    goal: { minRatio: 0.5, maxP99Ms: 50 },
  },
  // Issue 3: opening the editor for a map at the limits (60 stages, 30 lanes, 5,000 cards),
  // one request at a time: the time the server takes to answer.
  {
    name: 'GET editor, map at the limits (server time)',
    path: (ctx) => `/app/maps/${ctx.bigMapId}`,
    session: 'staff',
    sequential: 30,
    goal: { maxP95Ms: 150 },
  },
  // Issue 4: publishing a map at the limits (the redaction, leak check, diff and write), one at a time.
  {
    name: 'POST publish, map at the limits',
    path: (ctx) => `/app/maps/${ctx.bigMapId}/publish?_action=publishing.publish`,
    method: 'POST',
    session: 'staff',
    form: (ctx) => ({ mapId: ctx.bigMapId, acknowledgeWarnings: 'on' }),
    status: 303,
    sequential: 15,
    goal: { maxP95Ms: 200 },
  },
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
  const specialNames = ['POST annotation (participants)', 'JavaScript on the customer page (gzip)', 'review queue (100,000 annotations)', 'live session (500 participants)'];
  const runsSpecial = (name) => !options.only || name.includes(options.only);
  if (benchmarks.length === 0 && !specialNames.some(runsSpecial)) fail(`No benchmark name contains "${options.only}".`);
  const { default: autocannon } = await import('autocannon');

  // A folder of its own, emptied first and removed at the end.
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

  step('Importing a map at the limits (60 stages, 30 lanes, 5,000 cards) and a realistic one; publishing; inviting');
  const bigMapFile = path.join(workDir, 'big.map.json');
  fs.writeFileSync(bigMapFile, JSON.stringify(generateMap({ stages: 60, lanes: 30, cards: 5000, seed: 1 })));
  const bigMapId = JSON.parse(cliOutput([...cli, 'map:import', bigMapFile, '--json'], env)).id;
  const smallMapFile = path.join(workDir, 'small.map.json');
  fs.writeFileSync(smallMapFile, JSON.stringify(generateMap({ stages: 7, lanes: 8, cards: 50, seed: 2 })));
  const smallMapId = JSON.parse(cliOutput([...cli, 'map:import', smallMapFile, '--json'], env)).id;
  cliOutput([...cli, 'map:publish', smallMapId, '--acknowledge-warnings', '--json'], env);

  const appPort = await findFreePort();
  const appUrl = `http://127.0.0.1:${appPort}`;
  step(`Starting the server on ${appUrl}`);
  const serverEnv = { ...env, PORT: String(appPort), PUBLIC_URL: appUrl };
  const app = startChild(children, process.execPath, ['--no-warnings=ExperimentalWarning', 'src/server/http/serve.ts'], { env: serverEnv });
  await waitForHealthy(appUrl, app);

  const link = JSON.parse(cliOutput([...cli, 'invite:create', '--map', smallMapId, '--email', 'bench-customer@example.com', '--json'], serverEnv)).link;
  const participant = await continueAsParticipant(appUrl, link);
  const cookies = { staff: await signIn(appUrl), participant: participant.cookie };
  const ctx = { bigMapId, smallMapId, customerViewPath: participant.path };
  const requests = benchmarks.map((b) => {
    const form = b.form ? new URLSearchParams(b.form(ctx)).toString() : undefined;
    return {
      ...b,
      path: typeof b.path === 'function' ? b.path(ctx) : b.path,
      method: b.method ?? 'GET',
      status: b.status ?? 200,
      body: form,
      headers: {
        ...(b.headers ?? {}),
        ...(b.session ? { cookie: cookies[b.session] } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded', origin: appUrl, 'sec-fetch-site': 'same-origin' } : {}),
      },
    };
  });

  step('Recording what the server answers');
  const recorded = {};
  for (const r of requests) {
    const response = await fetch(appUrl + r.path, { method: r.method, headers: r.headers, body: r.body, redirect: 'manual' });
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

  /** N requests one after another: the server's own time per request, no queueing. */
  const timeSequentially = async (url, r) => {
    const times = [];
    for (let i = 0; i < r.sequential; i++) {
      const started = performance.now();
      const response = await fetch(url + r.path, { method: r.method, headers: r.headers, body: r.body, redirect: 'manual' });
      await response.arrayBuffer();
      if (response.status !== r.status) fail(`${r.name}: expected status ${r.status}, got ${response.status}.`);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const at = (q) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
    return { p50: round(at(0.5), 1), p95: round(at(0.95), 1), p99: round(at(0.99), 1) };
  };

  const results = [];
  // Load first, while the server is fresh; then the one-at-a-time timings, which write big versions.
  for (const r of requests.filter((q) => !q.sequential)) {
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

  for (const r of requests.filter((q) => q.sequential)) {
    step(`Timing ${r.name}: ${r.sequential} requests one at a time on the server and the ceiling`);
    await timeSequentially(appUrl, { ...r, sequential: 2 });
    const real = await timeSequentially(appUrl, r);
    const bare = await timeSequentially(ceilingUrl, r);
    results.push({
      name: r.name,
      value: real.p95,
      unit: 'ms (p95)',
      ceiling: bare.p95,
      ratio: round(bare.p95 / real.p95, 3),
      p50Ms: real.p50,
      p99Ms: real.p99,
      ceilingP50Ms: bare.p50,
      ceilingP99Ms: bare.p99,
      goal: describeGoal(r.goal),
      isGoalMet: r.goal.maxP95Ms === undefined || real.p95 <= r.goal.maxP95Ms,
      errors: 0,
    });
  }
  if (runsSpecial(specialNames[0])) {
    results.push(await benchmarkAnnotationWrites({ appUrl, env: serverEnv, cookies, smallMapId, options, autocannon }));
  }
  if (runsSpecial(specialNames[1])) {
    results.push(await measureCustomerJavaScript(appUrl, participant.path, cookies.participant));
  }
  // Issue 8: 500 participants on one live session's streams (bench/live.mjs).
  if (runsSpecial('live session (500 participants)')) {
    const { benchmarkLiveSession } = await import('./live.mjs');
    results.push(...(await benchmarkLiveSession({ appUrl, env: serverEnv, staffCookie: cookies.staff, serverPid: app.pid, helpers: { step, cliOutput, continueAsParticipant, fail, round } })));
  }
  // Last: it adds 100,000 annotations to the database the other benchmarks use.
  if (runsSpecial('review queue (100,000 annotations)')) {
    results.push(...(await benchmarkReviewQueue({ appUrl, env: serverEnv, cookies, workDir, children })));
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
  if (goal.maxP95Ms !== undefined) parts.push(`p95 ≤ ${goal.maxP95Ms} ms`);
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
    ['benchmark', 'value', 'ceiling', 'ratio', 'p50 ms', 'p99 ms', 'goal', 'met'],
    ...results.map((r) => [
      r.name,
      `${r.value} ${r.unit === 'requests/s' ? 'req/s' : r.unit === 'KB' ? 'KB' : r.unit === 'ms' ? 'ms' : 'ms p95'}`,
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
  if (!response.ok || !session) fail(`Signing in for the benchmark failed: ${response.status} ${await response.text()}`);
  return session.split(';')[0];
}

/**
 * Issue 6: annotations over HTTP from many participants at once (each limited to 30 a minute,
 * so 50 connections take turns over hundreds of participants), next to the ceiling of raw
 * inserts into the same SQLite database with the same durability settings, in a child process.
 */
async function benchmarkAnnotationWrites({ appUrl, env, cookies, smallMapId, options, autocannon }) {
  // Enough people that nobody reaches the limit of 30 a minute during the run.
  const participants = 1200;
  step(`Inviting ${participants} participants from a CSV upload and opening their links`);
  const csv = ['email,name', ...Array.from({ length: participants }, (_, i) => `load-${i}@example.com,Load ${i}`)].join('\n');
  const upload = new FormData();
  upload.set('file', new Blob([csv], { type: 'text/csv' }), 'load.csv');
  upload.set('version', 'latest');
  const imported = await fetch(`${appUrl}/app/maps/${smallMapId}/invitations/import`, { method: 'POST', headers: { cookie: cookies.staff, origin: appUrl, 'sec-fetch-site': 'same-origin' }, body: upload });
  if (!(await imported.text()).includes('"done"')) fail('The CSV invitation upload did not finish.');
  const links = JSON.parse(cliOutput(['--no-warnings=ExperimentalWarning', 'src/cli/main.ts', 'invite:links', '--map', smallMapId, '--json'], env)).map((i) => i.link);
  const sessions = [];
  for (const link of links.filter((l) => l)) {
    const { cookie, path: mapPath } = await continueAsParticipant(appUrl, link);
    sessions.push({ cookie, path: mapPath + '/annotations' });
  }
  let turn = 0;
  const body = JSON.stringify({ anchor: 'map', kind: 'idea', text: 'A comment from the load test, with a little text in it.', importance: 3 });
  const run = (duration) =>
    autocannon({
      url: appUrl,
      connections: options.connections,
      duration,
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => {
            const session = sessions[turn++ % sessions.length];
            return { ...request, path: session.path, body, headers: { ...request.headers, cookie: session.cookie, 'content-type': 'application/json', origin: appUrl, 'sec-fetch-site': 'same-origin' } };
          },
        },
      ],
    });
  step(`Loading POST annotations: ${options.connections} connections over ${sessions.length} participants, ${options.duration} s`);
  await run(1);
  const result = await run(options.duration);
  const ceiling = JSON.parse(cliOutput(['--no-warnings=ExperimentalWarning', 'bench/raw-inserts.ts', String(options.duration)], env)).insertsPerSecond;
  const errors = result.errors + result.timeouts + (result.non2xx ?? 0);
  if (errors > 0) console.log(`  answers by status: ${JSON.stringify(result.statusCodeStats)}`);
  const goal = { minRps: 1000, maxP99Ms: 100 };
  return {
    name: 'POST annotation (participants)',
    value: round(result.requests.average),
    unit: 'requests/s',
    ceiling: round(ceiling),
    ratio: round(result.requests.average / ceiling, 3),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    goal: describeGoal(goal) + ' (ceiling: raw SQLite inserts/s)',
    isGoalMet: isGoalMet(goal, { rps: result.requests.average, ratio: 1, p99: result.latency.p99 }) && errors === 0,
    errors,
  };
}

/**
 * Issue 7: the review queue with 100,000 annotations across 50 maps. bench/review-queue.ts seeds
 * them into this run's database and times, in its own process, the queue's first page for a set
 * of filters (goal p95 under 50 ms, server time) and bulk changes of 1,000 items (goal under
 * 1 s), each next to a bare-SQLite ceiling from the same run. Then the same views are opened
 * as the queue page over HTTP, one request at a time, next to the bare ceiling server answering
 * the same bytes: for reference, as the goal is on server time.
 */
async function benchmarkReviewQueue({ appUrl, env, cookies, workDir, children }) {
  step('Review queue: seeding 100,000 annotations across 50 published maps, then timing the queue in process');
  // Not spawnSync: a blocked event loop would miss the server closing idle keep-alive sockets,
  // and the next fetch would go out on a dead one.
  const measured = JSON.parse(
    await new Promise((resolve) => {
      const child = spawn(process.execPath, ['--no-warnings=ExperimentalWarning', 'bench/review-queue.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.on('exit', (code) => (code === 0 ? resolve(out) : fail(`bench/review-queue.ts exited with ${code}.`)));
    }),
  );
  const rows = [...measured.results];
  const pages = measured.pages.map((p) => ({ name: `GET /app/review, ${p.name} (HTTP, whole page)`, path: `/app/review${p.query ? `?${p.query}` : ''}`, method: 'GET', status: 200, headers: { cookie: cookies.staff } }));
  const first = await fetch(appUrl + pages[0].path, { headers: pages[0].headers, redirect: 'manual' });
  await first.arrayBuffer();
  if (first.status !== 200) {
    console.log(`  the queue page answered ${first.status}: HTTP timings skipped`);
    return rows;
  }
  step(`Review queue: recording ${pages.length} queue pages over HTTP for their ceiling`);
  const recorded = {};
  for (const page of pages) {
    const response = await fetch(appUrl + page.path, { headers: page.headers, redirect: 'manual' });
    const body = Buffer.from(await response.arrayBuffer());
    if (response.status !== 200) fail(`${page.name}: expected status 200, got ${response.status}.`);
    const headers = {};
    for (const [key, value] of response.headers) if (!HOP_BY_HOP.has(key)) headers[key] = value;
    recorded[page.path] = { status: 200, headers, body: body.toString('base64') };
  }
  const responsesFile = path.join(workDir, 'review-ceiling-responses.json');
  fs.writeFileSync(responsesFile, JSON.stringify(recorded));
  const ceilingUrl = `http://127.0.0.1:${await findFreePort()}`;
  const ceiling = startChild(children, process.execPath, [fileURLToPath(import.meta.url), CEILING_FLAG], {
    env: { ...process.env, PORT: new URL(ceilingUrl).port, CEILING_RESPONSES: responsesFile },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise((resolve, reject) => {
    ceiling.once('message', resolve);
    ceiling.once('exit', (code) => reject(new Error(`The ceiling server exited with ${code}.`)));
  });
  const times = async (url, page, count) => {
    const out = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const response = await fetch(url + page.path, { headers: page.headers, redirect: 'manual' });
      await response.arrayBuffer();
      if (response.status !== 200) fail(`${page.name}: expected status 200, got ${response.status}.`);
      out.push(performance.now() - started);
    }
    out.sort((a, b) => a - b);
    const at = (q) => out[Math.min(out.length - 1, Math.ceil(q * out.length) - 1)];
    return { p50: round(at(0.5), 1), p95: round(at(0.95), 1), p99: round(at(0.99), 1) };
  };
  for (const page of pages) {
    step(`Timing ${page.name}: 20 requests one at a time on the server and the ceiling`);
    await times(appUrl, page, 2);
    const real = await times(appUrl, page, 20);
    const bare = await times(ceilingUrl, page, 20);
    rows.push({
      name: page.name,
      value: real.p95,
      unit: 'ms (p95)',
      ceiling: bare.p95,
      ratio: round(bare.p95 / real.p95, 3),
      p50Ms: real.p50,
      p99Ms: real.p99,
      ceilingP50Ms: bare.p50,
      ceilingP99Ms: bare.p99,
      goal: 'none (for reference: the goal is on server time)',
      isGoalMet: true,
      errors: 0,
    });
  }
  ceiling.kill('SIGTERM');
  return rows;
}

/** Issue 6: the JavaScript the heaviest customer page ships, gzipped (goal: at most 50 KB). */
async function measureCustomerJavaScript(appUrl, mapPath, cookie) {
  let largest = null;
  for (const page of [mapPath, `${mapPath}?on=map`, `${mapPath}/walk/1`, `${mapPath}/summary`]) {
    const measured = await measurePageJavaScript(appUrl, page, cookie);
    if (!largest || measured.value > largest.value) largest = { ...measured, name: `JavaScript on a customer page (gzip, heaviest: ${page.replace(mapPath, 'map') || 'map'})` };
  }
  return largest;
}

async function measurePageJavaScript(appUrl, pagePath, cookie) {
  const { gzipSync } = await import('node:zlib');
  const html = await (await fetch(appUrl + pagePath, { headers: { cookie } })).text();
  const scripts = new Set([...html.matchAll(/<script[^>]+src="([^"]+)"/g), ...html.matchAll(/component-url="([^"]+)"|renderer-url="([^"]+)"/g)].map((m) => m[1] ?? m[2]).filter(Boolean));
  const seen = new Set();
  const queue = [...scripts];
  // Scripts small enough for Astro to inline count too (JSON data blocks are not code).
  const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)(?![^>]*application\/json)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
  let bytes = inline ? gzipSync(inline).length : 0;
  while (queue.length) {
    const url = queue.shift();
    if (seen.has(url)) continue;
    seen.add(url);
    const code = await (await fetch(new URL(url, appUrl))).text();
    bytes += gzipSync(code).length;
    for (const m of code.matchAll(/(?:from|import)\s*["']([^"']+\.js)["']/g)) queue.push(new URL(m[1], new URL(url, appUrl)).pathname);
  }
  const kb = round(bytes / 1024, 1);
  return { name: 'JavaScript on the customer page (gzip)', value: kb, unit: 'KB', ceiling: 50, ratio: round(kb / 50, 3), p50Ms: 0, p99Ms: 0, goal: '≤ 50 KB', isGoalMet: kb <= 50, errors: 0 };
}

/** Presses Continue on an invitation link, as a person would: the participant cookie and where it leads. */
async function continueAsParticipant(appUrl, link) {
  const token = link.split('/m/i/')[1];
  const response = await fetch(`${appUrl}/m/i/${token}?_action=portal.continueWithLink`, {
    method: 'POST',
    headers: { origin: appUrl, 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ token }),
    redirect: 'manual',
  });
  const session = response.headers.getSetCookie().find((c) => c.startsWith('gt_participant='));
  if (response.status !== 303 || !session) fail(`Opening the invitation failed: ${response.status}`);
  return { cookie: session.split(';')[0], path: new URL(response.headers.get('location'), appUrl).pathname };
}

/**
 * A journey map in the interchange format, deterministic for a seed: `stages` × `lanes` with
 * `cards` spread over the cells, about a fifth of everything internal, customer wording on some.
 */
function generateMap({ stages, lanes, cards, seed }) {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const kinds = ['actions', 'touchpoints', 'channels', 'thoughts', 'emotions', 'pain_points', 'opportunities', 'backstage', 'owners', 'metrics', 'notes'];
  const words = 'customer signs reviews setup invoice team dashboard onboarding call email waits confused relieved admin report data export login training'.split(' ');
  const sentence = (n) => Array.from({ length: n }, () => words[Math.floor(random() * words.length)]).join(' ');
  return {
    format: 'journey-map/v1',
    title: `Benchmark map ${seed}`,
    stages: Array.from({ length: stages }, (_, i) => ({ key: `s${i}`, name: `Stage ${i + 1} ${sentence(2)}`, ...(random() < 0.1 ? { visibility: 'internal' } : {}) })),
    lanes: Array.from({ length: lanes }, (_, i) => ({ key: `l${i}`, name: `Lane ${i + 1}`, kind: kinds[i % kinds.length] })),
    cards: Array.from({ length: cards }, (_, i) => ({
      key: `c${i}`,
      stage: `s${Math.floor(random() * stages)}`,
      lane: `l${Math.floor(random() * lanes)}`,
      text: sentence(6 + Math.floor(random() * 10)),
      ...(random() < 0.3 ? { customerText: sentence(6) } : {}),
      ...(random() < 0.2 ? { visibility: 'internal' } : {}),
      ...(random() < 0.2 ? { owner: 'Owner name', notes: sentence(8) } : {}),
    })),
  };
}

function cliOutput(args, env) {
  const result = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) fail(`cli ${args.slice(2).join(' ')} exited with ${result.status}.`);
  return result.stdout;
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

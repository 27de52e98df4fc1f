// Issue 8: a live advisory board session under load, for `npm run bench` (bench/run.mjs).
//
// 500 invited participants join one session; a separate process (this file run with
// --client) holds their 500 Server-Sent Events streams and posts 10 annotations a second for
// 30 s through the same JSON API the customer page uses. Each annotation carries its number
// in its text, so the client knows when it posted it (performance.now(), before sending) and
// when each stream received it: latency from the POST to receipt, p50 and p99 over every
// (annotation, screen) pair, and reach — the share of those pairs that arrived at all. The
// server's memory per connection is its resident size with the streams open minus before,
// divided by their number.
//
// Used by bench/run.mjs, which has built and started the server:
//   benchmarkLiveSession({ appUrl, env, staffCookie, serverPid, helpers })
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLIENT_FLAG = '--client';
const here = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(here), '..');
export const LIVE_BENCH = { participants: 500, perSecond: 10, seconds: 30, goalP99Ms: 250 };

if (process.argv.includes(CLIENT_FLAG)) runClient();

/** The server's resident memory in bytes (Linux /proc; null elsewhere). */
function residentBytes(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export async function benchmarkLiveSession({ appUrl, env, staffCookie, serverPid, helpers }) {
  const { step, cliOutput, continueAsParticipant, fail, round } = helpers;
  const { participants, perSecond, seconds, goalP99Ms } = LIVE_BENCH;
  const cli = ['--no-warnings=ExperimentalWarning', 'src/cli/main.ts'];
  const staffHeaders = { cookie: staffCookie, origin: appUrl, 'sec-fetch-site': 'same-origin' };

  step(`Live session: a published map, shared feedback without approval, ${participants} invited participants`);
  const mapFile = path.join(path.dirname(env.DATABASE_PATH), 'live.map.json');
  fs.writeFileSync(
    mapFile,
    JSON.stringify({
      format: 'journey-map/v1',
      title: 'Live benchmark map',
      stages: Array.from({ length: 6 }, (_, i) => ({ key: `s${i}`, name: `Stage ${i + 1}` })),
      lanes: [{ key: 'actions', name: 'What you do', kind: 'actions' }],
      cards: Array.from({ length: 12 }, (_, i) => ({ key: `c${i}`, stage: `s${i % 6}`, lane: 'actions', text: `Step ${i + 1}` })),
    }),
  );
  const mapId = JSON.parse(cliOutput([...cli, 'map:import', mapFile, '--json'], env)).id;
  cliOutput([...cli, 'map:publish', mapId, '--acknowledge-warnings', '--json'], env);
  const saved = await fetch(`${appUrl}/_actions/feedback.saveSettings`, { method: 'POST', headers: staffHeaders, body: new URLSearchParams({ mapId, mode: 'shared', showsNames: 'on' }) });
  if (!saved.ok) fail(`Setting shared feedback failed: ${saved.status} ${await saved.text()}`);
  const csv = ['email,name', ...Array.from({ length: participants }, (_, i) => `live-${i}@example.com,Live ${i}`)].join('\n');
  const upload = new FormData();
  upload.set('file', new Blob([csv], { type: 'text/csv' }), 'live.csv');
  upload.set('version', 'latest');
  const imported = await fetch(`${appUrl}/app/maps/${mapId}/invitations/import`, { method: 'POST', headers: staffHeaders, body: upload });
  if (!(await imported.text()).includes('"done"')) fail('The live benchmark invitation upload did not finish.');
  const links = JSON.parse(cliOutput([...cli, 'invite:links', '--map', mapId, '--json'], env)).map((i) => i.link);

  step('Live session: opening it as the facilitator; every participant opens the link and presses Join');
  const opened = await fetch(`${appUrl}/app/maps/${mapId}/live`, { method: 'POST', headers: staffHeaders, body: new URLSearchParams({ version: 'latest' }), redirect: 'manual' });
  const presentPath = opened.headers.get('location');
  if (opened.status !== 303 || !presentPath) fail(`Opening the live session failed: ${opened.status}`);
  const present = await (await fetch(appUrl + presentPath, { headers: { cookie: staffCookie } })).text();
  const code = /\/m\/live\/([a-z2-9]{10})/.exec(present)?.[1];
  if (!code) fail('The present view shows no join link.');
  const people = [];
  for (const link of links) {
    const { cookie, path: mapPath } = await continueAsParticipant(appUrl, link);
    // Joining is a POST (the page's Join button): opening the link records nothing.
    const joined = await fetch(`${appUrl}/m/live/${code}`, {
      method: 'POST',
      headers: { cookie, origin: appUrl, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ intent: 'join' }),
      redirect: 'manual',
    });
    await joined.arrayBuffer();
    if (joined.status !== 303) fail(`Joining the live session failed: ${joined.status}`);
    people.push({ cookie, annotationsPath: `${mapPath}/annotations` });
  }

  step(`Live session: ${participants} streams from a separate process, then ${perSecond} annotations/s for ${seconds} s`);
  const before = residentBytes(serverPid);
  const client = spawn(process.execPath, [here, CLIENT_FLAG], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const outcome = await new Promise((resolve, reject) => {
    client.on('message', (message) => {
      if (message.type === 'connected') {
        // Let the server settle after 500 connections, then read its memory and start.
        setTimeout(() => {
          const during = residentBytes(serverPid);
          client.send({ type: 'go', memory: { before, during } });
        }, 2000);
      } else if (message.type === 'done') resolve(message);
      else if (message.type === 'failed') reject(new Error(message.message));
    });
    client.on('exit', (exitCode) => reject(new Error(`The live benchmark client exited with ${exitCode}.`)));
    client.send({ type: 'start', appUrl, code, people, perSecond, seconds });
  }).catch((error) => fail(String(error)));
  client.kill('SIGTERM');

  const { sent, expected, received, duplicates, p50, p99, errors, memory } = outcome;
  const reach = expected > 0 ? received / expected : 0;
  const perConnectionKb = memory.before !== null && memory.during !== null ? round((memory.during - memory.before) / participants / 1024, 1) : null;
  console.log(`  live: ${sent} annotations, ${received} of ${expected} deliveries (${(reach * 100).toFixed(2)} %), ${duplicates} repeated, ${errors} POST errors`);
  return [
    {
      name: `live session: POST to receipt on ${participants} screens, ${perSecond}/s for ${seconds} s (reach ${(reach * 100).toFixed(2)} %)`,
      value: round(p99, 1),
      unit: 'ms',
      ceiling: goalP99Ms,
      ratio: round(reach, 4),
      p50Ms: round(p50, 1),
      p99Ms: round(p99, 1),
      goal: `reach 100 %, p99 ≤ ${goalP99Ms} ms (ratio column: reach)`,
      isGoalMet: reach === 1 && duplicates === 0 && p99 <= goalP99Ms && errors === 0,
      errors: errors + duplicates,
    },
    {
      name: `live session: server memory per open stream (${participants} streams)`,
      value: perConnectionKb ?? 0,
      unit: 'KB',
      ceiling: 0,
      ratio: 0,
      p50Ms: 0,
      p99Ms: 0,
      goal: perConnectionKb === null ? 'not measured (no /proc)' : 'none (for reference)',
      isGoalMet: true,
      errors: 0,
    },
  ];
}

/** Child mode: the participants' side — 500 streams and the annotations they post. */
function runClient() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  let config = null;
  const streams = [];
  const postedAt = new Map();
  const latencies = [];
  let duplicates = 0;
  let errors = 0;

  process.on('message', async (message) => {
    try {
      if (message.type === 'start') {
        config = message;
        await Promise.all(config.people.map((person, index) => openStream(person, index)));
        process.send({ type: 'connected' });
      } else if (message.type === 'go') {
        await postAnnotations();
        // Stragglers: wait until every stream has everything, or 5 s.
        const expected = postedAt.size * streams.length;
        const deadline = performance.now() + 5000;
        while (performance.now() < deadline && streams.reduce((n, s) => n + s.received.size, 0) < expected) await new Promise((r) => setTimeout(r, 50));
        latencies.sort((a, b) => a - b);
        const at = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] : Infinity);
        process.send({
          type: 'done',
          sent: postedAt.size,
          expected,
          received: streams.reduce((n, s) => n + s.received.size, 0),
          duplicates,
          p50: at(0.5),
          p99: at(0.99),
          errors,
          memory: message.memory,
        });
      }
    } catch (error) {
      process.send({ type: 'failed', message: String(error?.stack ?? error) });
    }
  });

  function openStream(person, index) {
    return new Promise((resolve, reject) => {
      const url = new URL(`/m/live/${config.code}/events`, config.appUrl);
      const request = http.get(url, { agent, headers: { cookie: person.cookie, accept: 'text/event-stream' } }, (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`Stream ${index} answered ${response.statusCode}`));
          return;
        }
        const stream = { received: new Set(), buffer: '' };
        streams.push(stream);
        response.setEncoding('utf8');
        let isResolved = false;
        response.on('data', (chunk) => {
          const now = performance.now();
          stream.buffer += chunk;
          let end;
          while ((end = stream.buffer.indexOf('\n\n')) >= 0) {
            const frame = stream.buffer.slice(0, end);
            stream.buffer = stream.buffer.slice(end + 2);
            if (frame.startsWith('event: hello') && !isResolved) {
              isResolved = true;
              resolve();
            }
            if (!frame.includes('event: annotation')) continue;
            const number = /bench live #(\d+)/.exec(frame)?.[1];
            if (number === undefined) continue;
            const n = Number(number);
            // +1s resend an annotation; the benchmark posts none, so a second copy is a repeat.
            if (stream.received.has(n)) duplicates++;
            else {
              stream.received.add(n);
              const started = postedAt.get(n);
              if (started !== undefined) latencies.push(now - started);
            }
          }
        });
      });
      request.on('error', reject);
    });
  }

  async function postAnnotations() {
    const total = config.perSecond * config.seconds;
    const interval = 1000 / config.perSecond;
    const start = performance.now();
    const pending = [];
    for (let n = 0; n < total; n++) {
      const due = start + n * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const person = config.people[n % config.people.length];
      const body = JSON.stringify({ anchor: 'map', kind: 'idea', text: `bench live #${n}: a comment from the live benchmark` });
      postedAt.set(n, performance.now());
      pending.push(
        new Promise((resolve) => {
          const request = http.request(
            new URL(person.annotationsPath, config.appUrl),
            { method: 'POST', agent, headers: { cookie: person.cookie, 'content-type': 'application/json', origin: config.appUrl, 'sec-fetch-site': 'same-origin', 'content-length': Buffer.byteLength(body) } },
            (response) => {
              response.resume();
              if (response.statusCode !== 201) errors++;
              response.on('end', resolve);
            },
          );
          request.on('error', () => {
            errors++;
            resolve();
          });
          request.end(body);
        }),
      );
    }
    await Promise.all(pending);
  }
}

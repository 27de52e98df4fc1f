/**
 * The HTTP front: the process `npm start` runs.
 *
 * It builds the App (the same composition root the command line uses), starts the mail worker,
 * and hosts the built Astro server (dist/server/entry.mjs) behind one node:http server. Astro
 * renders every page; the front only takes the two things a whole advisory board does at once
 * (src/server/portal/customer-page-front.ts): opening customer pages Astro has already rendered
 * for an immutable published version, answered from memory, and posting annotations. Doing
 * those without Astro's per-request work is what lets them keep up with a bare Node server
 * (see `npm run bench`).
 *
 * Run with the pinned Node 24, which runs this TypeScript file as it is.
 */
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDatabase } from '../../../db/connection.ts';
import { migrateToLatest } from '../../../db/migrate.ts';
import { readEnvironment } from '../../cli/environment.ts';
import { loadLinkSecret } from '../../config/link-secret.ts';
import { APP_GLOBAL_KEY, createApp } from '../app.ts';
import { startMailWorker } from '../mail/mail.worker.ts';
import { startDigestScheduler } from '../review/digest-scheduler.ts';
import { serveParticipantFastLane } from '../portal/customer-page-front.ts';
import { isLiveStreamPath, limitStreamBacklog } from '../live/live-stream.ts';
import { baselineSecurityHeaders } from '../security/headers.ts';

const MAIL_WORKER_INTERVAL_MS = 5000;

const env = readEnvironment();
const db = openDatabase({ path: env.databasePath });
await migrateToLatest(db);
const app = createApp({
  db,
  config: {
    sessionDays: env.sessionDays,
    publicUrl: env.publicUrl,
    trustedProxies: env.trustedProxies,
    emailFrom: env.emailFrom,
    resendApiKey: env.resendApiKey || null,
    linkSecret: loadLinkSecret({ configured: env.linkSecret, databasePath: env.databasePath }),
    ...(env.teamName ? { teamName: env.teamName } : {}),
  },
});
(globalThis as Record<symbol, unknown>)[APP_GLOBAL_KEY] = app;
const mailWorker = startMailWorker(app.mail, { intervalMs: MAIL_WORKER_INTERVAL_MS });
console.info(`[mail] Sending through: ${app.mail.senderDescription}`);
// Checks every minute whether the owners' digest is due; once per period, whatever the restarts.
const digestScheduler = startDigestScheduler(app.digest);

// The front runs the server itself: Astro's standalone entry must not start another.
process.env.ASTRO_NODE_AUTOSTART = 'disabled';
const entry = pathToFileURL(path.resolve('dist/server/entry.mjs')).href;
const { handler } = (await import(entry)) as { handler: (req: http.IncomingMessage, res: http.ServerResponse) => void };

const fastLane = { participants: app.participants, annotations: app.annotations, publicOrigin: new URL(env.publicUrl).origin };
const baseline = baselineSecurityHeaders(env.publicUrl.startsWith('https://'));
/** Astro answers: it starts from the baseline headers (see baselineSecurityHeaders). */
function handOver(req: http.IncomingMessage, res: http.ServerResponse): void {
  for (const [name, value] of baseline) res.setHeader(name, value);
  handler(req, res);
}
// The fast lane's answers carry every header already: they were captured from, or are built
// like, Astro's own.
const server = http.createServer((req, res) => {
  // Astro writes a stream's chunks without waiting for the socket: a live stream whose client
  // stops reading is dropped once 1 MB waits for it, instead of piling up in memory.
  if (isLiveStreamPath(new URL(req.url ?? '/', 'http://front').pathname)) limitStreamBacklog(res);
  serveParticipantFastLane(fastLane, req, res).then(
    (isServed) => {
      if (!isServed) handOver(req, res);
    },
    (error: unknown) => {
      console.error('[front]', error);
      handOver(req, res);
    },
  );
});
server.listen(env.port, env.host, () => console.info(`Groundtruth is listening on http://${env.host}:${env.port}`));

function shutDown(): void {
  // Live streams never end by themselves: close them, so browsers reconnect (and resume from
  // their Last-Event-ID) on the next server instead of holding this one open.
  app.liveRuntime.close();
  server.close(() => {
    void Promise.all([mailWorker.stop(), digestScheduler.stop()])
      .then(() => db.destroy())
      .finally(() => process.exit(0));
  });
  // Keep-alive connections would hold close() open; give them a moment, then go.
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGINT', shutDown);
process.on('SIGTERM', shutDown);

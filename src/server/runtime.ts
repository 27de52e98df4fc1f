/**
 * The web server's single App, built on first use from the `astro:env` configuration, with the
 * database migrated before the first request is served. Only the edge (middleware, pages,
 * actions, endpoints) imports this; domain code receives what it needs as arguments.
 */
import { DATABASE_PATH, EMAIL_FROM, LINK_SECRET, PORT, PUBLIC_URL, RESEND_API_KEY, SESSION_DAYS, TEAM_NAME, TRUST_PROXY } from 'astro:env/server';
import { publicUrlFor } from '../config/public-url.ts';
import { teamNameFor } from '../config/team-name.ts';
import { loadLinkSecret } from '../config/link-secret.ts';
import { openDatabase } from '../../db/connection.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { APP_GLOBAL_KEY, createApp, type App } from './app.ts';
import { startMailWorker } from './mail/mail.worker.ts';

/** How often the mail worker looks for due mail when nobody enqueues any. */
const MAIL_WORKER_INTERVAL_MS = 5000;

let ready: Promise<App> | null = null;

export function getApp(): Promise<App> {
  // Under the HTTP front (npm start), the front built the App and started its mail worker.
  const provided = (globalThis as Record<symbol, App | undefined>)[APP_GLOBAL_KEY];
  if (provided) return Promise.resolve(provided);
  // Otherwise (astro dev, or dist/server/entry.mjs run on its own) build it here.
  ready ??= (async () => {
    const db = openDatabase({ path: DATABASE_PATH });
    await migrateToLatest(db);
    const app = createApp({
      db,
      config: {
        sessionDays: SESSION_DAYS,
        publicUrl: publicUrlFor(PUBLIC_URL, PORT),
        trustedProxies: TRUST_PROXY,
        ...(teamNameFor(TEAM_NAME) ? { teamName: teamNameFor(TEAM_NAME) } : {}),
        emailFrom: EMAIL_FROM,
        resendApiKey: RESEND_API_KEY || null,
        linkSecret: loadLinkSecret({ configured: LINK_SECRET, databasePath: DATABASE_PATH }),
      },
    });
    // The server sends mail; the command line only enqueues it.
    startMailWorker(app.mail, { intervalMs: MAIL_WORKER_INTERVAL_MS });
    console.info(`[mail] Sending through: ${app.mail.senderDescription}`);
    return app;
  })();
  return ready;
}

// Start at once rather than on the first request, so that mail queued by the command line goes
// out even before anyone opens a page. A failure here is reported again on that first request.
if (!(globalThis as Record<symbol, unknown>)[APP_GLOBAL_KEY]) getApp().catch((error: unknown) => console.error('[startup]', error));

/**
 * The web server's single App, built on first use from the `astro:env` configuration, with the
 * database migrated before the first request is served. Only the edge (middleware, pages,
 * actions, endpoints) imports this; domain code receives what it needs as arguments.
 */
import { DATABASE_PATH, PUBLIC_URL, SESSION_DAYS } from 'astro:env/server';
import { openDatabase } from '../../db/connection.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { createApp, type App } from './app.ts';

let ready: Promise<App> | null = null;

export function getApp(): Promise<App> {
  ready ??= (async () => {
    const db = openDatabase({ path: DATABASE_PATH });
    await migrateToLatest(db);
    return createApp({ db, config: { sessionDays: SESSION_DAYS, publicUrl: PUBLIC_URL } });
  })();
  return ready;
}

/**
 * Opening the SQLite database.
 *
 * Durability: WAL journal with `synchronous = FULL`. In WAL mode, NORMAL only syncs at
 * checkpoints, so a power cut can lose the last transactions even though the process had told
 * the user "saved". FULL syncs the WAL on every commit, so an acknowledged write survives a crash
 * of the process and of the machine. The cost is one fsync per write transaction (see
 * docs/architecture.md); reads are unaffected.
 *
 * This is the only file (with the migrations) that knows the database is SQLite.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './schema.ts';

export type DB = Kysely<Database>;

export interface OpenDatabaseOptions {
  /** A file path, or ':memory:'. The folder is created when missing. */
  path: string;
}

export function openSqlite(filePath: string): SQLite.Database {
  if (filePath !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(filePath)), { recursive: true });
  const sqlite = new SQLite(filePath);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

export function openDatabase({ path: filePath }: OpenDatabaseOptions): DB {
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: openSqlite(filePath) }) });
}

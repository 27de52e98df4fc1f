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

/** How long a statement waits for another process's write lock before it fails. */
export const BUSY_TIMEOUT_MS = 15_000;

export interface OpenDatabaseOptions {
  /** A file path, or ':memory:'. The folder is created when missing. */
  path: string;
}

export function openSqlite(filePath: string): SQLite.Database {
  if (filePath !== ':memory:') createPrivately(path.resolve(filePath));
  const sqlite = new SQLite(filePath);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // Another process (the command line importing a large map, a test helper) can hold the write
  // lock while the disk is slow to sync: a write waits for it rather than failing the user's save.
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return sqlite;
}

/**
 * The database holds password hashes and customers' personal data: a new data folder and a new
 * database file are for their owner only (SQLite gives the -wal and -shm files the database
 * file's permissions). Existing files keep the permissions an operator gave them.
 */
function createPrivately(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // 'a' creates the file when missing and never truncates one that is there.
  fs.closeSync(fs.openSync(file, 'a', 0o600));
}

export function openDatabase({ path: filePath }: OpenDatabaseOptions): DB {
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: openSqlite(filePath) }) });
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUSY_TIMEOUT_MS, openSqlite, type DB } from '../../db/connection.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { createTestDatabase } from '../helpers/database.ts';

let db: DB;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ db, cleanup } = await createTestDatabase()));
afterEach(() => cleanup());

describe('the database connection', () => {
  it('runs in WAL mode with full sync, foreign keys and a busy timeout', async () => {
    const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(db)).rows[0] as object)[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('synchronous')).toBe(2); // FULL
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBe(BUSY_TIMEOUT_MS);
  });

  it('applies migrations once: a second run has nothing to do', async () => {
    expect((await migrateToLatest(db)).applied).toEqual([]);
  });

  it('enforces foreign keys', async () => {
    await expect(
      db.insertInto('staff_sessions').values({ id: 'x', secret_hash: new Uint8Array(32), user_id: 'missing', created_at: 0, expires_at: 1 }).execute(),
    ).rejects.toThrow(/FOREIGN KEY/);
  });

  it('uses STRICT tables, refusing a value of the wrong type', async () => {
    await expect(sql`insert into app_settings (key, value) values ('k', x'00')`.execute(db)).rejects.toThrow(/cannot store BLOB/);
  });

  it('creates a new data folder and database for their owner only, and leaves existing ones as they are', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'groundtruth-private-'));
    try {
      const file = path.join(root, 'data', 'groundtruth.sqlite');
      const sqlite = openSqlite(file);
      sqlite.exec('CREATE TABLE t (x INTEGER)');
      expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(file + '-wal').mode & 0o777).toBe(0o600);
      sqlite.close();

      const shared = path.join(root, 'shared.sqlite');
      fs.writeFileSync(shared, '');
      fs.chmodSync(shared, 0o640);
      openSqlite(shared).close();
      expect(fs.statSync(shared).mode & 0o777).toBe(0o640);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

/** `npm run cli -- backup FILE`: a consistent, checked copy of the live database. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupRefused, backupDatabase } from '../../db/backup.ts';
import { openDatabase, openSqlite } from '../../db/connection.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { createApp, type App } from '../../src/server/app.ts';
import { CLI_TIMEOUT, runCli } from '../helpers/cli.ts';
import { createTestApp } from '../helpers/database.ts';

let app: App;
let file: string;
let folder: string;
let cleanup: () => Promise<void>;
const LINK_SECRET = 'a-test-link-secret-of-at-least-32-characters';

async function createStaff(email: string): Promise<void> {
  const created = await app.staff.create({ email, name: 'Rita Reviewer', role: 'reviewer', password: 'a long enough password' });
  if (!created.ok) throw new Error(created.message);
}

beforeAll(async () => {
  ({ app, file, cleanup } = await createTestApp());
  folder = path.dirname(file);
  await createStaff('rita@example.com');
});
afterAll(() => cleanup());

describe('backupDatabase', () => {
  it('copies what was committed, including what still sits in the WAL, into a file that opens on its own', async () => {
    // The open test connection has not checkpointed: this row is only in the -wal file so far.
    await createStaff('late@example.com');
    const destination = path.join(folder, 'copy-1.sqlite');
    const result = await backupDatabase({ databasePath: file, destination });
    expect(result.file).toBe(destination);
    expect(result.bytes).toBe(fs.statSync(destination).size);
    expect(result.tables).toBeGreaterThan(10);
    // Self-contained: no WAL beside it, and it is readable by its owner only.
    expect(fs.existsSync(destination + '-wal')).toBe(false);
    expect(fs.statSync(destination).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(folder).filter((name) => name.endsWith('.partial'))).toEqual([]);

    const copy = openDatabase({ path: destination });
    try {
      // Migrated to the same point: a restored server starts without migrating anything.
      expect((await migrateToLatest(copy)).applied).toEqual([]);
      const restored = createApp({ db: copy });
      const emails = (await restored.staff.list()).map((s) => s.email);
      expect(emails).toEqual(expect.arrayContaining(['rita@example.com', 'late@example.com']));
    } finally {
      await copy.destroy();
    }
  });

  it('finishes while another connection keeps writing, and the copy is one moment of it', async () => {
    const destination = path.join(folder, 'copy-2.sqlite');
    const writer = openSqlite(file);
    writer.exec('CREATE TABLE backup_probe (n INTEGER NOT NULL)');
    // Some megabytes, so that a copy taken in small steps would be restarted by every write.
    writer.exec('CREATE TABLE backup_padding (b BLOB NOT NULL)');
    writer.exec('WITH RECURSIVE i(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM i WHERE k < 2000) INSERT INTO backup_padding (b) SELECT randomblob(2048) FROM i');
    // Two rows written in one transaction each time: a torn copy would hold an odd count.
    const insertPair = writer.transaction(() => {
      writer.prepare('INSERT INTO backup_probe (n) VALUES (1)').run();
      writer.prepare('INSERT INTO backup_probe (n) VALUES (2)').run();
    });
    let writing = true;
    let pairs = 0;
    const writes = (async () => {
      while (writing) {
        insertPair();
        pairs += 1;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      await backupDatabase({ databasePath: file, destination });
    } finally {
      writing = false;
      await writes;
      writer.close();
    }
    const copy = openSqlite(destination);
    try {
      const { n } = copy.prepare('SELECT count(*) AS n FROM backup_probe').get() as { n: number };
      expect(n % 2).toBe(0);
      expect(pairs).toBeGreaterThan(0);
    } finally {
      copy.close();
    }
  });

  it('refuses, changing nothing, when the file exists, is the database, or the database is missing', async () => {
    const existing = path.join(folder, 'existing.sqlite');
    fs.writeFileSync(existing, 'keep me');
    await expect(backupDatabase({ databasePath: file, destination: existing })).rejects.toThrow(/already exists/);
    expect(fs.readFileSync(existing, 'utf8')).toBe('keep me');

    await expect(backupDatabase({ databasePath: file, destination: file })).rejects.toThrow(BackupRefused);
    await expect(backupDatabase({ databasePath: file, destination: file + '-wal' })).rejects.toThrow(/over the database/);
    const missing = path.join(folder, 'missing.sqlite');
    await expect(backupDatabase({ databasePath: missing, destination: path.join(folder, 'x.sqlite') })).rejects.toThrow(/no database/);
    expect(fs.existsSync(missing)).toBe(false);
    expect(fs.existsSync(path.join(folder, 'x.sqlite'))).toBe(false);
    await expect(backupDatabase({ databasePath: file, destination: path.join(folder, 'no-such-folder', 'x.sqlite') })).rejects.toThrow(/does not exist/);
    expect(fs.readdirSync(folder).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('replaces an existing file only when asked to', async () => {
    const destination = path.join(folder, 'replace.sqlite');
    fs.writeFileSync(destination, 'old backup');
    await backupDatabase({ databasePath: file, destination, overwrite: true });
    const copy = openSqlite(destination);
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      copy.close();
    }
  });
});

describe('npm run cli -- backup', () => {
  it('prints where the copy went and reminds where the link secret is, since the copy leaves it out', async () => {
    const destination = path.join(folder, 'cli.sqlite');
    const run = await runCli(['backup', destination, '--json'], { DATABASE_PATH: file, LINK_SECRET: '' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout);
    expect(output).toMatchObject({ file: destination, linkSecretFile: path.join(folder, 'link-secret.key') });
    expect(output.bytes).toBe(fs.statSync(destination).size);

    const text = await runCli(['backup', path.join(folder, 'cli-2.sqlite')], { DATABASE_PATH: file, LINK_SECRET });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Backed up \d+ tables \(\d+ bytes\) to .*cli-2\.sqlite\. Keep LINK_SECRET with it/);
  }, CLI_TIMEOUT);

  it('exits 1 with a clear error when the file exists, and 2 without a FILE', async () => {
    const destination = path.join(folder, 'cli.sqlite');
    const before = fs.readFileSync(destination);
    const refused = await runCli(['backup', destination], { DATABASE_PATH: file, LINK_SECRET });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^error: .*cli\.sqlite already exists; choose another file or pass --force/);
    expect(fs.readFileSync(destination).equals(before)).toBe(true);

    const usage = await runCli(['backup'], { DATABASE_PATH: file, LINK_SECRET });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/Give one FILE/);
  }, CLI_TIMEOUT);
});

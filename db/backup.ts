/**
 * A consistent copy of the live database, taken while the server keeps running.
 *
 * SQLite's online backup API copies the pages of one snapshot. It copies them all in a single
 * step, inside one read transaction: in WAL mode a reader blocks no writer, so the running server
 * keeps writing (its checkpoints wait until the copy is done), and the copy cannot be restarted
 * over and over by a busy server, which a copy taken in small steps would be. Copying the file
 * with `cp` instead could tear a page or miss what still sits in the WAL.
 *
 * The copy is written beside its destination under a temporary name, checked, synced and only
 * then renamed into place, so a crash or a failed check never leaves a half-written file under
 * the name the operator asked for. It holds personal data: it is readable by its owner only.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';

export interface BackupResult {
  /** Absolute path of the finished copy. */
  file: string;
  bytes: number;
  /** Tables in the copy, to tell at a glance that it is not empty. */
  tables: number;
}

export class BackupRefused extends Error {}

/** better-sqlite3's largest step: every page at once (see above). */
const ALL_PAGES = 0x7fffffff;

export async function backupDatabase(options: { databasePath: string; destination: string; overwrite?: boolean }): Promise<BackupResult> {
  if (options.databasePath === ':memory:') throw new BackupRefused('The database is in memory (DATABASE_PATH=:memory:); there is no file to back up.');
  const source = path.resolve(options.databasePath);
  const destination = path.resolve(options.destination);
  if (!fs.existsSync(source)) throw new BackupRefused(`There is no database at ${source} (DATABASE_PATH).`);
  if (isSameFile(source, destination) || [source + '-wal', source + '-shm'].includes(destination)) {
    throw new BackupRefused('The backup cannot be written over the database itself; choose another file.');
  }
  if (fs.existsSync(destination)) {
    if (!options.overwrite) throw new BackupRefused(`${destination} already exists; choose another file or pass --force to replace it.`);
    if (!fs.statSync(destination).isFile()) throw new BackupRefused(`${destination} is not a file.`);
  }
  const folder = path.dirname(destination);
  if (!fs.existsSync(folder)) throw new BackupRefused(`The folder ${folder} does not exist.`);

  const temporary = path.join(folder, `.${path.basename(destination)}.${crypto.randomBytes(6).toString('hex')}.partial`);
  // Created empty with owner-only permissions before SQLite writes into it.
  fs.closeSync(fs.openSync(temporary, 'wx', 0o600));
  // Not read-only: a read-only connection cannot open a WAL database whose -shm file is gone.
  const db = new SQLite(source, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  try {
    await db.backup(temporary, { progress: () => ALL_PAGES });
    const tables = checkCopy(temporary);
    syncFile(temporary);
    fs.renameSync(temporary, destination);
    syncFile(folder);
    return { file: destination, bytes: fs.statSync(destination).size, tables };
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  } finally {
    db.close();
  }
}

/** Opens the copy on its own and has SQLite check every page; returns the number of tables. */
function checkCopy(file: string): number {
  const copy = new SQLite(file, { fileMustExist: true });
  try {
    // The copy keeps the source's WAL mode; a single self-contained file is easier to move.
    copy.pragma('journal_mode = DELETE');
    const problems = copy.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
    if (problems.length !== 1 || problems[0]!.integrity_check !== 'ok') {
      throw new Error(`The copy failed SQLite's integrity check: ${problems.map((p) => p.integrity_check).join('; ')}`);
    }
    return (copy.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
  } finally {
    copy.close();
  }
}

function isSameFile(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    const [sa, sb] = [fs.statSync(a), fs.statSync(b)];
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

function syncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

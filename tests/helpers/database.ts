import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type DB } from '../../db/connection.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { createApp, type App } from '../../src/server/app.ts';
import type { Clock } from '../../src/server/clock.ts';

/** A clock the test moves by hand. */
export class TestClock implements Clock {
  current: number;
  constructor(start = Date.UTC(2026, 10, 25, 12, 0, 0)) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/** A real SQLite file in a fresh temporary folder, with every migration applied. */
export async function createTestDatabase(): Promise<{ db: DB; file: string; cleanup: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'groundtruth-test-'));
  const file = path.join(dir, 'test.sqlite');
  const db = openDatabase({ path: file });
  await migrateToLatest(db);
  return {
    db,
    file,
    cleanup: async () => {
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function createTestApp(clock = new TestClock()): Promise<{ app: App; clock: TestClock; file: string; cleanup: () => Promise<void> }> {
  const { db, file, cleanup } = await createTestDatabase();
  return { app: createApp({ db, clock }), clock, file, cleanup };
}

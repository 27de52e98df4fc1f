/**
 * The ceiling for annotation writes: how many single-row transactions per second SQLite
 * commits into the benchmark's own database file, with the app's durability settings, and no
 * HTTP, validation or framework in the way. Prints `{"insertsPerSecond": N}`.
 */
import { randomUUID } from 'node:crypto';
import { openSqlite } from '../db/connection.ts';
import { readEnvironment } from '../src/cli/environment.ts';

const seconds = Number(process.argv[2] ?? 5);
const sqlite = openSqlite(readEnvironment().databasePath);
sqlite.exec('create table if not exists bench_raw_inserts (id text primary key, text text not null, created_at integer not null) strict');
const insert = sqlite.prepare('insert into bench_raw_inserts (id, text, created_at) values (?, ?, ?)');
let count = 0;
const started = performance.now();
while (performance.now() - started < seconds * 1000) {
  insert.run(randomUUID(), 'A comment from the load test, with a little text in it.', Date.now());
  count++;
}
sqlite.exec('drop table bench_raw_inserts');
sqlite.close();
process.stdout.write(JSON.stringify({ insertsPerSecond: count / ((performance.now() - started) / 1000) }) + '\n');

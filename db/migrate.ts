import { Migrator } from 'kysely/migration';
import type { DB } from './connection.ts';
import { staticMigrationProvider } from './migrations/index.ts';

export interface MigrationOutcome {
  applied: string[];
}

/** Applies every pending migration; throws with the failing migration's name on error. */
export async function migrateToLatest(db: DB): Promise<MigrationOutcome> {
  const migrator = new Migrator({ db, provider: staticMigrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error ?? 'unknown error');
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${cause}`.replace('  ', ' '));
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

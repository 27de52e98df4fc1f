import type { Kysely } from 'kysely';

// A live session's timer stands still while the session is paused. Pausing keeps the time that
// was left here (and clears timer_ends_at); resuming sets timer_ends_at to now plus this and
// clears it again. At most one of the two is set.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('live_sessions').addColumn('timer_remaining_ms', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('live_sessions').dropColumn('timer_remaining_ms').execute();
}

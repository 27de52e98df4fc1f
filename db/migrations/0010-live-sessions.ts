import { sql, type Kysely } from 'kysely';

// Live advisory board sessions. A session runs on one published version of a map; its state
// (open, paused, ended), the stage everyone is brought to and a per-stage timer live on the
// session row. Everything that travels to screens is an event row with a sequence number that
// increases within the session (last_seq on the session row hands them out, so two writers
// never take the same number), holding published data only: a dropped connection resumes from
// its Last-Event-ID by reading the rows after it, also after a restart. Members are the
// invitations that joined; what they said in the session is linked to it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('live_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('map_id', 'text', (c) => c.notNull().references('maps.id').onDelete('cascade'))
    .addColumn('version_id', 'text', (c) => c.notNull().references('map_versions.id').onDelete('restrict'))
    .addColumn('facilitator_id', 'text', (c) => c.references('staff_users.id').onDelete('set null'))
    // Kept as written: the session outlives staff accounts.
    .addColumn('facilitator_name', 'text', (c) => c.notNull())
    .addColumn('join_code', 'text', (c) => c.notNull().unique())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'paused', 'ended')`))
    .addColumn('focus_stage_key', 'text')
    .addColumn('timer_stage_key', 'text')
    .addColumn('timer_ends_at', 'integer')
    .addColumn('timer_duration_ms', 'integer')
    .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('opened_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .addColumn('ended_at', 'integer')
    .modifyEnd(sql`strict`)
    .execute();
  // One session at a time per map: members and what they say belong to exactly one.
  await db.schema.createIndex('live_sessions_one_running_per_map').on('live_sessions').column('map_id').unique().where(sql.ref('state'), '!=', 'ended').execute();
  await db.schema.createIndex('live_sessions_map').on('live_sessions').columns(['map_id', 'opened_at']).execute();

  await db.schema
    .createTable('live_events')
    .addColumn('session_id', 'text', (c) => c.notNull().references('live_sessions.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    // Who may receive it: everyone on the stream, or staff only (annotations awaiting approval).
    .addColumn('audience', 'text', (c) => c.notNull().check(sql`audience in ('everyone', 'staff')`))
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('live_events_pk', ['session_id', 'seq'])
    .modifyEnd(sql`strict`)
    .execute();

  await db.schema
    .createTable('live_members')
    .addColumn('session_id', 'text', (c) => c.notNull().references('live_sessions.id').onDelete('cascade'))
    .addColumn('invitation_id', 'text', (c) => c.notNull().references('invitations.id').onDelete('cascade'))
    .addColumn('participant_id', 'text', (c) => c.notNull().references('participants.id').onDelete('cascade'))
    .addColumn('joined_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('live_members_pk', ['session_id', 'invitation_id'])
    .modifyEnd(sql`strict`)
    .execute();

  await db.schema
    .createTable('live_annotations')
    .addColumn('session_id', 'text', (c) => c.notNull().references('live_sessions.id').onDelete('cascade'))
    .addColumn('annotation_id', 'text', (c) => c.notNull().references('annotations.id').onDelete('cascade'))
    .addColumn('linked_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('live_annotations_pk', ['session_id', 'annotation_id'])
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('live_annotations_annotation').on('live_annotations').column('annotation_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('live_annotations').execute();
  await db.schema.dropTable('live_members').execute();
  await db.schema.dropTable('live_events').execute();
  await db.schema.dropTable('live_sessions').execute();
}

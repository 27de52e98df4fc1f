import { sql, type Kysely } from 'kysely';

// The review queue: what the team decides about each annotation. The review fields live on the
// annotations row itself, so one revision guards both the participant's edits and the team's
// decisions (a stale update from either side is a conflict). Tags, internal notes, the history
// of changes and the reporters of merged duplicates are tables of their own. History and notes
// are append-only: no code path updates or deletes them.
export async function up(db: Kysely<any>): Promise<void> {
  // SQLite adds one column per statement.
  await db.schema.alterTable('annotations').addColumn('owner_id', 'text', (c) => c.references('staff_users.id').onDelete('set null')).execute();
  await db.schema.alterTable('annotations').addColumn('decline_reason', 'text').execute();
  await db.schema.alterTable('annotations').addColumn('duplicate_of', 'text', (c) => c.references('annotations.id').onDelete('set null')).execute();
  await db.schema.alterTable('annotations').addColumn('business_impact', 'integer', (c) => c.check(sql`business_impact between 1 and 5`)).execute();
  await db.schema.alterTable('annotations').addColumn('effort', 'integer', (c) => c.check(sql`effort between 1 and 5`)).execute();
  await db.schema.alterTable('annotations').addColumn('triaged_at', 'integer').execute();

  // The queue's first page: newest first within the usual filters.
  await db.schema.createIndex('annotations_created').on('annotations').column('created_at').execute();
  await db.schema.createIndex('annotations_disposition').on('annotations').columns(['disposition', 'created_at']).execute();
  await db.schema.createIndex('annotations_moderation').on('annotations').columns(['moderation', 'created_at']).execute();
  await db.schema.createIndex('annotations_owner').on('annotations').columns(['owner_id', 'created_at']).execute();
  await db.schema.createIndex('annotations_map_disposition').on('annotations').columns(['map_id', 'disposition', 'created_at']).execute();
  await db.schema.createIndex('annotations_duplicate_of').on('annotations').column('duplicate_of').execute();

  await db.schema
    .createTable('annotation_tags')
    .addColumn('annotation_id', 'text', (c) => c.notNull().references('annotations.id').onDelete('cascade'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('annotation_tags_pk', ['annotation_id', 'tag'])
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('annotation_tags_tag').on('annotation_tags').columns(['tag', 'annotation_id']).execute();

  await db.schema
    .createTable('annotation_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('annotation_id', 'text', (c) => c.notNull().references('annotations.id').onDelete('cascade'))
    .addColumn('author_id', 'text', (c) => c.references('staff_users.id').onDelete('set null'))
    // Kept as written: notes outlive staff accounts.
    .addColumn('author_name', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('annotation_notes_annotation').on('annotation_notes').columns(['annotation_id', 'created_at']).execute();

  await db.schema
    .createTable('annotation_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('annotation_id', 'text', (c) => c.notNull().references('annotations.id').onDelete('cascade'))
    .addColumn('actor_id', 'text', (c) => c.references('staff_users.id').onDelete('set null'))
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('from_value', 'text')
    .addColumn('to_value', 'text')
    .addColumn('reason', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    // 1, 2, 3 … per annotation: the order of its history, whatever the clock says.
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('annotation_history_annotation').on('annotation_history').columns(['annotation_id', 'sequence']).unique().execute();

  // Who raised a duplicate that was merged into this annotation (with how much it mattered to them).
  await db.schema
    .createTable('annotation_reporters')
    .addColumn('annotation_id', 'text', (c) => c.notNull().references('annotations.id').onDelete('cascade'))
    .addColumn('participant_id', 'text', (c) => c.notNull().references('participants.id').onDelete('cascade'))
    .addColumn('source_annotation_id', 'text', (c) => c.notNull())
    .addColumn('importance', 'integer')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('annotation_reporters_pk', ['annotation_id', 'participant_id'])
    .modifyEnd(sql`strict`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('annotation_reporters').execute();
  await db.schema.dropTable('annotation_history').execute();
  await db.schema.dropTable('annotation_notes').execute();
  await db.schema.dropTable('annotation_tags').execute();
  for (const index of ['annotations_created', 'annotations_disposition', 'annotations_moderation', 'annotations_owner', 'annotations_map_disposition', 'annotations_duplicate_of']) {
    await db.schema.dropIndex(index).execute();
  }
  for (const column of ['triaged_at', 'effort', 'business_impact', 'duplicate_of', 'decline_reason', 'owner_id']) {
    await db.schema.alterTable('annotations').dropColumn(column).execute();
  }
}

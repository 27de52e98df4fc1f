import { sql, type Kysely } from 'kysely';

// What participants say. An annotation belongs to one published version and is anchored by
// that version's published keys (a stage, a lane, a card, or the gap between two stages), so
// it never refers to anything internal. Moderation (who else may see it) and disposition (what
// the team decided) are separate axes; the review queue works them. Feedback settings live
// apart from the internal map tables because the participant side reads them.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('map_feedback_settings')
    .addColumn('map_id', 'text', (c) => c.primaryKey().references('maps.id').onDelete('cascade'))
    .addColumn('mode', 'text', (c) => c.notNull().defaultTo('private').check(sql`mode in ('private', 'shared')`))
    .addColumn('requires_approval', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('shows_names', 'integer', (c) => c.notNull().defaultTo(0))
    .modifyEnd(sql`strict`)
    .execute();

  await db.schema
    .createTable('annotations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('map_id', 'text', (c) => c.notNull())
    .addColumn('version_id', 'text', (c) => c.notNull().references('map_versions.id').onDelete('restrict'))
    .addColumn('invitation_id', 'text', (c) => c.notNull().references('invitations.id').onDelete('cascade'))
    .addColumn('participant_id', 'text', (c) => c.notNull().references('participants.id').onDelete('cascade'))
    .addColumn('anchor_kind', 'text', (c) => c.notNull().check(sql`anchor_kind in ('map', 'stage', 'lane', 'card', 'gap')`))
    .addColumn('stage_key', 'text')
    .addColumn('lane_key', 'text')
    .addColumn('card_key', 'text')
    .addColumn('next_stage_key', 'text')
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('missing', 'inaccurate', 'pain_point', 'works_well', 'question', 'idea')`))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('felt', 'integer', (c) => c.check(sql`felt between -2 and 2`))
    .addColumn('importance', 'integer', (c) => c.check(sql`importance between 1 and 5`))
    .addColumn('is_withdrawn', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('moderation', 'text', (c) => c.notNull().defaultTo('pending').check(sql`moderation in ('pending', 'approved', 'rejected', 'spam')`))
    .addColumn('disposition', 'text', (c) => c.notNull().defaultTo('new'))
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('annotations_version').on('annotations').columns(['version_id', 'created_at']).execute();
  await db.schema.createIndex('annotations_participant').on('annotations').columns(['participant_id', 'version_id']).execute();
  await db.schema.createIndex('annotations_map').on('annotations').columns(['map_id', 'created_at']).execute();

  await db.schema
    .createTable('annotation_votes')
    .addColumn('annotation_id', 'text', (c) => c.notNull().references('annotations.id').onDelete('cascade'))
    .addColumn('participant_id', 'text', (c) => c.notNull().references('participants.id').onDelete('cascade'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('annotation_votes_pk', ['annotation_id', 'participant_id'])
    .modifyEnd(sql`strict`)
    .execute();

  // What a participant wrote at the end, besides annotations ("anything else?").
  await db.schema
    .createTable('review_closings')
    .addColumn('invitation_id', 'text', (c) => c.notNull().references('invitations.id').onDelete('cascade'))
    .addColumn('version_id', 'text', (c) => c.notNull().references('map_versions.id').onDelete('restrict'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('review_closings_pk', ['invitation_id', 'version_id'])
    .modifyEnd(sql`strict`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('review_closings').execute();
  await db.schema.dropTable('annotation_votes').execute();
  await db.schema.dropTable('annotations').execute();
  await db.schema.dropTable('map_feedback_settings').execute();
}

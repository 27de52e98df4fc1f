import { sql, type Kysely } from 'kysely';

// Following up on what customers said (issue 7): a draft card remembers the annotation it came
// from, and owners get a digest of their open items on a schedule an admin sets.
export async function up(db: Kysely<any>): Promise<void> {
  // One draft card per annotation: the unique index makes a second one impossible even when two
  // people press the button at once. NULLs do not collide, so ordinary cards are unaffected.
  // When the annotation goes, the card stays on the map: it is the team's now.
  await db.schema.alterTable('map_cards').addColumn('source_annotation_id', 'text', (c) => c.references('annotations.id').onDelete('set null')).execute();
  await db.schema.createIndex('map_cards_source_annotation').on('map_cards').column('source_annotation_id').unique().execute();

  // The digest schedule: one row (id 1). Hours and weekdays are UTC; weekday 1 is Monday … 7 Sunday.
  await db.schema
    .createTable('digest_settings')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('frequency', 'text', (c) => c.notNull().check(sql`frequency in ('off', 'daily', 'weekly')`))
    .addColumn('weekday', 'integer', (c) => c.notNull().check(sql`weekday between 1 and 7`))
    .addColumn('hour', 'integer', (c) => c.notNull().check(sql`hour between 0 and 23`))
    .addColumn('updated_by', 'text', (c) => c.references('staff_users.id').onDelete('set null'))
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();

  // One digest per staff member per period: the scheduler inserts here in the transaction that
  // writes the email, so two processes, or a restart within the period, never send it twice.
  await db.schema
    .createTable('digest_sends')
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff_users.id').onDelete('cascade'))
    .addColumn('outbox_id', 'text', (c) => c.notNull())
    .addColumn('item_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('digest_sends_pk', ['period', 'staff_id'])
    .modifyEnd(sql`strict`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('digest_sends').execute();
  await db.schema.dropTable('digest_settings').execute();
  await db.schema.dropIndex('map_cards_source_annotation').execute();
  await db.schema.alterTable('map_cards').dropColumn('source_annotation_id').execute();
}

import { sql, type Kysely } from 'kysely';

// Internal journey maps. Stages, lanes and cards are rows (not one JSON document) so that two
// editors changing different cells never touch the same row, and each row carries a revision
// for optimistic concurrency: an update names the revision it started from and fails when
// someone else changed the row in between.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('maps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('customer_title', 'text')
    .addColumn('description', 'text')
    .addColumn('segment', 'text')
    .addColumn('persona', 'text')
    .addColumn('lifecycle', 'text')
    .addColumn('internal_notes', 'text')
    .addColumn('is_archived', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text', (c) => c.references('staff_users.id').onDelete('set null'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();

  await db.schema
    .createTable('map_stages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('map_id', 'text', (c) => c.notNull().references('maps.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('customer_name', 'text')
    .addColumn('description', 'text')
    .addColumn('visibility', 'text', (c) => c.notNull().check(sql`visibility in ('public', 'internal')`))
    .addColumn('moment_of_truth', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('map_stages_key', ['map_id', 'key'])
    .modifyEnd(sql`strict`)
    .execute();

  await db.schema
    .createTable('map_lanes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('map_id', 'text', (c) => c.notNull().references('maps.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('customer_name', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('visibility', 'text', (c) => c.notNull().check(sql`visibility in ('public', 'internal')`))
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('map_lanes_key', ['map_id', 'key'])
    .modifyEnd(sql`strict`)
    .execute();

  await db.schema
    .createTable('map_cards')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('map_id', 'text', (c) => c.notNull().references('maps.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('stage_id', 'text', (c) => c.notNull().references('map_stages.id').onDelete('cascade'))
    .addColumn('lane_id', 'text', (c) => c.notNull().references('map_lanes.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('customer_text', 'text')
    .addColumn('visibility', 'text', (c) => c.notNull().check(sql`visibility in ('public', 'internal')`))
    .addColumn('emotion', 'integer', (c) => c.check(sql`emotion between -2 and 2`))
    .addColumn('owner', 'text')
    .addColumn('notes', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('map_cards_key', ['map_id', 'key'])
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('map_cards_stage_lane').on('map_cards').columns(['stage_id', 'lane_id', 'position']).execute();
  await db.schema.createIndex('map_cards_lane').on('map_cards').column('lane_id').execute();
  await db.schema.createIndex('maps_archived_updated').on('maps').columns(['is_archived', 'updated_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('map_cards').execute();
  await db.schema.dropTable('map_lanes').execute();
  await db.schema.dropTable('map_stages').execute();
  await db.schema.dropTable('maps').execute();
}

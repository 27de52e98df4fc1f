import { sql, type Kysely } from 'kysely';

// Published versions are immutable snapshots of the public content of a map (the redaction
// output), stored as a JSON document with a content hash. Nothing updates a row of
// map_versions after it is written; participant-side code reads only this table.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('map_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('map_id', 'text', (c) => c.notNull().references('maps.id').onDelete('restrict'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addColumn('snapshot_hash', 'text', (c) => c.notNull())
    .addColumn('published_by', 'text', (c) => c.references('staff_users.id').onDelete('set null'))
    .addColumn('published_by_name', 'text', (c) => c.notNull())
    .addColumn('published_at', 'integer', (c) => c.notNull())
    .addColumn('acknowledged_warnings', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addUniqueConstraint('map_versions_number', ['map_id', 'number'])
    .modifyEnd(sql`strict`)
    .execute();

  // Words the leak check looks for in anything about to be published: internal system names,
  // competitor names, code names. Staff names are added automatically.
  await db.schema
    .createTable('leak_terms')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('term', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'text', (c) => c.references('staff_users.id').onDelete('set null'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('leak_terms').execute();
  await db.schema.dropTable('map_versions').execute();
}

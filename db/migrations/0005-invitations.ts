import { sql, type Kysely } from 'kysely';

// Invited customers. A participant is one email address; each invitation grants that person
// one map (its latest published version, or a fixed one) until it expires or is revoked. The
// emailed token is stored only as a SHA-256 hash. Participant sessions are separate from staff
// sessions and remember the invitation they were opened with, so revoking it ends them.
// The token itself is derived from the server's link secret and token_version (see
// src/server/invitations/invitations.ts); only its hash is stored.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('participants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();

  await db.schema
    .createTable('invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('map_id', 'text', (c) => c.notNull().references('maps.id').onDelete('cascade'))
    .addColumn('version_number', 'integer')
    .addColumn('participant_id', 'text', (c) => c.notNull().references('participants.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('account', 'text')
    .addColumn('segment', 'text')
    .addColumn('role', 'text')
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text', (c) => c.references('staff_users.id').onDelete('set null'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('revoked_at', 'integer')
    .addColumn('opened_at', 'integer')
    .addColumn('responded_at', 'integer')
    .addColumn('last_sent_at', 'integer')
    .addColumn('send_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('delivery_status', 'text', (c) => c.notNull().defaultTo('queued'))
    .addUniqueConstraint('invitations_map_participant', ['map_id', 'participant_id'])
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('invitations_participant').on('invitations').column('participant_id').execute();

  await db.schema
    .createTable('participant_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret_hash', 'blob', (c) => c.notNull())
    .addColumn('participant_id', 'text', (c) => c.notNull().references('participants.id').onDelete('cascade'))
    .addColumn('invitation_id', 'text', (c) => c.notNull().references('invitations.id').onDelete('cascade'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('participant_sessions_invitation').on('participant_sessions').column('invitation_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('participant_sessions').execute();
  await db.schema.dropTable('invitations').execute();
  await db.schema.dropTable('participants').execute();
}

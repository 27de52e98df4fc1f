import { sql, type Kysely } from 'kysely';

// Revoking and restoring an invitation, kept: restoring clears invitations.revoked_at (the
// person's access, comments and remarks stay on the one invitation), so without this table the
// fact that someone's access was once withdrawn, when and by whom, would be lost.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('invitation_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('invitation_id', 'text', (c) => c.notNull().references('invitations.id').onDelete('cascade'))
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('revoked', 'restored')`))
    .addColumn('actor_id', 'text', (c) => c.references('staff_users.id').onDelete('set null'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('invitation_history_invitation').on('invitation_history').columns(['invitation_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('invitation_history').execute();
}

import type { Kysely } from 'kysely';

// The Outbox page filters by recipient ("every email sent to dana@…"), newest first. Without
// an index that is a scan of every email ever written; with this one it reads the recipient's
// rows in order and stops at the page's end.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('email_outbox_recipient').on('email_outbox').columns(['to_email', 'created_at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('email_outbox_recipient').execute();
}

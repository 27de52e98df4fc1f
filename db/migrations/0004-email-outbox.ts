import { sql, type Kysely } from 'kysely';

// The transactional outbox. A change that causes an email writes its row here in the same
// transaction, so the email exists exactly when the change does; a worker sends pending rows
// (src/server/mail/). The row id is the idempotency key sent to Resend, which is what makes a
// retry after a lost response harmless.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('email_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('to_email', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    // Bodies hold stand-ins where personal links go; the worker fills in the tokens at send
    // time (src/server/invitations/invitations.ts), so no token is ever stored here.
    .addColumn('html', 'text')
    .addColumn('text', 'text')
    .addColumn('related_id', 'text')
    // kept = no API key configured: never sent, readable on the Outbox page (development).
    // failed = gave up after the last attempt.
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'sent', 'kept', 'failed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('provider_message_id', 'text')
    .addColumn('delivery_status', 'text', (c) => c.check(sql`delivery_status in ('delivered', 'bounced', 'complained')`))
    .addColumn('delivery_status_at', 'integer')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('sent_at', 'integer')
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('email_outbox_due').on('email_outbox').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('email_outbox_created').on('email_outbox').column('created_at').execute();
  await db.schema.createIndex('email_outbox_related').on('email_outbox').column('related_id').execute();
  await db.schema.createIndex('email_outbox_provider_message').on('email_outbox').column('provider_message_id').execute();

  // Provider webhooks as received (verified). svix_id is the webhook message id: Resend retries
  // a webhook until it gets a 2xx, so the unique index makes a replay a no-op.
  await db.schema
    .createTable('email_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('svix_id', 'text', (c) => c.notNull().unique())
    .addColumn('outbox_id', 'text', (c) => c.references('email_outbox.id').onDelete('set null'))
    .addColumn('provider_message_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('received_at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('email_events_outbox').on('email_events').column('outbox_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('email_events').execute();
  await db.schema.dropTable('email_outbox').execute();
}

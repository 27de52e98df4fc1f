import type { Kysely } from 'kysely';
import type {
  Database,
  EmailDeliveryStatus,
  EmailEventRow,
  EmailOutboxRow,
  EmailOutboxStatus,
  EmailOutboxUpdate,
  NewEmailOutboxRow,
} from '../../../db/schema.ts';

/** Works on the database or inside a caller's transaction alike. */
export function createMailRepository(db: Kysely<Database>) {
  return {
    get(id: string): Promise<EmailOutboxRow | undefined> {
      return db.selectFrom('email_outbox').selectAll().where('id', '=', id).executeTakeFirst();
    },

    getByProviderMessageId(providerMessageId: string): Promise<EmailOutboxRow | undefined> {
      return db.selectFrom('email_outbox').selectAll().where('provider_message_id', '=', providerMessageId).executeTakeFirst();
    },

    listForRelated(relatedId: string): Promise<EmailOutboxRow[]> {
      return db.selectFrom('email_outbox').selectAll().where('related_id', '=', relatedId).orderBy('created_at', 'desc').orderBy('id').execute();
    },

    async create(row: NewEmailOutboxRow): Promise<void> {
      await db.insertInto('email_outbox').values(row).execute();
    },

    /** Newest first, without the bodies. */
    list(filter: { status: EmailOutboxStatus | null; to: string | null; limit: number; offset: number }) {
      let query = db
        .selectFrom('email_outbox')
        .select(['id', 'kind', 'to_email', 'subject', 'status', 'attempts', 'delivery_status', 'created_at', 'sent_at', 'related_id'])
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(filter.limit)
        .offset(filter.offset);
      if (filter.status) query = query.where('status', '=', filter.status);
      if (filter.to) query = query.where('to_email', '=', filter.to);
      return query.execute();
    },

    async count(filter: { status: EmailOutboxStatus | null; to: string | null }): Promise<number> {
      let query = db.selectFrom('email_outbox').select((eb) => eb.fn.countAll<number>().as('n'));
      if (filter.status) query = query.where('status', '=', filter.status);
      if (filter.to) query = query.where('to_email', '=', filter.to);
      return Number((await query.executeTakeFirstOrThrow()).n);
    },

    /** Pending rows whose time has come, oldest due first. */
    listDue(now: number, limit: number): Promise<Pick<EmailOutboxRow, 'id' | 'attempts'>[]> {
      return db
        .selectFrom('email_outbox')
        .select(['id', 'attempts'])
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .orderBy('created_at')
        .limit(limit)
        .execute();
    },

    /**
     * Takes one attempt of a row: succeeds only for the caller that still sees the row pending,
     * due and at the attempt count it read, so two workers never both send the same attempt.
     */
    async claim(input: { id: string; seenAttempts: number; now: number; leaseUntil: number; maxAttempts: number }): Promise<boolean> {
      const result = await db
        .updateTable('email_outbox')
        .set({ attempts: input.seenAttempts + 1, next_attempt_at: input.leaseUntil })
        .where('id', '=', input.id)
        .where('status', '=', 'pending')
        .where('attempts', '=', input.seenAttempts)
        .where('attempts', '<', input.maxAttempts)
        .where('next_attempt_at', '<=', input.now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Rows whose last attempt was claimed but never finished (a crash) and that have no attempts left. */
    listExhausted(now: number, maxAttempts: number): Promise<EmailOutboxRow[]> {
      return db
        .selectFrom('email_outbox')
        .selectAll()
        .where('status', '=', 'pending')
        .where('attempts', '>=', maxAttempts)
        .where('next_attempt_at', '<=', now)
        .execute();
    },

    /** Finishes an attempt; only while the row is still pending at that attempt. */
    async finishAttempt(id: string, attempts: number, changes: EmailOutboxUpdate): Promise<boolean> {
      const result = await db
        .updateTable('email_outbox')
        .set(changes)
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('attempts', '=', attempts)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async setDeliveryStatus(id: string, status: EmailDeliveryStatus, at: number): Promise<void> {
      await db.updateTable('email_outbox').set({ delivery_status: status, delivery_status_at: at }).where('id', '=', id).execute();
    },

    /** Records a webhook once; false when this webhook id was recorded before. */
    async createEvent(row: EmailEventRow): Promise<boolean> {
      const result = await db
        .insertInto('email_events')
        .values(row)
        .onConflict((oc) => oc.column('svix_id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },

    listEvents(outboxId: string): Promise<EmailEventRow[]> {
      return db.selectFrom('email_events').selectAll().where('outbox_id', '=', outboxId).orderBy('received_at').orderBy('id').execute();
    },
  };
}
export type MailRepository = ReturnType<typeof createMailRepository>;

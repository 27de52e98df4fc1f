import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, type DB } from '../../db/connection.ts';
import type { Database } from '../../db/schema.ts';
import { createApp, type App } from '../../src/server/app.ts';
import { MAX_ATTEMPTS, OUTBOX_PAGE_SIZE, retryDelayMs, type MailSender, type OutgoingEmail } from '../../src/server/mail/mail.ts';
import { createMailRepository } from '../../src/server/mail/mail.repository.ts';
import type { DeliveryEvent } from '../../src/server/mail/mail.service.ts';
import { createTestDatabase, TestClock } from '../helpers/database.ts';
import { createRecordingLogger, FROM, sampleInvitation } from './fixtures.ts';

let db: DB;
let file: string;
let cleanup: () => Promise<void>;
let clock: TestClock;
let logger: ReturnType<typeof createRecordingLogger>;
let app: App;

beforeEach(async () => {
  ({ db, file, cleanup } = await createTestDatabase());
  clock = new TestClock();
  logger = createRecordingLogger();
  // No API key: the default, outbox-only sender.
  app = createApp({ db, clock, config: { emailFrom: FROM }, mail: { logger } });
});
afterEach(() => cleanup());

describe('enqueueing', () => {
  it('writes the email in the caller’s transaction: it exists exactly when the change commits', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await app.mail.enqueue(trx, sampleInvitation());
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect((await app.mail.list()).total).toBe(0);

    const id = await db.transaction().execute((trx) => app.mail.enqueue(trx, sampleInvitation({ relatedId: 'inv-1' })));
    const message = await app.mail.get(id, { mayInvite: true });
    expect(message).toMatchObject({ id, kind: 'invitation', status: 'pending', attempts: 0, relatedId: 'inv-1', createdAt: clock.now() });
    expect((await app.mail.listForRelated('inv-1')).map((m) => m.id)).toEqual([id]);
  });

  it('refuses a malformed message as the bug it is', async () => {
    await expect(app.mail.enqueue(db, sampleInvitation({ to: 'not an address' }))).rejects.toThrow();
    await expect(app.mail.enqueue(db, sampleInvitation({ subject: 'two\nlines' }))).rejects.toThrow();
    await expect(app.mail.enqueue(db, sampleInvitation({ text: '' }))).rejects.toThrow();
    await expect(app.mail.enqueue(db, sampleInvitation({ kind: 'spam' as never }))).rejects.toThrow();
    expect((await app.mail.list()).total).toBe(0);
  });
});

describe('without an API key', () => {
  it('keeps the email readable in the outbox, marked as not sent, and logs its links', async () => {
    const message = sampleInvitation();
    const id = await app.mail.enqueue(db, message);

    expect(app.mail.senderDescription).toContain('no RESEND_API_KEY');
    expect(await app.mail.deliverDue()).toMatchObject({ claimed: 1, kept: 1, sent: 0 });

    const kept = await app.mail.get(id, { mayInvite: true });
    expect(kept).toMatchObject({ status: 'kept', attempts: 1, html: message.html, text: message.text, sentAt: null, providerMessageId: null });
    const link = message.text.match(/https:\/\/\S+/)![0];
    expect(logger.lines.join('\n')).toContain(`link: ${link}`);
    expect(logger.lines.join('\n')).toContain(message.to);

    // Kept is final: nothing is sent later.
    clock.advance(24 * 60 * 60 * 1000);
    expect(await app.mail.deliverDue()).toMatchObject({ claimed: 0 });
  });
});

describe('the Outbox page’s queries', () => {
  it('lists newest first, a page at a time, and filters by status', async () => {
    const ids: string[] = [];
    for (let i = 0; i < OUTBOX_PAGE_SIZE + 3; i += 1) {
      ids.push(await app.mail.enqueue(db, sampleInvitation()));
      clock.advance(1000);
    }
    await app.mail.deliverDue(2); // the two oldest are now kept

    const first = await app.mail.list();
    expect(first).toMatchObject({ total: OUTBOX_PAGE_SIZE + 3, page: 1, pageCount: 2 });
    expect(first.items[0]!.id).toBe(ids.at(-1));
    expect(first.items).toHaveLength(OUTBOX_PAGE_SIZE);
    const second = await app.mail.list({ page: 2 });
    expect(second.items.map((m) => m.id)).toEqual(ids.slice(0, 3).reverse());
    expect((await app.mail.list({ page: 99 })).page).toBe(2);

    const kept = await app.mail.list({ status: 'kept' });
    expect(kept.items.map((m) => m.id)).toEqual([ids[1], ids[0]]);
    expect((await app.mail.list({ status: 'pending' })).total).toBe(OUTBOX_PAGE_SIZE + 1);
    expect(await app.mail.get('missing', { mayInvite: true })).toBeNull();

    // By recipient, whatever the case typed.
    const other = await app.mail.enqueue(db, { ...sampleInvitation(), to: 'someone.else@example.com' });
    const toOther = await app.mail.list({ to: ' Someone.Else@Example.com ' });
    expect([toOther.total, toOther.items.map((m) => m.id)]).toEqual([1, [other]]);
    expect((await app.mail.list({ to: 'nobody@example.com' })).total).toBe(0);
  });
});

describe('a sender that throws', () => {
  it('loses nothing: the attempt counts as failed and is retried', async () => {
    let calls = 0;
    const sender: MailSender = {
      description: 'flaky',
      async send(_email: OutgoingEmail) {
        calls += 1;
        if (calls === 1) throw new Error('socket hang up');
        return { kind: 'sent', providerMessageId: 'msg_1' };
      },
    };
    const flaky = createApp({ db, clock, mail: { sender, logger } });
    const id = await flaky.mail.enqueue(db, sampleInvitation());
    expect(await flaky.mail.deliverDue()).toMatchObject({ retrying: 1 });
    expect((await flaky.mail.get(id, { mayInvite: true }))!.lastError).toBe('socket hang up');
    clock.advance(30_000);
    expect(await flaky.mail.deliverDue()).toMatchObject({ sent: 1 });
    expect(await flaky.mail.get(id, { mayInvite: true })).toMatchObject({ status: 'sent', providerMessageId: 'msg_1' });
  });
});

describe('delivery events for the thing an email is about', () => {
  it('tells handlers about final outcomes, inside the transaction that records them', async () => {
    const events: DeliveryEvent[] = [];
    app.mail.onDeliveryEvent(async (trx, event) => {
      const row = await trx.selectFrom('email_outbox').select('status').where('id', '=', event.outboxId).executeTakeFirstOrThrow();
      expect(row.status).toBe(event.status); // already written, same transaction
      events.push(event);
    });
    const id = await app.mail.enqueue(db, sampleInvitation({ relatedId: 'inv-9' }));
    await app.mail.deliverDue();
    expect(events).toEqual([{ outboxId: id, kind: 'invitation', relatedId: 'inv-9', status: 'kept', type: 'outbox.kept', receivedAt: clock.now() }]);
  });

  it('records nothing when a handler fails: the attempt is made again later', async () => {
    let isFailing = true;
    app.mail.onDeliveryEvent(async () => {
      if (isFailing) throw new Error('invitation table locked');
    });
    const id = await app.mail.enqueue(db, sampleInvitation());
    const other = await app.mail.enqueue(db, sampleInvitation());
    expect(await app.mail.deliverDue()).toMatchObject({ claimed: 2, kept: 0 });
    expect(logger.lines.join('\n')).toContain('invitation table locked');
    expect(await app.mail.get(id, { mayInvite: true })).toMatchObject({ status: 'pending', attempts: 1 });
    expect(await app.mail.get(other, { mayInvite: true })).toMatchObject({ status: 'pending', attempts: 1 });
    isFailing = false;
    clock.advance(retryDelayMs(1));
    expect(await app.mail.deliverDue()).toMatchObject({ kept: 2 });
  });
});

describe('a worker that dies mid-send', () => {
  it('leaves a row that comes due again after its claim runs out', async () => {
    const id = await app.mail.enqueue(db, sampleInvitation());
    // A worker claimed the first attempt and then vanished.
    expect(await createMailRepository(db).claim({ id, seenAttempts: 0, now: clock.now(), leaseUntil: clock.now() + retryDelayMs(1), maxAttempts: MAX_ATTEMPTS })).toBe(true);
    expect(await app.mail.deliverDue()).toMatchObject({ claimed: 0 });
    clock.advance(retryDelayMs(1));
    expect(await app.mail.deliverDue()).toMatchObject({ claimed: 1, kept: 1 });
    expect(await app.mail.get(id, { mayInvite: true })).toMatchObject({ status: 'kept', attempts: 2 });
  });

  it('marks a row failed when its last attempt never finished', async () => {
    const events: DeliveryEvent[] = [];
    app.mail.onDeliveryEvent(async (_trx, event) => void events.push(event));
    const id = await app.mail.enqueue(db, sampleInvitation());
    await db.updateTable('email_outbox').set({ attempts: MAX_ATTEMPTS, next_attempt_at: clock.now() }).where('id', '=', id).execute();
    expect(await app.mail.deliverDue()).toMatchObject({ claimed: 0, failed: 1 });
    expect(await app.mail.get(id, { mayInvite: true })).toMatchObject({ status: 'failed', lastError: 'Gave up: the last attempt never finished.' });
    expect(events.map((e) => e.status)).toEqual(['failed']);
  });
});

describe('the Outbox page at scale', () => {
  it('finds one recipient’s emails, newest first, through an index rather than a scan of every email', async () => {
    const sqlite = openSqlite(file);
    const queries: CompiledQuery[] = [];
    const logged = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }), log: (event) => void queries.push(event.query) });
    try {
      const repository = createMailRepository(logged);
      await repository.list({ status: null, to: 'dana@example.com', limit: OUTBOX_PAGE_SIZE, offset: 0 });
      await repository.count({ status: null, to: 'dana@example.com' });
      expect(queries).toHaveLength(2);
      for (const query of queries) {
        const plan = (sqlite.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...(query.parameters as unknown[])) as { detail: string }[]).map((row) => row.detail);
        expect(plan.join('\n')).toMatch(/USING (COVERING )?INDEX email_outbox_recipient \(to_email=\?\)/);
        // Newest first straight from the index: no sorting step.
        expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
      }
    } finally {
      await logged.destroy();
    }
  });
});

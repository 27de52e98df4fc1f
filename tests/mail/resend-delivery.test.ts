/**
 * The real `resend` SDK against a fake Resend on loopback (tests/helpers/fake-resend.ts), pointed
 * there the way the SDK allows: RESEND_BASE_URL, read when a client is constructed.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type DB } from '../../db/connection.ts';
import { createApp } from '../../src/server/app.ts';
import { IDEMPOTENCY_WINDOW_MS, MAX_ATTEMPTS, retryDelayMs } from '../../src/server/mail/mail.ts';
import { createMailService, type MailService } from '../../src/server/mail/mail.service.ts';
import { createResendSender } from '../../src/server/mail/senders.ts';
import { createTestDatabase, TestClock } from '../helpers/database.ts';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend.ts';
import { createRecordingLogger, FROM, sampleInvitation } from './fixtures.ts';

let fake: FakeResend;
let db: DB;
let file: string;
let cleanup: () => Promise<void>;
let clock: TestClock;
let logger: ReturnType<typeof createRecordingLogger>;
let mail: MailService;

function createService(database: DB): MailService {
  return createMailService({ db: database, clock, sender: createResendSender({ apiKey: 're_test_key', timeoutMs: 2000 }), from: FROM, logger });
}

beforeEach(async () => {
  fake = await startFakeResend();
  vi.stubEnv('RESEND_BASE_URL', fake.baseUrl);
  ({ db, file, cleanup } = await createTestDatabase());
  clock = new TestClock();
  logger = createRecordingLogger();
  mail = createService(db);
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await fake.stop();
  await cleanup();
});

async function row(id: string) {
  return db.selectFrom('email_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

describe('sending through Resend', () => {
  it('delivers an enqueued email once, keyed by its outbox id, and forgets its content', async () => {
    const message = sampleInvitation();
    const id = await mail.enqueue(db, message);

    const report = await mail.deliverDue();
    expect(report).toMatchObject({ claimed: 1, sent: 1, retrying: 0, failed: 0 });

    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/emails', authorization: 'Bearer re_test_key', idempotencyKey: id });
    expect(fake.emails).toHaveLength(1);
    expect(fake.emails[0]!.payload).toMatchObject({
      from: FROM,
      to: message.to,
      subject: message.subject,
      html: message.html,
      text: message.text,
      tags: [
        { name: 'outbox_id', value: id },
        { name: 'kind', value: 'invitation' },
      ],
    });

    const sent = await row(id);
    expect(sent).toMatchObject({ status: 'sent', attempts: 1, provider_message_id: fake.emails[0]!.id, sent_at: clock.now(), last_error: null });

    expect(await mail.deliverDue()).toMatchObject({ claimed: 0 });
    expect(fake.requests).toHaveLength(1);
  });

  it('retries after Resend answers 500, with the same idempotency key, and sends one email', async () => {
    fake.failNext(1, 500);
    const id = await mail.enqueue(db, sampleInvitation());

    expect(await mail.deliverDue()).toMatchObject({ claimed: 1, retrying: 1, sent: 0 });
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 1, next_attempt_at: clock.now() + retryDelayMs(1) });
    expect((await row(id)).last_error).toContain('HTTP 500');

    // Not due yet: nothing happens.
    clock.advance(retryDelayMs(1) - 1);
    expect(await mail.deliverDue()).toMatchObject({ claimed: 0 });

    clock.advance(1);
    expect(await mail.deliverDue()).toMatchObject({ claimed: 1, sent: 1 });
    expect(fake.requests.map((r) => r.idempotencyKey)).toEqual([id, id]);
    expect(fake.emails).toHaveLength(1);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2, provider_message_id: fake.emails[0]!.id });
  });

  it('sends nothing twice when Resend accepted a message but the answer was lost', async () => {
    fake.loseNextResponses(1);
    const id = await mail.enqueue(db, sampleInvitation());

    expect(await mail.deliverDue()).toMatchObject({ retrying: 1 });
    expect(fake.emails).toHaveLength(1); // Resend has it; we do not know yet.

    clock.advance(retryDelayMs(1));
    expect(await mail.deliverDue()).toMatchObject({ sent: 1 });
    expect(fake.emails).toHaveLength(1);
    expect(fake.requests.map((r) => r.idempotencyKey)).toEqual([id, id]);
    expect((await row(id)).provider_message_id).toBe(fake.emails[0]!.id);
  });

  it('loses nothing while Resend is down for a while, then sends each email once', async () => {
    const ids = [await mail.enqueue(db, sampleInvitation()), await mail.enqueue(db, sampleInvitation()), await mail.enqueue(db, sampleInvitation())];

    // First the connections are reset, then nothing listens at all.
    fake.setResetting(true);
    expect(await mail.deliverDue()).toMatchObject({ claimed: 3, retrying: 3 });
    fake.setResetting(false);
    await fake.stop();
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      clock.advance(retryDelayMs(attempt));
      expect(await mail.deliverDue()).toMatchObject({ claimed: 3, retrying: 3 });
    }
    for (const id of ids) expect(await row(id)).toMatchObject({ status: 'pending', attempts: 5 });
    expect(fake.emails).toHaveLength(0);

    await fake.start(); // Resend is back, on the same address.
    clock.advance(retryDelayMs(5));
    expect(await mail.deliverDue()).toMatchObject({ claimed: 3, sent: 3 });

    expect(fake.emails.map((e) => e.idempotencyKey).sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await row(id)).status).toBe('sent');
    expect(await mail.deliverDue()).toMatchObject({ claimed: 0 });
  });

  it('gives up after the last attempt, inside the idempotency window, and says so', async () => {
    fake.failNext(1000, 503);
    const id = await mail.enqueue(db, sampleInvitation());
    const start = clock.now();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      await mail.deliverDue();
      clock.advance(retryDelayMs(attempt));
    }
    expect(await row(id)).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    expect(fake.requests).toHaveLength(MAX_ATTEMPTS);
    expect(new Set(fake.requests.map((r) => r.idempotencyKey))).toEqual(new Set([id]));
    expect(clock.now() - start - retryDelayMs(MAX_ATTEMPTS)).toBeLessThan(IDEMPOTENCY_WINDOW_MS);
    expect(logger.lines.some((l) => l.includes('Gave up'))).toBe(true);
    expect(await mail.deliverDue()).toMatchObject({ claimed: 0 });
  });

  it('does not retry a message Resend refuses as invalid', async () => {
    fake.failNext(1, 422);
    const id = await mail.enqueue(db, sampleInvitation());
    expect(await mail.deliverDue()).toMatchObject({ failed: 1 });
    expect(await row(id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect((await row(id)).last_error).toContain('validation_error');
  });

  it('never sends a row twice when workers run at the same time, on one or two connections', async () => {
    const other = openDatabase({ path: file });
    try {
      const second = createService(other);
      const ids: string[] = [];
      for (let i = 0; i < 12; i += 1) ids.push(await mail.enqueue(db, sampleInvitation()));

      const reports = await Promise.all([mail.deliverDue(), mail.deliverDue(), second.deliverDue(), second.deliverDue()]);

      expect(reports.reduce((n, r) => n + r.sent, 0)).toBe(12);
      // Not just one email per key: not even a second request.
      expect(fake.requests).toHaveLength(12);
      expect(fake.emails.map((e) => e.idempotencyKey).sort()).toEqual([...ids].sort());
      const rows = await db.selectFrom('email_outbox').select(['status', 'attempts']).execute();
      expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    } finally {
      await other.destroy();
    }
  });

  it('is what the app uses when an API key is configured', async () => {
    const app = createApp({ db, clock, config: { resendApiKey: 're_from_config', emailFrom: FROM }, mail: { logger } });
    expect(app.mail.senderDescription).toBe('Resend');
    await db.transaction().execute((trx) => app.mail.enqueue(trx, sampleInvitation()));
    expect(await app.mail.deliverDue()).toMatchObject({ sent: 1 });
    expect(fake.requests[0]!.authorization).toBe('Bearer re_from_config');
    expect(fake.emails[0]!.payload.from).toBe(FROM);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DB } from '../../db/connection.ts';
import { createApp, type App } from '../../src/server/app.ts';
import type { MailSender, OutgoingEmail } from '../../src/server/mail/mail.ts';
import type { DeliveryReport } from '../../src/server/mail/mail.service.ts';
import { startMailWorker, type MailWorker } from '../../src/server/mail/mail.worker.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { createRecordingLogger, sampleInvitation } from './fixtures.ts';

const HOUR = 60 * 60 * 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(10);
  }
}

let db: DB;
let cleanup: () => Promise<void>;
let worker: MailWorker | null;
let sent: OutgoingEmail[];
let app: App;
const logger = createRecordingLogger();

beforeEach(async () => {
  ({ db, cleanup } = await createTestDatabase());
  sent = [];
  const sender: MailSender = {
    description: 'recording',
    async send(email) {
      await sleep(20);
      sent.push(email);
      return { kind: 'sent', providerMessageId: `msg_${email.id}` };
    },
  };
  // Real time: the worker runs on real timers.
  app = createApp({ db, mail: { sender, logger } });
  worker = null;
});
afterEach(async () => {
  await worker?.stop();
  await cleanup();
});

describe('the mail worker', () => {
  it('sends right after an enqueue, without waiting for its interval', async () => {
    worker = startMailWorker(app.mail, { intervalMs: HOUR, logger });
    const id = await db.transaction().execute((trx) => app.mail.enqueue(trx, sampleInvitation()));
    await waitFor(() => sent.length === 1);
    expect(sent[0]!.id).toBe(id);
    await waitFor(async () => (await app.mail.get(id, { mayInvite: false }))!.status === 'sent');
  });

  it('runs after notify() too, and on its interval', async () => {
    const calls: number[] = [];
    const service = {
      onEnqueued: app.mail.onEnqueued,
      async deliverDue(): Promise<DeliveryReport> {
        calls.push(Date.now());
        return { claimed: 0, sent: 0, kept: 0, retrying: 0, failed: 0 };
      },
    };
    worker = startMailWorker(service, { intervalMs: 50, logger });
    await waitFor(() => calls.length >= 1); // the first run, at start
    app.mail.notify();
    await waitFor(() => calls.length >= 4);
  });

  it('never runs two deliveries at once, however often it is woken', async () => {
    let active = 0;
    let mostActive = 0;
    let runs = 0;
    const service = {
      onEnqueued: app.mail.onEnqueued,
      async deliverDue(): Promise<DeliveryReport> {
        active += 1;
        runs += 1;
        mostActive = Math.max(mostActive, active);
        await sleep(30);
        active -= 1;
        return { claimed: 0, sent: 0, kept: 0, retrying: 0, failed: 0 };
      },
    };
    worker = startMailWorker(service, { intervalMs: 5, logger });
    for (let i = 0; i < 20; i += 1) {
      worker.notify();
      await sleep(3);
    }
    await worker.stop();
    expect(mostActive).toBe(1);
    expect(runs).toBeGreaterThan(1);
    // Woken 20 times and ticking every 5 ms, but requests during a run fold into one more run.
    expect(runs).toBeLessThan(20);
  });

  it('sends a backlog larger than one batch without waiting for the interval', async () => {
    for (let i = 0; i < 7; i += 1) await app.mail.enqueue(db, sampleInvitation());
    worker = startMailWorker(app.mail, { intervalMs: HOUR, batchSize: 3, logger });
    await waitFor(() => sent.length === 7);
    expect(new Set(sent.map((e) => e.id)).size).toBe(7);
  });

  it('keeps going after a failed run, and stop() waits for the run in progress', async () => {
    let runs = 0;
    let isInRun = false;
    const service = {
      onEnqueued: app.mail.onEnqueued,
      async deliverDue(): Promise<DeliveryReport> {
        runs += 1;
        if (runs === 1) throw new Error('database is locked');
        isInRun = true;
        await sleep(50);
        isInRun = false;
        return { claimed: 0, sent: 0, kept: 0, retrying: 0, failed: 0 };
      },
    };
    const errors = createRecordingLogger();
    worker = startMailWorker(service, { intervalMs: 10, logger: errors });
    await waitFor(() => isInRun);
    await worker.stop();
    expect(isInRun).toBe(false);
    expect(errors.lines.some((l) => l.includes('database is locked'))).toBe(true);
    const runsAtStop = runs;
    await sleep(50);
    expect(runs).toBe(runsAtStop);
  });
});

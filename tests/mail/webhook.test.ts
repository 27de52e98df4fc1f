/**
 * Resend webhooks: signed the Svix way (HMAC-SHA256 over "<id>.<timestamp>.<body>" with the
 * base64 secret after "whsec_"), signed here independently of the SDK, and verified by the
 * endpoint through the SDK's webhooks.verify.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { APIContext } from 'astro';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DB } from '../../db/connection.ts';
import { createApp, type App } from '../../src/server/app.ts';
import type { MailSender } from '../../src/server/mail/mail.ts';
import type { DeliveryEvent } from '../../src/server/mail/mail.service.ts';
import { verifyResendWebhook } from '../../src/server/mail/resend-webhooks.ts';
import { createTestDatabase, TestClock } from '../helpers/database.ts';
import { createRecordingLogger, sampleInvitation } from './fixtures.ts';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
vi.mock('astro:env/server', () => ({ RESEND_WEBHOOK_SECRET: SECRET }));
const { POST } = await import('../../src/pages/api/webhooks/resend.ts');

function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

function eventBody(type: string, emailId: string, tags: Record<string, string> = {}): string {
  return JSON.stringify({
    type,
    created_at: new Date().toISOString(),
    data: { created_at: new Date().toISOString(), email_id: emailId, from: 'cx@acme.example', to: ['ada@example.com'], subject: 'Hi', tags },
  });
}

let webhookCounter = 0;
function signedRequest(body: string, options: { id?: string; secret?: string; timestamp?: number; signature?: string } = {}): Request {
  const id = options.id ?? `msg_${++webhookCounter}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return new Request('http://localhost:4321/api/webhooks/resend', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'svix-id': id,
      'svix-timestamp': String(timestamp),
      'svix-signature': options.signature ?? sign(options.secret ?? SECRET, id, timestamp, body),
    },
    body,
  });
}

let db: DB;
let cleanup: () => Promise<void>;
let app: App;
let events: DeliveryEvent[];

async function post(request: Request): Promise<Response> {
  return POST({ request, locals: { app } } as unknown as APIContext);
}

async function sentInvitation(providerId: string): Promise<string> {
  const sender: MailSender = { description: 'test', send: async () => ({ kind: 'sent', providerMessageId: providerId }) };
  const sending = createApp({ db, clock: new TestClock(), mail: { sender, logger: createRecordingLogger() } });
  const id = await sending.mail.enqueue(db, sampleInvitation({ relatedId: `inv-${providerId}` }));
  await sending.mail.deliverDue();
  return id;
}

async function countEvents(): Promise<number> {
  return Number((await db.selectFrom('email_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
}

beforeEach(async () => {
  ({ db, cleanup } = await createTestDatabase());
  app = createApp({ db, clock: new TestClock(), mail: { logger: createRecordingLogger() } });
  events = [];
  app.mail.onDeliveryEvent(async (trx, event) => {
    // Runs inside the webhook's transaction: it can write the invitation atomically.
    await trx.selectFrom('email_outbox').select('id').execute();
    events.push(event);
  });
});
afterEach(() => cleanup());

describe('POST /api/webhooks/resend', () => {
  it('records a bounce on the message and tells the invitation code', async () => {
    const outboxId = await sentInvitation('re_msg_1');
    const response = await post(signedRequest(eventBody('email.bounced', 're_msg_1')));
    expect(response.status).toBe(200);

    const message = await app.mail.get(outboxId, { mayInvite: false });
    expect(message).toMatchObject({ deliveryStatus: 'bounced', events: [{ type: 'email.bounced' }] });
    expect(events).toEqual([expect.objectContaining({ outboxId, relatedId: 'inv-re_msg_1', kind: 'invitation', status: 'bounced', type: 'email.bounced' })]);
  });

  it('records delivered and complained, and a late delivery does not hide a complaint', async () => {
    const outboxId = await sentInvitation('re_msg_2');
    for (const type of ['email.delivered', 'email.complained', 'email.delivered']) {
      expect((await post(signedRequest(eventBody(type, 're_msg_2')))).status).toBe(200);
    }
    expect((await app.mail.get(outboxId, { mayInvite: false }))!.deliveryStatus).toBe('complained');
    expect(events.map((e) => e.status)).toEqual(['delivered', 'complained']);
    expect(await countEvents()).toBe(3);
  });

  it('records a replayed webhook once', async () => {
    await sentInvitation('re_msg_3');
    const body = eventBody('email.delivered', 're_msg_3');
    const first = await post(signedRequest(body, { id: 'msg_replayed' }));
    const again = await post(signedRequest(body, { id: 'msg_replayed' }));
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect(await countEvents()).toBe(1);
    expect(events).toHaveLength(1);
  });

  it('finds the message by its outbox tag when Resend’s id is unknown here', async () => {
    const outboxId = await sentInvitation('re_msg_4');
    await post(signedRequest(eventBody('email.delivered', 're_unknown', { outbox_id: outboxId })));
    expect((await app.mail.get(outboxId, { mayInvite: false }))!.deliveryStatus).toBe('delivered');
  });

  it('answers 401 and changes nothing when the signature is bad, stale or missing', async () => {
    const outboxId = await sentInvitation('re_msg_5');
    const body = eventBody('email.bounced', 're_msg_5');
    const now = Math.floor(Date.now() / 1000);
    const wrongSecret = `whsec_${randomBytes(24).toString('base64')}`;
    const requests = [
      signedRequest(body, { secret: wrongSecret }),
      signedRequest(body, { signature: 'v1,' + Buffer.alloc(32).toString('base64') }),
      signedRequest(body, { signature: 'garbage' }),
      signedRequest(body, { timestamp: now - 60 * 60 }), // correctly signed, an hour old
      new Request('http://localhost:4321/api/webhooks/resend', { method: 'POST', body }),
    ];
    // Signed, then tampered with.
    const tampered = signedRequest(body, { id: 'msg_tampered' });
    requests.push(new Request(tampered.url, { method: 'POST', headers: tampered.headers, body: body.replace('email.bounced', 'email.delivered') }));

    for (const request of requests) expect((await post(request)).status).toBe(401);
    expect(await countEvents()).toBe(0);
    expect((await app.mail.get(outboxId, { mayInvite: false }))!.deliveryStatus).toBeNull();
    expect(events).toEqual([]);
  });

  it('refuses a body over 1 MB with 413', async () => {
    const body = JSON.stringify({ type: 'email.delivered', data: { padding: 'x'.repeat(1024 * 1024) } });
    expect((await post(signedRequest(body))).status).toBe(413);
    expect(await countEvents()).toBe(0);
  });
});

describe('verifyResendWebhook', () => {
  it('refuses everything when no secret is configured', () => {
    const body = eventBody('email.delivered', 're_x');
    const request = signedRequest(body);
    expect(verifyResendWebhook({ payload: body, headers: request.headers, secret: undefined }).ok).toBe(false);
  });

  it('accepts the Standard Webhooks header names too', () => {
    const body = eventBody('email.delivered', 're_x');
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = new Headers({ 'webhook-id': 'msg_std', 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(SECRET, 'msg_std', timestamp, body) });
    const verified = verifyResendWebhook({ payload: body, headers, secret: SECRET });
    expect(verified).toMatchObject({ ok: true, value: { webhookId: 'msg_std', type: 'email.delivered', providerMessageId: 're_x' } });
  });
});

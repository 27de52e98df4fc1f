/**
 * The outbox: enqueue inside the caller's transaction, deliver due rows through a sender, show
 * the Outbox page, record provider webhooks. The rules and their reasons are in mail.ts.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../../db/connection.ts';
import type { Database, EmailDeliveryStatus, EmailEventRow, EmailOutboxRow, EmailOutboxStatus, EmailOutboxUpdate } from '../../../db/schema.ts';
import { generateSecureRandomString, isEmailShaped } from '../auth/auth.ts';
import type { Clock } from '../clock.ts';
import {
  deliveryStatusOfEvent,
  mayRevealPersonalLinks,
  MAX_ATTEMPTS,
  OUTBOX_PAGE_SIZE,
  retryDelayMs,
  shouldReplaceDeliveryStatus,
  truncateError,
  type EmailKind,
  type EmailMessage,
  type MailLogger,
  type MailSender,
  type SendOutcome,
} from './mail.ts';
import { createMailRepository } from './mail.repository.ts';

const EMAIL_KINDS = new Set<EmailKind>(['invitation', 'new_link', 'you_said_we_did', 'digest']);

export interface OutboxSummary {
  id: string;
  kind: string;
  to: string;
  subject: string;
  status: EmailOutboxStatus;
  attempts: number;
  deliveryStatus: EmailDeliveryStatus | null;
  relatedId: string | null;
  createdAt: number;
  sentAt: number | null;
}

export interface OutboxMessage extends OutboxSummary {
  /** Kept after sending: bodies hold link stand-ins, never tokens (see invitations.ts). null only in rows written before that. */
  html: string | null;
  text: string | null;
  nextAttemptAt: number;
  lastError: string | null;
  providerMessageId: string | null;
  deliveryStatusAt: number | null;
  events: { type: string; receivedAt: number }[];
}

export interface OutboxPage {
  items: OutboxSummary[];
  total: number;
  page: number;
  pageCount: number;
}

/** What one run of the worker did. */
export interface DeliveryReport {
  claimed: number;
  sent: number;
  kept: number;
  retrying: number;
  failed: number;
}

/**
 * What happened to a message, as the thing it is about (an invitation) wants to record it:
 * the worker's final outcome (sent, kept in the outbox, failed) or a delivery webhook
 * (delivered, bounced, complained).
 */
export type DeliveryEventStatus = 'sent' | 'kept' | 'failed' | EmailDeliveryStatus;

export interface DeliveryEvent {
  outboxId: string;
  kind: string;
  relatedId: string | null;
  status: DeliveryEventStatus;
  /** The webhook event type ('email.bounced'), or 'outbox.sent' / 'outbox.kept' / 'outbox.failed'. */
  type: string;
  receivedAt: number;
}

/**
 * Runs inside the transaction that records the event on the outbox row: if it throws, nothing
 * is recorded (a webhook is answered 500 and Resend retries it; a send is retried under the
 * same idempotency key), so a handler may run more than once for one event and must be
 * idempotent.
 */
export type DeliveryEventHandler = (trx: Kysely<Database>, event: DeliveryEvent) => Promise<void>;

export interface WebhookEventInput {
  /** The webhook message id (svix-id header): the same for every retry of one webhook. */
  webhookId: string;
  type: string;
  /** data.email_id: Resend's id of the message. */
  providerMessageId: string | null;
  /** The outbox id we tagged the message with, when the payload carries it. */
  outboxId: string | null;
  /** The verified raw body, kept as received. */
  payload: string;
}

export interface WebhookEventResult {
  /** False when this webhook was recorded before (a replay): nothing changed. */
  isNew: boolean;
  outboxId: string | null;
  /** The message's delivery status after this event. */
  deliveryStatus: EmailDeliveryStatus | null;
}

function toSummary(row: Pick<EmailOutboxRow, 'id' | 'kind' | 'to_email' | 'subject' | 'status' | 'attempts' | 'delivery_status' | 'related_id' | 'created_at' | 'sent_at'>): OutboxSummary {
  return {
    id: row.id,
    kind: row.kind,
    to: row.to_email,
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    deliveryStatus: row.delivery_status,
    relatedId: row.related_id,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

function toMessage(row: EmailOutboxRow, events: EmailEventRow[]): OutboxMessage {
  return {
    ...toSummary(row),
    html: row.html,
    text: row.text,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    providerMessageId: row.provider_message_id,
    deliveryStatusAt: row.delivery_status_at,
    events: events.map((e) => ({ type: e.type, receivedAt: e.received_at })),
  };
}

/** A message that can never be a valid email is a bug in the caller, not a user error. */
function assertValidMessage(message: EmailMessage): void {
  if (!EMAIL_KINDS.has(message.kind)) throw new Error(`enqueue: unknown email kind "${message.kind}"`);
  if (!isEmailShaped(message.to.trim())) throw new Error('enqueue: the recipient is not an email address');
  if (message.subject.trim() === '' || /[\r\n]/.test(message.subject)) throw new Error('enqueue: the subject must be one non-empty line');
  if (message.html.trim() === '' || message.text.trim() === '') throw new Error('enqueue: an email needs an HTML and a text part');
}

export function createMailService(deps: {
  db: DB;
  clock: Clock;
  sender: MailSender;
  from: string;
  logger: MailLogger;
  /**
   * Fills in what an outbox row must not store, such as personal link tokens (see
   * src/server/invitations/invitations.ts), when the email is sent or shown to staff.
   */
  fillContent?: (body: string) => string;
  /** The opposite of fillContent for staff who may not see what it fills in. */
  hideContent?: (body: string) => string;
}) {
  const { db, clock, sender, from, logger } = deps;
  const fill = deps.fillContent ?? ((body: string) => body);
  const hide = deps.hideContent ?? ((body: string) => body);
  const mail = createMailRepository(db);
  const enqueueListeners = new Set<() => void>();
  const deliveryHandlers = new Set<DeliveryEventHandler>();

  async function send(row: EmailOutboxRow): Promise<SendOutcome> {
    try {
      return await sender.send({
        id: row.id,
        kind: row.kind,
        from,
        to: row.to_email,
        subject: row.subject,
        html: fill(row.html ?? ''),
        text: fill(row.text ?? ''),
      });
    } catch (error) {
      // Senders report failures as outcomes; a throw is unexpected but must not lose the row.
      return { kind: 'failed', error: error instanceof Error ? error.message : String(error), isPermanent: false };
    }
  }

  /** Writes the outcome of an attempt and, when it is final, tells the delivery handlers. */
  async function finishAttempt(row: EmailOutboxRow, attempts: number, changes: EmailOutboxUpdate, finalStatus: 'sent' | 'kept' | 'failed' | null): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      const isRecorded = await createMailRepository(trx).finishAttempt(row.id, attempts, changes);
      if (isRecorded && finalStatus) {
        const event: DeliveryEvent = { outboxId: row.id, kind: row.kind, relatedId: row.related_id, status: finalStatus, type: `outbox.${finalStatus}`, receivedAt: clock.now() };
        for (const handler of deliveryHandlers) await handler(trx, event);
      }
      return isRecorded;
    });
  }

  /** Sends one claimed attempt and writes down how it went. */
  async function deliverClaimed(row: EmailOutboxRow, attempts: number, report: DeliveryReport): Promise<void> {
    const outcome = await send(row);
    const now = clock.now();
    let isRecorded: boolean;
    if (outcome.kind === 'sent') {
      isRecorded = await finishAttempt(row, attempts, {
        status: 'sent',
        provider_message_id: outcome.providerMessageId,
        sent_at: now,
        last_error: null,
      }, 'sent');
      report.sent += 1;
    } else if (outcome.kind === 'kept') {
      isRecorded = await finishAttempt(row, attempts, { status: 'kept', last_error: null }, 'kept');
      report.kept += 1;
    } else if (outcome.isPermanent || attempts >= MAX_ATTEMPTS) {
      isRecorded = await finishAttempt(row, attempts, { status: 'failed', last_error: truncateError(outcome.error) }, 'failed');
      report.failed += 1;
      logger.error(`[mail] Gave up on ${row.kind} email ${row.id} after ${attempts} attempt(s): ${outcome.error}`);
    } else {
      const nextAttemptAt = now + retryDelayMs(attempts);
      isRecorded = await finishAttempt(row, attempts, { next_attempt_at: nextAttemptAt, last_error: truncateError(outcome.error) }, null);
      report.retrying += 1;
      logger.warn(`[mail] ${row.kind} email ${row.id}, attempt ${attempts} of ${MAX_ATTEMPTS} failed (${outcome.error}); next try at ${new Date(nextAttemptAt).toISOString()}`);
    }
    // The claim lasts longer than a send may take, so this only happens when a send hung past
    // its timeout and another worker took the row over; the idempotency key keeps it one email.
    if (!isRecorded) logger.warn(`[mail] Email ${row.id} changed while it was being sent; left as the other worker wrote it.`);
  }

  return {
    /** Where mail goes, for the Outbox page. */
    senderDescription: sender.description,

    /**
     * Writes an email to the outbox through `trx`: pass the transaction that makes the change
     * the email is about, and the email exists if and only if the change commits. Returns the
     * outbox id. Throws on a malformed message (a bug in the caller).
     */
    async enqueue(trx: Kysely<Database>, message: EmailMessage): Promise<string> {
      assertValidMessage(message);
      const id = generateSecureRandomString();
      const now = clock.now();
      await createMailRepository(trx).create({
        id,
        kind: message.kind,
        to_email: message.to.trim(),
        subject: message.subject,
        html: message.html,
        text: message.text,
        related_id: message.relatedId ?? null,
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        last_error: null,
        provider_message_id: null,
        delivery_status: null,
        delivery_status_at: null,
        created_at: now,
        sent_at: null,
      });
      for (const listener of enqueueListeners) listener();
      return id;
    },

    /**
     * Wakes the worker: call it after the transaction that enqueued mail has committed, and the
     * mail goes out at once. Optional: enqueue already wakes it, and the worker also runs on a
     * timer, so a missed notify only delays mail by one interval.
     */
    notify(): void {
      for (const listener of enqueueListeners) listener();
    },

    /**
     * Calls `listener` after every enqueue and notify (the worker runs at once). It may run
     * before the caller's transaction commits, so a listener must only schedule work.
     */
    onEnqueued(listener: () => void): () => void {
      enqueueListeners.add(listener);
      return () => enqueueListeners.delete(listener);
    },

    /** Claims up to `limit` due messages and sends each once. Safe to run from several workers. */
    async deliverDue(limit = 20): Promise<DeliveryReport> {
      const report: DeliveryReport = { claimed: 0, sent: 0, kept: 0, retrying: 0, failed: 0 };
      for (const row of await mail.listExhausted(clock.now(), MAX_ATTEMPTS)) {
        const message = 'Gave up: the last attempt never finished.';
        if (await finishAttempt(row, row.attempts, { status: 'failed', last_error: message }, 'failed')) report.failed += 1;
      }
      const due = await mail.listDue(clock.now(), limit);
      for (const { id, attempts: seenAttempts } of due) {
        const now = clock.now();
        const attempts = seenAttempts + 1;
        const isClaimed = await mail.claim({ id, seenAttempts, now, leaseUntil: now + retryDelayMs(attempts), maxAttempts: MAX_ATTEMPTS });
        if (!isClaimed) continue;
        const row = await mail.get(id);
        if (!row) continue;
        report.claimed += 1;
        try {
          await deliverClaimed(row, attempts, report);
        } catch (error) {
          // Recording failed (a delivery handler threw, the database is busy): the claim runs
          // out and the row is tried again under the same idempotency key. Others go on.
          logger.error(`[mail] Could not record the attempt on email ${row.id}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return report;
    },

    /** A page of the outbox, newest first; `to` keeps the emails to one address (any case). */
    async list(filter: { status?: EmailOutboxStatus | null; to?: string | null; page?: number } = {}): Promise<OutboxPage> {
      const status = filter.status ?? null;
      const to = filter.to?.trim().toLowerCase() || null;
      const total = await mail.count({ status, to });
      const pageCount = Math.max(1, Math.ceil(total / OUTBOX_PAGE_SIZE));
      const page = Math.min(Math.max(1, Math.floor(filter.page ?? 1)), pageCount);
      const rows = await mail.list({ status, to, limit: OUTBOX_PAGE_SIZE, offset: (page - 1) * OUTBOX_PAGE_SIZE });
      return { items: rows.map(toSummary), total, page, pageCount };
    },

    /**
     * One message as staff read it on the Outbox page, its personal links filled in only where
     * mayRevealPersonalLinks allows; elsewhere the message shows that a link was there.
     */
    async get(id: string, viewer: { mayInvite: boolean }): Promise<OutboxMessage | null> {
      const row = await mail.get(id);
      if (!row) return null;
      const message = toMessage(row, await mail.listEvents(row.id));
      const show = mayRevealPersonalLinks(row.status, viewer.mayInvite) ? fill : hide;
      return { ...message, html: message.html === null ? null : show(message.html), text: message.text === null ? null : show(message.text) };
    },

    /** Every email about one thing (an invitation), newest first. */
    async listForRelated(relatedId: string): Promise<OutboxSummary[]> {
      return (await mail.listForRelated(relatedId)).map(toSummary);
    },

    /**
     * Calls `handler` inside the recording transaction when a message reaches a final outcome
     * (sent, kept, failed) and when a webhook changes its delivery status (delivered, bounced,
     * complained), so the invitation can record it atomically. See DeliveryEventHandler.
     */
    onDeliveryEvent(handler: DeliveryEventHandler): () => void {
      deliveryHandlers.add(handler);
      return () => deliveryHandlers.delete(handler);
    },

    /** Records a verified webhook once; a replay (same webhook id) changes nothing. */
    async recordWebhookEvent(input: WebhookEventInput): Promise<WebhookEventResult> {
      return db.transaction().execute(async (trx) => {
        const repo = createMailRepository(trx);
        const now = clock.now();
        const row =
          (input.providerMessageId ? await repo.getByProviderMessageId(input.providerMessageId) : undefined) ??
          (input.outboxId ? await repo.get(input.outboxId) : undefined) ??
          null;
        const isNew = await repo.createEvent({
          id: generateSecureRandomString(),
          svix_id: input.webhookId,
          outbox_id: row?.id ?? null,
          provider_message_id: input.providerMessageId,
          type: input.type,
          payload: input.payload,
          received_at: now,
        });
        const status = deliveryStatusOfEvent(input.type);
        if (!isNew || !row || !status || !shouldReplaceDeliveryStatus(row.delivery_status, status)) {
          return { isNew, outboxId: row?.id ?? null, deliveryStatus: row?.delivery_status ?? null };
        }
        await repo.setDeliveryStatus(row.id, status, now);
        const event: DeliveryEvent = { outboxId: row.id, kind: row.kind, relatedId: row.related_id, status, type: input.type, receivedAt: now };
        for (const handler of deliveryHandlers) await handler(trx, event);
        return { isNew, outboxId: row.id, deliveryStatus: status };
      });
    },
  };
}
export type MailService = ReturnType<typeof createMailService>;

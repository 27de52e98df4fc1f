/**
 * Email through a transactional outbox: the rules and types, no I/O.
 *
 * A change that causes an email writes an outbox row in its own transaction (`enqueue`), so the
 * email exists exactly when the change does. The mail worker later *claims* a due row with a
 * conditional UPDATE that bumps `attempts` and pushes `next_attempt_at` out by the retry delay,
 * and only then sends it. Two workers cannot both claim the same attempt, and a worker that dies
 * mid-send leaves a row that comes due again after the delay. Every attempt carries the row id
 * as the provider's idempotency key, so when a response is lost and the row is sent again, the
 * provider returns the first result instead of sending a second email.
 *
 * Resend keeps idempotency keys for 24 hours, so the whole retry schedule fits inside that
 * window: a retry always lands while the provider still remembers the key.
 */
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase64 } from '@oslojs/encoding';
import type { EmailDeliveryStatus, EmailOutboxStatus } from '../../../db/schema.ts';

export type { EmailDeliveryStatus, EmailOutboxStatus };

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delay after failed attempt n (index n - 1). About 21.7 hours in total. */
export const RETRY_DELAYS_MS: readonly number[] = [
  30 * SECOND,
  2 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  1 * HOUR,
  2 * HOUR,
  4 * HOUR,
  6 * HOUR,
  8 * HOUR,
];

/** After this many failed attempts a message is marked failed. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** How long the provider remembers an idempotency key (Resend: 24 hours). */
export const IDEMPOTENCY_WINDOW_MS = 24 * HOUR;

/**
 * A send that takes longer is abandoned. It must stay below the shortest retry delay, which is
 * also how long a claim lasts, so that no other worker picks the row up while it is in flight.
 */
export const SEND_TIMEOUT_MS = 15 * SECOND;

/** How long to wait after `attempts` failed attempts before the next one. */
export function retryDelayMs(attempts: number): number {
  const index = Math.min(Math.max(attempts, 1), RETRY_DELAYS_MS.length) - 1;
  return RETRY_DELAYS_MS[index]!;
}

export type EmailKind = 'invitation' | 'new_link' | 'you_said_we_did' | 'digest';

/** What a template renders. */
export interface EmailContent {
  subject: string;
  html: string;
  text: string;
}

/** What the caller enqueues: a rendered email, its recipient, and what it is about. */
export interface EmailMessage extends EmailContent {
  kind: EmailKind;
  to: string;
  /** The row the email is about (an invitation id), so delivery events can find their way back. */
  relatedId?: string | null;
}

/** What a sender receives: one outbox row, ready to go. */
export interface OutgoingEmail {
  /** The outbox id, used as the idempotency key. */
  id: string;
  kind: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

export type SendOutcome =
  /** The provider accepted the message. */
  | { kind: 'sent'; providerMessageId: string }
  /** Deliberately not sent (no API key): the message stays readable in the outbox. */
  | { kind: 'kept' }
  /** Not accepted. Permanent errors (the payload itself is refused) are not retried. */
  | { kind: 'failed'; error: string; isPermanent: boolean };

/** Where mail goes: Resend, or nowhere (kept in the outbox). See senders.ts. */
export interface MailSender {
  /** For the log and the Outbox page. */
  readonly description: string;
  send(email: OutgoingEmail): Promise<SendOutcome>;
}

export interface MailLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const OUTBOX_STATUS_LABELS: Record<EmailOutboxStatus, string> = {
  pending: 'Waiting to be sent',
  sent: 'Sent',
  kept: 'Kept in outbox (no API key)',
  failed: 'Failed (gave up)',
};

export const DELIVERY_STATUS_LABELS: Record<EmailDeliveryStatus, string> = {
  delivered: 'Delivered',
  bounced: 'Bounced',
  complained: 'Marked as spam',
};

/** The webhook event types that change a message's delivery status. */
export const DELIVERY_EVENT_TYPES: Record<string, EmailDeliveryStatus> = {
  'email.delivered': 'delivered',
  'email.bounced': 'bounced',
  'email.complained': 'complained',
};

export function deliveryStatusOfEvent(type: string): EmailDeliveryStatus | null {
  return Object.hasOwn(DELIVERY_EVENT_TYPES, type) ? DELIVERY_EVENT_TYPES[type]! : null;
}

const DELIVERY_RANK: Record<EmailDeliveryStatus, number> = { delivered: 1, bounced: 2, complained: 3 };

/**
 * Webhooks can arrive out of order; a later, weaker event never hides a stronger one (a
 * complaint comes after delivery and must stay visible).
 */
export function shouldReplaceDeliveryStatus(current: EmailDeliveryStatus | null, next: EmailDeliveryStatus): boolean {
  return current === null || DELIVERY_RANK[next] >= DELIVERY_RANK[current];
}

/** Every absolute http(s) link in a text, in order, without duplicates (for the server log). */
export function findLinks(text: string): string[] {
  return [...new Set(text.match(/https?:\/\/[^\s<>"')]+/g) ?? [])];
}

/** Longest error text kept on a row. */
export const ERROR_MAX_LENGTH = 500;

export function truncateError(message: string): string {
  return message.length > ERROR_MAX_LENGTH ? `${message.slice(0, ERROR_MAX_LENGTH - 1)}…` : message;
}

export const OUTBOX_PAGE_SIZE = 50;

/**
 * A personal link opens its recipient's map as them, so staff see it on the Outbox page only
 * where the Outbox is how it reaches them: an email the development outbox kept (no Resend key),
 * shown to someone who may invite customers anyway (editors and admins). An email Resend sent
 * went to its recipient; reviewers never see one.
 */
export function mayRevealPersonalLinks(status: EmailOutboxStatus, viewerMayInvite: boolean): boolean {
  return viewerMayInvite && status === 'kept';
}

export function isOutboxStatus(value: unknown): value is EmailOutboxStatus {
  return typeof value === 'string' && Object.hasOwn(OUTBOX_STATUS_LABELS, value);
}

const ATTRIBUTE_ENTITIES: Record<string, string> = { '&quot;': '"', '&#39;': "'", '&lt;': '<', '&gt;': '>', '&amp;': '&' };

/**
 * CSP hashes ('sha256-…') of every inline style attribute in an email. The Outbox page shows an
 * email in a sandboxed srcdoc iframe, which inherits the page's CSP; allowing exactly these
 * values (with 'unsafe-hashes') renders the email as sent without allowing any other inline
 * style. Attribute values are hashed as the browser sees them, with entities decoded.
 */
export function styleAttributeHashes(html: string): `sha256-${string}`[] {
  const values = new Set<string>();
  for (const match of html.matchAll(/\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
    values.add((match[1] ?? match[2] ?? '').replace(/&(?:quot|#39|lt|gt|amp);/g, (e) => ATTRIBUTE_ENTITIES[e]!));
  }
  return [...values].map((value) => `sha256-${encodeBase64(sha256(new TextEncoder().encode(value)))}` as const);
}

/**
 * The two places mail can go.
 *
 * - Resend, through its SDK, with the outbox id as the idempotency key. The SDK reads
 *   RESEND_BASE_URL when a client is constructed (tests point it at a fake Resend on loopback);
 *   nothing here reads the environment.
 * - Nowhere, when no API key is configured: the message is marked `kept` and stays readable on
 *   the Outbox page, and its links are printed to the server log, so the product works end to
 *   end on a laptop. Kept messages are never sent later, even if a key is configured afterwards:
 *   a development invitation must not reach a real person by surprise.
 */
import { Resend } from 'resend';
import { findLinks, SEND_TIMEOUT_MS, type MailLogger, type MailSender, type OutgoingEmail, type SendOutcome } from './mail.ts';

/**
 * Errors about the request itself: sending the same payload again cannot succeed. Everything
 * else (5xx, network, timeouts, rate limits, quota, API key problems an operator can fix) is
 * retried.
 */
const PERMANENT_RESEND_ERRORS = new Set([
  'validation_error',
  'missing_required_field',
  'invalid_parameter',
  'invalid_attachment',
  'invalid_idempotency_key',
  'invalid_idempotent_request',
]);

export function isPermanentResendError(name: string): boolean {
  return PERMANENT_RESEND_ERRORS.has(name);
}

export function createResendSender(options: { apiKey: string; timeoutMs?: number }): MailSender {
  const resend = new Resend(options.apiKey);
  const timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
  return {
    description: 'Resend',
    async send(email: OutgoingEmail): Promise<SendOutcome> {
      const { data, error } = await resend.emails.send(
        {
          from: email.from,
          to: email.to,
          subject: email.subject,
          html: email.html,
          text: email.text,
          // Webhook payloads carry tags, so an event can find its row even if the response with
          // Resend's id was lost.
          tags: [
            { name: 'outbox_id', value: email.id },
            { name: 'kind', value: email.kind },
          ],
        },
        { idempotencyKey: email.id, signal: AbortSignal.timeout(timeoutMs) },
      );
      if (error) {
        const status = error.statusCode === null ? 'no response' : `HTTP ${error.statusCode}`;
        return { kind: 'failed', error: `Resend ${status}, ${error.name}: ${error.message}`, isPermanent: isPermanentResendError(error.name) };
      }
      if (!data?.id) return { kind: 'failed', error: 'Resend answered without a message id.', isPermanent: false };
      return { kind: 'sent', providerMessageId: data.id };
    },
  };
}

export function createOutboxOnlySender(logger: MailLogger): MailSender {
  return {
    description: 'Outbox only (no RESEND_API_KEY): nothing is sent',
    async send(email: OutgoingEmail): Promise<SendOutcome> {
      const links = findLinks(email.text);
      logger.info(
        [
          `[mail] Not sent (no RESEND_API_KEY), kept in the outbox: ${email.kind} to ${email.to}, "${email.subject}"`,
          ...links.map((link) => `[mail]   link: ${link}`),
        ].join('\n'),
      );
      return { kind: 'kept' };
    },
  };
}

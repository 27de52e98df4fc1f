/**
 * Resend's delivery webhooks. The signature is checked on the raw body before anything else;
 * an unsigned, badly signed or stale request gets 401 and changes nothing. Without
 * RESEND_WEBHOOK_SECRET nothing can be verified, so every request is refused the same way.
 */
import type { APIRoute } from 'astro';
import { RESEND_WEBHOOK_SECRET } from 'astro:env/server';
import { readBodyWithLimit, verifyResendWebhook, WEBHOOK_BODY_MAX_BYTES } from '../../../server/mail/resend-webhooks.ts';

const TEXT = { 'content-type': 'text/plain; charset=utf-8' };

export const POST: APIRoute = async ({ request, locals }) => {
  const payload = await readBodyWithLimit(request, WEBHOOK_BODY_MAX_BYTES);
  if (payload === null) return new Response('The webhook body is too large.', { status: 413, headers: TEXT });
  const verified = verifyResendWebhook({ payload, headers: request.headers, secret: RESEND_WEBHOOK_SECRET });
  if (!verified.ok) return new Response('Invalid webhook signature.', { status: 401, headers: TEXT });
  const result = await locals.app.mail.recordWebhookEvent(verified.value);
  return Response.json({ received: true, duplicate: !result.isNew });
};

/**
 * Resend webhooks are signed the Svix / Standard Webhooks way: `svix-signature` holds
 * `v1,<base64 HMAC-SHA256 of "<svix-id>.<svix-timestamp>.<raw body>">` keyed with the base64
 * secret after `whsec_`, and the timestamp must be within five minutes. The SDK's
 * `webhooks.verify` checks all of it; the signature covers the exact bytes received, so the
 * body must be verified before anything parses or re-serialises it.
 */
import { Resend } from 'resend';
import { fail, ok, type Result } from '../result.ts';
import type { WebhookEventInput } from './mail.service.ts';

/** Largest webhook body accepted; Resend's email events are a few kilobytes. */
export const WEBHOOK_BODY_MAX_BYTES = 1024 * 1024;

// verify() makes no request, but the SDK's constructor insists on a key.
const verifier = new Resend('re_webhook_verification_only');

function header(headers: Headers, name: string): string {
  // Resend sends svix-* headers; the Standard Webhooks names are accepted too.
  return headers.get(`svix-${name}`) ?? headers.get(`webhook-${name}`) ?? '';
}

export function verifyResendWebhook(input: { payload: string; headers: Headers; secret: string | undefined }): Result<WebhookEventInput, 'bad_signature'> {
  const id = header(input.headers, 'id');
  const timestamp = header(input.headers, 'timestamp');
  const signature = header(input.headers, 'signature');
  if (!input.secret || !id || !timestamp || !signature) return fail('bad_signature', 'Missing signature.');
  let event: unknown;
  try {
    event = verifier.webhooks.verify({ payload: input.payload, headers: { id, timestamp, signature }, webhookSecret: input.secret });
  } catch {
    return fail('bad_signature', 'Bad signature.');
  }
  const { type, data } = (event ?? {}) as { type?: unknown; data?: { email_id?: unknown; tags?: unknown } };
  const tags = data?.tags && typeof data.tags === 'object' ? (data.tags as Record<string, unknown>) : {};
  return ok({
    webhookId: id,
    type: typeof type === 'string' ? type : 'unknown',
    providerMessageId: typeof data?.email_id === 'string' ? data.email_id : null,
    outboxId: typeof tags.outbox_id === 'string' ? tags.outbox_id : null,
    payload: input.payload,
  });
}

/**
 * Reads a request body as text, refusing more than `maxBytes` without reading the rest.
 * Returns null when the body is too large.
 */
export async function readBodyWithLimit(request: Request, maxBytes: number): Promise<string | null> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > maxBytes) return null;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

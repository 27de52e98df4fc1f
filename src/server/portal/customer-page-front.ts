/**
 * The fast lane for what a whole advisory board does at once, run by the HTTP front before
 * Astro:
 * - a GET of /m/maps/<invitation> from a participant whose session and grant check out, and
 *   whose page is already rendered for that version (page-cache.ts), is answered from memory;
 * - a POST of a JSON annotation to /m/maps/<invitation>/annotations goes straight to the
 *   annotations service (annotation-api.ts), after the same guards as Astro's middleware:
 *   cross-site refusal, a body limit, the participant session, and security headers.
 * Anything else — no cookie, a session to renew, a page not rendered yet — falls through to
 * Astro, which handles it the same way (and fills the cache).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnnotationsService } from '../annotations/annotations.service.ts';
import { PARTICIPANT_SESSION_COOKIE } from '../auth/session-cookie.ts';
import { applySecurityHeaders, isCrossSite } from '../security/headers.ts';
import { ANNOTATION_API_MAX_BODY_BYTES, handleAnnotationPost } from './annotation-api.ts';
import { customerPageKey } from './page-cache.ts';
import type { ParticipantsService } from './participants.service.ts';

export const CUSTOMER_PAGE_PATH = /^\/m\/maps\/([a-z2-9]{1,64})$/;
const ANNOTATION_API_PATH = /^\/m\/maps\/([a-z2-9]{1,64})\/annotations$/;

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return decodeURIComponent(part.slice(index + 1).trim());
  }
  return null;
}

/** Reads a request body up to `limit` bytes; null when it is longer. */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * True when the request was answered here. `publicOrigin` is the site's own origin, for the
 * cross-site check (the request's Host header is not trusted for it).
 */
export async function serveParticipantFastLane(
  deps: { participants: ParticipantsService; annotations: AnnotationsService; publicOrigin: string },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  if (req.method === 'POST') return serveAnnotationPost(deps, req, res);
  return serveCachedCustomerPage(deps.participants, req, res);
}

async function serveAnnotationPost(
  deps: { participants: ParticipantsService; annotations: AnnotationsService; publicOrigin: string },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const match = req.url ? ANNOTATION_API_PATH.exec(req.url) : null;
  if (!match) return false;
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  // Anything unusual goes to Astro, which refuses or handles it the same way.
  if (isCrossSite('POST', header, deps.publicOrigin)) return false;
  if (Number(header('content-length') ?? 0) > ANNOTATION_API_MAX_BODY_BYTES) return false;
  const token = readCookie(header('cookie'), PARTICIPANT_SESSION_COOKIE);
  if (!token) return false;
  const participant = await deps.participants.validateSession(token, { canRenew: false });
  if (!participant || participant.isExtended) return false;
  const body = await readBody(req, ANNOTATION_API_MAX_BODY_BYTES);
  const answer =
    body === null
      ? { status: 413, json: { error: 'invalid', message: 'The comment is too long.' } }
      : await handleAnnotationPost(deps.annotations, { participantId: participant.participantId, invitationId: match[1]!, contentType: header('content-type') ?? null, body });
  const headers = new Headers({ 'content-type': 'application/json' });
  applySecurityHeaders(headers, deps.publicOrigin.startsWith('https://'));
  const payload = Buffer.from(JSON.stringify(answer.json));
  res.writeHead(answer.status, [...[...headers].flat(), 'content-length', String(payload.byteLength)]);
  res.end(payload);
  return true;
}

export async function serveCachedCustomerPage(participants: ParticipantsService, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (req.method !== 'GET' || !req.url) return false;
  const match = CUSTOMER_PAGE_PATH.exec(req.url);
  if (!match) return false;
  const token = readCookie(req.headers.cookie, PARTICIPANT_SESSION_COOKIE);
  if (!token) return false;
  // A session due for renewal goes through Astro, which renews it and sends the new cookie.
  const participant = await participants.validateSession(token, { canRenew: false });
  if (!participant || participant.isExtended) return false;
  const invitationId = match[1]!;
  const versionId = await participants.getGrantedVersionId(participant.participantId, invitationId);
  if (!versionId) return false;
  const page = participants.pages.get(customerPageKey(invitationId, versionId));
  if (!page) return false;
  res.writeHead(page.status, [...page.headers.flat(), 'content-length', String(page.body.byteLength)]);
  res.end(page.body);
  return true;
}

/**
 * The fast lane for customer pages, run by the HTTP front before Astro.
 *
 * A GET of /m/maps/<invitation> from a participant whose session and grant check out, and
 * whose page is already rendered for that version (page-cache.ts), is answered from memory.
 * Anything else — no cookie, a session to renew, a page not rendered yet — falls through to
 * Astro, which renders it (and fills the cache). The checks are the same ones Astro's
 * middleware makes, through the same participants service.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PARTICIPANT_SESSION_COOKIE } from '../auth/session-cookie.ts';
import { customerPageKey } from './page-cache.ts';
import type { ParticipantsService } from './participants.service.ts';

export const CUSTOMER_PAGE_PATH = /^\/m\/maps\/([a-z2-9]{1,64})$/;

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return decodeURIComponent(part.slice(index + 1).trim());
  }
  return null;
}

/** True when the request was answered here. */
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

/**
 * The live session's stream for a participant: Server-Sent Events of published data only
 * (src/server/live/live-stream.ts). Resumes after the Last-Event-ID header a reconnecting
 * browser sends, or after `?since=` — the event number the page was rendered at. An ended
 * session answers 204, which tells the browser to stop reconnecting; no access answers 403.
 */
import type { APIRoute } from 'astro';
import { SSE_HEADERS } from '../../../../server/live/live-stream.ts';
import { parseLastEventId } from '../../../../server/live/live.ts';

export const GET: APIRoute = async ({ params, request, url, locals }) => {
  const participant = locals.participant;
  if (!participant) return new Response('Open your invitation link to continue.', { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const afterSeq = parseLastEventId(request.headers.get('last-event-id')) ?? parseLastEventId(url.searchParams.get('since'));
  const stream = await locals.app.live.openStream(participant.participantId, params.code ?? '', afterSeq);
  if (!stream.ok) {
    if (stream.error === 'ended') return new Response(null, { status: 204 });
    return new Response(stream.message, { status: stream.error === 'not_found' ? 404 : 403, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
  return new Response(stream.value, { headers: SSE_HEADERS });
};

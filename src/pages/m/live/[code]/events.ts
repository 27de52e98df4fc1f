/**
 * The live session's stream for a participant: Server-Sent Events of published data only
 * (src/server/live/live-stream.ts). Resumes after the Last-Event-ID header a reconnecting
 * browser sends, or after `?since=` — the event number the page was rendered at. An ended
 * session answers 204, which tells the browser to stop reconnecting; no access answers 403; too
 * many streams opened lately 429, a server at its limit of streams 503.
 */
import type { APIRoute } from 'astro';
import { refusedStreamResponse, SSE_HEADERS } from '../../../../server/live/live-stream.ts';
import { parseLastEventId } from '../../../../server/live/live.ts';

export const GET: APIRoute = async ({ params, request, url, locals }) => {
  const participant = locals.participant;
  if (!participant) return new Response('Open your invitation link to continue.', { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const afterSeq = parseLastEventId(request.headers.get('last-event-id')) ?? parseLastEventId(url.searchParams.get('since'));
  const stream = await locals.app.live.openStream({ participantId: participant.participantId, sessionId: participant.sessionId }, params.code ?? '', afterSeq);
  if (!stream.ok) return refusedStreamResponse(stream.error, stream.message);
  return new Response(stream.value, { headers: SSE_HEADERS });
};

/**
 * The stream of the screen for the room: the participants' events only (no comment waiting for
 * approval or kept private), since everyone in the room reads what it shows. Staff open it;
 * it resumes after Last-Event-ID or `?since=` like every live stream, and an ended session
 * answers 204 once the screen has everything.
 */
import type { APIRoute } from 'astro';
import { refusedStreamResponse, SSE_HEADERS } from '../../../../../../../server/live/live-stream.ts';
import { parseLastEventId } from '../../../../../../../server/live/live.ts';

export const GET: APIRoute = async ({ params, request, url, locals }) => {
  const session = await locals.app.liveSessions.get(params.sessionId ?? '');
  if (!session || session.mapId !== params.id) return new Response('No such live session.', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const afterSeq = parseLastEventId(request.headers.get('last-event-id')) ?? parseLastEventId(url.searchParams.get('since'));
  const stream = await locals.app.liveSessions.openScreenStream(locals.staff!, locals.staffSessionId, session.id, afterSeq);
  if (!stream.ok) return refusedStreamResponse(stream.error, stream.message);
  return new Response(stream.value, { headers: SSE_HEADERS });
};

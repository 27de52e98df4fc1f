/**
 * The annotation API for scripts on the customer page (and live sessions): POST JSON
 * `{ anchor, kind, text, felt?, importance? }` where anchor is the form's anchor string
 * ("card:KEY", "gap:KEY:NEXT", …). Answers 201 with the saved annotation as the participant
 * sees it, or `{ error, message }` with 400, 403, 413, 415 or 429. Plain forms post to the map
 * page instead; both end in the same service call. Under `npm start` the HTTP front usually
 * answers this before Astro (see src/server/portal/customer-page-front.ts).
 */
import type { APIRoute } from 'astro';
import { handleAnnotationPost } from '../../../../../server/portal/annotation-api.ts';

export const POST: APIRoute = async ({ params, request, locals }) => {
  const participant = locals.participant;
  if (!participant) return Response.json({ error: 'forbidden', message: 'Open your invitation link to continue.' }, { status: 403 });
  const answer = await handleAnnotationPost(locals.app.annotations, {
    participantId: participant.participantId,
    invitationId: params.invitationId ?? '',
    contentType: request.headers.get('content-type'),
    body: await request.text(),
  });
  return Response.json(answer.json, { status: answer.status });
};

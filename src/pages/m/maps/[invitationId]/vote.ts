/** +1 from a plain form (or fetch): back to where the person was (the map, or a stage of the walk). */
import type { APIRoute } from 'astro';
import { annotationErrorStatus } from '../../../../server/portal/annotation-status.ts';
import { parseReviewPlace, reviewPlacePath } from '../../../../server/portal/review-place.ts';

export const POST: APIRoute = async ({ params, request, locals, redirect }) => {
  const participant = locals.participant;
  if (!participant) return redirect('/m/link', 303);
  const form = await request.formData().catch(() => null);
  const annotationId = String(form?.get('annotationId') ?? '').slice(0, 64);
  const result = await locals.app.annotations.voteForAnnotation(participant.participantId, params.invitationId ?? '', annotationId);
  if (!result.ok) {
    const status = annotationErrorStatus(result.error);
    return new Response(result.message, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
  const back = reviewPlacePath(`/m/maps/${params.invitationId}`, parseReviewPlace(form?.get('from')));
  return redirect(`${back}#annotation-${annotationId}`, 303);
};

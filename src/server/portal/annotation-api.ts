/**
 * The annotation API's one handler, shared by the Astro endpoint
 * (src/pages/m/maps/[invitationId]/annotations/index.ts) and the HTTP front's fast lane
 * (customer-page-front.ts): a JSON body in, a status and a JSON answer out.
 */
import { parseAnchor } from '../annotations/annotations.ts';
import type { AnnotationsService } from '../annotations/annotations.service.ts';
import { annotationErrorStatus } from './annotation-status.ts';

/** A comment is at most 5,000 characters; the JSON around it is small. */
export const ANNOTATION_API_MAX_BODY_BYTES = 64 * 1024;

export async function handleAnnotationPost(
  annotations: AnnotationsService,
  input: { participantId: string; invitationId: string; contentType: string | null; body: string },
): Promise<{ status: number; json: unknown }> {
  if (!(input.contentType ?? '').startsWith('application/json')) return { status: 415, json: { error: 'invalid', message: 'Send JSON.' } };
  if (input.body.length > ANNOTATION_API_MAX_BODY_BYTES) return { status: 413, json: { error: 'invalid', message: 'The comment is too long.' } };
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(input.body);
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    body = parsed as Record<string, unknown>;
  } catch {
    return { status: 400, json: { error: 'invalid', message: 'The request is not valid JSON.' } };
  }
  const anchor = typeof body.anchor === 'string' ? parseAnchor(body.anchor) : null;
  if (!anchor) return { status: 400, json: { error: 'invalid', message: 'Choose a place on the map for your comment.' } };
  const number = (value: unknown) => (value === undefined || value === null || value === '' ? null : typeof value === 'number' ? value : NaN);
  const result = await annotations.createAnnotation(input.participantId, input.invitationId, {
    anchor,
    kind: String(body.kind ?? ''),
    text: typeof body.text === 'string' ? body.text : '',
    felt: number(body.felt),
    importance: number(body.importance),
  });
  if (!result.ok) return { status: annotationErrorStatus(result.error), json: { error: result.error, message: result.message } };
  return { status: 201, json: result.value };
}

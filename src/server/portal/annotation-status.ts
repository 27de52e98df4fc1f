/**
 * The HTTP status for each way a participant's annotation request can be refused, so that every
 * page and endpoint of the portal answers the same refusal the same way (a client that backs off
 * on 429, say, does so everywhere).
 */
import type { AnnotationError } from '../annotations/annotations.service.ts';

const STATUS: Record<AnnotationError, number> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  // A later edit than the one the participant started from, or a live session on pause.
  conflict: 409,
  paused: 409,
  // Triaged: no longer theirs to change.
  locked: 423,
  rate_limited: 429,
};

export function annotationErrorStatus(error: AnnotationError): number {
  return STATUS[error];
}

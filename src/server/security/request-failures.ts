/**
 * What a request that failed while its page or endpoint ran gets back. Astro's own answer to a
 * thrown error skips the middleware that adds the security headers; the middleware catches it
 * instead and answers with one of these (src/middleware.ts), headers and all.
 *
 * Two failures are the client's, not ours, and say so: a body over the size limit that came
 * without a Content-Length (chunked, so the early check could not see it; the adapter's
 * bodySizeLimit stops reading it), and a form post whose body is not a form.
 */
const BODY_LIMIT = /^Body size limit exceeded/;
const NOT_A_FORM = /^Content-Type was not one of/;

export function responseForFailure(error: unknown, log: (message: string) => void = console.error): Response {
  const message = error instanceof Error ? error.message : '';
  if (BODY_LIMIT.test(message)) return tooLarge();
  if (error instanceof TypeError && NOT_A_FORM.test(message)) return plain(415, 'Send this as a form (application/x-www-form-urlencoded or multipart/form-data).');
  log(`[request] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return plain(500, 'Something went wrong on our side. Please try again in a moment.');
}

/** A body over the limit, found early (Content-Length, src/middleware.ts) or while reading it. */
export function tooLarge(): Response {
  return plain(413, 'The request is too large.');
}

export function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

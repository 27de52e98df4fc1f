/**
 * The queue's download: `/app/review/export?format=csv|w3c&<the queue's filter>`. The file
 * streams out as it is read, so a 100,000-annotation export neither waits nor fills memory.
 */
import type { APIRoute } from 'astro';
import { parseQueueView } from '../../../server/review/queue-filter.ts';
import { isExportFormat } from '../../../server/review/review-export.ts';
import { canTriage } from '../../../server/review/review.ts';

function plainText(message: string, status: number): Response {
  return new Response(`${message}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

/** Pulls one chunk per read, so a slow client slows the export instead of queueing it up. */
function toByteStream(chunks: AsyncIterable<string>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

export const GET: APIRoute = async ({ url, locals }) => {
  // The middleware already keeps /app to staff; exporting is for any active staff member.
  if (!locals.staff || !canTriage(locals.staff)) return plainText('Only staff can export annotations.', 403);
  const format = url.searchParams.get('format');
  if (!isExportFormat(format)) return plainText('Choose the export format: format=csv or format=w3c (W3C Web Annotation JSON-LD).', 400);
  const { filter } = parseQueueView(url.searchParams);
  const result = await locals.app.reviewExport.exportAnnotations(filter, format);
  if (!result.ok) return plainText(result.message, result.error === 'not_found' ? 404 : 400);
  const { contentType, fileName, total, chunks } = result.value;
  return new Response(toByteStream(chunks), {
    headers: {
      'content-type': contentType,
      'content-disposition': `attachment; filename="${fileName}"`,
      'x-total-count': String(total),
    },
  });
};

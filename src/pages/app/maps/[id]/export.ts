import type { APIRoute } from 'astro';
import { serializeMapCsv } from '../../../../server/maps/map-csv.ts';
import { serializeMapJson } from '../../../../server/maps/map-format.ts';
import { notFound } from '../../../../server/http/not-found.ts';

/** A file name from the title that every browser and file system accepts. */
function toFileName(title: string): string {
  return title.normalize('NFKD').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'map';
}

export const GET: APIRoute = async ({ params, url, locals }) => {
  const format = url.searchParams.get('format') ?? 'json';
  if (format !== 'json' && format !== 'csv') return new Response('format must be json or csv', { status: 400 });
  const content = await locals.app.maps.getMapContent(params.id ?? '');
  if (!content) return notFound();
  const body = format === 'json' ? serializeMapJson(content) : serializeMapCsv(content);
  return new Response(body, {
    headers: {
      'content-type': format === 'json' ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${toFileName(content.title)}.${format}"`,
    },
  });
};

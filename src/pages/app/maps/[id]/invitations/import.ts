/**
 * CSV invitation upload with progress, for the upload island: the response streams one JSON
 * object per line — {"processed","total"} after each batch, then {"done": outcome} or
 * {"error": message}. Without JavaScript the page's form posts the same file to the
 * invitations.import action instead.
 */
import type { APIRoute } from 'astro';
import { INVITATION_CSV_MAX_BYTES } from '../../../../../server/invitations/invitations.ts';
import { canEditMaps } from '../../../../../server/staff/staff.ts';

export const POST: APIRoute = async ({ params, request, locals }) => {
  const staff = locals.staff;
  if (!staff || !canEditMaps(staff)) return new Response('Only editors and admins invite customers.', { status: 403 });
  const form = await request.formData().catch(() => null);
  const file = form?.get('file');
  const version = String(form?.get('version') ?? 'latest');
  if (!(file instanceof File) || file.size === 0) return Response.json({ error: 'Choose a CSV file.' }, { status: 400 });
  if (file.size > INVITATION_CSV_MAX_BYTES) return Response.json({ error: 'The file is larger than 5 MB.' }, { status: 413 });
  if (!/^(latest|\d{1,6})$/.test(version)) return Response.json({ error: 'Choose a version.' }, { status: 400 });
  const csv = await file.text();
  const encoder = new TextEncoder();

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (value: unknown) => controller.enqueue(encoder.encode(JSON.stringify(value) + '\n'));
      try {
        const result = await locals.app.invitations.importInvitations(
          { mapId: params.id ?? '', versionNumber: version === 'latest' ? null : Number(version), csv },
          staff.id,
          (progress) => send(progress),
        );
        send(result.ok ? { done: result.value } : { error: result.message });
      } catch {
        send({ error: 'The upload failed part-way; the rows reported so far were saved. Upload the file again to finish: people already invited are skipped.' });
      }
      controller.close();
    },
  });
  return new Response(stream, { headers: { 'content-type': 'application/x-ndjson; charset=utf-8', 'x-accel-buffering': 'no' } });
};

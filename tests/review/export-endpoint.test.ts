/**
 * The queue's download (src/pages/app/review/export.ts), called as Astro calls it, with a real
 * app and database. The middleware's /app guard is tested with the other guards; this checks
 * the route's own answers.
 */
import type { APIContext } from 'astro';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET } from '../../src/pages/app/review/export.ts';
import type { App } from '../../src/server/app.ts';
import { restoreFormula, splitCsvRecords } from '../../src/server/csv/csv.ts';
import type { StaffMember } from '../../src/server/staff/staff.ts';
import { createWebAnnotationValidator } from '../fixtures/w3c-web-annotation/validator.ts';
import { createTestApp, type TestClock } from '../helpers/database.ts';
import { publishSmallMap } from '../helpers/maps.ts';

let app: App;
let clock: TestClock;
let cleanup: () => Promise<void>;
let mapId: string;
let staff: StaffMember;

async function download(query: string, who: StaffMember | null = staff): Promise<Response> {
  const url = new URL(`http://localhost:4321/app/review/export${query}`);
  return GET({ url, locals: { app, staff: who } } as unknown as APIContext) as Promise<Response>;
}

beforeAll(async () => {
  ({ app, clock, cleanup } = await createTestApp());
  ({ mapId } = await publishSmallMap(app, { customerTitle: 'Onboarding' }));
  const created = await app.staff.create({ email: 'eddie@example.com', name: 'Eddie', role: 'editor', password: 'correct horse battery staple' });
  if (!created.ok) throw new Error(created.message);
  staff = created.value.member;
  const invitation = await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'dana@example.com', name: 'Dana' }, null);
  if (!invitation.ok) throw new Error(invitation.message);
  const session = await app.participants.continueWithLink(invitation.value.link.split('/m/i/')[1]!);
  if (!session.ok) throw new Error(session.message);
  const who = (await app.participants.validateSession(session.value.sessionToken))!;
  for (const [kind, text] of [['missing', '=1+1'], ['question', 'Why, "exactly"?']] as const) {
    clock.advance(1000);
    const created = await app.annotations.createAnnotation(who.participantId, invitation.value.id, { anchor: { kind: 'map' }, kind, text });
    if (!created.ok) throw new Error(created.message);
  }
});
afterAll(() => cleanup());

describe('GET /app/review/export', () => {
  it('downloads the filtered queue as CSV', async () => {
    const response = await download(`?format=csv&map=${mapId}&kind=missing`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="annotations-Internal-Onboarding-\d{4}-\d{2}-\d{2}\.csv"$/);
    const { records } = splitCsvRecords(await response.text());
    expect(records).toHaveLength(2);
    expect(restoreFormula(records[1]!.cells[records[0]!.cells.indexOf('text')]!)).toBe('=1+1');
  });

  it('downloads W3C Web Annotation JSON-LD that validates', async () => {
    const response = await download('?format=w3c');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="annotations-all-maps-\d{4}-\d{2}-\d{2}\.jsonld"$/);
    const doc = await response.json();
    const validator = createWebAnnotationValidator();
    expect(validator.validateCollection(doc)).toEqual([]);
    expect(doc.first.items.map((a: { motivation: string }) => a.motivation)).toEqual(['questioning', 'commenting']);
    for (const annotation of doc.first.items) expect(validator.validateAnnotation(annotation)).toEqual([]);
  });

  it('answers a bad format, filter or map with a clear message', async () => {
    for (const [query, status, message] of [
      ['', 400, 'Choose the export format: format=csv or format=w3c (W3C Web Annotation JSON-LD).\n'],
      ['?format=xlsx', 400, 'Choose the export format: format=csv or format=w3c (W3C Web Annotation JSON-LD).\n'],
      ['?format=csv&disposition=maybe', 400, '“maybe” is not a disposition.\n'],
      ['?format=csv&map=nope', 404, 'No map with id nope.\n'],
    ] as const) {
      const response = await download(query);
      expect(response.status, query).toBe(status);
      expect(await response.text()).toBe(message);
    }
  });

  it('is for active staff only', async () => {
    expect((await download('?format=csv', null)).status).toBe(403);
    expect((await download('?format=csv', { ...staff, isActive: false })).status).toBe(403);
  });
});

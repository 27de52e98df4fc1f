/**
 * Access control, as a matrix: a participant invited to map A only, with a valid session, asks
 * for everything else — map B's participant page, B's customer view, every staff page and the
 * actions staff use. Each must be refused (a redirect to sign in, or 401/403/404), and no
 * response may carry map B's customer wording or any map's internal text. Adding a route to
 * check is one line in ROUTES.
 *
 * Then the two session kinds do not stand in for each other: a staff session is no participant
 * session, and a participant's cookie under the staff cookie's name opens nothing.
 */
import { expect, request as playwrightRequest, test } from '@playwright/test';
import { ACCOUNTS, E2E_BASE_URL, signIn } from './fixtures.ts';
import { importAndPublish, inviteWithCli, outboxRowsTo, SAME_ORIGIN, uniqueId, waitForMailProcessed, withDatabase, type PublishedMap } from './portal-helpers.ts';

interface World {
  run: string;
  mapA: PublishedMap;
  mapB: PublishedMap;
  invitationA: string;
  invitationB: string;
  /** A revoked invitation to map B, for the restore action. */
  invitationRevoked: string;
  /** P_A's participant session cookie value. */
  participantCookie: string;
  /** The outbox email that carries P_B's personal link. */
  emailToB: string;
  /** A public card of map B, for the JSON edit action. */
  cardB: { id: string; revision: number; text: string };
}

/** Built once per worker: two published maps, P_A invited to A (with a session), P_B to B. */
let world: Promise<World> | null = null;
function setUp(): Promise<World> {
  world ??= (async () => {
    const run = uniqueId();
    const [mapA, mapB] = await Promise.all([importAndPublish(`acl-a-${run}`), importAndPublish(`acl-b-${run}`)]);
    const invA = await inviteWithCli({ mapId: mapA.mapId, email: `p-a-${run}@example.com`, name: 'Pat A', account: `Account A ${run}` });
    const invB = await inviteWithCli({ mapId: mapB.mapId, email: `p-b-${run}@example.com`, name: 'Pat B', account: `Account B ${run}` });
    const invRevoked = await inviteWithCli({ mapId: mapB.mapId, email: `p-revoked-${run}@example.com` });
    withDatabase((db) => db.prepare('UPDATE invitations SET revoked_at = ? WHERE id = ?').run(Date.now(), invRevoked.id));

    // P_A presses Continue on their link: the form post the confirm page makes.
    const api = await playwrightRequest.newContext({ baseURL: E2E_BASE_URL });
    const continued = await api.post(`${invA.path}?_action=portal.continueWithLink`, { form: { token: invA.token }, headers: SAME_ORIGIN, maxRedirects: 0 });
    expect(continued.status()).toBe(303);
    expect(continued.headers()['location']).toBe(`/m/maps/${invA.id}`);
    const cookie = (await api.storageState()).cookies.find((c) => c.name === 'gt_participant');
    expect(cookie, 'Continue sets the participant cookie').toBeDefined();
    await api.dispose();

    // P_B opens their map twice, so that its page is rendered and kept in the HTTP front's
    // page cache: P_A's request for it must be refused on the cached path too.
    const apiB = await playwrightRequest.newContext({ baseURL: E2E_BASE_URL });
    const continuedB = await apiB.post(`${invB.path}?_action=portal.continueWithLink`, { form: { token: invB.token }, headers: SAME_ORIGIN, maxRedirects: 0 });
    expect(continuedB.headers()['location']).toBe(`/m/maps/${invB.id}`);
    for (let i = 0; i < 2; i++) {
      const pageB = await apiB.get(`/m/maps/${invB.id}`, { maxRedirects: 0 });
      expect(pageB.status()).toBe(200);
      expect(await pageB.text()).toContain(mapB.texts.customerTitle);
    }
    await apiB.dispose();

    const [emailToB] = await waitForMailProcessed(`p-b-${run}@example.com`, 1);
    const cardB = withDatabase(
      (db) => db.prepare("SELECT id, revision, text FROM map_cards WHERE map_id = ? AND key = 'signup'").get(mapB.mapId) as World['cardB'],
    );
    return { run, mapA, mapB, invitationA: invA.id, invitationB: invB.id, invitationRevoked: invRevoked.id, participantCookie: cookie!.value, emailToB: emailToB!.id, cardB };
  })();
  return world;
}

/** Every string no refused response may carry: B's customer wording, and internal text of both. */
function forbiddenTexts(w: World): string[] {
  return [w.mapB.texts.customerTitle, w.mapB.texts.customerCard, ...w.mapB.texts.internal, ...w.mapA.texts.internal, `p-b-${w.run}@example.com`];
}

type Refusal = 'sign-in' | 'link' | 401 | 403 | 404;
interface Route {
  name: string;
  method: 'GET' | 'POST';
  path: (w: World) => string;
  /** A form body, or JSON body for the JSON actions. */
  form?: (w: World) => Record<string, string | { name: string; mimeType: string; buffer: Buffer }>;
  json?: (w: World) => unknown;
  /** Which refusals are right; any of them passes. */
  refusal: Refusal[];
  /** Afterwards: nothing changed. */
  unchanged?: (w: World) => void;
}

const STAFF_PAGE: Refusal[] = ['sign-in'];
const ACTION: Refusal[] = [401, 403];

const ROUTES: Route[] = [
  { name: "map B's participant page", method: 'GET', path: (w) => `/m/maps/${w.invitationB}`, refusal: [404, 'link'] },
  { name: "map B's version customer view", method: 'GET', path: (w) => `/m/versions/${w.mapB.versionId}`, refusal: [404, 'link'] },
  { name: "map A's version customer view (staff only)", method: 'GET', path: (w) => `/m/versions/${w.mapA.versionId}`, refusal: [404, 'link'] },
  { name: 'staff home', method: 'GET', path: () => '/app', refusal: STAFF_PAGE },
  { name: 'staff map list', method: 'GET', path: () => '/app/maps', refusal: STAFF_PAGE },
  { name: 'map A editor', method: 'GET', path: (w) => `/app/maps/${w.mapA.mapId}`, refusal: STAFF_PAGE },
  { name: 'map B editor', method: 'GET', path: (w) => `/app/maps/${w.mapB.mapId}`, refusal: STAFF_PAGE },
  { name: 'map A publish page', method: 'GET', path: (w) => `/app/maps/${w.mapA.mapId}/publish`, refusal: STAFF_PAGE },
  { name: 'map B publish page', method: 'GET', path: (w) => `/app/maps/${w.mapB.mapId}/publish`, refusal: STAFF_PAGE },
  { name: 'map A versions', method: 'GET', path: (w) => `/app/maps/${w.mapA.mapId}/versions`, refusal: STAFF_PAGE },
  { name: 'map B version 1', method: 'GET', path: (w) => `/app/maps/${w.mapB.mapId}/versions/1`, refusal: STAFF_PAGE },
  { name: 'map A invitations', method: 'GET', path: (w) => `/app/maps/${w.mapA.mapId}/invitations`, refusal: STAFF_PAGE },
  { name: 'map B invitations', method: 'GET', path: (w) => `/app/maps/${w.mapB.mapId}/invitations`, refusal: STAFF_PAGE },
  { name: 'map A JSON export', method: 'GET', path: (w) => `/app/maps/${w.mapA.mapId}/export?format=json`, refusal: STAFF_PAGE },
  { name: 'map B CSV export', method: 'GET', path: (w) => `/app/maps/${w.mapB.mapId}/export?format=csv`, refusal: STAFF_PAGE },
  { name: 'outbox', method: 'GET', path: () => '/app/outbox', refusal: STAFF_PAGE },
  { name: "the email with P_B's link", method: 'GET', path: (w) => `/app/outbox/${w.emailToB}`, refusal: STAFF_PAGE },
  { name: 'account page', method: 'GET', path: () => '/app/account', refusal: STAFF_PAGE },
  { name: 'admin: staff accounts', method: 'GET', path: () => '/app/admin/staff', refusal: STAFF_PAGE },
  { name: 'admin: leak terms', method: 'GET', path: () => '/app/admin/leak-terms', refusal: STAFF_PAGE },
  {
    name: 'CSV invitation upload endpoint',
    method: 'POST',
    path: (w) => `/app/maps/${w.mapA.mapId}/invitations/import`,
    form: (w) => ({ version: 'latest', file: { name: 'list.csv', mimeType: 'text/csv', buffer: Buffer.from(`email\nsneaky-upload-${w.run}@example.com\n`) } }),
    refusal: [...STAFF_PAGE, 403],
    unchanged: (w) => expect(invitationsTo(`sneaky-upload-${w.run}@example.com`)).toBe(0),
  },
  {
    name: 'maps.updateCard (JSON action) on map B',
    method: 'POST',
    path: () => '/_actions/maps.updateCard',
    json: (w) => ({ cardId: w.cardB.id, revision: w.cardB.revision, patch: { text: `hijacked ${w.run}`, visibility: 'public' } }),
    refusal: ACTION,
    unchanged: (w) => {
      const card = withDatabase((db) => db.prepare('SELECT text, revision FROM map_cards WHERE id = ?').get(w.cardB.id) as { text: string; revision: number });
      expect(card).toEqual({ text: w.cardB.text, revision: w.cardB.revision });
    },
  },
  {
    name: 'invitations.create on map A',
    method: 'POST',
    path: () => '/_actions/invitations.create',
    form: (w) => ({ mapId: w.mapA.mapId, version: 'latest', email: `sneaky-${w.run}@example.com`, expiresDays: '30' }),
    refusal: ACTION,
    unchanged: (w) => {
      expect(invitationsTo(`sneaky-${w.run}@example.com`)).toBe(0);
      expect(outboxRowsTo(`sneaky-${w.run}@example.com`)).toEqual([]);
    },
  },
  {
    name: "invitations.resend of P_B's invitation",
    method: 'POST',
    path: () => '/_actions/invitations.resend',
    form: (w) => ({ invitationId: w.invitationB }),
    refusal: ACTION,
    unchanged: (w) => expect(outboxRowsTo(`p-b-${w.run}@example.com`)).toHaveLength(1),
  },
  {
    name: "invitations.revoke of P_B's invitation",
    method: 'POST',
    path: () => '/_actions/invitations.revoke',
    // With the confirm step's field, so only the session can refuse it.
    form: (w) => ({ invitationId: w.invitationB, confirm: 'yes' }),
    refusal: ACTION,
    unchanged: (w) => {
      const row = withDatabase((db) => db.prepare('SELECT revoked_at FROM invitations WHERE id = ?').get(w.invitationB) as { revoked_at: number | null });
      expect(row.revoked_at).toBeNull();
    },
  },
  {
    name: 'invitations.restore of a revoked invitation to map B',
    method: 'POST',
    path: () => '/_actions/invitations.restore',
    form: (w) => ({ invitationId: w.invitationRevoked }),
    refusal: ACTION,
    unchanged: (w) => {
      const row = withDatabase((db) => db.prepare('SELECT revoked_at, token_version FROM invitations WHERE id = ?').get(w.invitationRevoked) as { revoked_at: number | null; token_version: number });
      expect(row).toMatchObject({ revoked_at: expect.any(Number), token_version: 1 });
      expect(outboxRowsTo(`p-revoked-${w.run}@example.com`)).toHaveLength(1);
    },
  },
  {
    name: 'publishing.publish of map B',
    method: 'POST',
    path: () => '/_actions/publishing.publish',
    form: (w) => ({ mapId: w.mapB.mapId, acknowledgeWarnings: 'on' }),
    refusal: ACTION,
    unchanged: (w) => expect(versionsOf(w.mapB.mapId)).toBe(1),
  },
  {
    name: 'maps.delete of map B',
    method: 'POST',
    path: () => '/_actions/maps.delete',
    // With the right confirmation (the internal title), so only the session can refuse it.
    form: (w) => ({ mapId: w.mapB.mapId, confirmTitle: w.mapB.texts.internal[0]! }),
    refusal: ACTION,
    unchanged: (w) => expect(withDatabase((db) => db.prepare('SELECT count(*) AS n FROM maps WHERE id = ?').get(w.mapB.mapId) as { n: number }).n).toBe(1),
  },
  {
    name: 'staff.create (admin action)',
    method: 'POST',
    path: () => '/_actions/staff.create',
    form: (w) => ({ name: 'Sneaky', email: `sneaky-admin-${w.run}@example.com`, role: 'admin' }),
    refusal: ACTION,
    unchanged: (w) => expect(withDatabase((db) => db.prepare('SELECT count(*) AS n FROM staff_users WHERE email = ?').get(`sneaky-admin-${w.run}@example.com`) as { n: number }).n).toBe(0),
  },
];

function invitationsTo(email: string): number {
  return withDatabase((db) => (db.prepare('SELECT count(*) AS n FROM invitations WHERE email = ?').get(email) as { n: number }).n);
}
function versionsOf(mapId: string): number {
  return withDatabase((db) => (db.prepare('SELECT count(*) AS n FROM map_versions WHERE map_id = ?').get(mapId) as { n: number }).n);
}

/** Does the response refuse in one of the allowed ways? Describes what it got otherwise. */
function describeRefusal(response: Answer, allowed: Refusal[]): Refusal | string {
  const status = response.status;
  const location = response.headers['location'] ?? '';
  if (status >= 300 && status < 400) {
    if (/^\/sign-in(\?|$)/.test(location) && allowed.includes('sign-in')) return 'sign-in';
    if (location === '/m/link' && allowed.includes('link')) return 'link';
    return `a ${status} redirect to ${location}`;
  }
  if (allowed.includes(status as Refusal)) return status as Refusal;
  return `status ${status}`;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request with exactly the given cookie and nothing kept between requests. */
async function send(w: World, route: Route, cookie: string): Promise<Answer> {
  const api = await playwrightRequest.newContext({ baseURL: E2E_BASE_URL });
  try {
    const headers = { ...SAME_ORIGIN, cookie };
    const path = route.path(w);
    const response =
      route.method === 'GET'
        ? await api.get(path, { headers, maxRedirects: 0 })
        : route.json
          ? await api.post(path, { headers: { ...headers, 'content-type': 'application/json' }, data: JSON.stringify(route.json(w)), maxRedirects: 0 })
          : await api.post(path, { headers, multipart: route.form?.(w) ?? {}, maxRedirects: 0 });
    return { status: response.status(), headers: response.headers(), body: await response.text() };
  } finally {
    await api.dispose();
  }
}

test.describe('a participant invited to map A only', () => {
  test('positive control: their cookie opens map A, and /m lists A but not B', async () => {
    const w = await setUp();
    const cookie = `gt_participant=${w.participantCookie}`;
    const mapPage = await send(w, { name: 'map A', method: 'GET', path: () => `/m/maps/${w.invitationA}`, refusal: [] }, cookie);
    expect(mapPage.status).toBe(200);
    const body = mapPage.body;
    expect(body).toContain(w.mapA.texts.customerTitle);
    expect(body).toContain(w.mapA.texts.customerCard);
    for (const text of forbiddenTexts(w)) expect(body, `map A's page carries "${text}"`).not.toContain(text);

    const home = await send(w, { name: '/m', method: 'GET', path: () => '/m', refusal: [] }, cookie);
    expect(home.status).toBe(200);
    const homeBody = home.body;
    expect(homeBody).toContain(w.mapA.texts.customerTitle);
    expect(homeBody).not.toContain(w.invitationB);
    for (const text of forbiddenTexts(w)) expect(homeBody, `/m carries "${text}"`).not.toContain(text);
  });

  for (const route of ROUTES) {
    test(`is refused ${route.method} ${route.name}`, async () => {
      const w = await setUp();
      const response = await send(w, route, `gt_participant=${w.participantCookie}`);
      expect(route.refusal, `${route.method} ${route.path(w)}`).toContain(describeRefusal(response, route.refusal));

      const headers = Object.entries(response.headers).map(([k, v]) => `${k}: ${v}`).join('\n');
      const text = `${headers}\n\n${response.body}`;
      const leaks = forbiddenTexts(w).filter((t) => text.includes(t) || text.includes(encodeURIComponent(t)));
      expect(leaks, `${route.method} ${route.path(w)} answered with:\n${text.slice(0, 2000)}`).toEqual([]);
      route.unchanged?.(w);
    });
  }
});

test('a staff session is not a participant session', async ({ page }) => {
  const w = await setUp();
  await signIn(page, ACCOUNTS.admin);
  for (const path of [`/m/maps/${w.invitationA}`, `/m/maps/${w.invitationB}`, '/m']) {
    const response = await page.request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(303);
    expect(response.headers()['location'], path).toBe('/m/link');
    const body = await response.text();
    expect(body).not.toContain(w.mapA.texts.customerTitle);
    expect(body).not.toContain(w.mapB.texts.customerTitle);
  }
  // The same staff session does open what staff may open: the test can fail.
  const staffPage = await page.request.get(`/app/maps/${w.mapB.mapId}`, { maxRedirects: 0 });
  expect(staffPage.status()).toBe(200);
});

test("a participant's cookie under the staff cookie's name opens nothing, nor the other way round", async ({ page }) => {
  const w = await setUp();
  for (const path of ['/app', `/app/maps/${w.mapB.mapId}`, `/app/maps/${w.mapA.mapId}/invitations`]) {
    const response = await send(w, { name: path, method: 'GET', path: () => path, refusal: STAFF_PAGE }, `gt_staff=${w.participantCookie}`);
    expect(describeRefusal(response, STAFF_PAGE), path).toBe('sign-in');
    expect(response.headers['set-cookie'] ?? '', 'the unknown staff cookie is cleared').toMatch(/gt_staff=;/);
  }
  const create = await send(w, ROUTES.find((r) => r.name === 'invitations.create on map A')!, `gt_staff=${w.participantCookie}`);
  expect(create.status).toBe(401);
  expect(invitationsTo(`sneaky-${w.run}@example.com`)).toBe(0);

  // A staff session's cookie under the participant cookie's name is no participant session.
  await signIn(page, ACCOUNTS.admin);
  const staffCookie = (await page.context().cookies()).find((c) => c.name === 'gt_staff');
  expect(staffCookie).toBeDefined();
  const swapped = await send(w, { name: 'map A', method: 'GET', path: () => `/m/maps/${w.invitationA}`, refusal: ['link'] }, `gt_participant=${staffCookie!.value}`);
  expect(describeRefusal(swapped, ['link'])).toBe('link');
  expect(swapped.body).not.toContain(w.mapA.texts.customerTitle);
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/app.ts';
import { serveParticipantFastLane } from '../../src/server/portal/customer-page-front.ts';
import { customerPageKey } from '../../src/server/portal/page-cache.ts';
import { createTestApp, type TestClock } from '../helpers/database.ts';
import { publishSmallMap } from '../helpers/maps.ts';

let app: App;
let clock: TestClock;
let cleanup: () => Promise<void>;
let server: http.Server;
let baseUrl: string;


beforeEach(async () => {
  ({ app, clock, cleanup } = await createTestApp());
  // The front on a real socket; whatever it does not answer gets a 418 from "Astro".
  server = http.createServer((req, res) => {
    const deps = { participants: app.participants, annotations: app.annotations, publicOrigin: 'http://localhost:4321' };
    void serveParticipantFastLane(deps, req, res).then((isServed) => {
      if (!isServed) res.writeHead(418).end('astro');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await cleanup();
});

async function openInvitation() {
  const { mapId } = await publishSmallMap(app);
  const invitation = await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'dana@example.com' }, null);
  if (!invitation.ok) throw new Error(invitation.message);
  const session = await app.participants.continueWithLink(invitation.value.link.split('/m/i/')[1]!);
  if (!session.ok) throw new Error(session.message);
  const who = (await app.participants.validateSession(session.value.sessionToken))!;
  const versionId = (await app.participants.getGrantedVersionId(who.participantId, invitation.value.id))!;
  const cookie = `gt_participant=${session.value.sessionToken}`;
  return { mapId, invitationId: invitation.value.id, versionId, cookie };
}

function renderInto(invitationId: string, versionId: string, body: string) {
  app.participants.pages.put(customerPageKey(invitationId, versionId), {
    status: 200,
    headers: new Headers({ 'content-type': 'text/html', 'set-cookie': 'must-not-be-cached=1', 'content-security-policy': "default-src 'self'" }),
    body: new TextEncoder().encode(body),
  });
}

describe('the HTTP front for customer pages', () => {
  it('answers a rendered page from memory for its participant, without cookies it was rendered with', async () => {
    const { invitationId, versionId, cookie } = await openInvitation();
    renderInto(invitationId, versionId, '<p>the page</p>');
    const response = await fetch(`${baseUrl}/m/maps/${invitationId}`, { headers: { cookie } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<p>the page</p>');
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(response.headers.get('content-security-policy')).toBe("default-src 'self'");
  });

  it('leaves everything else to Astro: no cookie, a wrong cookie, another path, a page not rendered yet', async () => {
    const { invitationId, versionId, cookie } = await openInvitation();
    expect((await fetch(`${baseUrl}/m/maps/${invitationId}`, { headers: { cookie } })).status).toBe(418);
    renderInto(invitationId, versionId, 'page');
    expect((await fetch(`${baseUrl}/m/maps/${invitationId}`)).status).toBe(418);
    expect((await fetch(`${baseUrl}/m/maps/${invitationId}`, { headers: { cookie: cookie.slice(0, -3) + 'abc' } })).status).toBe(418);
    expect((await fetch(`${baseUrl}/m/maps/${invitationId}?x=1`, { headers: { cookie } })).status).toBe(418);
    expect((await fetch(`${baseUrl}/m/maps/${invitationId}`, { method: 'POST', headers: { cookie } })).status).toBe(418);
  });

  it('stops serving the moment the invitation is revoked', async () => {
    const { invitationId, versionId, cookie } = await openInvitation();
    renderInto(invitationId, versionId, 'page');
    expect((await fetch(`${baseUrl}/m/maps/${invitationId}`, { headers: { cookie } })).status).toBe(200);
    await app.invitations.revokeInvitation(invitationId);
    expect((await fetch(`${baseUrl}/m/maps/${invitationId}`, { headers: { cookie } })).status).toBe(418);
    expect(app.participants.pages.size).toBe(0);
  });

  it('moves to a newly published version: the old page is not served for it', async () => {
    const { mapId, invitationId, versionId, cookie } = await openInvitation();
    renderInto(invitationId, versionId, 'version 1');
    await app.publishing.publish(mapId, { actor: { id: null, name: 'T' }, acknowledgeWarnings: false });
    expect((await fetch(`${baseUrl}/m/maps/${invitationId}`, { headers: { cookie } })).status).toBe(418);
  });

  it('stops serving when the invitation expires, and leaves a session due for renewal to Astro', async () => {
    const { invitationId, versionId, cookie } = await openInvitation();
    renderInto(invitationId, versionId, 'page');
    clock.advance(4 * 24 * 60 * 60 * 1000); // past half of the 7-day session
    expect((await fetch(`${baseUrl}/m/maps/${invitationId}`, { headers: { cookie } })).status).toBe(418);
    clock.advance(30 * 24 * 60 * 60 * 1000);
    expect((await fetch(`${baseUrl}/m/maps/${invitationId}`, { headers: { cookie } })).status).toBe(418);
  });
});

describe('the HTTP front for annotations', () => {
  const post = (path: string, headers: Record<string, string>, body: string) =>
    fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', ...headers }, body });

  it('saves a JSON annotation for the participant and answers 201 with security headers', async () => {
    const { invitationId, cookie } = await openInvitation();
    const response = await post(`/m/maps/${invitationId}/annotations`, { cookie }, JSON.stringify({ anchor: 'map', kind: 'missing', text: 'You forgot the invoice step' }));
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ kind: 'missing', text: 'You forgot the invoice step', isOwn: true });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await app.db.selectFrom('annotations').select('text').execute()).toEqual([{ text: 'You forgot the invoice step' }]);
  });

  it('answers bad input with a clear error and saves nothing', async () => {
    const { invitationId, cookie } = await openInvitation();
    expect((await post(`/m/maps/${invitationId}/annotations`, { cookie }, '{not json')).status).toBe(400);
    const tooLong = await post(`/m/maps/${invitationId}/annotations`, { cookie }, JSON.stringify({ anchor: 'map', kind: 'idea', text: 'x'.repeat(5001) }));
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({ error: 'invalid' });
    expect(await app.db.selectFrom('annotations').selectAll().execute()).toEqual([]);
  });

  it('leaves cross-site, cookieless and oversized posts to Astro', async () => {
    const { invitationId, cookie } = await openInvitation();
    const body = JSON.stringify({ anchor: 'map', kind: 'idea', text: 'x' });
    expect((await post(`/m/maps/${invitationId}/annotations`, { cookie, 'sec-fetch-site': 'cross-site' }, body)).status).toBe(418);
    expect((await post(`/m/maps/${invitationId}/annotations`, {}, body)).status).toBe(418);
    expect((await post(`/m/maps/${invitationId}/annotations`, { cookie }, 'x'.repeat(70_000))).status).toBe(418);
    expect(await app.db.selectFrom('annotations').selectAll().execute()).toEqual([]);
  });
});

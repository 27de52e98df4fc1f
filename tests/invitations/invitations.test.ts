import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/app.ts';
import { INVITATIONS_PER_HOUR_PER_STAFF, SINGLE_INVITATIONS_PER_HOUR_PER_STAFF } from '../../src/server/invitations/invitation-budget.ts';
import { NEW_LINK_REQUESTS_PER_CLIENT_PER_HOUR, NEW_LINKS_PER_ADDRESS_PER_HOUR } from '../../src/server/portal/participants.service.ts';
import { createTestApp, type TestClock } from '../helpers/database.ts';
import { buildSmallMap, publishSmallMap } from '../helpers/maps.ts';

let app: App;
let clock: TestClock;
let file: string;
let cleanup: () => Promise<void>;
let mapId: string;

const DAY = 24 * 60 * 60 * 1000;

async function publishedMap(title: string): Promise<string> {
  return (await publishSmallMap(app, { customerTitle: title })).mapId;
}

/** An email as its recipient gets it: kept by the development outbox (no Resend key), links filled in. */
async function emailAsDelivered(id: string) {
  await app.mail.deliverDue();
  return (await app.mail.get(id, { mayInvite: true }))!;
}

function tokenOf(link: string): string {
  return link.split('/m/i/')[1]!;
}

beforeEach(async () => {
  ({ app, clock, file, cleanup } = await createTestApp());
  mapId = await publishedMap('Your onboarding');
});
afterEach(() => cleanup());

describe('creating invitations', () => {
  it('writes the invitation and its email in one go, and returns the only copy of the link', async () => {
    const created = await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'Dana@Example.com', name: 'Dana', account: 'Northwind' }, null);
    if (!created.ok) throw new Error(created.message);
    expect(created.value.link).toMatch(/^http:\/\/localhost:4321\/m\/i\/[a-z2-9]{26}$/);
    const [invitation] = await app.invitations.listForMap(mapId);
    expect(invitation).toMatchObject({ email: 'dana@example.com', name: 'Dana', account: 'Northwind', state: 'queued' });
    const outbox = await app.db.selectFrom('email_outbox').selectAll().execute();
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ to_email: 'dana@example.com', kind: 'invitation', related_id: invitation!.id });
    // The stored email holds a stand-in; the link is filled in when it is sent or shown.
    expect(outbox[0]!.text).not.toContain(created.value.link);
    expect((await app.mail.get(outbox[0]!.id, { mayInvite: true }))!.text).not.toContain(tokenOf(created.value.link));
  });

  it('shows the personal link on the Outbox page only to editors and admins, and only where the outbox kept the email instead of sending it', async () => {
    const created = await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'dana@example.com' }, null);
    if (!created.ok) throw new Error(created.message);
    const token = tokenOf(created.value.link);
    const [row] = await app.db.selectFrom('email_outbox').select('id').execute();
    const shown = async (mayInvite: boolean) => (await app.mail.get(row!.id, { mayInvite }))!;
    // Waiting to be sent: nobody sees the link (it is on its way to its recipient).
    expect((await shown(true)).text).toContain('/m/i/personal-link-hidden');
    // No Resend key: the development outbox keeps it, and staff who invite pass the link on.
    expect(await app.mail.deliverDue()).toMatchObject({ kept: 1 });
    for (const part of ['text', 'html'] as const) {
      expect((await shown(true))[part]).toContain(created.value.link);
      expect((await shown(false))[part]).not.toContain(token);
      expect((await shown(false))[part]).toContain('/m/i/personal-link-hidden');
    }
    // Sent by Resend: it reached its recipient, so nobody else sees it.
    await app.db.updateTable('email_outbox').set({ status: 'sent' }).where('id', '=', row!.id).execute();
    expect((await shown(true)).text).not.toContain(token);
    expect((await shown(true)).html).not.toContain(token);
  });

  it('stores only a hash of the token: the raw token is nowhere in the invitation tables', async () => {
    const created = await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'dana@example.com' }, null);
    if (!created.ok) throw new Error(created.message);
    const token = tokenOf(created.value.link);
    const tables = JSON.stringify([
      await app.db.selectFrom('invitations').selectAll().execute(),
      await app.db.selectFrom('participants').selectAll().execute(),
    ]);
    expect(tables).not.toContain(token);
  });

  it('refuses bad input, unpublished maps and a second invitation of the same person, changing nothing', async () => {
    expect(await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'not-an-email' }, null)).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'a@example.com', expiresDays: 0 }, null)).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.invitations.createInvitation({ mapId, versionNumber: 7, email: 'a@example.com' }, null)).toMatchObject({ ok: false, error: 'not_published' });
    const draft = await app.maps.importMap(buildSmallMap({ customerTitle: 'Draft' }), null);
    expect(await app.invitations.createInvitation({ mapId: draft, versionNumber: null, email: 'a@example.com' }, null)).toMatchObject({ ok: false, error: 'not_published' });
    expect(await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'a@example.com' }, null)).toMatchObject({ ok: true });
    expect(await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'A@example.com' }, null)).toMatchObject({ ok: false, error: 'already_invited' });
    expect(await app.invitations.listForMap(mapId)).toHaveLength(1);
    expect(await app.db.selectFrom('email_outbox').selectAll().execute()).toHaveLength(1);
  });
});

describe('CSV upload', () => {
  const csv = [
    'email,name,company,segment,role',
    'ana@example.com,Ana,Acme,Enterprise,advisory board',
    'not-an-email,Bad,,,',
    'ben@example.com,Ben,"Beta, Inc.",SMB,recently onboarded',
    'ana@example.com,Ana again,,,',
  ].join('\n');

  it('invites every good row, reports every bad row with its line, and invites nobody twice on a second upload', async () => {
    const progress: number[] = [];
    const first = await app.invitations.importInvitations({ mapId, versionNumber: null, csv }, null, (p) => void progress.push(p.processed));
    if (!first.ok) throw new Error(first.message);
    expect(first.value.created).toBe(2);
    expect(first.value.problems).toEqual(['line 3: email "not-an-email" is not an email address', 'line 5: ana@example.com is already on line 2']);
    expect(progress.at(-1)).toBe(2);
    const second = await app.invitations.importInvitations({ mapId, versionNumber: null, csv }, null);
    if (!second.ok) throw new Error(second.message);
    expect(second.value.created).toBe(0);
    expect(second.value.skipped.sort()).toEqual(['ana@example.com', 'ben@example.com']);
    expect(await app.invitations.listForMap(mapId)).toHaveLength(2);
    expect(await app.db.selectFrom('email_outbox').selectAll().execute()).toHaveLength(2);
    const ben = (await app.invitations.listForMap(mapId)).find((i) => i.email === 'ben@example.com');
    expect(ben).toMatchObject({ account: 'Beta, Inc.', segment: 'SMB', role: 'recently onboarded' });
  });

  it('handles 10,000 rows in batches with progress', async () => {
    const rows = ['email,name'];
    for (let i = 0; i < 10_000; i++) rows.push(`person${i}@example.com,Person ${i}`);
    const updates: number[] = [];
    const result = await app.invitations.importInvitations({ mapId, versionNumber: null, csv: rows.join('\n') }, null, (p) => void updates.push(p.processed));
    expect(result).toMatchObject({ ok: true, value: { created: 10_000, problems: [] } });
    expect(updates.length).toBeGreaterThan(10);
    expect(updates.at(-1)).toBe(10_000);
  }, 60_000);
});

describe('participant access', () => {
  async function invite(email: string, map = mapId, days?: number) {
    const created = await app.invitations.createInvitation({ mapId: map, versionNumber: null, email, expiresDays: days }, null);
    if (!created.ok) throw new Error(created.message);
    return { id: created.value.id, token: tokenOf(created.value.link) };
  }

  it('inspecting a link changes nothing; continuing opens a session and keeps the link valid', async () => {
    const { id, token } = await invite('dana@example.com');
    expect(await app.participants.inspectLink(token)).toMatchObject({ status: 'valid', title: 'Your onboarding' });
    expect(await app.db.selectFrom('participant_sessions').selectAll().execute()).toHaveLength(0);
    expect((await app.invitations.get(id))!.state).toBe('queued');
    const first = await app.participants.continueWithLink(token);
    const second = await app.participants.continueWithLink(token);
    expect(first.ok && second.ok).toBe(true);
    expect((await app.invitations.get(id))!.state).toBe('opened');
    if (!first.ok) return;
    const who = await app.participants.validateSession(first.value.sessionToken);
    expect(who).toMatchObject({ email: 'dana@example.com', invitationId: id });
  });

  it('grants only the invited maps', async () => {
    const other = await publishedMap('Renewal');
    const dana = await invite('dana@example.com');
    const ed = await invite('ed@example.com', other);
    const session = await app.participants.continueWithLink(dana.token);
    if (!session.ok) throw new Error(session.message);
    const who = (await app.participants.validateSession(session.value.sessionToken))!;
    expect((await app.participants.listGrants(who.participantId)).map((g) => g.title)).toEqual(['Your onboarding']);
    expect(await app.participants.getGrantedVersionId(who.participantId, dana.id)).not.toBeNull();
    expect(await app.participants.getGrantedVersionId(who.participantId, ed.id)).toBeNull();
  });

  it('refuses an expired link and ends access when the invitation expires', async () => {
    const { id, token } = await invite('dana@example.com', mapId, 2);
    const session = await app.participants.continueWithLink(token);
    if (!session.ok) throw new Error(session.message);
    clock.advance(2 * DAY + 1);
    expect(await app.participants.inspectLink(token)).toMatchObject({ status: 'expired' });
    expect(await app.participants.continueWithLink(token)).toMatchObject({ ok: false, error: 'expired' });
    const who = await app.participants.validateSession(session.value.sessionToken);
    expect(await app.participants.getGrantedVersionId(who!.participantId, id)).toBeNull();
  });

  it('revoking ends the person’s sessions at once', async () => {
    const { id, token } = await invite('dana@example.com');
    const session = await app.participants.continueWithLink(token);
    if (!session.ok) throw new Error(session.message);
    await app.invitations.revokeInvitation(id);
    expect(await app.participants.validateSession(session.value.sessionToken)).toBeNull();
    expect(await app.participants.inspectLink(token)).toMatchObject({ status: 'revoked' });
    expect(await app.participants.continueWithLink(token)).toMatchObject({ ok: false });
  });

  /** The link in the newest email of a kind, as its token. */
  async function tokenInNewestEmail(kind: string): Promise<string> {
    const row = (await app.db.selectFrom('email_outbox').select('id').where('kind', '=', kind).orderBy('created_at', 'desc').execute())[0]!;
    return (await emailAsDelivered(row.id)).text!.match(/\/m\/i\/([a-z2-9]{26})/)![1]!;
  }

  it('sends the link again only to the invited address, with the same answer for strangers, and the original link keeps working', async () => {
    const { id, token } = await invite('dana@example.com');
    const session = await app.participants.continueWithLink(token);
    if (!session.ok) throw new Error(session.message);
    const before = await app.invitations.get(id);
    const forEmail = await app.participants.requestNewLink({ email: 'Dana@example.com', clientAddress: '1' });
    const forStranger = await app.participants.requestNewLink({ email: 'stranger@example.com', clientAddress: '2' });
    expect(forEmail).toEqual(forStranger);
    const newLinks = await app.db.selectFrom('email_outbox').selectAll().where('kind', '=', 'new_link').execute();
    expect(newLinks).toHaveLength(1);
    expect(newLinks[0]).toMatchObject({ to_email: 'dana@example.com', subject: 'Your link to “Your onboarding”' });
    // The same link as in the invitation, still valid, with the same expiry; the session stays.
    expect(await tokenInNewestEmail('new_link')).toBe(token);
    const text = (await emailAsDelivered(newLinks[0]!.id)).text!;
    expect(text).toContain('It is the same link as in your earlier emails, and it still works.');
    expect(text).not.toContain('no longer works');
    expect(await app.participants.inspectLink(token)).toMatchObject({ status: 'valid' });
    expect(await app.participants.continueWithLink(token)).toMatchObject({ ok: true });
    expect(await app.participants.validateSession(session.value.sessionToken)).not.toBeNull();
    const after = await app.invitations.get(id);
    expect(after).toMatchObject({ expiresAt: before!.expiresAt, sendCount: 2 });
    expect((await app.db.selectFrom('invitations').select('token_version').where('id', '=', id).executeTakeFirstOrThrow()).token_version).toBe(1);
  });

  it('asking for a link from an expired one sends a new link with a fresh expiry; the expired link stays dead', async () => {
    const { id, token } = await invite('dana@example.com', mapId, 1);
    clock.advance(2 * DAY);
    await app.participants.requestNewLink({ token, clientAddress: '1' });
    const fresh = await tokenInNewestEmail('new_link');
    expect(fresh).not.toBe(token);
    expect(await app.participants.inspectLink(fresh)).toMatchObject({ status: 'valid' });
    // Extending the old token instead would let anyone holding a copy of it revive it by asking.
    expect(await app.participants.inspectLink(token)).toMatchObject({ status: 'unknown' });
    expect(await app.participants.continueWithLink(token)).toMatchObject({ ok: false });
    expect((await app.invitations.get(id))!.expiresAt).toBe(clock.now() + 30 * DAY);
    const subjects = (await app.db.selectFrom('email_outbox').select('subject').where('kind', '=', 'new_link').execute()).map((r) => r.subject);
    expect(subjects).toEqual(['Your new link to “Your onboarding”']);
  });

  it('only staff retire a working link: a resend from the Invitations page does, a participant’s request does not', async () => {
    const { id, token } = await invite('dana@example.com');
    await app.participants.requestNewLink({ email: 'dana@example.com', clientAddress: 'a' });
    await app.participants.requestNewLink({ token, clientAddress: 'b' });
    expect(await app.participants.inspectLink(token)).toMatchObject({ status: 'valid' });
    const resent = await app.invitations.resendInvitation(id);
    if (!resent.ok) throw new Error(resent.message);
    expect(await app.participants.inspectLink(token)).toMatchObject({ status: 'unknown' });
    expect(await app.participants.inspectLink(tokenOf(resent.value.link))).toMatchObject({ status: 'valid' });
    // A participant asking now gets the staff's new link, not the retired one.
    clock.advance(1000);
    await app.participants.requestNewLink({ email: 'dana@example.com', clientAddress: 'c' });
    expect(await tokenInNewestEmail('new_link')).toBe(tokenOf(resent.value.link));
  });

  it('a link asked for on a live session’s join page leads back there, and nowhere else', async () => {
    await invite('dana@example.com');
    await app.participants.requestNewLink({ email: 'dana@example.com', next: '/m/live/abc234def5', clientAddress: 'a' });
    await app.participants.requestNewLink({ email: 'dana@example.com', next: 'https://evil.example/m/live/x', clientAddress: 'b' });
    const texts: string[] = [];
    for (const r of await app.db.selectFrom('email_outbox').select('id').where('kind', '=', 'new_link').orderBy('created_at').execute()) texts.push((await emailAsDelivered(r.id)).text!);
    const [toSession, toElsewhere] = texts;
    expect(toSession).toMatch(/\/m\/i\/[a-z2-9]{26}\?next=%2Fm%2Flive%2Fabc234def5/);
    expect(toElsewhere).toMatch(/\/m\/i\/[a-z2-9]{26}(?!\?)/);
    expect(toElsewhere).not.toContain('next=');
  });

  it('rate limits new-link requests per address', async () => {
    await invite('dana@example.com');
    for (let i = 0; i < NEW_LINKS_PER_ADDRESS_PER_HOUR + 2; i++) await app.participants.requestNewLink({ email: 'dana@example.com', clientAddress: `c${i}` });
    const newLinks = await app.db.selectFrom('email_outbox').selectAll().where('kind', '=', 'new_link').execute();
    expect(newLinks).toHaveLength(NEW_LINKS_PER_ADDRESS_PER_HOUR);
  });

  it('lets a whole meeting room behind one address ask for their links, and stops a client that asks without end', async () => {
    const room = Array.from({ length: 25 }, (_, i) => `board-${i}@example.com`);
    for (const email of room) await invite(email);
    for (const email of room) expect(await app.participants.requestNewLink({ email, clientAddress: 'meeting-room' })).toMatchObject({ ok: true });
    expect(await app.db.selectFrom('email_outbox').select('id').where('kind', '=', 'new_link').execute()).toHaveLength(room.length);
    for (let i = room.length; i < NEW_LINK_REQUESTS_PER_CLIENT_PER_HOUR; i++) await app.participants.requestNewLink({ email: `nobody-${i}@example.com`, clientAddress: 'meeting-room' });
    expect(await app.participants.requestNewLink({ email: room[0]!, clientAddress: 'meeting-room' })).toMatchObject({ ok: false, error: 'rate_limited' });
    expect(await app.participants.requestNewLink({ email: room[0]!, clientAddress: 'elsewhere' })).toMatchObject({ ok: true });
    clock.advance(60 * 60 * 1000);
    expect(await app.participants.requestNewLink({ email: room[1]!, clientAddress: 'meeting-room' })).toMatchObject({ ok: true });
  });

  it('keeps the raw token out of the database file itself, outbox included', async () => {
    const fs = await import('node:fs');
    const { token } = await invite('dana@example.com');
    await app.mail.deliverDue(10);
    await app.db.destroy();
    const files = [file, `${file}-wal`].filter((f) => fs.existsSync(f));
    const bytes = Buffer.concat(files.map((f) => fs.readFileSync(f)));
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.includes(Buffer.from(token))).toBe(false);
    expect(bytes.includes(Buffer.from('dana@example.com'))).toBe(true); // the check reads real content
  });
});

describe('listing links', () => {
  it('gives the current link of every invitation that is not revoked, and each link opens its invitation', async () => {
    const a = await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'a@example.com' }, null);
    const b = await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'b@example.com' }, null);
    if (!a.ok || !b.ok) throw new Error('invite failed');
    await app.invitations.revokeInvitation(b.value.id);
    const resent = await app.invitations.resendInvitation(a.value.id);
    if (!resent.ok) throw new Error(resent.message);
    const links = await app.invitations.listLinks(mapId);
    expect(links).toEqual([{ id: a.value.id, email: 'a@example.com', link: resent.value.link }]);
    expect(await app.participants.inspectLink(tokenOf(links[0]!.link))).toMatchObject({ status: 'valid' });
    expect(await app.participants.inspectLink(tokenOf(a.value.link))).toMatchObject({ status: 'unknown' });
  });
});

describe('closing remarks (staff only)', () => {
  async function participantOf(map: string, email: string) {
    const created = await app.invitations.createInvitation({ mapId: map, versionNumber: null, email, name: email.split('@')[0] }, null);
    if (!created.ok) throw new Error(created.message);
    const session = await app.participants.continueWithLink(tokenOf(created.value.link));
    if (!session.ok) throw new Error(session.message);
    const who = (await app.participants.validateSession(session.value.sessionToken))!;
    return { invitationId: created.value.id, participantId: who.participantId };
  }

  it('lists what participants said at the end of this map’s review, newest first, leaving out empty ones and other maps', async () => {
    const other = await publishedMap('Renewal');
    const ana = await participantOf(mapId, 'ana@example.com');
    const ben = await participantOf(mapId, 'ben@example.com');
    const cy = await participantOf(mapId, 'cy@example.com');
    const elsewhere = await participantOf(other, 'ana@example.com');
    expect(await app.annotations.finishReview(ana.participantId, ana.invitationId, 'Thanks for asking.\nCall me <b>any</b> time.')).toMatchObject({ ok: true });
    clock.advance(1000);
    expect(await app.annotations.finishReview(ben.participantId, ben.invitationId, 'Security review is missing.')).toMatchObject({ ok: true });
    expect(await app.annotations.finishReview(cy.participantId, cy.invitationId, '   \n ')).toMatchObject({ ok: true });
    expect(await app.annotations.finishReview(elsewhere.participantId, elsewhere.invitationId, 'About the other map')).toMatchObject({ ok: true });

    const remarks = await app.invitations.listClosingRemarks(mapId);
    expect(remarks.map((r) => [r.email, r.text, r.versionNumber])).toEqual([
      ['ben@example.com', 'Security review is missing.', 1],
      ['ana@example.com', 'Thanks for asking.\nCall me <b>any</b> time.', 1],
    ]);
    expect(remarks[1]).toMatchObject({ invitationId: ana.invitationId, name: 'ana' });
    // Finishing again replaces the remark for that version.
    clock.advance(1000);
    await app.annotations.finishReview(ana.participantId, ana.invitationId, 'Changed my mind: all good.');
    expect((await app.invitations.listClosingRemarks(mapId)).map((r) => r.text)).toEqual(['Changed my mind: all good.', 'Security review is missing.']);
  });
});

describe('revoking and restoring access', () => {
  async function editor(email = 'eddie@example.com') {
    const created = await app.staff.create({ email, name: email.split('@')[0]!, role: 'editor', password: 'correct horse battery staple' });
    if (!created.ok) throw new Error(created.message);
    return created.value.member.id;
  }
  async function invite(email: string, actorId: string | null = null) {
    const created = await app.invitations.createInvitation({ mapId, versionNumber: null, email, name: 'Dana', account: 'Northwind' }, actorId);
    if (!created.ok) throw new Error(created.message);
    return { id: created.value.id, token: tokenOf(created.value.link) };
  }
  async function tokenInNewestInvitationEmailTo(email: string): Promise<string> {
    const row = (await app.db.selectFrom('email_outbox').select('id').where('kind', '=', 'invitation').where('to_email', '=', email).orderBy('created_at', 'desc').execute())[0]!;
    return (await emailAsDelivered(row.id)).text!.match(/\/m\/i\/([a-z2-9]{26})/)![1]!;
  }

  it('restoring sends a new link by email; the revoked link stays dead, and the history keeps both changes and who made them', async () => {
    const eddie = await editor();
    const { id, token } = await invite('dana@example.com', eddie);
    const session = await app.participants.continueWithLink(token);
    if (!session.ok) throw new Error(session.message);
    const who = (await app.participants.validateSession(session.value.sessionToken))!;
    await app.annotations.finishReview(who.participantId, id, 'Great map.');

    expect(await app.invitations.revokeInvitation(id, eddie)).toEqual({ ok: true, value: true });
    expect(await app.participants.inspectLink(token)).toMatchObject({ status: 'revoked' });
    clock.advance(60_000);
    const restored = await app.invitations.restoreInvitation(id, eddie);
    if (!restored.ok) throw new Error(restored.message);

    const fresh = tokenOf(restored.value.link);
    expect(fresh).not.toBe(token);
    expect(await app.participants.inspectLink(token)).toMatchObject({ status: 'unknown' });
    expect(await app.participants.continueWithLink(token)).toMatchObject({ ok: false });
    expect(await app.participants.validateSession(session.value.sessionToken), 'the session from before stays ended').toBeNull();
    expect(await app.participants.inspectLink(fresh)).toMatchObject({ status: 'valid' });
    expect(await tokenInNewestInvitationEmailTo('dana@example.com')).toBe(fresh);
    expect(await app.db.selectFrom('email_outbox').select('kind').where('to_email', '=', 'dana@example.com').execute()).toEqual([{ kind: 'invitation' }, { kind: 'invitation' }]);

    // One invitation, as it was, with what the person said before and its history.
    const [view] = await app.invitations.listForMap(mapId);
    expect(view).toMatchObject({ id, name: 'Dana', account: 'Northwind', expiresAt: clock.now() + 30 * DAY });
    expect(view!.state).not.toBe('revoked');
    expect(view!.accessChanges).toEqual([
      { action: 'revoked', at: clock.now() - 60_000 },
      { action: 'restored', at: clock.now() },
    ]);
    expect((await app.db.selectFrom('invitation_history').select(['action', 'actor_id']).orderBy('created_at').execute())).toEqual([
      { action: 'revoked', actor_id: eddie },
      { action: 'restored', actor_id: eddie },
    ]);
    expect((await app.invitations.listClosingRemarks(mapId)).map((r) => r.text)).toEqual(['Great map.']);
    const again = await app.participants.continueWithLink(fresh);
    expect(again).toMatchObject({ ok: true, value: { invitationId: id } });
  });

  it('inviting a revoked address again restores that invitation with the details given', async () => {
    const first = await invite('dana@example.com');
    await app.invitations.revokeInvitation(first.id);
    await publishSmallMap(app, { customerTitle: 'Other map' }); // another map's version 1 must not matter
    const again = await app.invitations.createInvitation({ mapId, versionNumber: 1, email: 'DANA@example.com', account: 'Northwind Europe', expiresDays: 7 }, null);
    if (!again.ok) throw new Error(again.message);
    expect(again.value).toMatchObject({ id: first.id, isRestored: true });
    const invitations = await app.invitations.listForMap(mapId);
    expect(invitations).toHaveLength(1);
    // Details given replace the old ones; those left empty keep theirs.
    expect(invitations[0]).toMatchObject({ name: 'Dana', account: 'Northwind Europe', versionNumber: 1, expiresAt: clock.now() + 7 * DAY });
    expect(await app.participants.inspectLink(first.token)).toMatchObject({ status: 'unknown' });
    expect(await app.participants.inspectLink(tokenOf(again.value.link))).toMatchObject({ status: 'valid' });
    // Someone with access is still "already invited".
    expect(await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'dana@example.com' }, null)).toMatchObject({ ok: false, error: 'already_invited' });
  });

  it('restores only what is revoked, and revoking twice is one revocation', async () => {
    const { id } = await invite('dana@example.com');
    expect(await app.invitations.restoreInvitation(id)).toMatchObject({ ok: false, error: 'not_revoked' });
    expect(await app.invitations.restoreInvitation('nope')).toMatchObject({ ok: false, error: 'not_found' });
    await app.invitations.revokeInvitation(id);
    await app.invitations.revokeInvitation(id);
    expect(await app.db.selectFrom('invitation_history').select('action').execute()).toEqual([{ action: 'revoked' }]);
    expect(await app.db.selectFrom('email_outbox').select('id').execute()).toHaveLength(1);
  });

  it('a CSV upload does not give a revoked person access back: it skips them and says who', async () => {
    const { id, token } = await invite('dana@example.com');
    await app.invitations.revokeInvitation(id);
    const result = await app.invitations.importInvitations({ mapId, versionNumber: null, csv: 'email\ndana@example.com\nben@example.com' }, null);
    expect(result).toMatchObject({ ok: true, value: { created: 1, skipped: [], skippedRevoked: ['dana@example.com'] } });
    expect(await app.participants.inspectLink(token)).toMatchObject({ status: 'revoked' });
    expect((await app.invitations.get(id))!.state).toBe('revoked');
  });
});

describe('staff members’ allowance of invitation emails', () => {
  const HOUR = 60 * 60 * 1000;
  async function editor(email: string) {
    const created = await app.staff.create({ email, name: email.split('@')[0]!, role: 'editor', password: 'correct horse battery staple' });
    if (!created.ok) throw new Error(created.message);
    return created.value.member.id;
  }
  const outboxCount = async () => (await app.db.selectFrom('email_outbox').select('id').execute()).length;

  it(`allows ${SINGLE_INVITATIONS_PER_HOUR_PER_STAFF} invitations one at a time an hour; beyond, invite, resend and restore are refused and change nothing`, async () => {
    const eddie = await editor('eddie@example.com');
    const first = await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'first@example.com' }, eddie);
    if (!first.ok) throw new Error(first.message);
    const revoked = await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'revoked@example.com' }, eddie);
    if (!revoked.ok) throw new Error(revoked.message);
    await app.invitations.revokeInvitation(revoked.value.id, eddie);
    for (let i = 2; i < SINGLE_INVITATIONS_PER_HOUR_PER_STAFF; i++) {
      expect(await app.invitations.createInvitation({ mapId, versionNumber: null, email: `p${i}@example.com` }, eddie)).toMatchObject({ ok: true });
    }
    // An invitation that is refused for another reason costs nothing.
    expect(await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'first@example.com' }, eddie)).toMatchObject({ error: 'already_invited' });
    const invitations = (await app.invitations.listForMap(mapId)).length;
    const emails = await outboxCount();

    const refused = await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'one-too-many@example.com' }, eddie);
    expect(refused).toMatchObject({ ok: false, error: 'rate_limited' });
    if (!refused.ok) expect(refused.message).toBe(`You sent ${SINGLE_INVITATIONS_PER_HOUR_PER_STAFF} invitation emails one at a time in the last hour, the most allowed. Try again in 60 minutes. To invite many people, upload a CSV file.`);
    expect(await app.invitations.resendInvitation(first.value.id, eddie)).toMatchObject({ ok: false, error: 'rate_limited' });
    expect(await app.invitations.restoreInvitation(revoked.value.id, eddie)).toMatchObject({ ok: false, error: 'rate_limited' });
    expect((await app.invitations.listForMap(mapId)).length).toBe(invitations);
    expect(await outboxCount()).toBe(emails);
    expect(await app.participants.inspectLink(tokenOf(first.value.link))).toMatchObject({ status: 'valid' });
    expect((await app.invitations.get(revoked.value.id))!.state).toBe('revoked');

    // Another staff member, and the command line, have their own.
    const ada = await editor('ada@example.com');
    expect(await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'by-ada@example.com' }, ada)).toMatchObject({ ok: true });
    expect(await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'by-cli@example.com' }, null)).toMatchObject({ ok: true });
    // An hour later, Eddie may again.
    clock.advance(HOUR);
    expect(await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'one-too-many@example.com' }, eddie)).toMatchObject({ ok: true });
  });

  it('takes a CSV file of 10,000 rows, then refuses a file that does not fit the rest of the hour whole, writing nothing', async () => {
    const eddie = await editor('eddie@example.com');
    const file = (prefix: string, rows: number) => ['email', ...Array.from({ length: rows }, (_, i) => `${prefix}${i}@example.com`)].join('\n');
    expect(await app.invitations.importInvitations({ mapId, versionNumber: null, csv: file('a', 10_000) }, eddie)).toMatchObject({ ok: true, value: { created: 10_000 } });
    // Single invitations come out of the same allowance of rows.
    expect(await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'single@example.com' }, eddie)).toMatchObject({ ok: true });
    const left = INVITATIONS_PER_HOUR_PER_STAFF - 10_001;
    const emails = await outboxCount();

    const refused = await app.invitations.importInvitations({ mapId, versionNumber: null, csv: file('b', left + 1) }, eddie);
    expect(refused).toMatchObject({ ok: false, error: 'rate_limited' });
    if (!refused.ok) {
      expect(refused.message).toBe(
        `Nobody was invited: this file would invite ${(left + 1).toLocaleString('en')} people, and you can invite ${left.toLocaleString('en')} more people this hour (at most ${INVITATIONS_PER_HOUR_PER_STAFF.toLocaleString('en')} an hour). Try again in 60 minutes, or upload a shorter file.`,
      );
    }
    expect(await outboxCount()).toBe(emails);
    expect((await app.invitations.listForMap(mapId)).length).toBe(10_001);
    // Rows already invited cost nothing: the first file again is not refused.
    expect(await app.invitations.importInvitations({ mapId, versionNumber: null, csv: file('a', 10_000) }, eddie)).toMatchObject({ ok: true, value: { created: 0 } });
  }, 60_000);
});

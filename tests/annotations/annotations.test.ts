import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/app.ts';
import { formatAnchor, parseAnchor, type Anchor } from '../../src/server/annotations/annotations.ts';
import type { JourneyMapContent } from '../../src/server/maps/maps.ts';
import type { PublishedSnapshot } from '../../src/server/portal/snapshot.ts';
import { createTestApp, type TestClock } from '../helpers/database.ts';

const naughtyStrings = createRequire(import.meta.url)('big-list-of-naughty-strings/blns.json') as string[];

let app: App;
let clock: TestClock;
let cleanup: () => Promise<void>;
let mapId: string;
let snapshot: PublishedSnapshot;

const content: JourneyMapContent = {
  title: 'Internal',
  customerTitle: 'Your journey',
  description: null,
  segment: null,
  persona: null,
  lifecycle: null,
  internalNotes: null,
  stages: [
    { key: 'a', name: 'Start', customerName: null, description: null, visibility: 'public', momentOfTruth: false },
    { key: 'b', name: 'Middle', customerName: null, description: null, visibility: 'public', momentOfTruth: false },
    { key: 'c', name: 'End', customerName: null, description: null, visibility: 'public', momentOfTruth: false },
  ],
  lanes: [{ key: 'l', name: 'Actions', customerName: null, kind: 'actions', visibility: 'public' }],
  cards: [{ key: 'k', stage: 'a', lane: 'l', text: 'Signs up', customerText: null, visibility: 'public', emotion: null, owner: null, notes: null }],
};

async function participant(email: string) {
  const invitation = await app.invitations.createInvitation({ mapId, versionNumber: null, email, name: email.split('@')[0] }, null);
  if (!invitation.ok) throw new Error(invitation.message);
  const session = await app.participants.continueWithLink(invitation.value.link.split('/m/i/')[1]!);
  if (!session.ok) throw new Error(session.message);
  const who = (await app.participants.validateSession(session.value.sessionToken))!;
  return { participantId: who.participantId, invitationId: invitation.value.id };
}

beforeEach(async () => {
  ({ app, clock, cleanup } = await createTestApp());
  mapId = await app.maps.importMap(content, null);
  const published = await app.publishing.publish(mapId, { actor: { id: null, name: 'T' }, acknowledgeWarnings: false });
  if (!published.ok) throw new Error(published.message);
  snapshot = (await app.portal.getPublishedVersion(published.value.versionId))!.snapshot;
});
afterEach(() => cleanup());

describe('anchors', () => {
  it('round-trip through the form format and refuse junk', () => {
    const anchors: Anchor[] = [{ kind: 'map' }, { kind: 'stage', stage: 's1' }, { kind: 'lane', lane: 'l1' }, { kind: 'card', card: 'c1' }, { kind: 'gap', stage: 's1', nextStage: 's2' }];
    for (const anchor of anchors) expect(parseAnchor(formatAnchor(anchor))).toEqual(anchor);
    for (const junk of ['', 'stage', 'stage:', 'stage:A B', 'gap:s1', 'card:c1:extra', 'table:x', 'stage:<script>']) expect(parseAnchor(junk)).toBeNull();
  });

  it('must point at something the version shows; a gap only between neighbouring stages', async () => {
    const dana = await participant('dana@example.com');
    const [a, b, c] = snapshot.stages.map((s) => s.key);
    const write = (anchor: Anchor) => app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor, kind: 'missing', text: 'x' });
    expect(await write({ kind: 'gap', stage: a!, nextStage: b! })).toMatchObject({ ok: true });
    expect(await write({ kind: 'gap', stage: a!, nextStage: c! })).toMatchObject({ ok: false, error: 'invalid' });
    expect(await write({ kind: 'card', card: 'k' })).toMatchObject({ ok: false, error: 'invalid' }); // the internal key
    expect(await write({ kind: 'card', card: snapshot.cards[0]!.key })).toMatchObject({ ok: true });
  });
});

describe('writing annotations', () => {
  it('stores every naughty string byte for byte', async () => {
    const dana = await participant('dana@example.com');
    const texts = naughtyStrings.filter((t) => t.trim() !== '');
    for (const [index, text] of texts.entries()) {
      clock.advance(3_000); // stay under the per-minute limit
      const created = await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text });
      expect(created, `string ${index}`).toMatchObject({ ok: true });
    }
    const stored = await app.db.selectFrom('annotations').select('text').orderBy('created_at').execute();
    expect(stored.map((r) => r.text)).toEqual(texts);
  }, 60_000);

  it('refuses empty, too long and out-of-range input with a clear message, saving nothing', async () => {
    const dana = await participant('dana@example.com');
    const write = (input: object) => app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'missing', text: 'ok', ...input });
    expect(await write({ text: '   ' })).toMatchObject({ ok: false, error: 'invalid', message: 'Write what you want to tell the team.' });
    expect(await write({ text: '😀'.repeat(5001) })).toMatchObject({ ok: false, error: 'invalid' });
    expect(await write({ text: '😀'.repeat(5000) })).toMatchObject({ ok: true });
    expect(await write({ kind: 'rant' })).toMatchObject({ ok: false, error: 'invalid' });
    expect(await write({ felt: 3 })).toMatchObject({ ok: false, error: 'invalid' });
    expect(await write({ importance: 0 })).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.db.selectFrom('annotations').selectAll().execute()).toHaveLength(1);
  });

  it('allows 30 a minute per participant, then asks them to wait, keeping nothing half-saved', async () => {
    const dana = await participant('dana@example.com');
    for (let i = 0; i < 30; i++) expect(await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: `idea ${i}` })).toMatchObject({ ok: true });
    expect(await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'one more' })).toMatchObject({ ok: false, error: 'rate_limited' });
    expect(await app.db.selectFrom('annotations').selectAll().execute()).toHaveLength(30);
    clock.advance(60_001);
    expect(await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'one more' })).toMatchObject({ ok: true });
  });

  it('marks the invitation as responded', async () => {
    const dana = await participant('dana@example.com');
    await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'x' });
    expect((await app.invitations.get(dana.invitationId))!.state).toBe('responded');
  });

  it('lets the author edit and withdraw until the team triages it', async () => {
    const dana = await participant('dana@example.com');
    const created = await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'first' });
    if (!created.ok) throw new Error(created.message);
    const edited = await app.annotations.updateAnnotation(dana.participantId, dana.invitationId, created.value.id, created.value.revision, { kind: 'missing', text: 'second' });
    expect(edited).toMatchObject({ ok: true, value: { text: 'second', kind: 'missing' } });
    expect(await app.annotations.updateAnnotation(dana.participantId, dana.invitationId, created.value.id, created.value.revision, { kind: 'idea', text: 'stale' })).toMatchObject({ ok: false, error: 'conflict' });
    await app.db.updateTable('annotations').set({ disposition: 'accepted' }).where('id', '=', created.value.id).execute();
    expect(await app.annotations.withdrawAnnotation(dana.participantId, dana.invitationId, created.value.id)).toMatchObject({ ok: false, error: 'locked' });
  });

  it('never lets one participant touch another’s annotation', async () => {
    const dana = await participant('dana@example.com');
    const ed = await participant('ed@example.com');
    const created = await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'mine' });
    if (!created.ok) throw new Error(created.message);
    expect(await app.annotations.withdrawAnnotation(ed.participantId, ed.invitationId, created.value.id)).toMatchObject({ ok: false, error: 'not_found' });
    expect(await app.annotations.withdrawAnnotation(ed.participantId, dana.invitationId, created.value.id)).toMatchObject({ ok: false, error: 'forbidden' });
    expect(await app.annotations.updateAnnotation(ed.participantId, ed.invitationId, created.value.id, 1, { kind: 'idea', text: 'theirs now' })).toMatchObject({ ok: false });
  });

  it('refuses everything once the invitation is revoked', async () => {
    const dana = await participant('dana@example.com');
    await app.invitations.revokeInvitation(dana.invitationId);
    expect(await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'x' })).toMatchObject({ ok: false, error: 'forbidden' });
  });
});

describe('private and shared feedback', () => {
  it('private (the default): each participant sees only their own', async () => {
    const dana = await participant('dana@example.com');
    const ed = await participant('ed@example.com');
    await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'dana says' });
    const forEd = await app.annotations.listForParticipant(ed.participantId, ed.invitationId);
    expect(forEd).toMatchObject({ own: [], others: [], settings: { mode: 'private' } });
  });

  it('shared: others see approved annotations without names, and +1 them once', async () => {
    await app.annotations.saveFeedbackSettings(mapId, { mode: 'shared', requiresApproval: true, showsNames: false });
    const dana = await participant('dana@example.com');
    const ed = await participant('ed@example.com');
    const created = await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'pain_point', text: 'slow' });
    if (!created.ok) throw new Error(created.message);
    expect(created.value.isAwaitingApproval).toBe(true);
    expect((await app.annotations.listForParticipant(ed.participantId, ed.invitationId))!.others).toEqual([]);
    await app.db.updateTable('annotations').set({ moderation: 'approved' }).execute();
    const others = (await app.annotations.listForParticipant(ed.participantId, ed.invitationId))!.others;
    expect(others).toMatchObject([{ text: 'slow', authorName: null, votes: 0, hasVoted: false, isOwn: false, isEditable: false }]);
    const changes: string[] = [];
    app.annotations.onChanged((change) => changes.push(change.change));
    expect(await app.annotations.voteForAnnotation(ed.participantId, ed.invitationId, created.value.id)).toMatchObject({ ok: true, value: { votes: 1 } });
    expect(await app.annotations.voteForAnnotation(ed.participantId, ed.invitationId, created.value.id)).toMatchObject({ ok: true, value: { votes: 1 } });
    // The repeated +1 changed nothing, so no screen is told of a change.
    expect(changes).toEqual(['voted']);
    expect(await app.annotations.voteForAnnotation(dana.participantId, dana.invitationId, created.value.id)).toMatchObject({ ok: false, error: 'invalid' });
    expect((await app.annotations.listForParticipant(ed.participantId, ed.invitationId))!.others[0]).toMatchObject({ votes: 1, hasVoted: true });
  });

  it('shared without approval shows annotations at once, with names when the team allows them', async () => {
    await app.annotations.saveFeedbackSettings(mapId, { mode: 'shared', requiresApproval: false, showsNames: true });
    const dana = await participant('dana@example.com');
    const ed = await participant('ed@example.com');
    await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'works_well', text: 'great' });
    expect((await app.annotations.listForParticipant(ed.participantId, ed.invitationId))!.others).toMatchObject([{ text: 'great', authorName: 'dana' }]);
  });
});

describe('approved words stay as approved', () => {
  async function approvedBy(annotationId: string) {
    const made = await app.staff.create({ email: 'rita@example.com', name: 'Rita', role: 'reviewer', password: 'correct horse battery staple' });
    if (!made.ok) throw new Error(made.message);
    const approved = await app.review.moderate(made.value.member, annotationId, 1, 'approved');
    if (!approved.ok) throw new Error(approved.message);
  }

  it('shared with approval: the author can neither edit nor withdraw an approved comment, and nothing others see changes', async () => {
    await app.annotations.saveFeedbackSettings(mapId, { mode: 'shared', requiresApproval: true, showsNames: false });
    const dana = await participant('dana@example.com');
    const ed = await participant('ed@example.com');
    const created = await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'stage', stage: snapshot.stages[0]!.key }, kind: 'pain_point', text: 'Signing up is slow' });
    if (!created.ok) throw new Error(created.message);
    await approvedBy(created.value.id);
    const approved = (await app.annotations.listForParticipant(dana.participantId, dana.invitationId))!.own[0]!;
    expect(approved).toMatchObject({ isEditable: false, isAwaitingApproval: false });
    const changes: string[] = [];
    app.annotations.onChanged((change) => changes.push(change.change));

    for (const input of [
      { kind: 'pain_point', text: 'Visit evil.example for a refund' },
      { kind: 'idea', text: 'Signing up is slow' },
      { kind: 'pain_point', text: 'Signing up is slow', anchor: { kind: 'map' } as const },
    ]) {
      const edit = await app.annotations.updateAnnotation(dana.participantId, dana.invitationId, created.value.id, approved.revision, input);
      expect(edit).toMatchObject({ ok: false, error: 'locked' });
      expect(!edit.ok && edit.message).toMatch(/already approved this comment, so it can no longer be changed/);
    }
    expect(await app.annotations.withdrawAnnotation(dana.participantId, dana.invitationId, created.value.id)).toMatchObject({ ok: false, error: 'locked' });

    const row = await app.db.selectFrom('annotations').selectAll().where('id', '=', created.value.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ text: 'Signing up is slow', kind: 'pain_point', anchor_kind: 'stage', moderation: 'approved', is_withdrawn: 0, revision: approved.revision });
    expect((await app.annotations.listForParticipant(ed.participantId, ed.invitationId))!.others).toMatchObject([{ text: 'Signing up is slow' }]);
    expect(changes).toEqual([]);
  });

  it('private feedback: an approved comment is one the team has looked at, so it is locked too', async () => {
    const dana = await participant('dana@example.com');
    const created = await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'first' });
    if (!created.ok) throw new Error(created.message);
    await approvedBy(created.value.id);
    expect(await app.annotations.updateAnnotation(dana.participantId, dana.invitationId, created.value.id, 2, { kind: 'idea', text: 'second' })).toMatchObject({ ok: false, error: 'locked' });
    // Switching to shared with approval later shows the words the team approved, not others.
    await app.annotations.saveFeedbackSettings(mapId, { mode: 'shared', requiresApproval: true, showsNames: false });
    expect((await app.annotations.listForParticipant(dana.participantId, dana.invitationId))!.own).toMatchObject([{ text: 'first', isEditable: false }]);
  });

  it('shared without approval: nothing changes, the author edits and withdraws as before and others are told', async () => {
    await app.annotations.saveFeedbackSettings(mapId, { mode: 'shared', requiresApproval: false, showsNames: false });
    const dana = await participant('dana@example.com');
    const ed = await participant('ed@example.com');
    const created = await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'first' });
    if (!created.ok) throw new Error(created.message);
    expect(created.value.isEditable).toBe(true);
    const changes: { change: string; isVisibleToOthers: boolean }[] = [];
    app.annotations.onChanged(({ change, isVisibleToOthers }) => changes.push({ change, isVisibleToOthers }));
    expect(await app.annotations.updateAnnotation(dana.participantId, dana.invitationId, created.value.id, 1, { kind: 'idea', text: 'second' })).toMatchObject({ ok: true, value: { text: 'second', isEditable: true } });
    expect((await app.annotations.listForParticipant(ed.participantId, ed.invitationId))!.others).toMatchObject([{ text: 'second' }]);
    expect(await app.annotations.withdrawAnnotation(dana.participantId, dana.invitationId, created.value.id)).toMatchObject({ ok: true });
    expect(changes).toEqual([
      { change: 'updated', isVisibleToOthers: true },
      { change: 'withdrawn', isVisibleToOthers: true },
    ]);
  });
});

describe('a budget for changes', () => {
  it('allows 60 edits, withdrawals and +1s a minute per participant, then asks them to wait, changing and announcing nothing', async () => {
    await app.annotations.saveFeedbackSettings(mapId, { mode: 'shared', requiresApproval: false, showsNames: false });
    const dana = await participant('dana@example.com');
    const ed = await participant('ed@example.com');
    const mine = await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'edit 0' });
    const spare = await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'to withdraw' });
    if (!mine.ok || !spare.ok) throw new Error('not written');
    const edsIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const made = await app.annotations.createAnnotation(ed.participantId, ed.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: `ed ${i}` });
      if (!made.ok) throw new Error(made.message);
      edsIds.push(made.value.id);
    }
    let changes = 0;
    app.annotations.onChanged(() => changes++);

    // 58 edits, a +1 each on two of Ed's, and that is the minute's 60.
    let revision = 1;
    for (let i = 1; i <= 58; i++) {
      const edited = await app.annotations.updateAnnotation(dana.participantId, dana.invitationId, mine.value.id, revision, { kind: 'idea', text: `edit ${i}` });
      if (!edited.ok) throw new Error(`edit ${i}: ${edited.message}`);
      revision = edited.value.revision;
    }
    for (const id of edsIds.slice(0, 2)) expect(await app.annotations.voteForAnnotation(dana.participantId, dana.invitationId, id)).toMatchObject({ ok: true });
    expect(changes).toBe(60);

    const edit = await app.annotations.updateAnnotation(dana.participantId, dana.invitationId, mine.value.id, revision, { kind: 'idea', text: 'edit 59' });
    expect(edit).toMatchObject({ ok: false, error: 'rate_limited' });
    expect(!edit.ok && edit.message).toMatch(/^That is a lot of changes in a minute\. Wait 60 seconds and save it again; your text is still here\.$/);
    expect(await app.annotations.withdrawAnnotation(dana.participantId, dana.invitationId, spare.value.id)).toMatchObject({ ok: false, error: 'rate_limited' });
    expect(await app.annotations.voteForAnnotation(dana.participantId, dana.invitationId, edsIds[2]!)).toMatchObject({ ok: false, error: 'rate_limited' });
    // Closing remarks come out of the same budget, and a refused one is not saved.
    expect(await app.annotations.finishReview(dana.participantId, dana.invitationId, 'closing words')).toMatchObject({ ok: false, error: 'rate_limited' });
    expect(await app.annotations.getClosing(dana.participantId, dana.invitationId)).toBeNull();
    expect(changes).toBe(60);
    const rows = await app.db.selectFrom('annotations').select(['id', 'text', 'is_withdrawn']).where('participant_id', '=', dana.participantId).execute();
    expect(rows.find((r) => r.id === mine.value.id)).toMatchObject({ text: 'edit 58' });
    expect(rows.find((r) => r.id === spare.value.id)).toMatchObject({ is_withdrawn: 0 });
    const others = (await app.annotations.listForParticipant(dana.participantId, dana.invitationId))!.others;
    expect(Object.fromEntries(others.map((a) => [a.id, a.hasVoted]))).toEqual({ [edsIds[0]!]: true, [edsIds[1]!]: true, [edsIds[2]!]: false });

    // Writing something new has its own budget; another participant has theirs.
    expect(await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'still heard' })).toMatchObject({ ok: true });
    expect(await app.annotations.voteForAnnotation(ed.participantId, ed.invitationId, mine.value.id)).toMatchObject({ ok: true });

    clock.advance(60_001);
    expect(await app.annotations.updateAnnotation(dana.participantId, dana.invitationId, mine.value.id, revision, { kind: 'idea', text: 'edit 59' })).toMatchObject({ ok: true });
    expect(await app.annotations.withdrawAnnotation(dana.participantId, dana.invitationId, spare.value.id)).toMatchObject({ ok: true });
  });
});

describe('many participants at once', () => {
  it('commits concurrent annotations together, every one of them, each acknowledged after it is stored', async () => {
    const people = await Promise.all(Array.from({ length: 20 }, (_, i) => participant(`p${i}@example.com`)));
    const results = await Promise.all(
      people.flatMap((p) => Array.from({ length: 5 }, (_, j) => app.annotations.createAnnotation(p.participantId, p.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: `${p.participantId} ${j}` }))),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const stored = await app.db.selectFrom('annotations').select('text').execute();
    expect(stored).toHaveLength(100);
    for (const p of people) expect((await app.invitations.get(p.invitationId))!.state).toBe('responded');
  });
});

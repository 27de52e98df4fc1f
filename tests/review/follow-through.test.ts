import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/app.ts';
import type { Anchor } from '../../src/server/annotations/annotations.ts';
import type { JourneyMapContent } from '../../src/server/maps/maps.ts';
import { toPublishedKey } from '../../src/server/publishing/opaque-keys.ts';
import { findAppliedVersion } from '../../src/server/review/follow-through.ts';
import type { ReviewActor } from '../../src/server/review/review.service.ts';
import { createTestApp, type TestClock } from '../helpers/database.ts';

let app: App;
let clock: TestClock;
let cleanup: () => Promise<void>;
let mapId: string;
let reviewer: ReviewActor;
let editor: ReviewActor;

const content: JourneyMapContent = {
  title: 'Internal onboarding',
  customerTitle: 'Getting started',
  description: null,
  segment: null,
  persona: null,
  lifecycle: null,
  internalNotes: 'INTERNAL-MAP-NOTE',
  stages: [
    { key: 'a', name: 'Sign up', customerName: null, description: null, visibility: 'public', momentOfTruth: false },
    { key: 'b', name: 'First payroll', customerName: null, description: null, visibility: 'public', momentOfTruth: false },
  ],
  lanes: [
    { key: 'n', name: 'Team notes', customerName: null, kind: 'notes', visibility: 'public' },
    { key: 'l', name: 'Actions', customerName: null, kind: 'actions', visibility: 'public' },
  ],
  cards: [
    { key: 'k', stage: 'a', lane: 'l', text: 'Creates an account', customerText: null, visibility: 'public', emotion: null, owner: null, notes: null },
    { key: 'k2', stage: 'a', lane: 'l', text: 'Confirms email', customerText: null, visibility: 'public', emotion: null, owner: null, notes: null },
  ],
};

async function staff(email: string, role: string): Promise<ReviewActor> {
  const created = await app.staff.create({ email, name: email.split('@')[0]!, role, password: 'correct horse battery staple' });
  if (!created.ok) throw new Error(created.message);
  return created.value.member;
}

async function participant(email: string) {
  const invitation = await app.invitations.createInvitation({ mapId, versionNumber: null, email, name: email.split('@')[0] }, null);
  if (!invitation.ok) throw new Error(invitation.message);
  const session = await app.participants.continueWithLink(invitation.value.link.split('/m/i/')[1]!);
  if (!session.ok) throw new Error(session.message);
  const who = (await app.participants.validateSession(session.value.sessionToken))!;
  return { participantId: who.participantId, invitationId: invitation.value.id, email };
}
type Person = Awaited<ReturnType<typeof participant>>;

async function annotate(who: Person, text: string, anchor: Anchor = { kind: 'map' }, kind = 'missing') {
  clock.advance(1000);
  const created = await app.annotations.createAnnotation(who.participantId, who.invitationId, { anchor, kind, text });
  if (!created.ok) throw new Error(created.message);
  return created.value.id;
}

async function revision(id: string): Promise<number> {
  return (await app.review.getItem(id))!.item.revision;
}

async function accept(id: string): Promise<number> {
  const decided = await app.review.decide(reviewer, id, await revision(id), 'accepted');
  if (!decided.ok) throw new Error(decided.message);
  return decided.value.revision;
}

async function publish(actor: { id: string | null; name: string } = { id: editor.id, name: editor.name }) {
  const published = await app.publishing.publish(mapId, { actor, acknowledgeWarnings: true });
  if (!published.ok) throw new Error(published.message);
  return published.value;
}

async function makePublic(cardId: string, patch: { customerText?: string | null; owner?: string | null; notes?: string | null } = {}) {
  const card = (await app.maps.getEditableMap(mapId))!.cards.find((c) => c.id === cardId)!;
  const updated = await app.maps.updateCard(cardId, card.revision, { visibility: 'public', ...patch });
  if (!updated.ok) throw new Error(updated.message);
}

async function ourEmails() {
  return app.db.selectFrom('email_outbox').selectAll().where('kind', '=', 'you_said_we_did').orderBy('to_email').execute();
}

const cardKey = (key: string) => ({ kind: 'card' as const, card: toPublishedKey(mapId, 'card', key) });

beforeEach(async () => {
  ({ app, clock, cleanup } = await createTestApp());
  mapId = await app.maps.importMap(content, null);
  const published = await app.publishing.publish(mapId, { actor: { id: null, name: 'T' }, acknowledgeWarnings: true });
  if (!published.ok) throw new Error(published.message);
  reviewer = await staff('rita@example.com', 'reviewer');
  editor = await staff('eddie@example.com', 'editor');
});
afterEach(() => cleanup());

describe('a draft card from an accepted “missing” item', () => {
  it('puts an internal draft right after the card the customer pointed at, linked back, with history', async () => {
    const dana = await participant('dana@example.com');
    const id = await annotate(dana, 'You forgot the IT approval step', cardKey('k'));
    const before = await accept(id);
    const made = await app.followThrough.createDraftCard(editor, id, before);
    expect(made).toMatchObject({ ok: true, value: { mapId, isNew: true } });
    const cardId = made.ok ? made.value.cardId : '';

    const map = (await app.maps.getEditableMap(mapId))!;
    const card = map.cards.find((c) => c.id === cardId)!;
    expect(card).toMatchObject({ text: 'You forgot the IT approval step', visibility: 'internal', sourceAnnotationId: id, stageId: map.stages[0]!.id, laneId: map.lanes[1]!.id });
    expect(card.notes).toContain('Draft from customer feedback');
    // Right after "Creates an account", before "Confirms email".
    expect(map.cards.filter((c) => c.stageId === card.stageId && c.laneId === card.laneId).map((c) => c.text)).toEqual(['Creates an account', 'You forgot the IT approval step', 'Confirms email']);

    const detail = (await app.review.getItem(id))!;
    expect(detail.item.revision).toBe(before + 1);
    expect(detail.history.at(-1)).toMatchObject({ actorName: 'eddie', field: 'draft_card', from: null, to: cardId, reason: 'Right after the card they pointed at.' });
    expect(await app.followThrough.findDraftCard(id)).toEqual({ mapId, cardId, text: 'You forgot the IT approval step', isPublic: false });
  });

  it('makes one draft per annotation: a second call returns the first card', async () => {
    const dana = await participant('dana@example.com');
    const id = await annotate(dana, 'Missing: payroll export');
    const rev = await accept(id);
    const first = await app.followThrough.createDraftCard(editor, id, rev);
    const second = await app.followThrough.createDraftCard(editor, id, rev);
    expect(second).toEqual({ ok: true, value: { mapId, cardId: first.ok ? first.value.cardId : '', isNew: false } });
    const linked = await app.db.selectFrom('map_cards').select('id').where('source_annotation_id', '=', id).execute();
    expect(linked).toHaveLength(1);
    expect((await app.review.getItem(id))!.history.filter((h) => h.field === 'draft_card')).toHaveLength(1);
  });

  it('puts a gap’s draft in a new internal stage between the two stages', async () => {
    const dana = await participant('dana@example.com');
    const gap: Anchor = { kind: 'gap', stage: toPublishedKey(mapId, 'stage', 'a'), nextStage: toPublishedKey(mapId, 'stage', 'b') };
    const id = await annotate(dana, 'Waiting for IT to approve', gap);
    const made = await app.followThrough.createDraftCard(editor, id, await accept(id));
    expect(made.ok).toBe(true);
    const map = (await app.maps.getEditableMap(mapId))!;
    expect(map.stages.map((s) => [s.name, s.visibility])).toEqual([
      ['Sign up', 'public'],
      ['New step between Sign up and First payroll', 'internal'],
      ['First payroll', 'public'],
    ]);
    expect(map.cards.find((c) => c.sourceAnnotationId === id)).toMatchObject({ stageId: map.stages[1]!.id, laneId: map.lanes[1]!.id });
  });

  it('refuses reviewers, other kinds, undecided items and stale revisions, changing nothing', async () => {
    const dana = await participant('dana@example.com');
    const idea = await annotate(dana, 'An idea', { kind: 'map' }, 'idea');
    const missing = await annotate(dana, 'Something missing');
    expect(await app.followThrough.createDraftCard(editor, missing, 1)).toMatchObject({ ok: false, error: 'invalid', message: expect.stringContaining('Accept the item first') });
    expect(await app.followThrough.createDraftCard(editor, idea, await accept(idea))).toMatchObject({ ok: false, error: 'invalid', message: expect.stringContaining('missing') });
    const rev = await accept(missing);
    expect(await app.followThrough.createDraftCard(reviewer, missing, rev)).toMatchObject({ ok: false, error: 'forbidden' });
    expect(await app.followThrough.createDraftCard({ ...editor, isActive: false }, missing, rev)).toMatchObject({ ok: false, error: 'forbidden' });
    expect(await app.followThrough.createDraftCard(editor, missing, rev - 1)).toMatchObject({ ok: false, error: 'conflict' });
    expect(await app.followThrough.createDraftCard(editor, 'no-such-item', 1)).toMatchObject({ ok: false, error: 'not_found' });
    expect(await app.followThrough.createDraftCard(editor, 'x'.repeat(65), 1)).toMatchObject({ ok: false, error: 'not_found' });
    expect((await app.maps.getEditableMap(mapId))!.cards).toHaveLength(2);
    expect(await revision(missing)).toBe(rev);
  });

  it('rolls back the new stage when the card cannot be made', async () => {
    const dana = await participant('dana@example.com');
    const gap: Anchor = { kind: 'gap', stage: toPublishedKey(mapId, 'stage', 'a'), nextStage: toPublishedKey(mapId, 'stage', 'b') };
    const id = await annotate(dana, 'Waiting for IT', gap);
    const rev = await accept(id);
    // Fill the map to its card limit.
    const map = (await app.maps.getEditableMap(mapId))!;
    const filler = Array.from({ length: 4998 }, (_, i) => ({ id: `f${i}`, map_id: mapId, key: `f${i}`, stage_id: map.stages[1]!.id, lane_id: map.lanes[1]!.id, position: i, text: 'x', customer_text: null, visibility: 'public' as const, emotion: null, owner: null, notes: null }));
    for (let i = 0; i < filler.length; i += 200) await app.db.insertInto('map_cards').values(filler.slice(i, i + 200)).execute();
    expect(await app.followThrough.createDraftCard(editor, id, rev)).toMatchObject({ ok: false, error: 'invalid', message: expect.stringContaining('at most 5000 cards') });
    expect((await app.maps.getEditableMap(mapId))!.stages).toHaveLength(2);
    expect(await revision(id)).toBe(rev);
  });
});

describe('applied on publish: you said, we did', () => {
  it('marks the item applied and emails author, +1s and merged reporters once each, with their own words and the published card', async () => {
    await app.annotations.saveFeedbackSettings(mapId, { mode: 'shared', requiresApproval: false, showsNames: false });
    const dana = await participant('dana@example.com');
    const ed = await participant('ed@example.com');
    const fay = await participant('fay@example.com');
    const gus = await participant('gus@example.com');
    const hal = await participant('hal@example.com');
    const original = await annotate(dana, 'Nobody asks IT for approval', cardKey('k'));
    const duplicate = await annotate(ed, 'IT approval is missing (ED-OWN-WORDS)', cardKey('k'));
    await app.annotations.voteForAnnotation(fay.participantId, fay.invitationId, original);
    await app.annotations.voteForAnnotation(ed.participantId, ed.invitationId, original); // a reporter who also +1'd: once
    await app.annotations.voteForAnnotation(gus.participantId, gus.invitationId, original);
    await app.annotations.voteForAnnotation(hal.participantId, hal.invitationId, original);
    expect(await app.review.markDuplicate(reviewer, duplicate, 1, original)).toMatchObject({ ok: true });
    await app.review.assignOwner(reviewer, original, await revision(original), reviewer.id);
    await app.review.addNote(reviewer, original, 'INTERNAL-REVIEW-NOTE');
    await app.review.addTag(reviewer, original, 'secret-tag');
    await app.invitations.revokeInvitation(gus.invitationId);
    await app.db.updateTable('invitations').set({ delivery_status: 'bounced' }).where('id', '=', hal.invitationId).execute();

    const made = await app.followThrough.createDraftCard(editor, original, await accept(original));
    const cardId = made.ok ? made.value.cardId : '';
    await makePublic(cardId, { customerText: 'Your IT team approves the account', owner: 'INTERNAL-OWNER', notes: 'INTERNAL-CARD-NOTE' });
    const outboxBefore = (await app.db.selectFrom('email_outbox').select('id').execute()).length;
    clock.advance(60_000);
    const { version } = await publish();

    const detail = (await app.review.getItem(original))!;
    expect(detail.item.disposition).toBe('applied');
    expect(detail.history.at(-1)).toMatchObject({ actorId: editor.id, actorName: 'eddie', field: 'disposition', from: 'accepted', to: 'applied', reason: `Published in version ${version}.` });
    // The item page reads the applying version back from this history entry.
    expect(findAppliedVersion(detail.history)).toBe(version);

    const emails = await ourEmails();
    expect(emails.map((e) => e.to_email)).toEqual(['dana@example.com', 'ed@example.com', 'fay@example.com']);
    expect((await app.db.selectFrom('email_outbox').select('id').execute()).length).toBe(outboxBefore + 3);
    const [toDana, toEd, toFay] = emails;
    expect(toDana!.subject).toBe('You said, we did: “Getting started”');
    expect(toDana!.related_id).toBe(original);
    for (const email of emails) {
      for (const body of [email.html!, email.text!]) {
        expect(body).toContain('Your IT team approves the account');
        expect(body).toContain('Sign up');
        for (const secret of ['INTERNAL', 'You forgot', 'Draft from customer feedback', 'secret-tag', 'rita', 'eddie', 'Internal onboarding', 'Team notes']) expect(body).not.toContain(secret);
      }
    }
    expect(toDana!.text).toContain('> Nobody asks IT for approval');
    expect(toDana!.text).not.toContain('ED-OWN-WORDS');
    expect(toEd!.text).toContain('> IT approval is missing (ED-OWN-WORDS)');
    expect(toEd!.text).not.toContain('Nobody asks IT');
    // Fay only +1'd: she is not shown Dana's words.
    expect(toFay!.text).toContain('You agreed (+1)');
    expect(toFay!.text).not.toContain('Nobody asks IT');
    expect(toFay!.text).not.toContain('ED-OWN-WORDS');
    // Each links to the person's own invitation through its stand-in, filled in when sent.
    expect(toDana!.text).toContain(`/m/i/gt-link-${dana.invitationId}-1`);
    expect(toFay!.html).toContain(`/m/i/gt-link-${fay.invitationId}-1`);
    await app.mail.deliverDue();
    const shown = await app.mail.get(toDana!.id, { mayInvite: true });
    expect(shown!.text).not.toContain('gt-link-');
    expect(shown!.text).toMatch(/\/m\/i\/[a-z2-9]{26}/);
  });

  it('sends nothing again on the next publish', async () => {
    const dana = await participant('dana@example.com');
    const id = await annotate(dana, 'Missing step');
    const made = await app.followThrough.createDraftCard(editor, id, await accept(id));
    await makePublic(made.ok ? made.value.cardId : '');
    await publish();
    expect(await ourEmails()).toHaveLength(1);
    await app.maps.updateMapDetails(mapId, (await app.maps.getEditableMap(mapId))!.revision, { customerTitle: 'Getting started, again' });
    await publish();
    expect(await ourEmails()).toHaveLength(1);
    expect((await app.review.getItem(id))!.history.filter((h) => h.to === 'applied')).toHaveLength(1);
  });

  it('does not apply a draft that redaction leaves out, until it is published', async () => {
    const dana = await participant('dana@example.com');
    const id = await annotate(dana, 'Missing step');
    const made = await app.followThrough.createDraftCard(editor, id, await accept(id));
    await publish(); // the draft is still internal
    expect((await app.review.getItem(id))!.item.disposition).toBe('accepted');
    expect(await ourEmails()).toHaveLength(0);
    // A public card in an always-internal lane is left out too.
    const map = (await app.maps.getEditableMap(mapId))!;
    const cardId = made.ok ? made.value.cardId : '';
    await app.maps.moveCard(cardId, { stageId: map.stages[0]!.id, laneId: map.lanes[0]!.id });
    await makePublic(cardId);
    await publish();
    expect((await app.review.getItem(id))!.item.disposition).toBe('accepted');
    await app.maps.moveCard(cardId, { stageId: map.stages[0]!.id, laneId: map.lanes[1]!.id });
    await publish();
    expect((await app.review.getItem(id))!.item.disposition).toBe('applied');
    expect(await ourEmails()).toHaveLength(1);
  });

  it('leaves items that are no longer accepted alone, and records a command-line publisher by name', async () => {
    const dana = await participant('dana@example.com');
    const declined = await annotate(dana, 'Declined later');
    const applied = await annotate(dana, 'Applied');
    for (const id of [declined, applied]) {
      const made = await app.followThrough.createDraftCard(editor, id, await accept(id));
      await makePublic(made.ok ? made.value.cardId : '');
    }
    await app.review.decide(reviewer, declined, await revision(declined), 'declined', { reason: 'Not for now' });
    await publish({ id: null, name: 'Command line' });
    expect((await app.review.getItem(declined))!.item.disposition).toBe('declined');
    expect((await app.review.getItem(applied))!.history.at(-1)).toMatchObject({ actorId: null, actorName: 'Command line', to: 'applied' });
    expect(await ourEmails()).toHaveLength(1);
  });

  it('publishes nothing and sends nothing when a step in the publish transaction fails', async () => {
    const dana = await participant('dana@example.com');
    const id = await annotate(dana, 'Missing step');
    const made = await app.followThrough.createDraftCard(editor, id, await accept(id));
    await makePublic(made.ok ? made.value.cardId : '');
    app.publishing.onPublishing(async () => {
      throw new Error('disk full');
    });
    await expect(app.publishing.publish(mapId, { actor: { id: null, name: 'T' }, acknowledgeWarnings: true })).rejects.toThrow('disk full');
    expect(await app.publishing.listVersions(mapId)).toHaveLength(1);
    expect((await app.review.getItem(id))!.item.disposition).toBe('accepted');
    expect(await ourEmails()).toHaveLength(0);
  });
});

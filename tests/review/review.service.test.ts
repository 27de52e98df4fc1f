import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/app.ts';
import type { JourneyMapContent } from '../../src/server/maps/maps.ts';
import type { ReviewActor } from '../../src/server/review/review.service.ts';
import { createTestApp, type TestClock } from '../helpers/database.ts';

let app: App;
let clock: TestClock;
let cleanup: () => Promise<void>;
let mapId: string;
let reviewer: ReviewActor;
let editor: ReviewActor;

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
  ],
  lanes: [{ key: 'l', name: 'Actions', customerName: null, kind: 'actions', visibility: 'public' }],
  cards: [{ key: 'k', stage: 'a', lane: 'l', text: 'Signs up', customerText: null, visibility: 'public', emotion: null, owner: null, notes: null }],
};

async function staff(email: string, role: string): Promise<ReviewActor> {
  const created = await app.staff.create({ email, name: email.split('@')[0]!, role, password: 'correct horse battery staple' });
  if (!created.ok) throw new Error(created.message);
  return created.value.member;
}

async function participant(email: string, extra: { account?: string; segment?: string; role?: string } = {}) {
  const invitation = await app.invitations.createInvitation({ mapId, versionNumber: null, email, name: email.split('@')[0], ...extra }, null);
  if (!invitation.ok) throw new Error(invitation.message);
  const session = await app.participants.continueWithLink(invitation.value.link.split('/m/i/')[1]!);
  if (!session.ok) throw new Error(session.message);
  const who = (await app.participants.validateSession(session.value.sessionToken))!;
  return { participantId: who.participantId, invitationId: invitation.value.id };
}

type Person = Awaited<ReturnType<typeof participant>>;

async function annotate(who: Person, text: string, extra: { kind?: string; importance?: number | null } = {}) {
  clock.advance(1000);
  const created = await app.annotations.createAnnotation(who.participantId, who.invitationId, { anchor: { kind: 'map' }, kind: extra.kind ?? 'idea', text, importance: extra.importance ?? null });
  if (!created.ok) throw new Error(created.message);
  return created.value.id;
}

async function revision(id: string): Promise<number> {
  return (await app.review.getItem(id))!.item.revision;
}

beforeEach(async () => {
  ({ app, clock, cleanup } = await createTestApp());
  mapId = await app.maps.importMap(content, null);
  const published = await app.publishing.publish(mapId, { actor: { id: null, name: 'T' }, acknowledgeWarnings: false });
  if (!published.ok) throw new Error(published.message);
  reviewer = await staff('rita@example.com', 'reviewer');
  editor = await staff('eddie@example.com', 'editor');
});
afterEach(() => cleanup());

describe('moderating and deciding', () => {
  it('walks an item from new to applied, bumping the revision and writing history each time', async () => {
    const dana = await participant('dana@example.com', { account: 'Acme', segment: 'SMB', role: 'Owner' });
    const id = await annotate(dana, 'Payroll export is missing');
    const moderated = await app.review.moderate(reviewer, id, 1, 'approved');
    expect(moderated).toMatchObject({ ok: true, value: { moderation: 'approved', revision: 2 } });
    expect(await app.review.decide(reviewer, id, 2, 'accepted')).toMatchObject({ ok: true, value: { disposition: 'accepted', revision: 3 } });
    expect(await app.review.decide(editor, id, 3, 'applied')).toMatchObject({ ok: true, value: { disposition: 'applied', revision: 4 } });
    const detail = (await app.review.getItem(id))!;
    expect(detail.item).toMatchObject({ author: { name: 'dana', account: 'Acme', segment: 'SMB', role: 'Owner' }, anchorLabel: 'The whole journey', kindLabel: 'Idea' });
    expect(detail.item.triagedAt).not.toBeNull();
    expect(detail.history.map((h) => [h.actorName, h.field, h.from, h.to])).toEqual([
      ['rita', 'moderation', 'pending', 'approved'],
      ['rita', 'disposition', 'new', 'accepted'],
      ['eddie', 'disposition', 'accepted', 'applied'],
    ]);
  });

  it('refuses disallowed moves and missing reasons, changing nothing', async () => {
    const dana = await participant('dana@example.com');
    const id = await annotate(dana, 'x');
    expect(await app.review.decide(reviewer, id, 1, 'applied')).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.review.decide(reviewer, id, 1, 'declined')).toMatchObject({ ok: false, error: 'invalid', message: 'Say why it is declined.' });
    expect(await app.review.moderate(reviewer, id, 1, 'pending')).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.review.getItem(id)).toMatchObject({ item: { revision: 1, disposition: 'new' }, history: [] });
    const declined = await app.review.decide(reviewer, id, 1, 'declined', { reason: 'Out of scope' });
    expect(declined).toMatchObject({ ok: true, value: { declineReason: 'Out of scope' } });
    const reopened = await app.review.decide(reviewer, id, 2, 'new');
    expect(reopened).toMatchObject({ ok: true, value: { disposition: 'new', declineReason: null } });
    expect((await app.review.getItem(id))!.history.map((h) => h.reason)).toEqual(['Out of scope', null]);
  });

  it('gives a stale update a conflict with the current state instead of overwriting', async () => {
    const dana = await participant('dana@example.com');
    const id = await annotate(dana, 'x');
    expect(await app.review.decide(reviewer, id, 1, 'accepted')).toMatchObject({ ok: true });
    const stale = await app.review.decide(editor, id, 1, 'declined', { reason: 'no' });
    expect(stale).toMatchObject({ ok: false, error: 'conflict', current: { disposition: 'accepted', revision: 2 } });
    expect(stale.ok ? '' : stale.message).toMatch(/changed this item/);
    expect((await app.review.getItem(id))!.item.disposition).toBe('accepted');
  });

  it('conflicts with the participant’s own edit, and locks it for them once triaged', async () => {
    const dana = await participant('dana@example.com');
    const id = await annotate(dana, 'first');
    await app.annotations.updateAnnotation(dana.participantId, dana.invitationId, id, 1, { kind: 'idea', text: 'second' });
    expect(await app.review.moderate(reviewer, id, 1, 'approved')).toMatchObject({ ok: false, error: 'conflict', current: { text: 'second' } });
    expect(await app.review.decide(reviewer, id, 2, 'accepted')).toMatchObject({ ok: true });
    expect(await app.annotations.withdrawAnnotation(dana.participantId, dana.invitationId, id)).toMatchObject({ ok: false, error: 'locked' });
  });

  it('lets only active staff triage', async () => {
    const dana = await participant('dana@example.com');
    const id = await annotate(dana, 'x');
    expect(await app.review.decide({ ...reviewer, isActive: false }, id, 1, 'accepted')).toMatchObject({ ok: false, error: 'forbidden' });
    expect(await app.review.addNote({ ...reviewer, isActive: false }, id, 'hi')).toMatchObject({ ok: false, error: 'forbidden' });
  });
});

describe('owner, tags, notes and impact', () => {
  it('assigns an owner, tags, notes and impact, each in history', async () => {
    const dana = await participant('dana@example.com');
    const id = await annotate(dana, 'x');
    expect(await app.review.assignOwner(reviewer, id, 1, editor.id)).toMatchObject({ ok: true, value: { owner: { id: editor.id, name: 'eddie' }, revision: 2 } });
    expect(await app.review.assignOwner(reviewer, id, 2, 'nobody')).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.review.addTag(reviewer, id, '  Billing ')).toMatchObject({ ok: true, value: { tags: ['billing'], revision: 2 } });
    expect(await app.review.addTag(reviewer, id, 'billing')).toMatchObject({ ok: true, value: { tags: ['billing'] } });
    expect(await app.review.addTag(reviewer, id, '<b>')).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.review.setImpact(reviewer, id, 2, { businessImpact: 4, effort: 2 })).toMatchObject({ ok: true, value: { businessImpact: 4, effort: 2, revision: 3 } });
    expect(await app.review.setImpact(reviewer, id, 3, { businessImpact: 6, effort: 2 })).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.review.removeTag(reviewer, id, 'billing')).toMatchObject({ ok: true, value: { tags: [] } });
    expect(await app.review.addNote(reviewer, id, 'Asked sales about this')).toMatchObject({ ok: true });
    expect(await app.review.addNote(editor, id, '  ')).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.review.assignOwner(reviewer, id, 3, null)).toMatchObject({ ok: true, value: { owner: null } });
    const detail = (await app.review.getItem(id))!;
    expect(detail.notes).toMatchObject([{ authorName: 'rita', text: 'Asked sales about this' }]);
    expect(detail.history.map((h) => [h.field, h.from, h.to])).toEqual([
      ['owner', null, 'eddie'],
      ['tag', null, 'billing'],
      ['business_impact', null, '4'],
      ['effort', null, '2'],
      ['tag', 'billing', null],
      ['owner', 'eddie', null],
    ]);
  });

  it('only ever appends history: earlier rows stay exactly as written', async () => {
    const dana = await participant('dana@example.com');
    const id = await annotate(dana, 'x');
    await app.review.moderate(reviewer, id, 1, 'approved');
    const before = await app.db.selectFrom('annotation_history').selectAll().execute();
    await app.review.moderate(reviewer, id, 2, 'spam');
    await app.review.moderate(reviewer, id, 3, 'approved');
    const after = await app.db.selectFrom('annotation_history').selectAll().orderBy('sequence').execute();
    expect(after).toHaveLength(3);
    expect(after[0]).toEqual(before[0]);
  });
});

describe('duplicates', () => {
  it('moves +1s and reporters to the original, counting a participant who +1’d both once', async () => {
    await app.annotations.saveFeedbackSettings(mapId, { mode: 'shared', requiresApproval: false, showsNames: false });
    const dana = await participant('dana@example.com', { account: 'Acme' });
    const ed = await participant('ed@example.com', { account: 'Acme' });
    const fay = await participant('fay@example.com', { account: 'Globex' });
    const gus = await participant('gus@example.com');
    const original = await annotate(dana, 'Export is missing', { importance: 5 });
    const duplicate = await annotate(ed, 'Cannot export', { importance: 3 });
    for (const voter of [fay, gus]) await app.annotations.voteForAnnotation(voter.participantId, voter.invitationId, duplicate);
    await app.annotations.voteForAnnotation(fay.participantId, fay.invitationId, original);
    await app.annotations.voteForAnnotation(dana.participantId, dana.invitationId, duplicate); // the original's author

    const merged = await app.review.markDuplicate(reviewer, duplicate, 1, original);
    expect(merged).toMatchObject({ ok: true, value: { disposition: 'duplicate', duplicateOf: original, votes: 0 } });
    const detail = (await app.review.getItem(original))!;
    expect(detail.item).toMatchObject({ votes: 2, reporters: 1 }); // fay once, gus; ed as reporter; dana not +1'ing herself
    expect(detail.duplicateIds).toEqual([duplicate]);
    expect(detail.priority).toMatchObject({ participants: 4, accounts: 3, meanImportance: 4 });
    expect(detail.history.map((h) => [h.field, h.to])).toEqual([['merged_duplicate', duplicate]]);
    expect((await app.review.getItem(duplicate))!.history.map((h) => [h.field, h.to])).toEqual([
      ['disposition', 'duplicate'],
      ['duplicate_of', original],
    ]);
  });

  it('refuses a duplicate of itself, of nothing, or of a duplicate, and re-points earlier duplicates', async () => {
    const dana = await participant('dana@example.com');
    const [a, b, c] = [await annotate(dana, 'a'), await annotate(dana, 'b'), await annotate(dana, 'c')];
    expect(await app.review.markDuplicate(reviewer, a, 1, a)).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.review.markDuplicate(reviewer, a, 1, 'nothing')).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.review.markDuplicate(reviewer, a, 1, b)).toMatchObject({ ok: true });
    expect(await app.review.markDuplicate(reviewer, c, 1, a)).toMatchObject({ ok: false, error: 'invalid', message: expect.stringContaining('itself a duplicate') });
    expect(await app.review.markDuplicate(reviewer, b, 1, c)).toMatchObject({ ok: true });
    expect((await app.review.getItem(a))!.item.duplicateOf).toBe(c);
    expect((await app.review.getItem(c))!.duplicateIds.sort()).toEqual([a, b].sort());
  });
});

describe('bulk changes', () => {
  it('changes every selected item in one transaction, or none when any is refused', async () => {
    const people = await Promise.all(['p1', 'p2', 'p3'].map((p) => participant(`${p}@example.com`)));
    const ids: string[] = [];
    for (const p of people) for (let i = 0; i < 4; i++) ids.push(await annotate(p, `${p.participantId} ${i}`));
    await app.review.decide(reviewer, ids[0]!, 1, 'declined', { reason: 'no' });

    const refused = await app.review.bulkUpdate(reviewer, ids, { type: 'disposition', to: 'accepted' });
    expect(refused).toMatchObject({ ok: false, error: 'refused', refusals: [{ id: ids[0], error: 'invalid' }] });
    const stale = await app.review.bulkUpdate(reviewer, [{ id: ids[0]!, revision: 1 }, { id: ids[1]!, revision: 1 }], { type: 'moderation', to: 'approved' });
    expect(stale).toMatchObject({ ok: false, refusals: [{ id: ids[0], error: 'conflict' }] });
    const rows = await app.db.selectFrom('annotations').select(['disposition', 'moderation']).execute();
    expect(rows.filter((r) => r.disposition === 'accepted' || r.moderation === 'approved')).toHaveLength(0);
    expect(await app.db.selectFrom('annotation_history').selectAll().execute()).toHaveLength(1);

    const rest = ids.slice(1);
    expect(await app.review.bulkUpdate(reviewer, rest, { type: 'disposition', to: 'accepted' })).toEqual({ ok: true, value: { changed: 11, skipped: 0 } });
    expect(await app.review.bulkUpdate(reviewer, ids, { type: 'owner', ownerId: editor.id })).toEqual({ ok: true, value: { changed: 12, skipped: 0 } });
    expect(await app.review.bulkUpdate(reviewer, ids, { type: 'addTag', tag: 'Export' })).toEqual({ ok: true, value: { changed: 12, skipped: 0 } });
    const page = await app.review.listQueue({ tag: 'export', ownerId: editor.id, disposition: 'accepted' });
    expect(page).toMatchObject({ ok: true, value: { total: 11 } });
    expect(await app.db.selectFrom('annotation_history').selectAll().execute()).toHaveLength(1 + 11 + 12 + 12);

    // Items already as asked are left alone in a bulk change, not a reason to refuse the others.
    await app.review.moderate(reviewer, ids[1]!, (await app.review.getItem(ids[1]!))!.item.revision, 'approved');
    expect(await app.review.bulkUpdate(reviewer, rest, { type: 'moderation', to: 'approved' })).toEqual({ ok: true, value: { changed: 10, skipped: 1 } });
    expect(await app.review.bulkUpdate(reviewer, rest, { type: 'disposition', to: 'accepted' })).toEqual({ ok: true, value: { changed: 0, skipped: 11 } });
    expect(await app.review.bulkUpdate(reviewer, ids, { type: 'owner', ownerId: editor.id })).toEqual({ ok: true, value: { changed: 0, skipped: 12 } });
    expect(await app.db.selectFrom('annotation_history').selectAll().execute()).toHaveLength(1 + 11 + 12 + 12 + 1 + 10);
    // "Open" is everything still to act on: the eleven accepted ones, not the declined one.
    const open = await app.review.listQueue({ disposition: 'open' });
    expect(open.ok && [open.value.total, open.value.counts.moderation.approved]).toEqual([11, 11]);
  });

  it('handles a thousand items at once', async () => {
    const dana = await participant('dana@example.com');
    const first = await annotate(dana, 'seed');
    const { version_id: versionId } = await app.db.selectFrom('annotations').select('version_id').where('id', '=', first).executeTakeFirstOrThrow();
    const now = clock.now();
    const rows = Array.from({ length: 999 }, (_, i) => ({
      id: `bulk${i}`,
      map_id: mapId,
      version_id: versionId,
      invitation_id: dana.invitationId,
      participant_id: dana.participantId,
      anchor_kind: 'map' as const,
      kind: 'idea' as const,
      text: `bulk ${i}`,
      created_at: now + i,
      updated_at: now + i,
    }));
    for (let i = 0; i < rows.length; i += 100) await app.db.insertInto('annotations').values(rows.slice(i, i + 100)).execute();
    const ids = [first, ...rows.map((r) => r.id)];
    expect(await app.review.bulkUpdate(reviewer, ids, { type: 'moderation', to: 'spam' })).toEqual({ ok: true, value: { changed: 1000, skipped: 0 } });
    expect(await app.review.bulkUpdate(reviewer, ids, { type: 'addTag', tag: 'noise' })).toEqual({ ok: true, value: { changed: 1000, skipped: 0 } });
    const page = await app.review.listQueue({ moderation: 'spam', tag: 'noise' }, { pageSize: 10 });
    expect(page).toMatchObject({ ok: true, value: { total: 1000, counts: { moderation: { spam: 1000, pending: 0 } } } });
    expect(page.ok && page.value.items.map((i) => i.text)).toEqual(Array.from({ length: 10 }, (_, i) => `bulk ${998 - i}`));
  });
});

describe('the queue', () => {
  it('filters by map, kind, account, segment, moderation, disposition, owner, tag and stage, with counts per axis', async () => {
    const dana = await participant('dana@example.com', { account: 'Acme', segment: 'SMB' });
    const ed = await participant('ed@example.com', { account: 'Globex', segment: 'Enterprise' });
    const d1 = await annotate(dana, 'd1', { kind: 'missing' });
    const d2 = await annotate(dana, 'd2', { kind: 'idea' });
    const e1 = await annotate(ed, 'e1', { kind: 'missing' });
    const snapshot = (await app.portal.getPublishedVersion((await app.db.selectFrom('annotations').select('version_id').executeTakeFirstOrThrow()).version_id))!.snapshot;
    clock.advance(1000);
    const onCard = await app.annotations.createAnnotation(ed.participantId, ed.invitationId, { anchor: { kind: 'card', card: snapshot.cards[0]!.key }, kind: 'idea', text: 'card' });
    if (!onCard.ok) throw new Error(onCard.message);
    await app.review.moderate(reviewer, d1, 1, 'approved');
    await app.review.decide(reviewer, e1, 1, 'accepted');
    await app.review.addTag(reviewer, d2, 'billing');

    const texts = async (filter: Parameters<App['review']['listQueue']>[0]) => {
      const page = await app.review.listQueue(filter);
      if (!page.ok) throw new Error(page.message);
      return page.value.items.map((i) => i.text);
    };
    expect(await texts({})).toEqual(['card', 'e1', 'd2', 'd1']);
    expect(await texts({ mapId })).toEqual(['card', 'e1', 'd2', 'd1']);
    expect(await texts({ mapId: 'other' })).toEqual([]);
    expect(await texts({ kind: 'missing' })).toEqual(['e1', 'd1']);
    expect(await texts({ account: 'Acme' })).toEqual(['d2', 'd1']);
    expect(await texts({ segment: 'Enterprise' })).toEqual(['card', 'e1']);
    expect(await texts({ moderation: 'approved' })).toEqual(['d1']);
    expect(await texts({ disposition: 'accepted' })).toEqual(['e1']);
    expect(await texts({ tag: 'Billing' })).toEqual(['d2']);
    expect(await texts({ ownerId: 'none' })).toHaveLength(4);
    expect(await texts({ mapId, stageKey: snapshot.stages[0]!.key })).toEqual(['card']);
    expect(await app.review.listQueue({ moderation: 'bogus' })).toMatchObject({ ok: false, error: 'invalid' });

    const page = await app.review.listQueue({ account: 'Acme', moderation: 'pending' });
    expect(page).toMatchObject({
      ok: true,
      value: { total: 1, counts: { moderation: { pending: 1, approved: 1, rejected: 0, spam: 0 }, disposition: { new: 1, accepted: 0 } } },
    });
    const paged = await app.review.listQueue({}, { page: 2, pageSize: 3 });
    expect(paged.ok && paged.value.items.map((i) => i.text)).toEqual(['d1']);
    expect(paged.ok && paged.value.items[0]!.anchorLabel).toBe('The whole journey');
  });
});

describe('priorities', () => {
  it('ranks accepted items by customer impact against business impact and effort', async () => {
    await app.annotations.saveFeedbackSettings(mapId, { mode: 'shared', requiresApproval: false, showsNames: false });
    const dana = await participant('dana@example.com', { account: 'Acme' });
    const ed = await participant('ed@example.com', { account: 'Globex' });
    const fay = await participant('fay@example.com', { account: 'Initech' });
    const lonely = await annotate(dana, 'lonely', { importance: 5 });
    const popular = await annotate(dana, 'popular', { importance: 5 });
    const cheap = await annotate(dana, 'cheap', { importance: 5 });
    const ignored = await annotate(dana, 'not accepted', { importance: 5 });
    for (const voter of [ed, fay]) await app.annotations.voteForAnnotation(voter.participantId, voter.invitationId, popular);
    await app.review.bulkUpdate(reviewer, [lonely, popular, cheap], { type: 'disposition', to: 'accepted' });
    await app.review.setImpact(reviewer, cheap, await revision(cheap), { businessImpact: 5, effort: 1 });

    const ranked = await app.review.listPriorities({ mapId });
    if (!ranked.ok) throw new Error(ranked.message);
    expect(ranked.value.formula).toMatch(/^Priority = \(participants \+ accounts\) × mean importance × business impact ÷ effort/);
    expect(ranked.value.items.map((i) => [i.text, i.priority.score])).toEqual([
      ['cheap', 50], // (1 + 1) × 5 × 5 ÷ 1
      ['popular', 30], // (3 + 3) × 5 × 3 ÷ 3
      ['lonely', 10], // (1 + 1) × 5 × 3 ÷ 3
    ]);
    expect(ranked.value.items.some((i) => i.id === ignored)).toBe(false);
    const queue = await app.review.listQueue({ mapId }, { sort: 'priority' });
    expect(queue.ok && queue.value.items.map((i) => i.text)).toEqual(['cheap', 'popular', 'lonely', 'not accepted']);

    // A page at a time, in the same order, with the total of accepted items.
    const second = await app.review.listPriorities({ mapId }, { page: 2, pageSize: 2 });
    expect(second.ok && [second.value.total, second.value.items.map((i) => [i.text, i.priority.score])]).toEqual([3, [['lonely', 10]]]);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnnotationRow } from '../../db/schema.ts';
import type { Anchor } from '../../src/server/annotations/annotations.ts';
import { buildAnnotationOverlay, OVERLAY_LIST_MAX, OVERLAY_TEXT_MAX, shortenAnnotationText, type OverlayRow } from '../../src/server/annotations/annotation-overlay.ts';
import type { App } from '../../src/server/app.ts';
import type { EditableMap, JourneyMapContent } from '../../src/server/maps/maps.ts';
import type { PublishedSnapshot } from '../../src/server/portal/snapshot.ts';
import { createTestApp, type TestClock } from '../helpers/database.ts';

let app: App;
let clock: TestClock;
let cleanup: () => Promise<void>;
let mapId: string;
let snapshot: PublishedSnapshot;

const stage = (key: string, name: string) => ({ key, name, customerName: null, description: null, visibility: 'public' as const, momentOfTruth: false });
const card = (key: string, stageKey: string, text: string) => ({ key, stage: stageKey, lane: 'doing', text, customerText: null, visibility: 'public' as const, emotion: null, owner: null, notes: null });

const content: JourneyMapContent = {
  title: 'Onboarding (internal)',
  customerTitle: 'Your first weeks',
  description: null,
  segment: null,
  persona: null,
  lifecycle: null,
  internalNotes: null,
  stages: [stage('signup', 'Sign-up'), stage('setup', 'Setting up'), stage('payroll', 'First payroll')],
  lanes: [
    { key: 'doing', name: 'Doing', customerName: null, kind: 'actions', visibility: 'public' },
    { key: 'feeling', name: 'Feeling', customerName: null, kind: 'thoughts', visibility: 'public' },
  ],
  cards: [card('form', 'signup', 'Fills in the form'), card('import', 'setup', 'Imports staff'), card('run', 'payroll', 'Runs payroll')],
};

async function publish() {
  const published = await app.publishing.publish(mapId, { actor: { id: null, name: 'T' }, acknowledgeWarnings: true });
  if (!published.ok) throw new Error(published.message);
  return (await app.portal.getPublishedVersion(published.value.versionId))!.snapshot;
}

async function participant(email: string) {
  const invitation = await app.invitations.createInvitation({ mapId, versionNumber: null, email }, null);
  if (!invitation.ok) throw new Error(invitation.message);
  const session = await app.participants.continueWithLink(invitation.value.link.split('/m/i/')[1]!);
  if (!session.ok) throw new Error(session.message);
  const who = (await app.participants.validateSession(session.value.sessionToken))!;
  return {
    /** Writes one annotation, a second later than the one before (so the order is known). */
    async say(anchor: Anchor, text: string, kind = 'missing') {
      clock.advance(1_000);
      const created = await app.annotations.createAnnotation(who.participantId, invitation.value.id, { anchor, kind, text });
      if (!created.ok) throw new Error(created.message);
      return created.value;
    },
    async withdraw(annotationId: string) {
      const withdrawn = await app.annotations.withdrawAnnotation(who.participantId, invitation.value.id, annotationId);
      if (!withdrawn.ok) throw new Error(withdrawn.message);
    },
  };
}

async function editable(): Promise<EditableMap> {
  return (await app.maps.getEditableMap(mapId))!;
}

async function overlayNow() {
  return buildAnnotationOverlay(await editable(), await app.annotations.listForMap(mapId));
}

/** Published key → the internal stage/lane/card it was made from, found by name. */
function publishedStage(name: string) {
  const index = content.stages.findIndex((s) => s.name === name);
  return snapshot.stages[index]!.key;
}

beforeEach(async () => {
  ({ app, clock, cleanup } = await createTestApp());
  mapId = await app.maps.importMap(content, null);
  snapshot = await publish();
});
afterEach(() => cleanup());

describe('placing annotations on the internal map', () => {
  it('puts each annotation on its card, stage, lane, gap or the whole map, by internal id', async () => {
    const map = await editable();
    const byKey = <T extends { key: string }>(list: T[], key: string) => list.find((x) => x.key === key)!;
    const dana = await participant('dana@example.com');
    const [signup, setup] = [publishedStage('Sign-up'), publishedStage('Setting up')];
    const formCard = snapshot.cards.find((c) => c.text === 'Fills in the form')!;

    await dana.say({ kind: 'card', card: formCard.key }, 'The form asks for our tax number twice', 'inaccurate');
    await dana.say({ kind: 'card', card: formCard.key }, 'And it times out', 'pain_point');
    await dana.say({ kind: 'stage', stage: setup }, 'Setting up took us a month');
    await dana.say({ kind: 'lane', lane: snapshot.lanes[1]!.key }, 'Nobody asked how we felt', 'idea');
    await dana.say({ kind: 'gap', stage: signup, nextStage: setup }, 'You skipped the security review');
    await dana.say({ kind: 'map' }, 'Overall fine', 'works_well');

    const overlay = buildAnnotationOverlay(map, await app.annotations.listForMap(mapId));
    expect(overlay.total).toBe(6);
    expect(overlay.unplaced).toBe(0);
    expect(overlay.pending).toBe(6); // private feedback: nothing is approved for others

    expect(Object.keys(overlay.cards)).toEqual([byKey(map.cards, 'form').id]);
    expect(overlay.cards[byKey(map.cards, 'form').id]).toEqual({
      count: 2,
      annotations: [
        { id: expect.any(String), kind: 'pain_point', kindLabel: 'Pain point', text: 'And it times out', createdAt: clock.now() - 4_000, moderation: 'pending' },
        { id: expect.any(String), kind: 'inaccurate', kindLabel: 'Not how it works for me', text: 'The form asks for our tax number twice', createdAt: clock.now() - 5_000, moderation: 'pending' },
      ],
    });
    expect(overlay.stages).toEqual({ [byKey(map.stages, 'setup').id]: { count: 1, annotations: [expect.objectContaining({ text: 'Setting up took us a month', kindLabel: 'Something is missing' })] } });
    expect(overlay.lanes).toEqual({ [byKey(map.lanes, 'feeling').id]: { count: 1, annotations: [expect.objectContaining({ text: 'Nobody asked how we felt', kind: 'idea' })] } });
    expect(overlay.gaps).toEqual({
      [byKey(map.stages, 'signup').id]: { count: 1, annotations: [expect.objectContaining({ text: 'You skipped the security review', nextStageId: byKey(map.stages, 'setup').id })] },
    });
    expect(overlay.map).toMatchObject({ count: 1, annotations: [{ text: 'Overall fine', kindLabel: 'Works well' }] });
  });

  it('keeps a gap annotation after its first stage when the two are no longer neighbours', async () => {
    const dana = await participant('dana@example.com');
    await dana.say({ kind: 'gap', stage: publishedStage('Sign-up'), nextStage: publishedStage('Setting up') }, 'Missing: the welcome call');
    const before = await editable();
    const [signupId, setupId] = [before.stages[0]!.id, before.stages[1]!.id];

    const added = await app.maps.addStage(mapId, { name: 'Welcome call', afterStageId: signupId });
    if (!added.ok) throw new Error(added.message);
    const moved = await app.maps.moveStage(setupId, 0);
    if (!moved.ok) throw new Error(moved.message);
    let overlay = await overlayNow();
    expect(overlay.gaps).toEqual({ [signupId]: { count: 1, annotations: [expect.objectContaining({ text: 'Missing: the welcome call', nextStageId: setupId })] } });

    // The stage after the gap is gone: the annotation stays, and says it no longer knows which.
    const deleted = await app.maps.deleteStage(setupId);
    if (!deleted.ok) throw new Error(deleted.message);
    overlay = await overlayNow();
    expect(overlay.gaps[signupId]?.annotations[0]?.nextStageId).toBeNull();
    expect(overlay.unplaced).toBe(0);
  });

  it('counts annotations on deleted places as unplaced, and leaves out withdrawn ones and spam', async () => {
    const dana = await participant('dana@example.com');
    const formCard = snapshot.cards.find((c) => c.text === 'Fills in the form')!;
    await dana.say({ kind: 'card', card: formCard.key }, 'About a card that will go');
    const withdrawn = await dana.say({ kind: 'map' }, 'Never mind');
    const spam = await dana.say({ kind: 'map' }, 'Buy cheap watches');
    await dana.say({ kind: 'stage', stage: publishedStage('First payroll') }, 'Payroll was late');
    await dana.withdraw(withdrawn.id);
    await app.db.updateTable('annotations').set({ moderation: 'spam' }).where('id', '=', spam.id).execute();

    const map = await editable();
    const deleted = await app.maps.deleteCard(map.cards.find((c) => c.key === 'form')!.id);
    if (!deleted.ok) throw new Error(deleted.message);

    const overlay = await overlayNow();
    expect(overlay).toMatchObject({ total: 2, unplaced: 1, map: null, cards: {}, gaps: {}, lanes: {} });
    expect(Object.values(overlay.stages)).toEqual([{ count: 1, annotations: [expect.objectContaining({ text: 'Payroll was late' })] }]);
  });

  it('places annotations made on an earlier version on the same cards after a new version is published', async () => {
    const dana = await participant('dana@example.com');
    const runCard = snapshot.cards.find((c) => c.text === 'Runs payroll')!;
    await dana.say({ kind: 'card', card: runCard.key }, 'It ran twice');
    const map = await editable();
    const run = map.cards.find((c) => c.key === 'run')!;
    const updated = await app.maps.updateCard(run.id, run.revision, { text: 'Runs the first payroll' });
    if (!updated.ok) throw new Error(updated.message);
    await publish();

    const overlay = await overlayNow();
    expect(overlay.cards[run.id]).toMatchObject({ count: 1, annotations: [{ text: 'It ran twice' }] });
  });

  it('reports moderation as the review queue set it', async () => {
    await app.annotations.saveFeedbackSettings(mapId, { mode: 'shared', requiresApproval: false, showsNames: false });
    const dana = await participant('dana@example.com');
    await dana.say({ kind: 'map' }, 'Shown to others at once');
    const overlay = await overlayNow();
    expect(overlay).toMatchObject({ pending: 0, map: { annotations: [{ moderation: 'approved' }] } });
  });
});

describe('what the overlay carries', () => {
  const map = {
    id: 'm1',
    stages: [{ id: 'S1', key: 'a' }],
    lanes: [],
    cards: [],
  } as unknown as EditableMap;
  let sequence = 0;
  function row(overrides: Partial<AnnotationRow>): OverlayRow {
    sequence++;
    return {
      id: `a${sequence}`,
      map_id: 'm1',
      anchor_kind: 'map',
      stage_key: null,
      lane_key: null,
      card_key: null,
      next_stage_key: null,
      kind: 'idea',
      text: `idea ${sequence}`,
      created_at: sequence,
      moderation: 'pending',
      is_withdrawn: 0,
      ...overrides,
    };
  }

  it('cuts long texts to about 300 characters, never through a character', () => {
    expect(shortenAnnotationText('short')).toBe('short');
    const exactly = 'x'.repeat(OVERLAY_TEXT_MAX);
    expect(shortenAnnotationText(exactly)).toBe(exactly);
    const cut = shortenAnnotationText('😀'.repeat(OVERLAY_TEXT_MAX + 50));
    expect([...cut]).toHaveLength(OVERLAY_TEXT_MAX);
    expect(cut.endsWith('😀…')).toBe(true);
    const overlay = buildAnnotationOverlay(map, [row({ text: 'word '.repeat(200) })]);
    expect([...overlay.map!.annotations[0]!.text].length).toBeLessThanOrEqual(OVERLAY_TEXT_MAX);
  });

  it('lists the newest few of a place and counts them all', () => {
    const rows = Array.from({ length: OVERLAY_LIST_MAX + 5 }, () => row({ anchor_kind: 'stage', stage_key: 'not-a-published-key' }));
    const placed = Array.from({ length: OVERLAY_LIST_MAX + 5 }, () => row({}));
    const overlay = buildAnnotationOverlay(map, [...placed, ...rows]);
    expect(overlay.map!.count).toBe(OVERLAY_LIST_MAX + 5);
    expect(overlay.map!.annotations).toHaveLength(OVERLAY_LIST_MAX);
    expect(overlay.map!.annotations[0]!.text).toBe(placed.at(-1)!.text);
    expect(overlay.unplaced).toBe(OVERLAY_LIST_MAX + 5);
    expect(overlay.total).toBe(2 * (OVERLAY_LIST_MAX + 5));
  });

  it('ignores rows of other maps', () => {
    const overlay = buildAnnotationOverlay(map, [row({ map_id: 'm2' })]);
    expect(overlay).toEqual({ total: 0, pending: 0, unplaced: 0, map: null, stages: {}, lanes: {}, cards: {}, gaps: {} });
  });
});

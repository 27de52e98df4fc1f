import { describe, expect, it } from 'vitest';
import type { EditableMap } from '../../src/server/maps/maps.ts';
import { SNAPSHOT_FORMAT, type PublishedSnapshot } from '../../src/server/portal/snapshot.ts';
import { toPublishedKey } from '../../src/server/publishing/opaque-keys.ts';
import { appliedInVersionReason, canNotify, chooseDefaultLane, describeDraftCardState, findAppliedVersion, mergeRaisers, placeDraftCard, writeDraftCard } from '../../src/server/review/follow-through.ts';

const MAP_ID = 'map1';
const key = (kind: 'stage' | 'lane' | 'card', k: string) => toPublishedKey(MAP_ID, kind, k);

function stage(id: string, name = id.toUpperCase()) {
  return { id, key: id, revision: 1, name, customerName: null, description: null, visibility: 'public' as const, momentOfTruth: false };
}
function lane(id: string, kind: EditableMap['lanes'][number]['kind'], visibility: 'public' | 'internal' = 'public') {
  return { id, key: id, revision: 1, name: `Lane ${id}`, customerName: null, kind, visibility };
}
function card(id: string, stageId: string, laneId: string) {
  return { id, key: id, revision: 1, stageId, laneId, text: id, customerText: null, visibility: 'public' as const, emotion: null, owner: null, notes: null, sourceAnnotationId: null };
}

const map: Pick<EditableMap, 'id' | 'stages' | 'lanes' | 'cards'> = {
  id: MAP_ID,
  stages: [stage('a'), stage('b'), stage('c')],
  // The notes lane comes first but is always internal; the default lane is the actions lane.
  lanes: [lane('n', 'notes'), lane('t', 'touchpoints'), lane('l', 'actions')],
  cards: [card('k1', 'b', 't'), card('k2', 'b', 't')],
};

describe('choosing the default lane', () => {
  it('prefers a public actions lane, then any lane customers can see, then the first', () => {
    expect(chooseDefaultLane(map)?.id).toBe('l');
    expect(chooseDefaultLane({ lanes: [lane('n', 'notes'), lane('l', 'actions', 'internal'), lane('t', 'touchpoints')] })?.id).toBe('t');
    expect(chooseDefaultLane({ lanes: [lane('n', 'notes'), lane('m', 'metrics')] })?.id).toBe('n');
    expect(chooseDefaultLane({ lanes: [] })).toBeNull();
  });
});

describe('placing a draft card where the customer pointed', () => {
  it('the whole map: the first stage, default lane', () => {
    expect(placeDraftCard(map, { kind: 'map' }, null)).toMatchObject({ kind: 'cell', stageId: 'a', laneId: 'l', afterCardId: null });
  });
  it('a stage: that stage, default lane', () => {
    expect(placeDraftCard(map, { kind: 'stage', stage: key('stage', 'c') }, null)).toMatchObject({ kind: 'cell', stageId: 'c', laneId: 'l' });
  });
  it('a lane: that lane, first stage', () => {
    expect(placeDraftCard(map, { kind: 'lane', lane: key('lane', 't') }, null)).toMatchObject({ kind: 'cell', stageId: 'a', laneId: 't' });
  });
  it('a card: its cell, right after it', () => {
    expect(placeDraftCard(map, { kind: 'card', card: key('card', 'k1') }, null)).toMatchObject({ kind: 'cell', stageId: 'b', laneId: 't', afterCardId: 'k1' });
  });
  it('a gap between neighbours: a new stage between them', () => {
    const placed = placeDraftCard(map, { kind: 'gap', stage: key('stage', 'a'), nextStage: key('stage', 'b') }, null);
    expect(placed).toMatchObject({ kind: 'new_stage', afterStageId: 'a', laneId: 'l', stageName: 'New step between A and B' });
  });
  it('a gap whose stages are no longer neighbours: the earlier stage', () => {
    const placed = placeDraftCard(map, { kind: 'gap', stage: key('stage', 'a'), nextStage: key('stage', 'c') }, null);
    expect(placed).toMatchObject({ kind: 'cell', stageId: 'a', laneId: 'l' });
    expect(placed?.where).toMatch(/no longer next to each other/);
  });
  it('a gap on a map with no room for another stage: the earlier stage', () => {
    const full = { ...map, stages: Array.from({ length: 60 }, (_, i) => stage(`s${i}`)) };
    const placed = placeDraftCard(full, { kind: 'gap', stage: key('stage', 's3'), nextStage: key('stage', 's4') }, null);
    expect(placed).toMatchObject({ kind: 'cell', stageId: 's3' });
    expect(placed?.where).toMatch(/no room/);
  });
  it('something deleted since: falls back to what the version showed around it, then the first stage', () => {
    const version: PublishedSnapshot = {
      format: SNAPSHOT_FORMAT,
      title: 'T',
      stages: [{ key: key('stage', 'c'), name: 'C', momentOfTruth: false }],
      lanes: [{ key: key('lane', 't'), name: 'T', kind: 'touchpoints' }],
      cards: [{ key: key('card', 'gone'), stage: key('stage', 'c'), lane: key('lane', 't'), text: 'gone', emotion: null }],
    };
    expect(placeDraftCard(map, { kind: 'card', card: key('card', 'gone') }, version)).toMatchObject({ kind: 'cell', stageId: 'c', laneId: 't', afterCardId: null });
    expect(placeDraftCard(map, { kind: 'card', card: key('card', 'unknown') }, version)).toMatchObject({ kind: 'cell', stageId: 'a', laneId: 'l' });
    expect(placeDraftCard(map, { kind: 'stage', stage: key('stage', 'gone') }, null)).toMatchObject({ kind: 'cell', stageId: 'a', laneId: 'l' });
    expect(placeDraftCard(map, { kind: 'gap', stage: key('stage', 'gone'), nextStage: key('stage', 'b') }, null)).toMatchObject({ kind: 'cell', stageId: 'a' });
  });
  it('a map without lanes has no place', () => {
    expect(placeDraftCard({ ...map, lanes: [] }, { kind: 'map' }, null)).toBeNull();
  });
});

describe('the draft itself', () => {
  it('keeps the customer’s words (cut to the card limit) and says in the notes where it came from', () => {
    const draft = writeDraftCard({ annotationId: 'ann1', text: '  ' + 'x'.repeat(2500), anchor: { kind: 'map' }, version: null, where: 'In the first stage.' });
    expect([...draft.text]).toHaveLength(2000);
    expect(draft.text.endsWith('…')).toBe(true);
    expect(draft.notes).toContain('Draft from customer feedback (review item ann1)');
    expect(draft.notes).toContain('In the first stage.');
  });
});

describe('who is told', () => {
  it('tells each person once, quoting their own words when they have any', () => {
    const merged = mergeRaisers([
      { participantId: 'p1', role: 'voter', ownText: null },
      { participantId: 'p1', role: 'reporter', ownText: 'mine too' },
      { participantId: 'p2', role: 'author', ownText: 'original' },
      { participantId: 'p2', role: 'voter', ownText: null },
      { participantId: 'p3', role: 'voter', ownText: null },
    ]);
    expect(merged).toEqual([
      { participantId: 'p1', role: 'reporter', ownText: 'mine too' },
      { participantId: 'p2', role: 'author', ownText: 'original' },
      { participantId: 'p3', role: 'voter', ownText: null },
    ]);
  });
  it('skips revoked invitations and addresses that bounced or complained, not expired ones', () => {
    expect(canNotify({ revoked_at: null, delivery_status: 'delivered' })).toBe(true);
    expect(canNotify({ revoked_at: 1, delivery_status: 'delivered' })).toBe(false);
    expect(canNotify({ revoked_at: null, delivery_status: 'bounced' })).toBe(false);
    expect(canNotify({ revoked_at: null, delivery_status: 'complained' })).toBe(false);
  });
});

describe('what the item page says about its draft card', () => {
  const accepted = { disposition: 'accepted', dispositionLabel: 'Accepted', appliedInVersion: null };
  it('before publishing: whether the card is customer-facing yet, and that the next version applies the item', () => {
    expect(describeDraftCardState({ ...accepted, isPublic: true })).toBe('It is shown to customers: the next published version applies this item and tells everyone who raised it.');
    expect(describeDraftCardState({ ...accepted, isPublic: false })).toMatch(/^It is internal for now: make it customer-facing/);
  });
  it('once applied: which version applied it and that the people who raised it were told, never “the next version”', () => {
    const text = describeDraftCardState({ isPublic: true, disposition: 'applied', dispositionLabel: 'Applied', appliedInVersion: 3 });
    expect(text).toBe('Version 3 applied this item: it showed this card to customers, and the people who raised the item or +1’d it were emailed to say so.');
    expect(text).not.toMatch(/next published version/);
  });
  it('applied by hand: no version applied it and nobody was emailed', () => {
    expect(describeDraftCardState({ isPublic: true, disposition: 'applied', dispositionLabel: 'Applied', appliedInVersion: null })).toBe(
      'This item was marked applied by hand, so no version applied it and nobody who raised it was emailed about it.',
    );
  });
  it('no longer accepted: publishing does not apply it', () => {
    expect(describeDraftCardState({ isPublic: true, disposition: 'needs_follow_up', dispositionLabel: 'Needs follow-up', appliedInVersion: null })).toBe(
      'The item is “Needs follow-up” now, so publishing does not apply it and tells nobody; accept it again first.',
    );
  });
  it('reads the applying version from the history entry a publish writes, and none from a hand-made one', () => {
    const entry = (to: string, reason: string | null) => ({ field: 'disposition', to, reason });
    expect(findAppliedVersion([entry('accepted', null), entry('applied', appliedInVersionReason(12))])).toBe(12);
    expect(findAppliedVersion([entry('accepted', null), entry('applied', null)])).toBeNull();
    expect(findAppliedVersion([entry('accepted', null)])).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import {
  SNAPSHOT_FORMAT,
  type PublishedCard,
  type PublishedLane,
  type PublishedSnapshot,
  type PublishedStage,
} from '../../src/server/portal/snapshot.ts';
import { diffSnapshots, isDiffEmpty } from '../../src/server/publishing/version-diff.ts';

const stage = (key: string, name = `Stage ${key}`, momentOfTruth = false): PublishedStage => ({ key, name, momentOfTruth });
const lane = (key: string, name = `Lane ${key}`, kind: PublishedLane['kind'] = 'actions'): PublishedLane => ({ key, name, kind });
const card = (key: string, stageKey: string, laneKey: string, text = `Card ${key}`, emotion: number | null = null): PublishedCard => ({
  key,
  stage: stageKey,
  lane: laneKey,
  text,
  emotion,
});

function snapshot(overrides: Partial<PublishedSnapshot> = {}): PublishedSnapshot {
  return {
    format: SNAPSHOT_FORMAT,
    title: 'Your first 120 days',
    stages: [stage('s1'), stage('s2')],
    lanes: [lane('l1'), lane('l2', 'Feelings', 'emotions')],
    cards: [card('c1', 's1', 'l1'), card('c2', 's1', 'l1'), card('c3', 's2', 'l2', 'Calm', 1)],
    ...overrides,
  };
}

describe('diffSnapshots', () => {
  it('finds no change between equal snapshots', () => {
    const diff = diffSnapshots(snapshot(), snapshot());
    expect(isDiffEmpty(diff)).toBe(true);
    expect(diff).toEqual({
      title: null,
      stages: { added: [], removed: [], reworded: [], momentOfTruthChanged: [], reordered: false },
      lanes: { added: [], removed: [], reworded: [], kindChanged: [], reordered: false },
      cards: { added: [], removed: [], reworded: [], moved: [], emotionChanged: [], reordered: false },
    });
  });

  it('treats a first version as everything added', () => {
    const next = snapshot();
    const diff = diffSnapshots(null, next);
    expect(diff.title).toEqual({ from: null, to: 'Your first 120 days' });
    expect(diff.stages.added).toEqual(next.stages);
    expect(diff.lanes.added).toEqual(next.lanes);
    expect(diff.cards.added).toEqual(next.cards);
    expect(diff.stages.removed).toEqual([]);
    expect(diff.cards.reworded).toEqual([]);
    expect(isDiffEmpty(diff)).toBe(false);
  });

  it('reports a new title', () => {
    const diff = diffSnapshots(snapshot(), snapshot({ title: 'Your first 90 days' }));
    expect(diff.title).toEqual({ from: 'Your first 120 days', to: 'Your first 90 days' });
    expect(isDiffEmpty(diff)).toBe(false);
  });

  it('reports stages added, removed and reworded, matched by key', () => {
    const diff = diffSnapshots(
      snapshot({ stages: [stage('s1', 'Contract signed'), stage('s2'), stage('old')] }),
      snapshot({ stages: [stage('s1', 'Getting started'), stage('s2'), stage('new')] }),
    );
    expect(diff.stages.added).toEqual([stage('new')]);
    expect(diff.stages.removed).toEqual([stage('old')]);
    expect(diff.stages.reworded).toEqual([{ key: 's1', from: 'Contract signed', to: 'Getting started' }]);
    expect(diff.stages.reordered).toBe(false);
  });

  it('reports a stage that became or stopped being a moment of truth', () => {
    const diff = diffSnapshots(snapshot(), snapshot({ stages: [stage('s1', 'Stage s1', true), stage('s2')] }));
    expect(diff.stages.momentOfTruthChanged).toEqual([{ key: 's1', name: 'Stage s1', from: false, to: true }]);
    expect(isDiffEmpty(diff)).toBe(false);
  });

  it('reports reordered stages and lanes', () => {
    const diff = diffSnapshots(
      snapshot(),
      snapshot({ stages: [stage('s2'), stage('s1')], lanes: [lane('l2', 'Feelings', 'emotions'), lane('l1')] }),
    );
    expect(diff.stages.reordered).toBe(true);
    expect(diff.lanes.reordered).toBe(true);
    expect(diff.stages.added).toEqual([]);
    expect(isDiffEmpty(diff)).toBe(false);
  });

  it('does not call an insertion a reordering', () => {
    const diff = diffSnapshots(snapshot(), snapshot({ stages: [stage('s0'), stage('s1'), stage('s15'), stage('s2')] }));
    expect(diff.stages.reordered).toBe(false);
    expect(diff.stages.added.map((s) => s.key)).toEqual(['s0', 's15']);
  });

  it('reports lanes added, removed, reworded and of another kind', () => {
    const diff = diffSnapshots(
      snapshot({ lanes: [lane('l1', 'Customer actions'), lane('l2', 'Feelings', 'emotions'), lane('gone')] }),
      snapshot({ lanes: [lane('l1', 'What you do'), lane('l2', 'Feelings', 'thoughts'), lane('fresh')] }),
    );
    expect(diff.lanes.added).toEqual([lane('fresh')]);
    expect(diff.lanes.removed).toEqual([lane('gone')]);
    expect(diff.lanes.reworded).toEqual([{ key: 'l1', from: 'Customer actions', to: 'What you do' }]);
    expect(diff.lanes.kindChanged).toEqual([{ key: 'l2', name: 'Feelings', from: 'emotions', to: 'thoughts' }]);
  });

  it('reports cards added, removed and reworded', () => {
    const diff = diffSnapshots(
      snapshot(),
      snapshot({
        cards: [card('c1', 's1', 'l1', 'Signs the order form'), card('c3', 's2', 'l2', 'Calm', 1), card('c4', 's2', 'l1')],
      }),
    );
    expect(diff.cards.added).toEqual([card('c4', 's2', 'l1')]);
    expect(diff.cards.removed).toEqual([card('c2', 's1', 'l1')]);
    expect(diff.cards.reworded).toEqual([{ key: 'c1', stage: 's1', lane: 'l1', from: 'Card c1', to: 'Signs the order form' }]);
    expect(diff.cards.moved).toEqual([]);
  });

  it('reports a card in another cell as moved, not as removed and added', () => {
    const diff = diffSnapshots(
      snapshot(),
      snapshot({ cards: [card('c2', 's1', 'l1'), card('c1', 's2', 'l1', 'Reworded too'), card('c3', 's2', 'l2', 'Calm', 1)] }),
    );
    expect(diff.cards.added).toEqual([]);
    expect(diff.cards.removed).toEqual([]);
    expect(diff.cards.moved).toEqual([
      { key: 'c1', text: 'Reworded too', from: { stage: 's1', lane: 'l1' }, to: { stage: 's2', lane: 'l1' } },
    ]);
    expect(diff.cards.reworded).toEqual([{ key: 'c1', stage: 's2', lane: 'l1', from: 'Card c1', to: 'Reworded too' }]);
    // c2 is now alone in its cell: moving c1 away is not a reordering.
    expect(diff.cards.reordered).toBe(false);
  });

  it('reports cards reordered within their cell', () => {
    const diff = diffSnapshots(
      snapshot(),
      snapshot({ cards: [card('c2', 's1', 'l1'), card('c1', 's1', 'l1'), card('c3', 's2', 'l2', 'Calm', 1)] }),
    );
    expect(diff.cards.reordered).toBe(true);
    expect(diff.cards.moved).toEqual([]);
    expect(isDiffEmpty(diff)).toBe(false);
  });

  it('does not call a new order of cells a reordering of cards', () => {
    const diff = diffSnapshots(
      snapshot(),
      snapshot({ cards: [card('c3', 's2', 'l2', 'Calm', 1), card('c1', 's1', 'l1'), card('c2', 's1', 'l1')] }),
    );
    expect(diff.cards.reordered).toBe(false);
    expect(isDiffEmpty(diff)).toBe(true);
  });

  it('reports a changed emotion score', () => {
    const diff = diffSnapshots(
      snapshot(),
      snapshot({ cards: [card('c1', 's1', 'l1'), card('c2', 's1', 'l1'), card('c3', 's2', 'l2', 'Calm', -1)] }),
    );
    expect(diff.cards.emotionChanged).toEqual([{ key: 'c3', text: 'Calm', from: 1, to: -1 }]);
    expect(isDiffEmpty(diff)).toBe(false);
  });

  it('returns copies, not the snapshots’ own objects', () => {
    const next = snapshot();
    const diff = diffSnapshots(null, next);
    expect(diff.cards.added[0]).toEqual(next.cards[0]);
    expect(diff.cards.added[0]).not.toBe(next.cards[0]);
  });

  it('does not change its inputs', () => {
    const previous = snapshot();
    const next = snapshot({ title: 'Other', cards: [] });
    const before = structuredClone([previous, next]);
    diffSnapshots(previous, next);
    expect([previous, next]).toEqual(before);
  });

  it('is deterministic and ordered like the snapshots', () => {
    const previous = snapshot({ cards: [] });
    const next = snapshot({ cards: [card('b', 's2', 'l1'), card('a', 's1', 'l1')] });
    expect(diffSnapshots(previous, next).cards.added.map((c) => c.key)).toEqual(['b', 'a']);
    expect(diffSnapshots(previous, next)).toEqual(diffSnapshots(previous, next));
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALWAYS_INTERNAL_LANE_KINDS,
  LANE_KINDS,
  type JourneyMapContent,
  type LaneKind,
  type MapCard,
  type MapLane,
  type MapStage,
} from '../../src/server/maps/maps.ts';
import { parseMapJson } from '../../src/server/maps/map-format.ts';
import { SNAPSHOT_FORMAT } from '../../src/server/portal/snapshot.ts';
import { findLeakWarnings } from '../../src/server/publishing/leak-check.ts';
import { describeWithheldField, redactMap } from '../../src/server/publishing/redaction.ts';

function stage(key: string, overrides: Partial<MapStage> = {}): MapStage {
  return {
    key,
    name: `Stage ${key}`,
    customerName: null,
    description: null,
    visibility: 'public',
    momentOfTruth: false,
    ...overrides,
  };
}

function lane(key: string, kind: LaneKind, overrides: Partial<MapLane> = {}): MapLane {
  return { key, name: `Lane ${key}`, customerName: null, kind, visibility: 'public', ...overrides };
}

function card(key: string, stageKey: string, laneKey: string, overrides: Partial<MapCard> = {}): MapCard {
  return {
    key,
    stage: stageKey,
    lane: laneKey,
    text: `Card ${key}`,
    customerText: null,
    visibility: 'public',
    emotion: null,
    owner: null,
    notes: null,
    ...overrides,
  };
}

function map(overrides: Partial<JourneyMapContent> = {}): JourneyMapContent {
  return {
    title: 'Map title',
    customerTitle: null,
    description: null,
    segment: null,
    persona: null,
    lifecycle: null,
    internalNotes: null,
    stages: [stage('s1')],
    lanes: [lane('l1', 'actions')],
    cards: [card('c1', 's1', 'l1')],
    ...overrides,
  };
}

/** The shared example map, read by the real journey-map/v1 importer. */
function readFixtureMap(): JourneyMapContent {
  const url = new URL('../../../shared/fixtures/enterprise-onboarding.map.json', import.meta.url);
  const result = parseMapJson(readFileSync(url, 'utf8'));
  if (!result.ok) throw new Error(`The fixture does not import: ${result.problems.join('; ')}`);
  return result.map;
}

const PUBLIC_LANE_KINDS = LANE_KINDS.filter((kind) => !ALWAYS_INTERNAL_LANE_KINDS.has(kind));

describe('redactMap: what is removed', () => {
  it('publishes a fully public map unchanged in content', () => {
    const { snapshot, report } = redactMap(map());
    expect(snapshot).toEqual({
      format: SNAPSHOT_FORMAT,
      title: 'Map title',
      stages: [{ key: 's1', name: 'Stage s1', momentOfTruth: false }],
      lanes: [{ key: 'l1', name: 'Lane l1', kind: 'actions' }],
      cards: [{ key: 'c1', stage: 's1', lane: 'l1', text: 'Card c1', emotion: null }],
    });
    expect(report.removedStages).toEqual([]);
    expect(report.removedLanes).toEqual([]);
    expect(report.removedCards).toEqual([]);
    expect(report.replacedWording).toEqual([]);
    expect(report.withheldFields).toEqual([]);
  });

  it('removes an internal stage and every card in it', () => {
    const { snapshot, report } = redactMap(
      map({
        stages: [stage('s1'), stage('secret', { name: 'Renewal risk', visibility: 'internal' })],
        cards: [card('c1', 's1', 'l1'), card('c2', 'secret', 'l1', { text: 'Flag accounts' })],
      }),
    );
    expect(snapshot.stages.map((s) => s.key)).toEqual(['s1']);
    expect(snapshot.cards.map((c) => c.key)).toEqual(['c1']);
    expect(report.removedStages).toEqual([{ key: 'secret', name: 'Renewal risk', reason: 'internal' }]);
    expect(report.removedCards).toEqual([
      {
        stage: { key: 'secret', name: 'Renewal risk' },
        lane: { key: 'l1', name: 'Lane l1' },
        cards: [{ key: 'c2', text: 'Flag accounts', reason: 'stage_internal' }],
      },
    ]);
  });

  it('removes an internal lane and every card in it', () => {
    const { snapshot, report } = redactMap(
      map({
        lanes: [lane('l1', 'actions'), lane('hidden', 'thoughts', { name: 'Hidden thoughts', visibility: 'internal' })],
        cards: [card('c1', 's1', 'l1'), card('c2', 's1', 'hidden')],
      }),
    );
    expect(snapshot.lanes.map((l) => l.key)).toEqual(['l1']);
    expect(snapshot.cards.map((c) => c.key)).toEqual(['c1']);
    expect(report.removedLanes).toEqual([{ key: 'hidden', name: 'Hidden thoughts', kind: 'thoughts', reason: 'internal' }]);
    expect(report.removedCards[0]?.cards).toEqual([{ key: 'c2', text: 'Card c2', reason: 'lane_internal' }]);
  });

  it('removes an internal card and keeps its public neighbours', () => {
    const { snapshot, report } = redactMap(
      map({
        cards: [card('c1', 's1', 'l1'), card('c2', 's1', 'l1', { visibility: 'internal' }), card('c3', 's1', 'l1')],
      }),
    );
    expect(snapshot.cards.map((c) => c.key)).toEqual(['c1', 'c3']);
    expect(report.removedCards).toEqual([
      {
        stage: { key: 's1', name: 'Stage s1' },
        lane: { key: 'l1', name: 'Lane l1' },
        cards: [{ key: 'c2', text: 'Card c2', reason: 'internal' }],
      },
    ]);
  });

  for (const kind of [...ALWAYS_INTERNAL_LANE_KINDS]) {
    it(`always removes a ${kind} lane, even one marked public`, () => {
      const { snapshot, report } = redactMap(
        map({
          lanes: [lane('l1', 'actions'), lane('x', kind, { visibility: 'public', customerName: 'Shown?' })],
          cards: [card('c1', 's1', 'l1'), card('c2', 's1', 'x')],
        }),
      );
      expect(snapshot.lanes.map((l) => l.key)).toEqual(['l1']);
      expect(snapshot.cards.map((c) => c.key)).toEqual(['c1']);
      expect(report.removedLanes).toEqual([{ key: 'x', name: 'Lane x', kind, reason: 'always_internal_kind' }]);
      expect(report.removedCards[0]?.cards).toEqual([{ key: 'c2', text: 'Card c2', reason: 'lane_always_internal' }]);
      expect(report.replacedWording).toEqual([]);
    });
  }

  for (const kind of PUBLIC_LANE_KINDS) {
    it(`publishes a public ${kind} lane`, () => {
      const { snapshot } = redactMap(map({ lanes: [lane('l1', kind)] }));
      expect(snapshot.lanes).toEqual([{ key: 'l1', name: 'Lane l1', kind }]);
      expect(snapshot.cards).toHaveLength(1);
    });
  }

  it('reports an always-internal kind rather than the visibility of an internal lane of that kind', () => {
    const { report } = redactMap(map({ lanes: [lane('l1', 'actions'), lane('b', 'backstage', { visibility: 'internal' })] }));
    expect(report.removedLanes.map((l) => l.reason)).toEqual(['always_internal_kind']);
  });

  it('gives the widest reason when several apply to a card', () => {
    const { report } = redactMap(
      map({
        stages: [stage('s1'), stage('s2', { visibility: 'internal' })],
        lanes: [lane('l1', 'actions'), lane('l2', 'thoughts', { visibility: 'internal' }), lane('l3', 'metrics')],
        cards: [
          card('a', 's2', 'l3', { visibility: 'internal' }),
          card('b', 's2', 'l2', { visibility: 'internal' }),
          card('c', 's1', 'l2', { visibility: 'internal' }),
        ],
      }),
    );
    const reasons = report.removedCards.flatMap((group) => group.cards.map((c) => [c.key, c.reason]));
    expect(reasons).toEqual([
      ['c', 'lane_internal'],
      ['b', 'stage_internal'],
      ['a', 'lane_always_internal'],
    ]);
  });

  it('never publishes a card whose stage or lane does not exist', () => {
    const { snapshot, report } = redactMap(
      map({ cards: [card('c1', 's1', 'l1'), card('lost', 'nowhere', 'l1'), card('lost2', 's1', 'nolane')] }),
    );
    expect(snapshot.cards.map((c) => c.key)).toEqual(['c1']);
    expect(report.removedCards).toEqual([
      {
        stage: { key: 's1', name: 'Stage s1' },
        lane: { key: 'nolane', name: null },
        cards: [{ key: 'lost2', text: 'Card lost2', reason: 'unknown_stage_or_lane' }],
      },
      {
        stage: { key: 'nowhere', name: null },
        lane: { key: 'l1', name: 'Lane l1' },
        cards: [{ key: 'lost', text: 'Card lost', reason: 'unknown_stage_or_lane' }],
      },
    ]);
    expect(report.counts.cards).toEqual({ published: 1, total: 3 });
  });

  it('groups removed cards per cell in grid order, cards in map order', () => {
    const { report } = redactMap(
      map({
        stages: [stage('s1'), stage('s2')],
        lanes: [lane('l1', 'actions'), lane('l2', 'owners')],
        cards: [
          card('x1', 's2', 'l2'),
          card('x2', 's1', 'l2'),
          card('x3', 's2', 'l1', { visibility: 'internal' }),
          card('x4', 's1', 'l2'),
        ],
      }),
    );
    expect(report.removedCards.map((g) => [g.stage.key, g.lane.key, g.cards.map((c) => c.key)])).toEqual([
      ['s1', 'l2', ['x2', 'x4']],
      ['s2', 'l1', ['x3']],
      ['s2', 'l2', ['x1']],
    ]);
  });

  it('counts published and total stages, lanes and cards', () => {
    const { report } = redactMap(
      map({
        stages: [stage('s1'), stage('s2', { visibility: 'internal' })],
        lanes: [lane('l1', 'actions'), lane('l2', 'notes')],
        cards: [card('c1', 's1', 'l1'), card('c2', 's2', 'l1'), card('c3', 's1', 'l2')],
      }),
    );
    expect(report.counts).toEqual({
      stages: { published: 1, total: 2 },
      lanes: { published: 1, total: 2 },
      cards: { published: 1, total: 3 },
    });
  });
});

describe('redactMap: customer wording', () => {
  it('uses customerTitle for the title', () => {
    const { snapshot, report } = redactMap(map({ title: 'FY27 plan', customerTitle: 'Your first 120 days' }));
    expect(snapshot.title).toBe('Your first 120 days');
    expect(report.replacedWording).toEqual([{ what: 'title', key: null, from: 'FY27 plan', to: 'Your first 120 days' }]);
  });

  it('uses a stage customerName', () => {
    const { snapshot, report } = redactMap(map({ stages: [stage('s1', { name: 'Contract signed', customerName: 'Getting started' })] }));
    expect(snapshot.stages[0]?.name).toBe('Getting started');
    expect(report.replacedWording).toEqual([{ what: 'stage', key: 's1', from: 'Contract signed', to: 'Getting started' }]);
  });

  it('uses a lane customerName', () => {
    const { snapshot, report } = redactMap(map({ lanes: [lane('l1', 'actions', { name: 'Cust. actions', customerName: 'What you do' })] }));
    expect(snapshot.lanes[0]?.name).toBe('What you do');
    expect(report.replacedWording).toEqual([{ what: 'lane', key: 'l1', from: 'Cust. actions', to: 'What you do' }]);
  });

  it('uses a card customerText', () => {
    const { snapshot, report } = redactMap(
      map({ cards: [card('c1', 's1', 'l1', { text: 'Email from the CSM', customerText: 'Email from your success manager' })] }),
    );
    expect(snapshot.cards[0]?.text).toBe('Email from your success manager');
    expect(report.replacedWording).toEqual([
      { what: 'card', key: 'c1', from: 'Email from the CSM', to: 'Email from your success manager' },
    ]);
  });

  it('keeps the internal wording when the customer wording is empty or blank, and trims it otherwise', () => {
    const { snapshot, report } = redactMap(
      map({
        customerTitle: '   ',
        stages: [stage('s1', { customerName: '' })],
        lanes: [lane('l1', 'actions', { customerName: '\t\n' })],
        cards: [card('c1', 's1', 'l1', { customerText: '  Customer wording  ' })],
      }),
    );
    expect(snapshot.title).toBe('Map title');
    expect(snapshot.stages[0]?.name).toBe('Stage s1');
    expect(snapshot.lanes[0]?.name).toBe('Lane l1');
    expect(snapshot.cards[0]?.text).toBe('Customer wording');
    expect(report.replacedWording).toEqual([{ what: 'card', key: 'c1', from: 'Card c1', to: 'Customer wording' }]);
  });

  it('does not report a replacement when the customer wording equals the internal wording', () => {
    const { report } = redactMap(map({ customerTitle: 'Map title' }));
    expect(report.replacedWording).toEqual([]);
  });

  it('reports no replacement for removed items', () => {
    const { report } = redactMap(
      map({
        stages: [stage('s1'), stage('s2', { visibility: 'internal', customerName: 'Nice name' })],
        cards: [card('c1', 's1', 'l1', { visibility: 'internal', customerText: 'Nice text' })],
      }),
    );
    expect(report.replacedWording).toEqual([]);
  });
});

describe('redactMap: emotions and moments of truth', () => {
  it('publishes emotion scores only in emotions lanes', () => {
    const { snapshot } = redactMap(
      map({
        lanes: [lane('feel', 'emotions'), lane('act', 'actions')],
        cards: [
          card('e1', 's1', 'feel', { emotion: -2 }),
          card('e2', 's1', 'feel', { emotion: 0 }),
          card('e3', 's1', 'feel', { emotion: null }),
          card('a1', 's1', 'act', { emotion: 2 }),
        ],
      }),
    );
    expect(snapshot.cards.map((c) => [c.key, c.emotion])).toEqual([
      ['e1', -2],
      ['e2', 0],
      ['e3', null],
      ['a1', null],
    ]);
  });

  it('drops emotion scores outside -2..+2 or not whole', () => {
    const { snapshot } = redactMap(
      map({
        lanes: [lane('feel', 'emotions')],
        cards: [card('e1', 's1', 'feel', { emotion: 3 }), card('e2', 's1', 'feel', { emotion: 1.5 })],
      }),
    );
    expect(snapshot.cards.map((c) => c.emotion)).toEqual([null, null]);
  });

  it('publishes moments of truth', () => {
    const { snapshot } = redactMap(map({ stages: [stage('s1', { momentOfTruth: true }), stage('s2')] }));
    expect(snapshot.stages.map((s) => s.momentOfTruth)).toEqual([true, false]);
  });
});

describe('redactMap: nothing internal reaches the snapshot', () => {
  /** A map with a unique canary string in every place that must never be published. */
  function mapFullOfCanaries(): JourneyMapContent {
    return map({
      title: 'CANARY-title',
      customerTitle: 'Public title',
      description: 'CANARY-description',
      segment: 'CANARY-segment',
      persona: 'CANARY-persona',
      lifecycle: 'CANARY-lifecycle',
      internalNotes: 'CANARY-internalNotes',
      stages: [
        stage('s1', { name: 'CANARY-stage-name', customerName: 'Public stage', description: 'CANARY-stage-description' }),
        stage('s2', { name: 'Second stage', description: 'CANARY-stage2-description' }),
        stage('canary-internal-stage', {
          name: 'CANARY-internal-stage-name',
          customerName: 'CANARY-internal-stage-customerName',
          description: 'CANARY-internal-stage-description',
          visibility: 'internal',
        }),
      ],
      lanes: [
        lane('l1', 'actions', { name: 'CANARY-lane-name', customerName: 'Public lane' }),
        lane('feel', 'emotions', { name: 'Feelings' }),
        lane('canary-internal-lane', 'thoughts', {
          name: 'CANARY-internal-lane-name',
          customerName: 'CANARY-internal-lane-customerName',
          visibility: 'internal',
        }),
        ...[...ALWAYS_INTERNAL_LANE_KINDS].map((kind) =>
          lane(`canary-${kind}`, kind, { name: `CANARY-${kind}-name`, customerName: `CANARY-${kind}-customerName` }),
        ),
      ],
      cards: [
        card('c1', 's1', 'l1', {
          text: 'CANARY-card-text',
          customerText: 'Public card',
          owner: 'CANARY-card-owner',
          notes: 'CANARY-card-notes',
        }),
        card('c2', 's2', 'feel', { text: 'Calm', emotion: 1, owner: 'CANARY-owner2', notes: 'CANARY-notes2' }),
        card('canary-internal-card', 's1', 'l1', {
          text: 'CANARY-internal-card-text',
          customerText: 'CANARY-internal-card-customerText',
          visibility: 'internal',
        }),
        card('canary-card-in-internal-stage', 'canary-internal-stage', 'l1', { text: 'CANARY-in-internal-stage' }),
        card('canary-card-in-internal-lane', 's1', 'canary-internal-lane', { text: 'CANARY-in-internal-lane' }),
        ...[...ALWAYS_INTERNAL_LANE_KINDS].map((kind) =>
          card(`canary-card-${kind}`, 's2', `canary-${kind}`, { text: `CANARY-card-in-${kind}`, customerText: `CANARY-ct-${kind}` }),
        ),
      ],
    });
  }

  it('publishes no canary from any internal place', () => {
    const { snapshot } = redactMap(mapFullOfCanaries());
    const json = JSON.stringify(snapshot);
    expect(json).not.toMatch(/canary/i);
    expect(snapshot).toEqual({
      format: SNAPSHOT_FORMAT,
      title: 'Public title',
      stages: [
        { key: 's1', name: 'Public stage', momentOfTruth: false },
        { key: 's2', name: 'Second stage', momentOfTruth: false },
      ],
      lanes: [
        { key: 'l1', name: 'Public lane', kind: 'actions' },
        { key: 'feel', name: 'Feelings', kind: 'emotions' },
      ],
      cards: [
        { key: 'c1', stage: 's1', lane: 'l1', text: 'Public card', emotion: null },
        { key: 'c2', stage: 's2', lane: 'feel', text: 'Calm', emotion: 1 },
      ],
    });
  });

  it('does not publish fields it does not know about (allow-list, not copy)', () => {
    const input = mapFullOfCanaries();
    const withExtras = {
      ...input,
      futureSecret: 'CANARY-extra-map',
      stages: input.stages.map((s) => ({ ...s, futureSecret: 'CANARY-extra-stage' })),
      lanes: input.lanes.map((l) => ({ ...l, futureSecret: 'CANARY-extra-lane' })),
      cards: input.cards.map((c) => ({ ...c, futureSecret: 'CANARY-extra-card' })),
    } as JourneyMapContent;
    const { snapshot } = redactMap(withExtras);
    expect(JSON.stringify(snapshot)).not.toMatch(/canary/i);
    expect(Object.keys(snapshot).sort()).toEqual(['cards', 'format', 'lanes', 'stages', 'title']);
    for (const s of snapshot.stages) expect(Object.keys(s).sort()).toEqual(['key', 'momentOfTruth', 'name']);
    for (const l of snapshot.lanes) expect(Object.keys(l).sort()).toEqual(['key', 'kind', 'name']);
    for (const c of snapshot.cards) expect(Object.keys(c).sort()).toEqual(['emotion', 'key', 'lane', 'stage', 'text']);
  });

  it('does not publish a lane kind the allow-list does not know', () => {
    const { snapshot, report } = redactMap(
      map({ lanes: [lane('l1', 'actions'), lane('new', 'future_kind' as LaneKind)], cards: [card('c', 's1', 'new')] }),
    );
    expect(snapshot.lanes.map((l) => l.key)).toEqual(['l1']);
    expect(snapshot.cards).toEqual([]);
    expect(report.removedLanes[0]?.reason).toBe('always_internal_kind');
  });

  it('shares no object with the internal map', () => {
    const input = map();
    const { snapshot } = redactMap(input);
    expect(snapshot.stages[0]).not.toBe(input.stages[0]);
    expect(snapshot.lanes[0]).not.toBe(input.lanes[0]);
    expect(snapshot.cards[0]).not.toBe(input.cards[0]);
  });

  it('lists every never-published field that held something', () => {
    const { report } = redactMap(mapFullOfCanaries());
    expect(report.withheldFields).toEqual([
      { field: 'internalNotes', count: 1 },
      { field: 'description', count: 1 },
      { field: 'persona', count: 1 },
      { field: 'segment', count: 1 },
      { field: 'lifecycle', count: 1 },
      { field: 'stageDescriptions', count: 3 },
      { field: 'cardOwners', count: 2 },
      { field: 'cardNotes', count: 2 },
    ]);
  });

  it('does not list blank never-published fields', () => {
    const { report } = redactMap(
      map({ description: '  ', internalNotes: '', cards: [card('c1', 's1', 'l1', { owner: ' ', notes: '\n' })] }),
    );
    expect(report.withheldFields).toEqual([]);
  });

  it('describes withheld fields for the UI', () => {
    expect(describeWithheldField({ field: 'internalNotes', count: 1 })).toBe('Internal notes');
    expect(describeWithheldField({ field: 'description', count: 1 })).toBe('Map description');
    expect(describeWithheldField({ field: 'cardOwners', count: 1 })).toBe('1 card owner');
    expect(describeWithheldField({ field: 'cardOwners', count: 6 })).toBe('6 card owners');
    expect(describeWithheldField({ field: 'cardNotes', count: 2 })).toBe('2 card notes');
    expect(describeWithheldField({ field: 'stageDescriptions', count: 2 })).toBe('2 stage descriptions');
  });

  it('does not change its input', () => {
    const input = mapFullOfCanaries();
    const before = structuredClone(input);
    redactMap(input);
    expect(input).toEqual(before);
  });

  it('gives the same result for the same map', () => {
    expect(redactMap(mapFullOfCanaries())).toEqual(redactMap(mapFullOfCanaries()));
  });
});

describe('redactMap on the enterprise onboarding fixture', () => {
  const fixture = readFixtureMap();
  const { snapshot, report } = redactMap(fixture);

  it('publishes the customer title', () => {
    expect(snapshot.title).toBe('Your first 120 days with Northwind Analytics');
  });

  it('keeps every stage but the internal renewal risk review, with customer names', () => {
    expect(snapshot.stages).toEqual([
      { key: 'signed', name: 'Getting started', momentOfTruth: false },
      { key: 'kickoff', name: 'Kickoff', momentOfTruth: true },
      { key: 'setup', name: 'Technical setup', momentOfTruth: false },
      { key: 'rollout', name: 'Team rollout', momentOfTruth: false },
      { key: 'value', name: 'First value', momentOfTruth: true },
      { key: 'qbr', name: 'First business review', momentOfTruth: false },
    ]);
    expect(report.removedStages).toEqual([{ key: 'renewal-risk', name: 'Renewal risk review', reason: 'internal' }]);
  });

  it('keeps the five customer-facing lanes and removes backstage, owners and KPIs', () => {
    expect(snapshot.lanes).toEqual([
      { key: 'actions', name: 'Customer actions', kind: 'actions' },
      { key: 'touchpoints', name: 'Touchpoints', kind: 'touchpoints' },
      { key: 'thoughts', name: 'What the customer thinks', kind: 'thoughts' },
      { key: 'emotions', name: 'How it feels', kind: 'emotions' },
      { key: 'pain', name: 'Pain points', kind: 'pain_points' },
    ]);
    expect(report.removedLanes).toEqual([
      { key: 'backstage', name: 'Backstage process', kind: 'backstage', reason: 'always_internal_kind' },
      { key: 'owners', name: 'Internal owner', kind: 'owners', reason: 'always_internal_kind' },
      { key: 'kpis', name: 'KPIs', kind: 'metrics', reason: 'always_internal_kind' },
    ]);
  });

  it('publishes 28 of 50 cards, none internal, none in a removed stage or lane', () => {
    expect(report.counts).toEqual({
      stages: { published: 6, total: 7 },
      lanes: { published: 5, total: 8 },
      cards: { published: 28, total: 50 },
    });
    const publishedStages = new Set(snapshot.stages.map((s) => s.key));
    const publishedLanes = new Set(snapshot.lanes.map((l) => l.key));
    for (const c of snapshot.cards) {
      expect(publishedStages.has(c.stage)).toBe(true);
      expect(publishedLanes.has(c.lane)).toBe(true);
    }
    const removedCount = report.removedCards.reduce((sum, group) => sum + group.cards.length, 0);
    expect(removedCount).toBe(22);
  });

  it('removes the internal pain points', () => {
    const internalPain = report.removedCards
      .filter((group) => group.lane.key === 'pain')
      .flatMap((group) => group.cards.map((c) => [group.stage.key, c.reason]));
    expect(internalPain).toEqual([
      ['signed', 'internal'],
      ['kickoff', 'internal'],
      ['value', 'internal'],
      ['qbr', 'internal'],
    ]);
  });

  it('replaces the title, two stage names and three card texts', () => {
    expect(report.replacedWording.map((r) => [r.what, r.to])).toEqual([
      ['title', 'Your first 120 days with Northwind Analytics'],
      ['stage', 'Getting started'],
      ['stage', 'First business review'],
      ['card', 'Welcome email from your success manager'],
      ['card', 'Not sure who the next contact is'],
      ['card', 'Security review of the connector takes a long time'],
    ]);
  });

  it('publishes the emotional curve', () => {
    expect(snapshot.cards.filter((c) => c.lane === 'emotions').map((c) => [c.stage, c.emotion])).toEqual([
      ['signed', 1],
      ['kickoff', 2],
      ['setup', -2],
      ['rollout', 0],
      ['value', 2],
      ['qbr', 0],
    ]);
    expect(snapshot.cards.filter((c) => c.lane !== 'emotions').every((c) => c.emotion === null)).toBe(true);
  });

  it('lists the never-published fields', () => {
    expect(report.withheldFields.map(describeWithheldField)).toEqual([
      'Internal notes',
      'Map description',
      'Persona',
      'Segment',
      'Lifecycle phase',
      '2 stage descriptions',
      '6 card owners',
      '1 card note',
    ]);
  });

  it('publishes none of the internal wording', () => {
    const json = JSON.stringify(snapshot);
    for (const internal of [
      'FY27',
      'ARR > $150k',
      'Dana, Head of Data',
      'Q3 offsite',
      'Order form countersigned',
      'Welcome email from the CSM',
      '30% of deals',
      'Salesforce',
      'VP Sales',
      'Director of Implementation',
      'Raised in the FY27 headcount plan',
      'Renewal risk review',
      'Gross revenue retention',
      'Backstage process',
      'KPIs',
    ]) {
      expect(json).not.toContain(internal);
    }
  });

  it('leaves no e-mail, money, percentage or link in what is published', () => {
    expect(findLeakWarnings(snapshot, [])).toEqual([]);
  });
});

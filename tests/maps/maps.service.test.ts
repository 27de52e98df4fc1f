import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/app.ts';
import type { JourneyMapContent } from '../../src/server/maps/maps.ts';
import { createTestApp } from '../helpers/database.ts';

let app: App;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ app, cleanup } = await createTestApp()));
afterEach(() => cleanup());

function sampleContent(): JourneyMapContent {
  return {
    title: 'Onboarding',
    customerTitle: 'Your first weeks',
    description: null,
    segment: 'Enterprise',
    persona: null,
    lifecycle: 'onboarding',
    internalNotes: 'secret',
    stages: [
      { key: 'signed', name: 'Signed', customerName: null, description: null, visibility: 'public', momentOfTruth: false },
      { key: 'kickoff', name: 'Kickoff', customerName: null, description: null, visibility: 'public', momentOfTruth: true },
    ],
    lanes: [
      { key: 'actions', name: 'Actions', customerName: null, kind: 'actions', visibility: 'public' },
      { key: 'backstage', name: 'Backstage', customerName: null, kind: 'backstage', visibility: 'public' },
    ],
    cards: [
      { key: 'c1', stage: 'signed', lane: 'actions', text: 'Signs', customerText: null, visibility: 'public', emotion: null, owner: 'Sales', notes: null },
      { key: 'c2', stage: 'signed', lane: 'actions', text: 'Forwards email', customerText: null, visibility: 'public', emotion: null, owner: null, notes: null },
      { key: 'c3', stage: 'kickoff', lane: 'backstage', text: 'CRM update', customerText: null, visibility: 'internal', emotion: 1, owner: null, notes: 'n' },
    ],
  };
}

describe('the maps service', () => {
  it('imports a map and gives back the same content, in order', async () => {
    const id = await app.maps.importMap(sampleContent(), null);
    expect(await app.maps.getMapContent(id)).toEqual(sampleContent());
  });

  it('lists maps filtered by segment, lifecycle and title search, without archived ones', async () => {
    const a = await app.maps.importMap(sampleContent(), null);
    await app.maps.importMap({ ...sampleContent(), title: 'Renewal 100%_done', segment: 'SMB', lifecycle: 'renewal' }, null);
    expect((await app.maps.listMaps({ segment: 'SMB' })).map((m) => m.title)).toEqual(['Renewal 100%_done']);
    expect((await app.maps.listMaps({ lifecycle: 'onboarding' })).map((m) => m.id)).toEqual([a]);
    expect((await app.maps.listMaps({ search: 'BOARD' })).map((m) => m.id)).toEqual([a]);
    expect((await app.maps.listMaps({ search: '%_' })).map((m) => m.title)).toEqual(['Renewal 100%_done']);
    await app.maps.setArchived(a, true);
    expect((await app.maps.listMaps({})).map((m) => m.title)).toEqual(['Renewal 100%_done']);
    expect((await app.maps.listMaps({ isArchived: true })).map((m) => m.id)).toEqual([a]);
    const [summary] = await app.maps.listMaps({ isArchived: true });
    expect(summary).toMatchObject({ stageCount: 2, cardCount: 3 });
  });

  it('duplicates a map as an independent copy', async () => {
    const id = await app.maps.importMap(sampleContent(), null);
    const copy = await app.maps.duplicateMap(id, null);
    if (!copy.ok) throw new Error(copy.message);
    const content = await app.maps.getMapContent(copy.value);
    expect(content).toEqual({ ...sampleContent(), title: 'Copy of Onboarding' });
    const map = (await app.maps.getEditableMap(copy.value))!;
    await app.maps.updateCard(map.cards[0]!.id, map.cards[0]!.revision, { text: 'Changed in the copy' });
    expect((await app.maps.getMapContent(id))!.cards[0]!.text).toBe('Signs');
  });

  it('deletes a map with everything in it', async () => {
    const id = await app.maps.importMap(sampleContent(), null);
    expect(await app.maps.deleteMap(id)).toMatchObject({ ok: true });
    expect(await app.maps.getEditableMap(id)).toBeNull();
    expect(await app.db.selectFrom('map_cards').selectAll().execute()).toEqual([]);
  });

  it('adds, renames, reorders and deletes stages and lanes', async () => {
    const id = await app.maps.importMap(sampleContent(), null);
    const added = await app.maps.addStage(id, { name: 'Technical setup' });
    if (!added.ok) throw new Error(added.message);
    expect(added.value.key).toBe('technical-setup');
    await app.maps.moveStage(added.value.id, 0);
    let map = (await app.maps.getEditableMap(id))!;
    expect(map.stages.map((s) => s.key)).toEqual(['technical-setup', 'signed', 'kickoff']);
    const renamed = await app.maps.updateStage(added.value.id, added.value.revision, { name: 'Setup', visibility: 'internal', momentOfTruth: true });
    expect(renamed).toMatchObject({ ok: true, value: { name: 'Setup', visibility: 'internal', momentOfTruth: true, key: 'technical-setup' } });
    const lane = await app.maps.addLane(id, { name: 'How it feels', kind: 'emotions', afterLaneId: map.lanes[0]!.id });
    if (!lane.ok) throw new Error(lane.message);
    map = (await app.maps.getEditableMap(id))!;
    expect(map.lanes.map((l) => l.kind)).toEqual(['actions', 'emotions', 'backstage']);
    expect(await app.maps.deleteStage(map.stages[1]!.id)).toMatchObject({ ok: true });
    map = (await app.maps.getEditableMap(id))!;
    expect(map.stages.map((s) => s.key)).toEqual(['technical-setup', 'kickoff']);
    expect(map.cards.map((c) => c.key)).toEqual(['c3']); // the deleted stage's cards went with it
  });

  it('refuses bad edits with a clear message and changes nothing', async () => {
    const id = await app.maps.importMap(sampleContent(), null);
    const map = (await app.maps.getEditableMap(id))!;
    const card = map.cards[0]!;
    expect(await app.maps.updateCard(card.id, card.revision, { emotion: 3 })).toMatchObject({ ok: false, error: 'invalid', message: 'emotion must be a whole number from -2 to 2.' });
    expect(await app.maps.updateCard(card.id, card.revision, { text: '   ' })).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.maps.updateCard(card.id, card.revision, { text: 'x'.repeat(2001) })).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.maps.addLane(id, { name: 'X', kind: 'gossip' })).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.maps.getMapContent(id)).toEqual(sampleContent());
  });

  it('gives the later of two editors a conflict with the current card, never overwriting', async () => {
    const id = await app.maps.importMap(sampleContent(), null);
    const card = (await app.maps.getEditableMap(id))!.cards[0]!;
    const first = await app.maps.updateCard(card.id, card.revision, { text: 'Alice wrote this' });
    expect(first.ok).toBe(true);
    const second = await app.maps.updateCard(card.id, card.revision, { text: 'Bob wrote this' });
    expect(second).toMatchObject({ ok: false, error: 'conflict', current: { text: 'Alice wrote this', revision: card.revision + 1 } });
    expect((await app.maps.getMapContent(id))!.cards[0]!.text).toBe('Alice wrote this');
  });

  it('adds and moves cards between cells keeping order', async () => {
    const id = await app.maps.importMap(sampleContent(), null);
    const map = (await app.maps.getEditableMap(id))!;
    const [signed, kickoff] = map.stages;
    const [actions] = map.lanes;
    const added = await app.maps.addCard(id, { stageId: kickoff!.id, laneId: actions!.id, text: 'Joins the kickoff call', emotion: -1 });
    if (!added.ok) throw new Error(added.message);
    expect(added.value.key).toMatch(/^card-\d+$/);
    const moved = await app.maps.moveCard(map.cards[1]!.id, { stageId: kickoff!.id, laneId: actions!.id, index: 0 });
    expect(moved.ok).toBe(true);
    const content = (await app.maps.getMapContent(id))!;
    expect(content.cards.filter((c) => c.stage === 'kickoff' && c.lane === 'actions').map((c) => c.text)).toEqual(['Forwards email', 'Joins the kickoff call']);
    expect(content.cards.filter((c) => c.stage === signed!.key).map((c) => c.text)).toEqual(['Signs']);
  });

  it('keeps at least one stage and one lane', async () => {
    const created = await app.maps.createMap({ title: 'Empty' }, null);
    if (!created.ok) throw new Error(created.message);
    const map = (await app.maps.getEditableMap(created.value))!;
    expect(await app.maps.deleteStage(map.stages[0]!.id)).toMatchObject({ ok: false, error: 'limit' });
    expect(await app.maps.deleteLane(map.lanes[0]!.id)).toMatchObject({ ok: false, error: 'limit' });
  });
});

describe('limits count characters, as the interchange format does', () => {
  it('accepts a card of 2,000 emoji and refuses 2,001', async () => {
    const id = await app.maps.importMap(sampleContent(), null);
    const card = (await app.maps.getEditableMap(id))!.cards[0]!;
    expect(await app.maps.updateCard(card.id, card.revision, { text: '😀'.repeat(2000) })).toMatchObject({ ok: true });
    expect(await app.maps.updateCard(card.id, card.revision + 1, { text: '😀'.repeat(2001) })).toMatchObject({ ok: false, error: 'invalid' });
  });
});

describe('map details', () => {
  it('answer a stale change with every current detail, so the editor can show theirs', async () => {
    const id = await app.maps.importMap(sampleContent(), null);
    const map = (await app.maps.getEditableMap(id))!;
    expect(await app.maps.updateMapDetails(id, map.revision, { persona: 'Dana' })).toMatchObject({ ok: true });
    expect(await app.maps.updateMapDetails(id, map.revision, { persona: 'Sam' })).toMatchObject({
      ok: false,
      error: 'conflict',
      current: { revision: map.revision + 1, persona: 'Dana', title: 'Onboarding', customerTitle: 'Your first weeks', internalNotes: 'secret' },
    });
  });
});

describe('ordering helpers', () => {
  it('move an id to a clamped index and insert after another id or at the end', async () => {
    const { moveIdTo, insertIdAfter } = await import('../../src/server/maps/map-edits.ts');
    expect(moveIdTo(['a', 'b', 'c'], 'c', 0)).toEqual(['c', 'a', 'b']);
    expect(moveIdTo(['a', 'b', 'c'], 'a', 99)).toEqual(['b', 'c', 'a']);
    expect(moveIdTo(['a', 'b', 'c'], 'b', -5)).toEqual(['b', 'a', 'c']);
    expect(insertIdAfter(['a', 'b'], 'x', 'a')).toEqual(['a', 'x', 'b']);
    expect(insertIdAfter(['a', 'b'], 'x', null)).toEqual(['a', 'b', 'x']);
    expect(insertIdAfter(['a', 'b'], 'x', 'missing')).toEqual(['a', 'b', 'x']);
  });
});

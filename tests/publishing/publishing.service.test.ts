import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/app.ts';
import type { JourneyMapContent } from '../../src/server/maps/maps.ts';
import { createTestApp } from '../helpers/database.ts';

let app: App;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ app, cleanup } = await createTestApp()));
afterEach(() => cleanup());

const actor = { id: null, name: 'Test Editor' };

function content(overrides: Partial<JourneyMapContent> = {}): JourneyMapContent {
  return {
    title: 'Internal title',
    customerTitle: 'Your onboarding',
    description: 'ARR > $150k accounts',
    segment: 'Enterprise',
    persona: null,
    lifecycle: 'onboarding',
    internalNotes: 'notes',
    stages: [
      { key: 'signed', name: 'Contract signed', customerName: 'Getting started', description: null, visibility: 'public', momentOfTruth: false },
      { key: 'risk', name: 'Renewal risk', customerName: null, description: null, visibility: 'internal', momentOfTruth: false },
    ],
    lanes: [
      { key: 'actions', name: 'Actions', customerName: null, kind: 'actions', visibility: 'public' },
      { key: 'backstage', name: 'Backstage', customerName: null, kind: 'backstage', visibility: 'public' },
    ],
    cards: [
      { key: 'c1', stage: 'signed', lane: 'actions', text: 'Signs the order form', customerText: null, visibility: 'public', emotion: null, owner: 'Sales', notes: null },
      { key: 'c2', stage: 'signed', lane: 'backstage', text: 'Handoff spreadsheet', customerText: null, visibility: 'public', emotion: null, owner: null, notes: null },
    ],
    ...overrides,
  };
}

describe('publishing', () => {
  it('stores an immutable snapshot of only the public content, numbered from 1', async () => {
    const mapId = await app.maps.importMap(content(), null);
    const result = await app.publishing.publish(mapId, { actor, acknowledgeWarnings: false });
    expect(result).toMatchObject({ ok: true, value: { version: 1 } });
    const version = (await app.publishing.getVersion(mapId, 1))!;
    expect(version.snapshot.title).toBe('Your onboarding');
    expect(version.snapshot.stages.map((s) => s.name)).toEqual(['Getting started']);
    expect(version.snapshot.cards.map((c) => c.text)).toEqual(['Signs the order form']);
    const stored = JSON.stringify(await app.db.selectFrom('map_versions').select('snapshot').execute());
    for (const secret of ['Internal title', 'Contract signed', 'Renewal risk', 'Handoff', 'Sales', 'ARR', 'signed', 'notes']) expect(stored).not.toContain(secret);
  });

  it('never changes a published version when the map is edited later', async () => {
    const mapId = await app.maps.importMap(content(), null);
    await app.publishing.publish(mapId, { actor, acknowledgeWarnings: false });
    const card = (await app.maps.getEditableMap(mapId))!.cards.find((c) => c.key === 'c1')!;
    await app.maps.updateCard(card.id, card.revision, { text: 'Signs electronically' });
    expect((await app.publishing.getVersion(mapId, 1))!.snapshot.cards[0]!.text).toBe('Signs the order form');
    const second = await app.publishing.publish(mapId, { actor, acknowledgeWarnings: false });
    expect(second).toMatchObject({ ok: true, value: { version: 2 } });
    const diff = (await app.publishing.diffVersion(mapId, 2))!;
    expect(diff.cards.reworded).toMatchObject([{ from: 'Signs the order form', to: 'Signs electronically' }]);
    expect((await app.publishing.listVersions(mapId)).map((v) => v.number)).toEqual([2, 1]);
  });

  it('counts nothing as reworded in a first version, and a changed title as reworded later', async () => {
    const mapId = await app.maps.importMap(content(), null);
    await app.publishing.publish(mapId, { actor, acknowledgeWarnings: false });
    const map = (await app.maps.getEditableMap(mapId))!;
    await app.maps.updateMapDetails(mapId, map.revision, { customerTitle: 'Your first weeks' });
    await app.publishing.publish(mapId, { actor, acknowledgeWarnings: false });
    const [second, first] = await app.publishing.listVersions(mapId);
    expect(first!.summary.changes).toEqual({ added: 3, removed: 0, reworded: 0, moved: 0 });
    expect(second!.summary.changes).toEqual({ added: 0, removed: 0, reworded: 1, moved: 0 });
  });

  it('keeps published keys stable across versions and free of internal key names', async () => {
    const mapId = await app.maps.importMap(content(), null);
    await app.publishing.publish(mapId, { actor, acknowledgeWarnings: false });
    await app.publishing.publish(mapId, { actor, acknowledgeWarnings: false });
    const [v1, v2] = [(await app.publishing.getVersion(mapId, 1))!, (await app.publishing.getVersion(mapId, 2))!];
    expect(v2.snapshot.cards.map((c) => c.key)).toEqual(v1.snapshot.cards.map((c) => c.key));
    expect(v1.snapshot.stages[0]!.key).not.toBe('signed');
    expect(v1.snapshot.cards[0]!.stage).toBe(v1.snapshot.stages[0]!.key);
  });

  it('refuses to publish with leak warnings until they are acknowledged, and records the acknowledgement', async () => {
    await app.publishing.addLeakTerm('Salesforce', null);
    const mapId = await app.maps.importMap(
      content({ cards: [{ key: 'c1', stage: 'signed', lane: 'actions', text: 'Gets a Salesforce invite, costs $1,200', customerText: null, visibility: 'public', emotion: null, owner: null, notes: null }] }),
      null,
    );
    const refused = await app.publishing.publish(mapId, { actor, acknowledgeWarnings: false });
    expect(refused).toMatchObject({ ok: false, error: 'unacknowledged_warnings' });
    expect(await app.publishing.listVersions(mapId)).toEqual([]);
    const published = await app.publishing.publish(mapId, { actor, acknowledgeWarnings: true });
    expect(published.ok).toBe(true);
    const [version] = await app.publishing.listVersions(mapId);
    expect(version!.acknowledgedWarnings!.map((w) => w.rule).sort()).toEqual(['money', 'term']);
    expect(version!.publishedByName).toBe('Test Editor');
  });

  it('warns about staff names automatically', async () => {
    await app.staff.create({ email: 'dana@example.com', name: 'Dana Whitfield', role: 'editor' });
    const mapId = await app.maps.importMap(
      content({ cards: [{ key: 'c1', stage: 'signed', lane: 'actions', text: 'Call with Dana Whitfield', customerText: null, visibility: 'public', emotion: null, owner: null, notes: null }] }),
      null,
    );
    const prepared = (await app.publishing.preparePublication(mapId))!;
    expect(prepared.warnings.map((w) => w.rule)).toEqual(['staff_name']);
  });

  it('refuses bad leak terms and duplicates', async () => {
    expect(await app.publishing.addLeakTerm(' x ', null)).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.publishing.addLeakTerm('Falcon', null)).toMatchObject({ ok: true });
    expect(await app.publishing.addLeakTerm('Falcon', null)).toMatchObject({ ok: false, error: 'duplicate' });
  });

  it('serves published versions to the portal by id, from the snapshot only', async () => {
    const mapId = await app.maps.importMap(content(), null);
    const result = await app.publishing.publish(mapId, { actor, acknowledgeWarnings: false });
    if (!result.ok) throw new Error(result.message);
    const version = (await app.portal.getPublishedVersion(result.value.versionId))!;
    expect(version.number).toBe(1);
    expect(version.hash).toMatch(/^[\w-]{43}$/);
    expect(await app.portal.getPublishedVersion('missing')).toBeNull();
  });
});

describe('deleting a published map', () => {
  it('is refused with a clear message: versions are kept, archiving is the way', async () => {
    const mapId = await app.maps.importMap(content(), null);
    await app.publishing.publish(mapId, { actor, acknowledgeWarnings: false });
    expect(await app.maps.deleteMap(mapId)).toMatchObject({ ok: false, error: 'limit', message: expect.stringContaining('Archive it') });
    expect(await app.publishing.listVersions(mapId)).toHaveLength(1);
  });
});

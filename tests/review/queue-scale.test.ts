/**
 * The queue's fast paths (one grouped count for both axes, the order and count indexes, the
 * priority page read by ratings) checked against brute force: a few thousand generated
 * annotations, and for many random filters the page and counts the service returns compared
 * with what plain JavaScript over every row says they must be.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/app.ts';
import { accountKey, computePriority, DISPOSITIONS, MODERATION_STATES } from '../../src/server/review/review.ts';
import { RANK_ALL_MAX, type QueueFilter } from '../../src/server/review/review.service.ts';
import { createTestApp } from '../helpers/database.ts';
import { buildSmallMap } from '../helpers/maps.ts';

const ITEMS = 2 * RANK_ALL_MAX + 1500;
const KINDS = ['missing', 'inaccurate', 'pain_point', 'works_well', 'question', 'idea'];
const TAGS = ['billing', 'export', 'mobile'];
const SEGMENTS = ['SMB', 'Enterprise', null];
const ACCOUNTS = ['Acme', ' acme ', 'Globex', null];

let app: App;
let cleanup: () => Promise<void>;

type Row = {
  id: string;
  map_id: string;
  version_id: string;
  invitation_id: string;
  participant_id: string;
  stage_key: string | null;
  card_key: string | null;
  kind: string;
  importance: number | null;
  business_impact: number | null;
  effort: number | null;
  is_withdrawn: number;
  moderation: string;
  disposition: string;
  owner_id: string | null;
  created_at: number;
};
const world = {
  rows: [] as Row[],
  tags: new Map<string, Set<string>>(),
  invitations: new Map<string, { map_id: string; participant_id: string; account: string | null; segment: string | null }>(),
  votes: [] as { annotation_id: string; participant_id: string }[],
  reporters: [] as { annotation_id: string; participant_id: string; importance: number | null }[],
  maps: [] as { id: string; versions: string[]; stages: string[]; cardsOfStage: Map<string, string[]> }[],
  staff: [] as string[],
};

let seed = 11;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const maybe = <T>(p: number, value: () => T): T | null => (random() < p ? value() : null);

beforeAll(async () => {
  ({ app, cleanup } = await createTestApp());
  const db = app.db;
  const now = Date.UTC(2026, 10, 25);
  for (const name of ['Rita', 'Eddie']) {
    const created = await app.staff.create({ email: `${name.toLowerCase()}@example.com`, name, role: 'reviewer', password: 'correct horse battery staple' });
    if (!created.ok) throw new Error(created.message);
    world.staff.push(created.value.member.id);
  }
  for (let m = 0; m < 2; m++) {
    const mapId = await app.maps.importMap({ ...buildSmallMap({ customerTitle: `Map ${m}`, stages: 3 }), cards: [0, 1, 2, 3].map((i) => ({ key: `c${i}`, stage: `s${(i % 3) + 1}`, lane: 'l', text: `Card ${i}`, customerText: null, visibility: 'public' as const, emotion: null, owner: null, notes: null })) }, null);
    const versions: string[] = [];
    for (let v = 0; v < 2; v++) {
      const published = await app.publishing.publish(mapId, { actor: { id: null, name: 'Test' }, acknowledgeWarnings: true });
      if (!published.ok) throw new Error(published.message);
      versions.push(published.value.versionId);
    }
    const snapshot = (await app.portal.getPublishedVersion(versions[1]!))!.snapshot;
    const cardsOfStage = new Map<string, string[]>();
    for (const card of snapshot.cards) cardsOfStage.set(card.stage, [...(cardsOfStage.get(card.stage) ?? []), card.key]);
    world.maps.push({ id: mapId, versions, stages: snapshot.stages.map((s) => s.key), cardsOfStage });
  }
  // Twelve people, invited to both maps, with accounts (spelled differently) and segments.
  for (let p = 0; p < 12; p++) {
    const participantId = `p${p}`;
    await db.insertInto('participants').values({ id: participantId, email: `p${p}@example.com`, created_at: now }).execute();
    for (const map of world.maps) {
      const id = `i${p}-${map.id}`;
      const account = pick(ACCOUNTS);
      const segment = pick(SEGMENTS);
      await db
        .insertInto('invitations')
        .values({ id, map_id: map.id, version_number: null, participant_id: participantId, email: `p${p}@example.com`, name: `P${p}`, account, segment, role: null, token_hash: `hash-${id}`, created_by: null, created_at: now, expires_at: now + 1e10, revoked_at: null, opened_at: null, responded_at: null, last_sent_at: null })
        .execute();
      world.invitations.set(id, { map_id: map.id, participant_id: participantId, account, segment });
    }
  }
  const invitationIds = [...world.invitations.keys()];
  for (let n = 0; n < ITEMS; n++) {
    const invitationId = pick(invitationIds);
    const invitation = world.invitations.get(invitationId)!;
    const map = world.maps.find((m) => m.id === invitation.map_id)!;
    const anchor = pick(['map', 'stage', 'card'] as const);
    const stage = pick(map.stages);
    const row: Row = {
      id: `a${String(n).padStart(5, '0')}`,
      map_id: map.id,
      version_id: pick(map.versions),
      invitation_id: invitationId,
      participant_id: invitation.participant_id,
      stage_key: anchor === 'stage' ? stage : null,
      card_key: anchor === 'card' ? pick(map.cardsOfStage.get(stage) ?? ['none']) : null,
      kind: pick(KINDS),
      importance: maybe(0.6, () => 1 + Math.floor(random() * 5)),
      business_impact: maybe(0.3, () => 1 + Math.floor(random() * 5)),
      effort: maybe(0.3, () => 1 + Math.floor(random() * 5)),
      is_withdrawn: random() < 0.03 ? 1 : 0,
      moderation: pick(MODERATION_STATES),
      disposition: pick(DISPOSITIONS.filter((d) => d !== 'duplicate')),
      owner_id: maybe(0.6, () => pick(world.staff)),
      // Many share a time, so the order's tie-break on id is exercised too.
      created_at: now + Math.floor(random() * 400) * 1000,
    };
    world.rows.push(row);
  }
  for (let i = 0; i < world.rows.length; i += 200) {
    await db
      .insertInto('annotations')
      .values(world.rows.slice(i, i + 200).map((r) => ({ ...r, anchor_kind: r.card_key ? 'card' : r.stage_key ? 'stage' : 'map', kind: r.kind as never, text: `Text ${r.id}`, updated_at: r.created_at, moderation: r.moderation as never })))
      .execute();
  }
  const now2 = now + 1e6;
  for (const row of world.rows) {
    for (const tag of TAGS) if (random() < 0.15) (world.tags.get(row.id) ?? world.tags.set(row.id, new Set()).get(row.id)!).add(tag);
    // Others on the same map +1 a few items and raised a few duplicates merged into others.
    const others = [...world.invitations.values()].filter((i) => i.map_id === row.map_id && i.participant_id !== row.participant_id);
    if (random() < 0.08) for (const voter of new Set([pick(others), pick(others)])) world.votes.push({ annotation_id: row.id, participant_id: voter.participant_id });
    if (random() < 0.05) {
      const reporter = pick(others);
      if (!world.votes.some((v) => v.annotation_id === row.id && v.participant_id === reporter.participant_id)) world.reporters.push({ annotation_id: row.id, participant_id: reporter.participant_id, importance: maybe(0.7, () => 1 + Math.floor(random() * 5)) });
    }
  }
  const tagRows = [...world.tags].flatMap(([annotationId, tags]) => [...tags].map((tag) => ({ annotation_id: annotationId, tag, created_at: now2 })));
  for (let i = 0; i < tagRows.length; i += 300) await db.insertInto('annotation_tags').values(tagRows.slice(i, i + 300)).execute();
  for (let i = 0; i < world.votes.length; i += 300) await db.insertInto('annotation_votes').values(world.votes.slice(i, i + 300).map((v) => ({ ...v, created_at: now2 }))).execute();
  for (let i = 0; i < world.reporters.length; i += 300) {
    await db.insertInto('annotation_reporters').values(world.reporters.slice(i, i + 300).map((r) => ({ ...r, source_annotation_id: 'merged', created_at: now2 }))).execute();
  }
}, 60_000);
afterAll(() => cleanup());

/** Does the row pass the filter? Plain JavaScript, as the filter is documented. */
function passes(row: Row, f: QueueFilter, except?: 'moderation' | 'disposition'): boolean {
  if (row.is_withdrawn) return false;
  const invitation = world.invitations.get(row.invitation_id)!;
  if (f.mapId && row.map_id !== f.mapId) return false;
  if (f.versionId && row.version_id !== f.versionId) return false;
  if (f.stageKey) {
    const map = world.maps.find((m) => m.id === (f.mapId ?? row.map_id));
    const cards = f.mapId || f.versionId ? (map?.cardsOfStage.get(f.stageKey) ?? []) : [];
    if (row.stage_key !== f.stageKey && !(row.card_key && cards.includes(row.card_key))) return false;
  }
  if (f.kind && row.kind !== f.kind) return false;
  if (f.segment && invitation.segment !== f.segment) return false;
  if (f.account && invitation.account !== f.account) return false;
  if (except !== 'moderation' && f.moderation && row.moderation !== f.moderation) return false;
  if (except !== 'disposition' && f.disposition && row.disposition !== f.disposition) return false;
  if (f.ownerId === 'none' ? row.owner_id !== null : f.ownerId && row.owner_id !== f.ownerId) return false;
  if (f.tag && !world.tags.get(row.id)?.has(f.tag)) return false;
  return true;
}

function newest(a: Row, b: Row): number {
  return b.created_at - a.created_at || (a.id < b.id ? 1 : -1);
}

/** Every item's priority from the raw tables: author, voters and reporters, their accounts on the map. */
function priorityOf(row: Row): number {
  const participants = new Set([row.participant_id]);
  const accountOf = (participantId: string) => [...world.invitations.values()].find((i) => i.map_id === row.map_id && i.participant_id === participantId)?.account ?? null;
  const accounts = new Set([accountKey(accountOf(row.participant_id), row.participant_id)]);
  const importances = row.importance === null ? [] : [row.importance];
  for (const v of world.votes.filter((v) => v.annotation_id === row.id)) {
    participants.add(v.participant_id);
    accounts.add(accountKey(accountOf(v.participant_id), v.participant_id));
  }
  for (const r of world.reporters.filter((r) => r.annotation_id === row.id)) {
    participants.add(r.participant_id);
    accounts.add(accountKey(accountOf(r.participant_id), r.participant_id));
    if (r.importance !== null) importances.push(r.importance);
  }
  return computePriority({ participants: participants.size, accounts: accounts.size, importances, businessImpact: row.business_impact, effort: row.effort }).score;
}

/** A random filter: each field set now and then, sometimes to a value nothing has. */
function randomFilter(): QueueFilter {
  const f: QueueFilter = {};
  const map = pick(world.maps);
  if (random() < 0.35) f.mapId = random() < 0.95 ? map.id : 'no-such-map';
  if (random() < 0.15) f.versionId = pick(map.versions);
  if (f.mapId && random() < 0.3) f.stageKey = pick(map.stages);
  if (random() < 0.25) f.kind = pick(KINDS);
  if (random() < 0.2) f.segment = pick(['SMB', 'Enterprise', 'Public sector']);
  if (random() < 0.15) f.account = pick(['Acme', 'Globex', 'Initech']);
  if (random() < 0.3) f.moderation = pick(MODERATION_STATES);
  if (random() < 0.3) f.disposition = pick(DISPOSITIONS);
  if (random() < 0.25) f.ownerId = random() < 0.5 ? 'none' : pick(world.staff);
  if (random() < 0.2) f.tag = pick([...TAGS, 'unused']);
  return f;
}

describe('the queue at a few thousand items, against brute force', () => {
  it('counts each axis with every other filter, and totals, for random filters', async () => {
    const filters: QueueFilter[] = [{}, { ownerId: 'none' }, { tag: 'billing' }, { kind: 'idea', segment: 'SMB' }, { account: 'Acme' }, ...Array.from({ length: 150 }, randomFilter)];
    for (const f of filters) {
      const page = await app.review.listQueue(f, { pageSize: 20 });
      if (!page.ok) throw new Error(`${JSON.stringify(f)}: ${page.message}`);
      const moderation = Object.fromEntries(MODERATION_STATES.map((s) => [s, world.rows.filter((r) => r.moderation === s && passes(r, f, 'moderation')).length]));
      const disposition = Object.fromEntries(DISPOSITIONS.map((d) => [d, world.rows.filter((r) => r.disposition === d && passes(r, f, 'disposition')).length]));
      const matching = world.rows.filter((r) => passes(r, f)).sort(newest);
      expect({ filter: f, counts: page.value.counts, total: page.value.total }).toEqual({ filter: f, counts: { moderation, disposition }, total: matching.length });
      expect({ filter: f, ids: page.value.items.map((i) => i.id) }).toEqual({ filter: f, ids: matching.slice(0, 20).map((r) => r.id) });
    }
  }, 60_000);

  it('pages newest first, ties broken by id, past the end empty', async () => {
    const all = world.rows.filter((r) => passes(r, {})).sort(newest);
    for (const page of [1, 2, 7, Math.ceil(all.length / 50)]) {
      const got = await app.review.listQueue({}, { page, pageSize: 50 });
      expect(got.ok && got.value.items.map((i) => i.id)).toEqual(all.slice((page - 1) * 50, page * 50).map((r) => r.id));
    }
    const beyond = await app.review.listQueue({}, { page: 1000, pageSize: 50 });
    expect(beyond).toMatchObject({ ok: true, value: { items: [], total: all.length } });
  });

  it('ranks by priority, older first among equals, whether the queue is ranked whole or read by ratings', async () => {
    const cases: { filter: QueueFilter; pages: number[] }[] = [
      { filter: {}, pages: [1, 2, 9] },
      { filter: { moderation: 'approved' }, pages: [1, 3] },
      { filter: { ownerId: 'none' }, pages: [1] },
      { filter: { mapId: world.maps[0]!.id, disposition: 'accepted' }, pages: [1] },
      { filter: { kind: 'missing', segment: 'SMB' }, pages: [1, 2] },
    ];
    let readByRatings = 0;
    for (const { filter, pages } of cases) {
      const matching = world.rows.filter((r) => passes(r, filter));
      if (matching.length > RANK_ALL_MAX) readByRatings++;
      const ranked = matching.map((r) => ({ id: r.id, createdAt: r.created_at, score: priorityOf(r) })).sort((a, b) => b.score - a.score || a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
      for (const page of pages) {
        const got = await app.review.listQueue(filter, { sort: 'priority', page, pageSize: 25 });
        expect({ filter, page, ids: got.ok && got.value.items.map((i) => i.id) }).toEqual({ filter, page, ids: ranked.slice((page - 1) * 25, page * 25).map((r) => r.id) });
      }
    }
    // Both ways of ranking were compared.
    expect(readByRatings).toBeGreaterThan(0);
    expect(readByRatings).toBeLessThan(cases.length);
  }, 60_000);
});

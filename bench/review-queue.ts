/**
 * Issue 7: the review queue at scale. Seeds 100,000 annotations across 50 published maps into
 * the database at DATABASE_PATH (migrated here by the real migrations), then times, in process,
 * what the queue page asks of the review service: the first page of the queue (50 items and
 * the counts per moderation state and per disposition) for a set of realistic filters, and bulk
 * changes of 1,000 items. Each is set against a ceiling measured in the same run on the same
 * database: a bare indexed select of 50 annotation rows through a prepared statement, and a
 * bare `update … where id in (…)` of 1,000 rows in one transaction.
 *
 * Run by `npm run bench` (see run.mjs); alone:
 *   DATABASE_PATH=/tmp/review.sqlite node --no-warnings=ExperimentalWarning bench/review-queue.ts
 * Prints `{"results": [...], "pages": [...]}` on standard output (rows in run.mjs's format, and
 * the queue page's query strings for an optional HTTP pass); progress goes to standard error.
 * `--seed-only` seeds and stops (prints the map and staff ids), to explore query plans.
 */
import { openDatabase, openSqlite } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { generateSecureRandomString } from '../src/server/auth/auth.ts';
import { createApp } from '../src/server/app.ts';
import type { JourneyMapContent } from '../src/server/maps/maps.ts';
import { queueViewQuery } from '../src/server/review/queue-filter.ts';
import type { QueueFilter, ReviewActor } from '../src/server/review/review.service.ts';
import { readEnvironment } from '../src/cli/environment.ts';

const MAPS = 50;
const ANNOTATIONS = 100_000;
const STAFF = 12;
const INVITATIONS_PER_MAP = 60;
const PARTICIPANTS = 2_400;
const VOTES = 5_000;
const QUERY_RUNS = 60;
const BULK_RUNS = 3;
const GOAL_P95_MS = 50;
const GOAL_BULK_MS = 1000;

const ACCOUNTS = Array.from({ length: 150 }, (_, i) => `Account ${i + 1}`);
const SEGMENTS = ['SMB', 'Mid-market', 'Enterprise', 'Public sector', 'Startup'];
const ROLES = ['Owner', 'Admin', 'Finance', 'Operations', 'IT', null];
const KINDS = ['missing', 'inaccurate', 'pain_point', 'works_well', 'question', 'idea'] as const;
const TAGS = ['billing', 'onboarding', 'export', 'mobile', 'performance', 'permissions', 'reporting', 'search', 'integrations', 'support', 'pricing', 'security', 'sso', 'api', 'notifications', 'dashboard', 'training', 'invoices', 'data quality', 'accessibility'];
const WORDS = 'customer signs reviews setup invoice team dashboard onboarding call email waits confused relieved admin report data export login training missing slow'.split(' ');

type Row = {
  name: string;
  value: number;
  unit: string;
  ceiling: number;
  ratio: number;
  p50Ms: number;
  p99Ms: number;
  goal: string;
  isGoalMet: boolean;
  errors: number;
};

let state = 7;
/** Deterministic (mulberry32), so every run measures the same data. */
function random(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
/** Picks by weight: [[value, weight], …]. */
function weighted<T>(choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((sum, [, w]) => sum + w, 0);
  let at = random() * total;
  for (const [value, w] of choices) if ((at -= w) < 0) return value;
  return choices[choices.length - 1]![0];
}
const sentence = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');

function log(message: string): void {
  process.stderr.write(`  ${message}\n`);
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

async function timeRuns(runs: number, fn: (i: number) => unknown): Promise<{ p50: number; p95: number; p99: number; max: number }> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn(i);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: round(percentile(times, 0.5)), p95: round(percentile(times, 0.95)), p99: round(percentile(times, 0.99)), max: round(times[times.length - 1]!) };
}

function mapContent(n: number): JourneyMapContent {
  const stages = 8;
  return {
    title: `Review bench map ${n}`,
    customerTitle: `Your journey ${n}`,
    description: null,
    segment: null,
    persona: null,
    lifecycle: null,
    internalNotes: null,
    stages: Array.from({ length: stages }, (_, i) => ({ key: `s${i}`, name: `Stage ${i + 1} ${sentence(2)}`, customerName: null, description: null, visibility: 'public' as const, momentOfTruth: false })),
    lanes: (['actions', 'touchpoints', 'thoughts', 'pain_points', 'opportunities'] as const).map((kind, i) => ({ key: `l${i}`, name: `Lane ${i + 1}`, customerName: null, kind, visibility: 'public' as const })),
    cards: Array.from({ length: 40 }, (_, i) => ({
      key: `c${i}`,
      stage: `s${i % stages}`,
      lane: `l${Math.floor(i / stages) % 5}`,
      text: sentence(6),
      customerText: null,
      visibility: 'public' as const,
      emotion: null,
      owner: null,
      notes: null,
    })),
  };
}

async function main(): Promise<void> {
  const databasePath = readEnvironment().databasePath;
  const db = openDatabase({ path: databasePath });
  await migrateToLatest(db);
  const app = createApp({ db });
  const sqlite = openSqlite(databasePath);
  const now = Date.now();
  const DAY = 86_400_000;

  // Staff: a dozen, owners in every department.
  log(`Seeding ${STAFF} staff, ${MAPS} published maps, ${PARTICIPANTS} participants, ${MAPS * INVITATIONS_PER_MAP} invitations`);
  const staff = Array.from({ length: STAFF }, (_, i) => ({ id: generateSecureRandomString(), name: `Reviewer ${i + 1}`, email: `review-bench-${i}@example.com` }));
  const insertStaff = sqlite.prepare("insert into staff_users (id, email, name, role, password_hash, created_at, updated_at) values (?, ?, ?, 'reviewer', 'not a hash: bench only', ?, ?)");
  sqlite.transaction(() => {
    for (const s of staff) insertStaff.run(s.id, s.email, s.name, now, now);
  })();

  // Maps: published through the real service; every fifth one twice, so versions differ.
  const maps: { id: string; versions: { id: string; stages: string[]; lanes: string[]; cards: { key: string; stage: string }[] }[] }[] = [];
  for (let n = 0; n < MAPS; n++) {
    const mapId = await app.maps.importMap(mapContent(n), null);
    const versions = [];
    for (let v = 0; v < (n % 5 === 0 ? 2 : 1); v++) {
      const published = await app.publishing.publish(mapId, { actor: { id: null, name: 'Bench' }, acknowledgeWarnings: true });
      if (!published.ok) throw new Error(published.message);
      const snapshot = (await app.portal.getPublishedVersion(published.value.versionId))!.snapshot;
      versions.push({ id: published.value.versionId, stages: snapshot.stages.map((s) => s.key), lanes: snapshot.lanes.map((l) => l.key), cards: snapshot.cards.map((c) => ({ key: c.key, stage: c.stage })) });
    }
    maps.push({ id: mapId, versions });
  }

  // Participants and their invitations, with accounts, segments and roles.
  const participants = Array.from({ length: PARTICIPANTS }, (_, i) => ({ id: generateSecureRandomString(), email: `review-bench-p${i}@example.com`, account: pick(ACCOUNTS), segment: pick(SEGMENTS), role: pick(ROLES) }));
  const invitationsByMap = new Map<string, { id: string; participantId: string }[]>();
  const insertParticipant = sqlite.prepare('insert into participants (id, email, created_at) values (?, ?, ?)');
  const insertInvitation = sqlite.prepare(
    'insert into invitations (id, map_id, participant_id, email, name, account, segment, role, token_hash, created_at, expires_at, opened_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  sqlite.transaction(() => {
    for (const p of participants) insertParticipant.run(p.id, p.email, now - 400 * DAY);
    for (const map of maps) {
      const chosen = new Set<number>();
      while (chosen.size < INVITATIONS_PER_MAP) chosen.add(Math.floor(random() * PARTICIPANTS));
      const list = [...chosen].map((index) => {
        const p = participants[index]!;
        const id = generateSecureRandomString();
        const account = random() < 0.9 ? p.account : null;
        insertInvitation.run(id, map.id, p.id, p.email, `Person ${index}`, account, p.segment, p.role, generateSecureRandomString(32), now - 390 * DAY, now + 30 * DAY, now - 380 * DAY);
        return { id, participantId: p.id };
      });
      invitationsByMap.set(map.id, list);
    }
  })();

  // Annotations: a year of them, spread over moderation, disposition, owners, kinds, anchors.
  log(`Seeding ${ANNOTATIONS.toLocaleString('en')} annotations, tags, history, duplicates and ${VOTES.toLocaleString('en')} votes`);
  const insertAnnotation = sqlite.prepare(
    `insert into annotations (id, map_id, version_id, invitation_id, participant_id, anchor_kind, stage_key, lane_key, card_key, next_stage_key, kind, text, felt, importance,
       is_withdrawn, moderation, disposition, revision, created_at, updated_at, owner_id, decline_reason, duplicate_of, business_impact, effort, triaged_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertTag = sqlite.prepare('insert or ignore into annotation_tags (annotation_id, tag, created_at) values (?, ?, ?)');
  const insertHistory = sqlite.prepare(
    "insert into annotation_history (id, annotation_id, actor_id, actor_name, field, from_value, to_value, reason, created_at, sequence) values (?, ?, ?, ?, ?, ?, ?, null, ?, ?)",
  );
  const insertVote = sqlite.prepare('insert or ignore into annotation_votes (annotation_id, participant_id, created_at) values (?, ?, ?)');
  const insertReporter = sqlite.prepare('insert or ignore into annotation_reporters (annotation_id, participant_id, source_annotation_id, importance, created_at) values (?, ?, ?, ?, ?)');
  const annotationsByMap = new Map<string, { id: string; participantId: string; disposition: string }[]>();
  // Transactions of 5,000 rows: fast, and short enough that the running server (its mail
  // worker, under `npm run bench`) never waits past its busy timeout.
  const seedAnnotations = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const map = maps[Math.floor(random() * MAPS)]!;
      const version = map.versions.length > 1 && random() < 0.4 ? map.versions[0]! : map.versions[map.versions.length - 1]!;
      const invitations = invitationsByMap.get(map.id)!;
      // A few people say a lot: the first invitations of a map are the most talkative.
      const who = invitations[Math.floor(random() ** 2 * invitations.length)]!;
      const anchor = weighted([['card', 40], ['stage', 25], ['map', 15], ['gap', 10], ['lane', 10]] as const);
      const stageIndex = Math.floor(random() * (version.stages.length - 1));
      const card = pick(version.cards);
      const createdAt = now - 365 * DAY + Math.floor((i / ANNOTATIONS) * 365 * DAY) + Math.floor(random() * 1000);
      const age = (now - createdAt) / DAY;
      // Older items are more likely to be triaged.
      const moderation = random() < Math.min(0.9, age / 60) ? weighted([['approved', 80], ['rejected', 13], ['spam', 7]] as const) : 'pending';
      const existing = annotationsByMap.get(map.id) ?? [];
      let disposition: string = random() < Math.min(0.85, age / 90) ? weighted([['accepted', 30], ['applied', 15], ['declined', 20], ['duplicate', 10], ['needs_follow_up', 25]] as const) : 'new';
      let duplicateOf: string | null = null;
      if (disposition === 'duplicate') {
        const original = existing.length > 0 ? existing[Math.floor(random() * existing.length)]! : null;
        if (original && original.disposition !== 'duplicate') duplicateOf = original.id;
        else disposition = 'needs_follow_up';
      }
      const ownerId = disposition !== 'new' || random() < 0.2 ? (random() < 0.85 ? pick(staff).id : null) : null;
      const rated = (disposition === 'accepted' || disposition === 'applied') && random() < 0.6;
      const triaged = moderation !== 'pending' || disposition !== 'new';
      const id = generateSecureRandomString();
      insertAnnotation.run(
        id,
        map.id,
        version.id,
        who.id,
        who.participantId,
        anchor,
        anchor === 'stage' || anchor === 'gap' ? version.stages[stageIndex] : null,
        anchor === 'lane' ? pick(version.lanes) : null,
        anchor === 'card' ? card.key : null,
        anchor === 'gap' ? version.stages[stageIndex + 1] : null,
        pick(KINDS),
        sentence(8 + Math.floor(random() * 25)),
        random() < 0.5 ? Math.floor(random() * 5) - 2 : null,
        random() < 0.6 ? 1 + Math.floor(random() * 5) : null,
        random() < 0.02 && !triaged ? 1 : 0,
        moderation,
        disposition,
        1 + (moderation !== 'pending' ? 1 : 0) + (disposition !== 'new' ? 1 : 0) + (ownerId ? 1 : 0),
        createdAt,
        createdAt,
        ownerId,
        disposition === 'declined' ? 'Out of scope for this year' : null,
        duplicateOf,
        rated ? 1 + Math.floor(random() * 5) : null,
        rated ? 1 + Math.floor(random() * 5) : null,
        triaged ? createdAt + DAY : null,
      );
      existing.push({ id, participantId: who.participantId, disposition });
      annotationsByMap.set(map.id, existing);
      let sequence = 0;
      const actor = pick(staff);
      if (moderation !== 'pending') insertHistory.run(generateSecureRandomString(), id, actor.id, actor.name, 'moderation', 'pending', moderation, createdAt + DAY, ++sequence);
      if (disposition !== 'new') insertHistory.run(generateSecureRandomString(), id, actor.id, actor.name, 'disposition', 'new', disposition, createdAt + DAY, ++sequence);
      if (duplicateOf) insertReporter.run(duplicateOf, who.participantId, id, null, createdAt + DAY);
      if (random() < 0.15) {
        const tagCount = random() < 0.3 ? 2 : 1;
        for (let t = 0; t < tagCount; t++) {
          // A few tags are used far more than others.
          const tag = TAGS[Math.floor(random() ** 2 * TAGS.length)]!;
          insertTag.run(id, tag, createdAt + DAY);
          insertHistory.run(generateSecureRandomString(), id, actor.id, actor.name, 'tag', null, tag, createdAt + DAY, ++sequence);
        }
      }
    }
  });
  for (let from = 0; from < ANNOTATIONS; from += 5000) seedAnnotations(from, Math.min(ANNOTATIONS, from + 5000));
  sqlite.transaction(() => {
    for (let v = 0; v < VOTES; v++) {
      const map = pick(maps);
      const items = annotationsByMap.get(map.id)!;
      // Some items draw many +1s, most none.
      const item = items[Math.floor(random() ** 2 * items.length)]!;
      const voter = pick(invitationsByMap.get(map.id)!);
      if (voter.participantId !== item.participantId) insertVote.run(item.id, voter.participantId, now - Math.floor(random() * 300 * DAY));
    }
  })();
  // No ANALYZE: the app never runs it, so the planner works here as it does in production.

  const counts = sqlite.prepare('select count(*) as n, sum(is_withdrawn) as w from annotations').get() as { n: number; w: number };
  const tagRows = (sqlite.prepare('select count(*) as n from annotation_tags').get() as { n: number }).n;
  const voteRows = (sqlite.prepare('select count(*) as n from annotation_votes').get() as { n: number }).n;
  log(`Seeded ${counts.n.toLocaleString('en')} annotations (${counts.w} withdrawn), ${tagRows.toLocaleString('en')} tags, ${voteRows.toLocaleString('en')} votes`);
  if (process.argv.includes('--seed-only')) {
    process.stdout.write(JSON.stringify({ maps: maps.map((m) => m.id), staff: staff.map((s) => s.id) }) + '\n');
    sqlite.close();
    await db.destroy();
    return;
  }

  // What the queue page asks for.
  const map = maps[7]!;
  const latest = map.versions[map.versions.length - 1]!;
  const owner = staff[3]!;
  // `check`: measured and shown, outside the goal (see docs/architecture.md, Review queue).
  const filters: { name: string; filter: QueueFilter; sort?: 'newest' | 'priority'; check?: boolean }[] = [
    { name: 'no filter', filter: {} },
    { name: 'one map', filter: { mapId: map.id } },
    { name: 'disposition new', filter: { disposition: 'new' } },
    { name: 'moderation pending', filter: { moderation: 'pending' } },
    { name: 'owner', filter: { ownerId: owner.id } },
    { name: 'unowned', filter: { ownerId: 'none' } },
    { name: 'tag', filter: { tag: 'onboarding' } },
    { name: 'rare tag', filter: { tag: 'accessibility' } },
    { name: 'kind + segment', filter: { kind: 'missing', segment: 'Enterprise' } },
    { name: 'account', filter: { account: 'Account 42' } },
    { name: 'stage of a map', filter: { mapId: map.id, stageKey: latest.stages[2]! } },
    { name: 'map + pending + unowned', filter: { mapId: map.id, moderation: 'pending', ownerId: 'none' } },
    { name: 'priority: one map, accepted', filter: { mapId: map.id, disposition: 'accepted' }, sort: 'priority' },
    { name: 'priority: the whole queue', filter: {}, sort: 'priority', check: true },
  ];

  const results: Row[] = [];
  const ceilingStatement = sqlite.prepare('select * from annotations where map_id = ? and is_withdrawn = 0 order by created_at desc limit 50');
  const ceiling = await timeRuns(QUERY_RUNS * 4, () => ceilingStatement.all(map.id));
  log(`Ceiling: a bare indexed select of 50 rows, p50 ${ceiling.p50} ms, p95 ${ceiling.p95} ms`);

  for (const f of filters) {
    const call = async () => {
      const page = await app.review.listQueue(f.filter, { sort: f.sort ?? 'newest', page: 1, pageSize: 50 });
      if (!page.ok) throw new Error(`${f.name}: ${page.message}`);
      return page.value;
    };
    const first = await call();
    for (let i = 0; i < 2; i++) await call();
    const t = await timeRuns(QUERY_RUNS, call);
    log(`${f.name}: ${first.total.toLocaleString('en')} items, ${first.items.length} on the page; p50 ${t.p50} ms, p95 ${t.p95} ms`);
    results.push({
      name: `review queue, first page: ${f.name}${f.sort === 'priority' ? '' : ' (newest)'}`,
      value: t.p95,
      unit: 'ms (p95)',
      ceiling: ceiling.p95,
      ratio: round(ceiling.p95 / t.p95, 3),
      p50Ms: t.p50,
      p99Ms: t.p99,
      goal: f.check ? 'none (a check: ranks every +1’d or merged item)' : `p95 ≤ ${GOAL_P95_MS} ms (ceiling: bare select of 50 rows)`,
      isGoalMet: f.check === true || t.p95 <= GOAL_P95_MS,
      errors: 0,
    });
  }

  // Bulk changes of 1,000 items each, on different items every run.
  const actor: ReviewActor = { id: staff[0]!.id, name: staff[0]!.name, role: 'reviewer', isActive: true };
  const bulkOwner = staff[11]!;
  const candidates = (
    sqlite
      .prepare("select id from annotations where disposition = 'new' and is_withdrawn = 0 and (owner_id is null or owner_id != ?) order by created_at desc limit ?")
      .all(bulkOwner.id, 1000 * BULK_RUNS) as { id: string }[]
  ).map((r) => r.id);
  if (candidates.length < 1000 * BULK_RUNS) throw new Error('Not enough new items for the bulk runs.');
  const batches = Array.from({ length: BULK_RUNS }, (_, i) => candidates.slice(i * 1000, (i + 1) * 1000));
  // The ceiling only bumps revisions (what every change does), so the real runs see the data as seeded.
  const bulkCeilingUpdate = (ids: readonly string[]) =>
    sqlite.transaction(() => {
      for (let i = 0; i < ids.length; i += 500) {
        const part = ids.slice(i, i + 500);
        sqlite.prepare(`update annotations set revision = revision + 1 where id in (${part.map(() => '?').join(',')})`).run(...part);
      }
    })();
  const bulkCeiling = await timeRuns(BULK_RUNS * 2, (i) => bulkCeilingUpdate(batches[i % BULK_RUNS]!));
  log(`Ceiling: a bare update of 1,000 rows in one transaction, p50 ${bulkCeiling.p50} ms`);
  const bulkChanges = [
    { name: 'assign an owner', change: { type: 'owner' as const, ownerId: bulkOwner.id } },
    { name: 'add a tag', change: { type: 'addTag' as const, tag: 'bench bulk' } },
    { name: 'accept (disposition)', change: { type: 'disposition' as const, to: 'accepted' } },
  ];
  for (const b of bulkChanges) {
    const t = await timeRuns(BULK_RUNS, async (i) => {
      const done = await app.review.bulkUpdate(actor, batches[i]!, b.change);
      if (!done.ok || done.value.changed !== 1000) throw new Error(`Bulk ${b.name}: ${done.ok ? `${done.value.changed} changed` : done.message}`);
    });
    log(`bulk ${b.name}: p50 ${t.p50} ms, slowest ${t.max} ms`);
    results.push({
      name: `review queue, bulk change of 1,000: ${b.name}`,
      value: t.max,
      unit: 'ms',
      ceiling: bulkCeiling.p50,
      ratio: round(bulkCeiling.p50 / t.max, 3),
      p50Ms: t.p50,
      p99Ms: t.max,
      goal: `≤ ${GOAL_BULK_MS} ms, slowest of ${BULK_RUNS} (ceiling: bare update of 1,000 rows)`,
      isGoalMet: t.max <= GOAL_BULK_MS,
      errors: 0,
    });
  }

  const pages = filters.map((f) => ({ name: f.name, query: queueViewQuery({ filter: f.filter, sort: f.sort ?? 'newest' }) }));
  process.stdout.write(JSON.stringify({ results, pages }) + '\n');
  sqlite.close();
  await db.destroy();
}

await main();

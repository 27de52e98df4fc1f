import { sql, type Insertable, type SelectQueryBuilder, type Updateable } from 'kysely';
import type { DB } from '../../../db/connection.ts';
import type { AnnotationHistoryRow, AnnotationNoteRow, NewAnnotationHistoryRow, ReviewedAnnotationRow, ReviewedAnnotationsTable } from '../../../db/schema.ts';
import { OPEN_DISPOSITIONS } from './review.ts';

/** The queue's filter, resolved to stored values (a stage includes the keys of its cards). */
export interface QueueQuery {
  mapId?: string | null;
  versionId?: string | null;
  /** Published stage key: stage and gap anchors that name it, and cards listed in cardKeys. */
  stageKey?: string | null;
  cardKeys?: readonly string[];
  kind?: string | null;
  segment?: string | null;
  account?: string | null;
  moderation?: string | null;
  disposition?: string | null;
  /** A staff id, or 'none' for items nobody owns. */
  ownerId?: string | null;
  tag?: string | null;
}

export interface QueueRow extends ReviewedAnnotationRow {
  author_name: string | null;
  author_email: string;
  author_account: string | null;
  author_segment: string | null;
  author_role: string | null;
  owner_name: string | null;
  map_title: string;
  version_number: number;
  votes: number;
  /** Internal notes written on it. */
  notes: number;
}

export interface RaiserRow {
  annotation_id: string;
  participant_id: string;
  account: string | null;
}

/** SQLite allows 32,766 parameters; lists of ids go in chunks well below it. */
const CHUNK = 500;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// The filter works on `annotations as a` alone: who said it is matched through a sub-select on
// invitations, so counting never joins 100,000 rows. `is_withdrawn = 0` is written as a literal
// (not a bound parameter) so SQLite can use the queue's partial indexes (migration 0009).
function applyQuery<O>(qb: SelectQueryBuilder<any, any, O>, q: QueueQuery): SelectQueryBuilder<any, any, O> {
  let out = qb.where(sql<boolean>`a.is_withdrawn = 0`);
  if (q.mapId) out = out.where('a.map_id', '=', q.mapId);
  if (q.versionId) out = out.where('a.version_id', '=', q.versionId);
  if (q.kind) out = out.where('a.kind', '=', q.kind);
  if (q.moderation) out = out.where('a.moderation', '=', q.moderation);
  if (q.disposition === 'open') out = out.where('a.disposition', 'in', OPEN_DISPOSITIONS);
  else if (q.disposition) out = out.where('a.disposition', '=', q.disposition);
  if (q.ownerId === 'none') out = out.where('a.owner_id', 'is', null);
  else if (q.ownerId) out = out.where('a.owner_id', '=', q.ownerId);
  if (q.stageKey) {
    const stageKey = q.stageKey;
    const cardKeys = q.cardKeys ?? [];
    out = out.where((eb: any) => eb.or([eb('a.stage_key', '=', stageKey), ...(cardKeys.length > 0 ? [eb('a.card_key', 'in', cardKeys)] : [])]));
  }
  if (q.segment || q.account) {
    const segment = q.segment;
    const account = q.account;
    out = out.where('a.invitation_id', 'in', (eb: any) => {
      let sub = eb.selectFrom('invitations').select('id');
      if (segment) sub = sub.where('segment', '=', segment);
      if (account) sub = sub.where('account', '=', account);
      return sub;
    });
  }
  if (q.tag) {
    // `in` rather than a correlated `exists`: SQLite can start from the tag's few rows.
    const tag = q.tag;
    out = out.where('a.id', 'in', (eb: any) => eb.selectFrom('annotation_tags as t').select('t.annotation_id').where('t.tag', '=', tag));
  }
  return out;
}

/**
 * Whether the filter narrows the queue through an index of its own (a map, a version, a stage,
 * an owner, a tag, an account): then SQLite starts there. Otherwise (no filter, or only broad
 * ones such as a kind, a segment, a state, nobody's) the newest page walks the order index.
 */
function isNarrowedByIndex(q: QueueQuery): boolean {
  return Boolean(q.mapId || q.versionId || q.stageKey || (q.ownerId && q.ownerId !== 'none') || q.tag || q.account);
}

/**
 * `annotations as a`, optionally read through a named index. Without statistics (the app never
 * runs ANALYZE) SQLite takes any equality on an indexed column for a narrow one, and would sort
 * a sixth of the table for "kind = missing" instead of walking the newest-first index; naming
 * the index keeps that plan. The index must be partial on `is_withdrawn = 0`, as the filter is.
 */
function fromAnnotations(db: DB, index?: 'annotations_queue_order' | 'annotations_queue_priority'): SelectQueryBuilder<any, any, {}> {
  return (index ? db.selectFrom(sql`annotations as a indexed by ${sql.raw(index)}` as any) : db.selectFrom('annotations as a')) as any;
}

export type PriorityRow = Pick<ReviewedAnnotationRow, 'id' | 'map_id' | 'participant_id' | 'invitation_id' | 'importance' | 'business_impact' | 'effort' | 'created_at'>;
const PRIORITY_COLUMNS = ['a.id', 'a.map_id', 'a.participant_id', 'a.invitation_id', 'a.importance', 'a.business_impact', 'a.effort', 'a.created_at'] as const;

export function createReviewRepository(db: DB) {
  return {
    get(id: string): Promise<ReviewedAnnotationRow | undefined> {
      return db.selectFrom('annotations').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async getMany(ids: readonly string[]): Promise<ReviewedAnnotationRow[]> {
      const rows: ReviewedAnnotationRow[] = [];
      for (const part of chunks([...new Set(ids)])) rows.push(...(await db.selectFrom('annotations').selectAll().where('id', 'in', part).execute()));
      return rows;
    },
    /** Full rows for display and export, in the given order of ids; withdrawn ones are not in the queue. */
    async listRows(ids: readonly string[]): Promise<QueueRow[]> {
      if (ids.length === 0) return [];
      const rows: QueueRow[] = [];
      for (const part of chunks(ids)) {
        rows.push(
          ...((await db
            .selectFrom('annotations as a')
            .innerJoin('invitations as i', 'i.id', 'a.invitation_id')
            .innerJoin('maps as m', 'm.id', 'a.map_id')
            .innerJoin('map_versions as v', 'v.id', 'a.version_id')
            .leftJoin('staff_users as s', 's.id', 'a.owner_id')
            .selectAll('a')
            .select((eb) => [
              'i.name as author_name',
              'i.email as author_email',
              'i.account as author_account',
              'i.segment as author_segment',
              'i.role as author_role',
              's.name as owner_name',
              'm.title as map_title',
              'v.number as version_number',
              eb.selectFrom('annotation_votes as vo').select(eb.fn.countAll<number>().as('n')).whereRef('vo.annotation_id', '=', 'a.id').as('votes'),
              eb.selectFrom('annotation_notes as no').select(eb.fn.countAll<number>().as('n')).whereRef('no.annotation_id', '=', 'a.id').as('notes'),
            ])
            .where('a.id', 'in', part)
            .where('a.is_withdrawn', '=', 0)
            .execute()) as QueueRow[]),
        );
      }
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id)).filter((r): r is QueueRow => r !== undefined);
    },
    /** One page of ids, newest first. */
    async listNewestIds(q: QueueQuery, offset: number, limit: number): Promise<string[]> {
      const rows = await applyQuery(fromAnnotations(db, isNarrowedByIndex(q) ? undefined : 'annotations_queue_order').select(['a.id']), q)
        .orderBy('a.created_at', 'desc')
        .orderBy('a.id', 'desc')
        .offset(offset)
        .limit(limit)
        .execute();
      return rows.map((r: any) => r.id as string);
    },
    /** What the priority needs of every matching item (the priorities view and priority sort). */
    listForPriority(q: QueueQuery): Promise<PriorityRow[]> {
      return applyQuery(db.selectFrom('annotations as a').select([...PRIORITY_COLUMNS]), q).execute() as Promise<any>;
    },
    /** Matching items that someone +1'd or that have merged duplicates: their priority needs more than their own row. */
    listRaisedForPriority(q: QueueQuery): Promise<PriorityRow[]> {
      return applyQuery(db.selectFrom('annotations as a').select([...PRIORITY_COLUMNS]), q)
        .where('a.id', 'in', (eb: any) => eb.selectFrom('annotation_votes').select('annotation_id').union(eb.selectFrom('annotation_reporters').select('annotation_id')))
        .execute() as Promise<any>;
    },
    /**
     * The oldest `limit` matching items with exactly these ratings and nobody else behind them
     * (no +1s, no merged duplicates), from the priority index: their priority follows from the
     * ratings alone, so they come out in priority order without computing it.
     */
    listUnraisedWithRatings(q: QueueQuery, ratings: { importance: number | null; businessImpact: number | null; effort: number | null }, limit: number): Promise<PriorityRow[]> {
      return applyQuery(fromAnnotations(db, 'annotations_queue_priority').select([...PRIORITY_COLUMNS]), q)
        .where('a.importance', 'is', ratings.importance)
        .where('a.business_impact', 'is', ratings.businessImpact)
        .where('a.effort', 'is', ratings.effort)
        .where((eb: any) => eb.not(eb.exists(eb.selectFrom('annotation_votes as vo').select('vo.annotation_id').whereRef('vo.annotation_id', '=', 'a.id'))))
        .where((eb: any) => eb.not(eb.exists(eb.selectFrom('annotation_reporters as re').select('re.annotation_id').whereRef('re.annotation_id', '=', 'a.id'))))
        .orderBy('a.created_at')
        .orderBy('a.id')
        .limit(limit)
        .execute() as Promise<any>;
    },
    /**
     * How many items match, per moderation state and disposition together, ignoring the filter's
     * own moderation and disposition: the caller sums the cells into both axes' counts. One
     * scan of one index (see migration 0009) instead of one per axis.
     */
    async countByState(q: QueueQuery): Promise<{ moderation: string; disposition: string; n: number }[]> {
      const rows = await applyQuery(db.selectFrom('annotations as a').select(['a.moderation', 'a.disposition', (eb: any) => eb.fn.countAll().as('n')]), { ...q, moderation: null, disposition: null })
        .groupBy(['a.moderation', 'a.disposition'])
        .execute();
      return rows.map((r: any) => ({ moderation: r.moderation as string, disposition: r.disposition as string, n: Number(r.n) }));
    },
    /**
     * Author, voters and reporters of merged duplicates, with their account on that map. Reads
     * only invitations and the small vote and reporter tables (the map comes from the author's
     * invitation), never the annotation rows: ranking thousands of items stays cheap.
     */
    async listRaisers(items: readonly { id: string; participant_id: string; invitation_id: string }[]): Promise<RaiserRow[]> {
      // Each invitation and each person is read once, however many items they raised.
      const invitationById = new Map<string, { map_id: string; account: string | null }>();
      for (const part of chunks([...new Set(items.map((a) => a.invitation_id))])) {
        for (const r of await db.selectFrom('invitations').select(['id', 'map_id', 'account']).where('id', 'in', part).execute()) invitationById.set(r.id, r);
      }
      const others: { annotation_id: string; participant_id: string }[] = [];
      for (const part of chunks(items.map((a) => a.id))) {
        others.push(
          ...(await db
            .selectFrom('annotation_votes')
            .select(['annotation_id', 'participant_id'])
            .where('annotation_id', 'in', part)
            .unionAll(db.selectFrom('annotation_reporters').select(['annotation_id', 'participant_id']).where('annotation_id', 'in', part))
            .execute()),
        );
      }
      const accountOn = new Map<string, string | null>();
      for (const people of chunks([...new Set(others.map((o) => o.participant_id))])) {
        for (const r of await db.selectFrom('invitations').select(['map_id', 'participant_id', 'account']).where('participant_id', 'in', people).execute()) {
          accountOn.set(`${r.map_id} ${r.participant_id}`, r.account);
        }
      }
      const mapOf = new Map(items.map((a) => [a.id, invitationById.get(a.invitation_id)?.map_id]));
      return [
        ...items.map((a) => ({ annotation_id: a.id, participant_id: a.participant_id, account: invitationById.get(a.invitation_id)?.account ?? null })),
        ...others.map((o) => ({ annotation_id: o.annotation_id, participant_id: o.participant_id, account: accountOn.get(`${mapOf.get(o.annotation_id)} ${o.participant_id}`) ?? null })),
      ];
    },
    /** Reporter rows (merged duplicates' authors), for counting per item. */
    async listReporters(ids: readonly string[]): Promise<{ annotation_id: string }[]> {
      const out: { annotation_id: string }[] = [];
      for (const part of chunks(ids)) out.push(...(await db.selectFrom('annotation_reporters').select('annotation_id').where('annotation_id', 'in', part).execute()));
      return out;
    },
    async listReporterImportances(ids: readonly string[]): Promise<{ annotation_id: string; importance: number }[]> {
      const out: { annotation_id: string; importance: number }[] = [];
      for (const part of chunks(ids)) {
        const rows = await db.selectFrom('annotation_reporters').select(['annotation_id', 'importance']).where('annotation_id', 'in', part).where('importance', 'is not', null).execute();
        out.push(...rows.map((r) => ({ annotation_id: r.annotation_id, importance: r.importance! })));
      }
      return out;
    },
    async listTags(ids: readonly string[]): Promise<{ annotation_id: string; tag: string }[]> {
      const out: { annotation_id: string; tag: string }[] = [];
      for (const part of chunks(ids)) out.push(...(await db.selectFrom('annotation_tags').select(['annotation_id', 'tag']).where('annotation_id', 'in', part).orderBy('tag').execute()));
      return out;
    },
    async countReporters(id: string): Promise<number> {
      const row = await db.selectFrom('annotation_reporters').select((eb) => eb.fn.countAll<number>().as('n')).where('annotation_id', '=', id).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    /** Updates when the revision still matches (and bumps it); false on a stale revision. */
    async updateAtRevision(id: string, revision: number, changes: Updateable<ReviewedAnnotationsTable>): Promise<boolean> {
      const result = await db.updateTable('annotations').set({ ...changes, revision: sql`revision + 1` }).where('id', '=', id).where('revision', '=', revision).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** The same change on many rows, each revision bumped (the caller checked them in this transaction). */
    async updateMany(ids: readonly string[], changes: Updateable<ReviewedAnnotationsTable>): Promise<void> {
      for (const part of chunks(ids)) await db.updateTable('annotations').set({ ...changes, revision: sql`revision + 1` }).where('id', 'in', part).execute();
    },
    /** First triage time, kept once set. */
    async markTriaged(ids: readonly string[], now: number): Promise<void> {
      for (const part of chunks(ids)) await db.updateTable('annotations').set({ triaged_at: now }).where('id', 'in', part).where('triaged_at', 'is', null).execute();
    },
    async listDuplicatesOf(id: string): Promise<ReviewedAnnotationRow[]> {
      return db.selectFrom('annotations').selectAll().where('duplicate_of', '=', id).execute();
    },
    async appendHistory(rows: readonly NewAnnotationHistoryRow[]): Promise<void> {
      // 10 columns a row: 300 rows stay far below the parameter limit.
      for (const part of chunks(rows, 300)) await db.insertInto('annotation_history').values(part).execute();
    },
    /** The last history sequence of each of these annotations (absent: none yet). */
    async lastHistorySequences(ids: readonly string[]): Promise<Map<string, number>> {
      const out = new Map<string, number>();
      for (const part of chunks(ids)) {
        const rows = await db.selectFrom('annotation_history').select(['annotation_id', (eb) => eb.fn.max('sequence').as('n')]).where('annotation_id', 'in', part).groupBy('annotation_id').execute();
        for (const r of rows) out.set(r.annotation_id, Number(r.n));
      }
      return out;
    },
    listHistory(id: string): Promise<AnnotationHistoryRow[]> {
      return db.selectFrom('annotation_history').selectAll().where('annotation_id', '=', id).orderBy('sequence').execute();
    },
    async addNote(row: Insertable<{ id: string; annotation_id: string; author_id: string | null; author_name: string; text: string; created_at: number }>): Promise<void> {
      await db.insertInto('annotation_notes').values(row).execute();
    },
    listNotes(id: string): Promise<AnnotationNoteRow[]> {
      return db.selectFrom('annotation_notes').selectAll().where('annotation_id', '=', id).orderBy('created_at').orderBy('id').execute();
    },
    /** The ids among these that already carry the tag. */
    async listTagged(ids: readonly string[], tag: string): Promise<Set<string>> {
      const out = new Set<string>();
      for (const part of chunks(ids)) {
        for (const r of await db.selectFrom('annotation_tags').select('annotation_id').where('tag', '=', tag).where('annotation_id', 'in', part).execute()) out.add(r.annotation_id);
      }
      return out;
    },
    async addTags(ids: readonly string[], tag: string, now: number): Promise<void> {
      for (const part of chunks(ids, 300)) {
        await db
          .insertInto('annotation_tags')
          .values(part.map((id) => ({ annotation_id: id, tag, created_at: now })))
          .onConflict((oc) => oc.columns(['annotation_id', 'tag']).doNothing())
          .execute();
      }
    },
    async removeTags(ids: readonly string[], tag: string): Promise<void> {
      for (const part of chunks(ids)) await db.deleteFrom('annotation_tags').where('tag', '=', tag).where('annotation_id', 'in', part).execute();
    },
    /**
     * Moves the duplicate's +1s onto the original. A participant who +1'd both is counted once,
     * and the original's author cannot +1 their own.
     */
    async moveVotes(fromId: string, toId: string, originalAuthorId: string): Promise<number> {
      const votes = await db.selectFrom('annotation_votes').selectAll().where('annotation_id', '=', fromId).where('participant_id', '!=', originalAuthorId).execute();
      let moved = 0;
      for (const part of chunks(votes, 300)) {
        const result = await db
          .insertInto('annotation_votes')
          .values(part.map((v) => ({ annotation_id: toId, participant_id: v.participant_id, created_at: v.created_at })))
          .onConflict((oc) => oc.columns(['annotation_id', 'participant_id']).doNothing())
          .executeTakeFirst();
        moved += Number(result.numInsertedOrUpdatedRows ?? 0);
      }
      await db.deleteFrom('annotation_votes').where('annotation_id', '=', fromId).execute();
      return moved;
    },
    /** The duplicate's author and its own reporters become reporters of the original. */
    async moveReporters(duplicate: ReviewedAnnotationRow, toId: string, originalAuthorId: string, now: number): Promise<void> {
      const carried = await db.selectFrom('annotation_reporters').selectAll().where('annotation_id', '=', duplicate.id).execute();
      const rows = [
        { annotation_id: toId, participant_id: duplicate.participant_id, source_annotation_id: duplicate.id, importance: duplicate.importance, created_at: now },
        ...carried.map((r) => ({ ...r, annotation_id: toId })),
      ].filter((r) => r.participant_id !== originalAuthorId);
      for (const part of chunks(rows, 300)) {
        if (part.length > 0) {
          await db
            .insertInto('annotation_reporters')
            .values(part)
            .onConflict((oc) => oc.columns(['annotation_id', 'participant_id']).doNothing())
            .execute();
        }
      }
      await db.deleteFrom('annotation_reporters').where('annotation_id', '=', duplicate.id).execute();
    },
    async listVersionIdsOfMap(mapId: string): Promise<string[]> {
      return (await db.selectFrom('map_versions').select('id').where('map_id', '=', mapId).execute()).map((r) => r.id);
    },
    getStaff(id: string) {
      return db.selectFrom('staff_users').select(['id', 'name', 'is_active']).where('id', '=', id).executeTakeFirst();
    },
    /**
     * Every matching id, newest first: an export's membership and order, read in one query (one
     * sort at most, whatever index the filter picks), before its rows are read a batch at a time.
     */
    async listExportIds(q: QueueQuery): Promise<string[]> {
      const rows = await applyQuery(db.selectFrom('annotations as a').select(['a.id']), q).orderBy('a.created_at', 'desc').orderBy('a.id', 'desc').execute();
      return rows.map((r) => r.id as string);
    },
    async getMapTitle(id: string): Promise<string | null> {
      return (await db.selectFrom('maps').select('title').where('id', '=', id).executeTakeFirst())?.title ?? null;
    },
  };
}
export type ReviewRepository = ReturnType<typeof createReviewRepository>;

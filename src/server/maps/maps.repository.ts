/** Every query on the internal map tables. Only src/server/maps and publishing use these. */
import { sql } from 'kysely';
import type { DB } from '../../../db/connection.ts';
import type {
  MapCardRow,
  MapCardsTable,
  MapLaneRow,
  MapLanesTable,
  MapRow,
  MapsTable,
  MapStageRow,
  MapStagesTable,
} from '../../../db/schema.ts';
import type { Insertable, Updateable } from 'kysely';

export interface MapListFilter {
  search?: string | null;
  segment?: string | null;
  lifecycle?: string | null;
  isArchived?: boolean;
}

export interface MapListRow {
  id: string;
  title: string;
  segment: string | null;
  lifecycle: string | null;
  is_archived: number;
  updated_at: number;
  stage_count: number;
  card_count: number;
}

/** SQLite caps bound parameters per statement; bulk inserts go in slices under that cap. */
const INSERT_BATCH_ROWS = 200;

export function createMapsRepository(db: DB) {
  return {
    get(id: string): Promise<MapRow | undefined> {
      return db.selectFrom('maps').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async list(filter: MapListFilter): Promise<MapListRow[]> {
      let query = db
        .selectFrom('maps as m')
        .select([
          'm.id',
          'm.title',
          'm.segment',
          'm.lifecycle',
          'm.is_archived',
          'm.updated_at',
          (eb) => eb.selectFrom('map_stages').select(eb.fn.countAll<number>().as('n')).whereRef('map_id', '=', 'm.id').as('stage_count'),
          (eb) => eb.selectFrom('map_cards').select(eb.fn.countAll<number>().as('n')).whereRef('map_id', '=', 'm.id').as('card_count'),
        ])
        .where('m.is_archived', '=', filter.isArchived ? 1 : 0);
      if (filter.segment) query = query.where('m.segment', '=', filter.segment);
      if (filter.lifecycle) query = query.where('m.lifecycle', '=', filter.lifecycle);
      if (filter.search) {
        const pattern = '%' + filter.search.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c) + '%';
        query = query.where(sql<boolean>`lower(m.title) like ${pattern} escape '\\'`);
      }
      const rows = await query.orderBy('m.updated_at', 'desc').limit(500).execute();
      return rows.map((r) => ({ ...r, stage_count: Number(r.stage_count ?? 0), card_count: Number(r.card_count ?? 0) }));
    },

    /** The most recently changed maps, titles only (the home page). */
    listRecent(limit: number): Promise<{ id: string; title: string; segment: string | null }[]> {
      return db.selectFrom('maps').select(['id', 'title', 'segment']).where('is_archived', '=', 0).orderBy('updated_at', 'desc').limit(limit).execute();
    },

    /** Distinct segments and lifecycle phases in use, for the list filters. */
    async listFacets(): Promise<{ segments: string[]; lifecycles: string[] }> {
      const segments = await db.selectFrom('maps').select('segment').distinct().where('segment', 'is not', null).orderBy('segment').execute();
      const lifecycles = await db.selectFrom('maps').select('lifecycle').distinct().where('lifecycle', 'is not', null).orderBy('lifecycle').execute();
      return { segments: segments.map((r) => r.segment!), lifecycles: lifecycles.map((r) => r.lifecycle!) };
    },

    async create(row: Insertable<MapsTable>): Promise<void> {
      await db.insertInto('maps').values(row).execute();
    },

    /** Updates when the revision still matches; returns false on a stale revision. */
    async updateAtRevision(id: string, revision: number, changes: Updateable<MapsTable>): Promise<boolean> {
      const result = await db
        .updateTable('maps')
        .set({ ...changes, revision: sql`revision + 1` })
        .where('id', '=', id)
        .where('revision', '=', revision)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async update(id: string, changes: Updateable<MapsTable>): Promise<void> {
      await db.updateTable('maps').set(changes).where('id', '=', id).execute();
    },

    async touch(id: string, now: number): Promise<void> {
      await db.updateTable('maps').set({ updated_at: now }).where('id', '=', id).execute();
    },

    async hasPublishedVersions(mapId: string): Promise<boolean> {
      return (await db.selectFrom('map_versions').select('id').where('map_id', '=', mapId).limit(1).executeTakeFirst()) !== undefined;
    },

    async delete(id: string): Promise<void> {
      await db.deleteFrom('maps').where('id', '=', id).execute();
    },

    listStages(mapId: string): Promise<MapStageRow[]> {
      return db.selectFrom('map_stages').selectAll().where('map_id', '=', mapId).orderBy('position').execute();
    },
    listLanes(mapId: string): Promise<MapLaneRow[]> {
      return db.selectFrom('map_lanes').selectAll().where('map_id', '=', mapId).orderBy('position').execute();
    },
    /** In map order: by stage position, then lane position, then position in the cell. */
    listCards(mapId: string): Promise<MapCardRow[]> {
      return db
        .selectFrom('map_cards as c')
        .innerJoin('map_stages as s', 's.id', 'c.stage_id')
        .innerJoin('map_lanes as l', 'l.id', 'c.lane_id')
        .selectAll('c')
        .where('c.map_id', '=', mapId)
        .orderBy('s.position')
        .orderBy('l.position')
        .orderBy('c.position')
        .execute();
    },

    getStage(id: string): Promise<MapStageRow | undefined> {
      return db.selectFrom('map_stages').selectAll().where('id', '=', id).executeTakeFirst();
    },
    getLane(id: string): Promise<MapLaneRow | undefined> {
      return db.selectFrom('map_lanes').selectAll().where('id', '=', id).executeTakeFirst();
    },
    getCard(id: string): Promise<MapCardRow | undefined> {
      return db.selectFrom('map_cards').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async listKeys(mapId: string): Promise<Set<string>> {
      const [stages, lanes, cards] = await Promise.all([
        db.selectFrom('map_stages').select('key').where('map_id', '=', mapId).execute(),
        db.selectFrom('map_lanes').select('key').where('map_id', '=', mapId).execute(),
        db.selectFrom('map_cards').select('key').where('map_id', '=', mapId).execute(),
      ]);
      return new Set([...stages, ...lanes, ...cards].map((r) => r.key));
    },

    async insertStages(rows: Insertable<MapStagesTable>[]): Promise<void> {
      for (let i = 0; i < rows.length; i += INSERT_BATCH_ROWS) await db.insertInto('map_stages').values(rows.slice(i, i + INSERT_BATCH_ROWS)).execute();
    },
    async insertLanes(rows: Insertable<MapLanesTable>[]): Promise<void> {
      for (let i = 0; i < rows.length; i += INSERT_BATCH_ROWS) await db.insertInto('map_lanes').values(rows.slice(i, i + INSERT_BATCH_ROWS)).execute();
    },
    async insertCards(rows: Insertable<MapCardsTable>[]): Promise<void> {
      for (let i = 0; i < rows.length; i += INSERT_BATCH_ROWS) await db.insertInto('map_cards').values(rows.slice(i, i + INSERT_BATCH_ROWS)).execute();
    },

    async updateStageAtRevision(id: string, revision: number, changes: Updateable<MapStagesTable>): Promise<boolean> {
      const r = await db.updateTable('map_stages').set({ ...changes, revision: sql`revision + 1` }).where('id', '=', id).where('revision', '=', revision).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async updateLaneAtRevision(id: string, revision: number, changes: Updateable<MapLanesTable>): Promise<boolean> {
      const r = await db.updateTable('map_lanes').set({ ...changes, revision: sql`revision + 1` }).where('id', '=', id).where('revision', '=', revision).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async updateCardAtRevision(id: string, revision: number, changes: Updateable<MapCardsTable>): Promise<boolean> {
      const r = await db.updateTable('map_cards').set({ ...changes, revision: sql`revision + 1` }).where('id', '=', id).where('revision', '=', revision).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async setStagePositions(ids: string[]): Promise<void> {
      for (const [position, id] of ids.entries()) await db.updateTable('map_stages').set({ position }).where('id', '=', id).execute();
    },
    async setLanePositions(ids: string[]): Promise<void> {
      for (const [position, id] of ids.entries()) await db.updateTable('map_lanes').set({ position }).where('id', '=', id).execute();
    },
    async setCardPositions(ids: string[]): Promise<void> {
      for (const [position, id] of ids.entries()) await db.updateTable('map_cards').set({ position }).where('id', '=', id).execute();
    },

    listCardsInCell(stageId: string, laneId: string): Promise<MapCardRow[]> {
      return db.selectFrom('map_cards').selectAll().where('stage_id', '=', stageId).where('lane_id', '=', laneId).orderBy('position').execute();
    },

    async moveCard(id: string, stageId: string, laneId: string): Promise<void> {
      await db.updateTable('map_cards').set({ stage_id: stageId, lane_id: laneId, revision: sql`revision + 1` }).where('id', '=', id).execute();
    },

    async deleteStage(id: string): Promise<void> {
      await db.deleteFrom('map_stages').where('id', '=', id).execute();
    },
    async deleteLane(id: string): Promise<void> {
      await db.deleteFrom('map_lanes').where('id', '=', id).execute();
    },
    async deleteCard(id: string): Promise<void> {
      await db.deleteFrom('map_cards').where('id', '=', id).execute();
    },
  };
}
export type MapsRepository = ReturnType<typeof createMapsRepository>;

import type { DB } from '../../../db/connection.ts';
import type { MapVersionRow, MapVersionsTable } from '../../../db/schema.ts';
import type { Insertable } from 'kysely';

export type VersionListRow = Omit<MapVersionRow, 'snapshot'>;

export function createPublishingRepository(db: DB) {
  return {
    async getLatestNumber(mapId: string): Promise<number> {
      const row = await db.selectFrom('map_versions').select((eb) => eb.fn.max<number>('number').as('n')).where('map_id', '=', mapId).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    getByNumber(mapId: string, number: number): Promise<MapVersionRow | undefined> {
      return db.selectFrom('map_versions').selectAll().where('map_id', '=', mapId).where('number', '=', number).executeTakeFirst();
    },
    getLatest(mapId: string): Promise<MapVersionRow | undefined> {
      return db.selectFrom('map_versions').selectAll().where('map_id', '=', mapId).orderBy('number', 'desc').limit(1).executeTakeFirst();
    },
    listForMap(mapId: string): Promise<VersionListRow[]> {
      return db
        .selectFrom('map_versions')
        .select(['id', 'map_id', 'number', 'snapshot_hash', 'published_by', 'published_by_name', 'published_at', 'acknowledged_warnings', 'summary'])
        .where('map_id', '=', mapId)
        .orderBy('number', 'desc')
        .execute();
    },
    async create(row: Insertable<MapVersionsTable>): Promise<void> {
      await db.insertInto('map_versions').values(row).execute();
    },
    async countForMap(mapId: string): Promise<number> {
      const row = await db.selectFrom('map_versions').select((eb) => eb.fn.countAll<number>().as('n')).where('map_id', '=', mapId).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    listLeakTerms(): Promise<{ id: string; term: string; created_at: number }[]> {
      return db.selectFrom('leak_terms').select(['id', 'term', 'created_at']).orderBy('term').execute();
    },
    async addLeakTerm(row: { id: string; term: string; created_by: string | null; created_at: number }): Promise<boolean> {
      const result = await db.insertInto('leak_terms').values(row).onConflict((oc) => oc.column('term').doNothing()).executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async deleteLeakTerm(id: string): Promise<void> {
      await db.deleteFrom('leak_terms').where('id', '=', id).execute();
    },
    async listStaffNames(): Promise<string[]> {
      return (await db.selectFrom('staff_users').select('name').execute()).map((r) => r.name);
    },
  };
}

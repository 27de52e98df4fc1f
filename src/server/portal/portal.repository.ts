/**
 * The participant side's only window on the database for maps: published versions. This file
 * (and everything under src/server/portal/) must never name the internal map tables; a test
 * (tests/architecture/redaction-boundary.test.ts) fails the build if it does.
 */
import type { DB } from '../../../db/connection.ts';

export interface PublishedVersionRow {
  id: string;
  map_id: string;
  number: number;
  snapshot: string;
  snapshot_hash: string;
  published_at: number;
}

export function createPortalRepository(db: DB) {
  return {
    /** The id of the version an invitation shows: a fixed number, or the latest (null). */
    findVersionId(mapId: string, versionNumber: number | null): Promise<{ id: string } | undefined> {
      let query = db.selectFrom('map_versions').select('id').where('map_id', '=', mapId);
      query = versionNumber === null ? query.orderBy('number', 'desc').limit(1) : query.where('number', '=', versionNumber);
      return query.executeTakeFirst();
    },
    getVersion(versionId: string): Promise<PublishedVersionRow | undefined> {
      return db
        .selectFrom('map_versions')
        .select(['id', 'map_id', 'number', 'snapshot', 'snapshot_hash', 'published_at'])
        .where('id', '=', versionId)
        .executeTakeFirst();
    },
  };
}

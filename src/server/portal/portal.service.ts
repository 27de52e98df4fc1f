/**
 * Reading published versions for customers. Versions never change once written, so a parsed
 * snapshot is cached by version id for as long as it is in use, and its hash doubles as an ETag.
 */
import type { DB } from '../../../db/connection.ts';
import { createPortalRepository } from './portal.repository.ts';
import type { PublishedSnapshot } from './snapshot.ts';

export interface PublishedVersion {
  id: string;
  mapId: string;
  number: number;
  publishedAt: number;
  /** Content hash of the snapshot: a strong validator for HTTP caching. */
  hash: string;
  snapshot: PublishedSnapshot;
}

const CACHE_ENTRIES = 200;

export function createPortalService(deps: { db: DB }) {
  const repo = createPortalRepository(deps.db);
  const cache = new Map<string, PublishedVersion>();

  async function getPublishedVersion(versionId: string): Promise<PublishedVersion | null> {
    const cached = cache.get(versionId);
    if (cached) {
      cache.delete(versionId); // keep Map order least-recently-used first
      cache.set(versionId, cached);
      return cached;
    }
    const row = await repo.getVersion(versionId);
    if (!row) return null;
    const version: PublishedVersion = {
      id: row.id,
      mapId: row.map_id,
      number: row.number,
      publishedAt: row.published_at,
      hash: row.snapshot_hash,
      snapshot: JSON.parse(row.snapshot) as PublishedSnapshot,
    };
    cache.set(versionId, version);
    if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    return version;
  }

  return {
    getPublishedVersion,

    /** The version an invitation shows (a fixed number, or the latest when null), from the cache. */
    async findPublishedVersion(mapId: string, versionNumber: number | null): Promise<PublishedVersion | null> {
      const found = await repo.findVersionId(mapId, versionNumber);
      return found ? getPublishedVersion(found.id) : null;
    },
  };
}
export type PortalService = ReturnType<typeof createPortalService>;

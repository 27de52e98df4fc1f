/**
 * What the queue's filters can choose from: maps and their versions and stages, the segments and
 * accounts of invited people, staff who can own items, and the tags in use. Lists are bounded:
 * a filter select with thousands of options helps nobody, and the free-text filters (account,
 * tag) take any value anyway.
 */
import type { DB } from '../../../db/connection.ts';
import type { PortalService } from '../portal/portal.service.ts';

const OPTIONS_MAX = 300;

export interface QueueOptions {
  maps: { id: string; title: string }[];
  /** Versions and stages of the chosen map (empty without one). */
  versions: { id: string; number: number }[];
  stages: { key: string; name: string }[];
  segments: string[];
  accounts: string[];
  owners: { id: string; name: string; isActive: boolean }[];
  tags: string[];
}

export function createQueueOptionsService(deps: { db: DB; portal: PortalService }) {
  const { db, portal } = deps;
  return {
    async listOptions(mapId: string | null | undefined): Promise<QueueOptions> {
      const maps = await db
        .selectFrom('maps as m')
        .select(['m.id', 'm.title'])
        .where((eb) => eb.exists(eb.selectFrom('map_versions as v').select('v.id').whereRef('v.map_id', '=', 'm.id')))
        .orderBy('m.title')
        .limit(OPTIONS_MAX)
        .execute();
      const versions = mapId ? await db.selectFrom('map_versions').select(['id', 'number']).where('map_id', '=', mapId).orderBy('number', 'desc').execute() : [];
      // Published keys are the same in every version, so the latest version names every stage
      // still shown; stages dropped earlier are still reachable by choosing an older version.
      const latest = versions[0] ? await portal.getPublishedVersion(versions[0].id) : null;
      const stages = latest ? latest.snapshot.stages.map((s) => ({ key: s.key, name: s.name })) : [];
      const people = (column: 'segment' | 'account') => {
        let q = db.selectFrom('invitations').select(column).distinct().where(column, 'is not', null).where(column, '!=', '');
        if (mapId) q = q.where('map_id', '=', mapId);
        return q.orderBy(column).limit(OPTIONS_MAX).execute();
      };
      const [segments, accounts, owners, tags] = await Promise.all([
        people('segment'),
        people('account'),
        db.selectFrom('staff_users').select(['id', 'name', 'is_active']).orderBy('name').execute(),
        db.selectFrom('annotation_tags').select('tag').distinct().orderBy('tag').limit(OPTIONS_MAX).execute(),
      ]);
      return {
        maps,
        versions,
        stages,
        segments: segments.map((r) => r.segment as string),
        accounts: accounts.map((r) => r.account as string),
        owners: owners.map((o) => ({ id: o.id, name: o.name, isActive: o.is_active === 1 })),
        tags: tags.map((t) => t.tag),
      };
    },
  };
}
export type QueueOptionsService = ReturnType<typeof createQueueOptionsService>;

/** Every query of the owners' digest: its schedule, who owns open items, and what was sent. */
import type { DB } from '../../../db/connection.ts';
import type { DigestSendsTable, DigestSettingsTable } from '../../../db/schema.ts';
import { OPEN_DISPOSITIONS } from './digest.ts';

export interface DigestOwnerRow {
  id: string;
  email: string;
  name: string;
  open_count: number;
}

export interface DigestItemRow {
  id: string;
  kind: string;
  disposition: string;
  text: string;
  map_title: string;
  created_at: number;
}

export function createDigestRepository(db: DB) {
  return {
    getSettings(): Promise<DigestSettingsTable | undefined> {
      return db.selectFrom('digest_settings').selectAll().where('id', '=', 1).executeTakeFirst();
    },
    async saveSettings(row: Omit<DigestSettingsTable, 'id'>): Promise<void> {
      await db
        .insertInto('digest_settings')
        .values({ id: 1, ...row })
        .onConflict((oc) => oc.column('id').doUpdateSet(row))
        .execute();
    },
    /** Active staff who own at least one open item, with how many; one of them when `staffId` is given. */
    async listOwners(staffId?: string): Promise<DigestOwnerRow[]> {
      let query = db
        .selectFrom('annotations as a')
        .innerJoin('staff_users as s', 's.id', 'a.owner_id')
        .select(['s.id', 's.email', 's.name', (eb) => eb.fn.countAll<number>().as('open_count')])
        .where('a.disposition', 'in', [...OPEN_DISPOSITIONS])
        .where('a.is_withdrawn', '=', 0)
        .where('s.is_active', '=', 1);
      if (staffId) query = query.where('s.id', '=', staffId);
      const rows = await query.groupBy(['s.id', 's.email', 's.name']).orderBy('s.email').execute();
      return rows.map((r) => ({ ...r, open_count: Number(r.open_count) }));
    },
    /** A person's open items, newest first. */
    listOpenItems(staffId: string, limit: number): Promise<DigestItemRow[]> {
      return db
        .selectFrom('annotations as a')
        .innerJoin('maps as m', 'm.id', 'a.map_id')
        .select(['a.id', 'a.kind', 'a.disposition', 'a.text', 'm.title as map_title', 'a.created_at'])
        .where('a.owner_id', '=', staffId)
        .where('a.disposition', 'in', [...OPEN_DISPOSITIONS])
        .where('a.is_withdrawn', '=', 0)
        .orderBy('a.created_at', 'desc')
        .orderBy('a.id', 'desc')
        .limit(limit)
        .execute();
    },
    getActiveStaffByEmail(email: string) {
      return db.selectFrom('staff_users').select(['id', 'email', 'name']).where('email', '=', email).where('is_active', '=', 1).executeTakeFirst();
    },
    /** Claims the period for this person; false when their digest for it was already written. */
    async claimSend(row: DigestSendsTable): Promise<boolean> {
      const result = await db
        .insertInto('digest_sends')
        .values(row)
        .onConflict((oc) => oc.columns(['period', 'staff_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async setSendOutbox(period: string, staffId: string, outboxId: string): Promise<void> {
      await db.updateTable('digest_sends').set({ outbox_id: outboxId }).where('period', '=', period).where('staff_id', '=', staffId).execute();
    },
    listSends(period: string) {
      return db.selectFrom('digest_sends').selectAll().where('period', '=', period).execute();
    },
  };
}
export type DigestRepository = ReturnType<typeof createDigestRepository>;

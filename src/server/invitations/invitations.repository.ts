import { sql, type Insertable, type Updateable } from 'kysely';
import type { DB } from '../../../db/connection.ts';
import type { InvitationHistoryTable, InvitationRow, InvitationsTable } from '../../../db/schema.ts';

export function createInvitationsRepository(db: DB) {
  return {
    get(id: string): Promise<InvitationRow | undefined> {
      return db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst();
    },
    getByTokenHash(tokenHash: string): Promise<InvitationRow | undefined> {
      return db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    },
    listForMap(mapId: string): Promise<InvitationRow[]> {
      return db.selectFrom('invitations').selectAll().where('map_id', '=', mapId).orderBy('created_at', 'desc').orderBy('email').execute();
    },
    listForEmail(email: string): Promise<InvitationRow[]> {
      return db.selectFrom('invitations').selectAll().where('email', '=', email).execute();
    },
    /** Everyone invited to the map, split by whether their invitation was revoked. */
    async listInvitedEmails(mapId: string): Promise<{ active: Set<string>; revoked: Set<string> }> {
      const rows = await db.selectFrom('invitations').select(['email', 'revoked_at']).where('map_id', '=', mapId).execute();
      return {
        active: new Set(rows.filter((r) => r.revoked_at === null).map((r) => r.email)),
        revoked: new Set(rows.filter((r) => r.revoked_at !== null).map((r) => r.email)),
      };
    },
    getForMapAndEmail(mapId: string, email: string): Promise<InvitationRow | undefined> {
      return db.selectFrom('invitations').selectAll().where('map_id', '=', mapId).where('email', '=', email).executeTakeFirst();
    },
    async getOrCreateParticipant(email: string, id: string, now: number): Promise<string> {
      await db.insertInto('participants').values({ id, email, created_at: now }).onConflict((oc) => oc.column('email').doNothing()).execute();
      const row = await db.selectFrom('participants').select('id').where('email', '=', email).executeTakeFirstOrThrow();
      return row.id;
    },
    /** False when the person is already invited to the map (the unique pair decides). */
    async create(row: Insertable<InvitationsTable>): Promise<boolean> {
      const result = await db
        .insertInto('invitations')
        .values(row)
        .onConflict((oc) => oc.columns(['map_id', 'participant_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async update(id: string, changes: Updateable<InvitationsTable>): Promise<void> {
      await db.updateTable('invitations').set(changes).where('id', '=', id).execute();
    },
    /** False when it was revoked already (by someone else a moment ago). */
    async revoke(id: string, at: number): Promise<boolean> {
      const result = await db.updateTable('invitations').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** Gives a revoked invitation back its access with `changes` (a new token among them); false when it is not revoked. */
    async restore(id: string, changes: Updateable<InvitationsTable>): Promise<boolean> {
      const result = await db
        .updateTable('invitations')
        .set({ ...changes, revoked_at: null })
        .where('id', '=', id)
        .where('revoked_at', 'is not', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async addHistory(row: Insertable<InvitationHistoryTable>): Promise<void> {
      await db.insertInto('invitation_history').values(row).execute();
    },
    /** Every revoke and restore of the map's invitations, oldest first. */
    listHistoryForMap(mapId: string) {
      return db
        .selectFrom('invitation_history as h')
        .innerJoin('invitations as i', 'i.id', 'h.invitation_id')
        .select(['h.invitation_id', 'h.action', 'h.created_at'])
        .where('i.map_id', '=', mapId)
        .orderBy('h.created_at')
        // Insertion order for changes within one millisecond.
        .orderBy(sql`h.rowid`)
        .execute();
    },
    async deleteSessionsOfInvitation(invitationId: string): Promise<void> {
      await db.deleteFrom('participant_sessions').where('invitation_id', '=', invitationId).execute();
    },
    /** What participants wrote at the end of a review of this map, newest first. */
    listClosingRemarks(mapId: string) {
      return db
        .selectFrom('review_closings as c')
        .innerJoin('invitations as i', 'i.id', 'c.invitation_id')
        .innerJoin('map_versions as v', 'v.id', 'c.version_id')
        .select(['c.invitation_id', 'c.text', 'c.finished_at', 'v.number as version_number', 'i.email', 'i.name', 'i.account'])
        .where('i.map_id', '=', mapId)
        .where('c.text', '!=', '')
        .orderBy('c.finished_at', 'desc')
        .execute();
    },
    async getMapTitle(mapId: string): Promise<string | null> {
      const row = await db.selectFrom('maps').select(['title']).where('id', '=', mapId).executeTakeFirst();
      return row?.title ?? null;
    },
  };
}
export type InvitationsRepository = ReturnType<typeof createInvitationsRepository>;

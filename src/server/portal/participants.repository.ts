/**
 * The participant side's queries on invitations and participant sessions. Like everything in
 * src/server/portal/, it never names the internal map tables: a participant's map comes from
 * map_versions, through the grant their invitation gives.
 */
import type { DB } from '../../../db/connection.ts';
import type { InvitationRow } from '../../../db/schema.ts';

export interface GrantRow {
  invitation_id: string;
  map_id: string;
  version_number: number | null;
  account: string | null;
  name: string | null;
  expires_at: number;
  revoked_at: number | null;
}

export function createParticipantsRepository(db: DB) {
  return {
    getInvitationByTokenHash(tokenHash: string): Promise<InvitationRow | undefined> {
      return db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    },
    getInvitation(id: string): Promise<InvitationRow | undefined> {
      return db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async markOpened(invitationId: string, now: number): Promise<void> {
      await db.updateTable('invitations').set({ opened_at: now }).where('id', '=', invitationId).where('opened_at', 'is', null).execute();
    },
    async createSession(row: { id: string; secret_hash: Uint8Array; participant_id: string; invitation_id: string; created_at: number; expires_at: number }): Promise<void> {
      await db.insertInto('participant_sessions').values(row).execute();
    },
    getSession(id: string) {
      return db
        .selectFrom('participant_sessions as s')
        .innerJoin('participants as p', 'p.id', 's.participant_id')
        .innerJoin('invitations as i', 'i.id', 's.invitation_id')
        .select(['s.id', 's.secret_hash', 's.participant_id', 's.invitation_id', 's.expires_at', 'p.email', 'i.revoked_at', 'i.name'])
        .where('s.id', '=', id)
        .executeTakeFirst();
    },
    async extendSession(id: string, expiresAt: number): Promise<void> {
      await db.updateTable('participant_sessions').set({ expires_at: expiresAt }).where('id', '=', id).execute();
    },
    async deleteSession(id: string): Promise<void> {
      await db.deleteFrom('participant_sessions').where('id', '=', id).execute();
    },
    /** Every invitation of the participant, usable or not; the service decides. */
    listGrants(participantId: string): Promise<GrantRow[]> {
      return db
        .selectFrom('invitations')
        .select(['id as invitation_id', 'map_id', 'version_number', 'account', 'name', 'expires_at', 'revoked_at'])
        .where('participant_id', '=', participantId)
        .orderBy('created_at', 'desc')
        .execute();
    },
    listUnrevokedInvitationsForEmail(email: string): Promise<InvitationRow[]> {
      return db.selectFrom('invitations').selectAll().where('email', '=', email).where('revoked_at', 'is', null).execute();
    },
  };
}

import type { Insertable, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../../../db/connection.ts';
import type { LiveEventRow, LiveSessionRow, LiveSessionsTable } from '../../../db/schema.ts';
import type { LiveAudience, LiveEventType } from './live.ts';

export interface LinkedAnnotationRow {
  id: string;
  anchor_kind: 'map' | 'stage' | 'lane' | 'card' | 'gap';
  stage_key: string | null;
  lane_key: string | null;
  card_key: string | null;
  next_stage_key: string | null;
  kind: 'missing' | 'inaccurate' | 'pain_point' | 'works_well' | 'question' | 'idea';
  text: string;
  moderation: 'pending' | 'approved' | 'rejected' | 'spam';
  is_withdrawn: number;
  created_at: number;
  revision: number;
  author_name: string | null;
  votes: number;
}

/** Events read in one go at most; a reader after a long absence pages through. */
export const EVENT_PAGE = 1000;

export function createLiveRepository(db: DB) {
  return {
    async createSession(row: Insertable<LiveSessionsTable>): Promise<void> {
      await db.insertInto('live_sessions').values(row).execute();
    },
    getSession(id: string): Promise<LiveSessionRow | undefined> {
      return db.selectFrom('live_sessions').selectAll().where('id', '=', id).executeTakeFirst();
    },
    getSessionByCode(code: string): Promise<LiveSessionRow | undefined> {
      return db.selectFrom('live_sessions').selectAll().where('join_code', '=', code).executeTakeFirst();
    },
    /** Sessions not ended yet (at most one per map). */
    listRunning(): Promise<LiveSessionRow[]> {
      return db.selectFrom('live_sessions').selectAll().where('state', '!=', 'ended').execute();
    },
    listForMap(mapId: string, limit = 20): Promise<LiveSessionRow[]> {
      return db.selectFrom('live_sessions').selectAll().where('map_id', '=', mapId).orderBy('opened_at', 'desc').limit(limit).execute();
    },
    async updateSession(id: string, changes: Updateable<LiveSessionsTable>): Promise<void> {
      await db.updateTable('live_sessions').set(changes).where('id', '=', id).execute();
    },

    /**
     * Appends events with the next sequence numbers. The session row hands them out (an update
     * that takes the row's lock, in PostgreSQL as in SQLite), so concurrent writers never take
     * the same number. Run it inside the transaction that makes the change. Returns the last.
     */
    async appendEvents(sessionId: string, events: readonly { type: LiveEventType; audience: LiveAudience; data: string }[], now: number): Promise<number> {
      const row = await db
        .updateTable('live_sessions')
        .set({ last_seq: sql`last_seq + ${events.length}` })
        .where('id', '=', sessionId)
        .returning('last_seq')
        .executeTakeFirstOrThrow();
      const last = Number(row.last_seq);
      if (events.length > 0) {
        await db
          .insertInto('live_events')
          .values(events.map((e, i) => ({ session_id: sessionId, seq: last - events.length + 1 + i, type: e.type, audience: e.audience, payload: e.data, created_at: now })))
          .execute();
      }
      return last;
    },

    /** Events after `afterSeq`, oldest first; staff-only events only for staff. */
    listEventsAfter(sessionId: string, afterSeq: number, audience: LiveAudience, limit = EVENT_PAGE): Promise<Pick<LiveEventRow, 'seq' | 'type' | 'audience' | 'payload'>[]> {
      let query = db.selectFrom('live_events').select(['seq', 'type', 'audience', 'payload']).where('session_id', '=', sessionId).where('seq', '>', afterSeq);
      if (audience === 'everyone') query = query.where('audience', '=', 'everyone');
      return query.orderBy('seq').limit(limit).execute();
    },
    /** Deletes superseded events (live.ts `supersede`), in the transaction that appends what supersedes them. */
    async deleteEvents(sessionId: string, seqs: readonly number[]): Promise<void> {
      for (let i = 0; i < seqs.length; i += 500) {
        await db.deleteFrom('live_events').where('session_id', '=', sessionId).where('seq', 'in', seqs.slice(i, i + 500)).execute();
      }
    },
    async lastSeq(sessionId: string): Promise<number> {
      const row = await db.selectFrom('live_sessions').select('last_seq').where('id', '=', sessionId).executeTakeFirst();
      return Number(row?.last_seq ?? 0);
    },

    async addMember(row: { session_id: string; invitation_id: string; participant_id: string; joined_at: number }): Promise<void> {
      await db
        .insertInto('live_members')
        .values(row)
        .onConflict((oc) => oc.columns(['session_id', 'invitation_id']).doNothing())
        .execute();
    },
    async listMemberInvitations(sessionId: string): Promise<string[]> {
      return (await db.selectFrom('live_members').select('invitation_id').where('session_id', '=', sessionId).execute()).map((r) => r.invitation_id);
    },
    async countMembers(sessionId: string): Promise<number> {
      const row = await db.selectFrom('live_members').select((eb) => eb.fn.countAll<number>().as('n')).where('session_id', '=', sessionId).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async linkAnnotations(sessionId: string, annotationIds: readonly string[], now: number): Promise<void> {
      if (annotationIds.length === 0) return;
      await db
        .insertInto('live_annotations')
        .values(annotationIds.map((id) => ({ session_id: sessionId, annotation_id: id, linked_at: now })))
        .onConflict((oc) => oc.columns(['session_id', 'annotation_id']).doNothing())
        .execute();
    },
    /**
     * What members wrote on the session's version since it opened that is not linked to it: an
     * annotation is committed before the session links it, so a crash in between leaves these.
     */
    async listUnlinked(versionId: string, invitationIds: readonly string[], since: number): Promise<string[]> {
      if (invitationIds.length === 0) return [];
      const rows = await db
        .selectFrom('annotations as a')
        .select('a.id')
        .where('a.version_id', '=', versionId)
        .where('a.invitation_id', 'in', invitationIds)
        .where('a.created_at', '>=', since)
        .where('a.is_withdrawn', '=', 0)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('live_annotations as l').select('l.annotation_id').whereRef('l.annotation_id', '=', 'a.id'))))
        .execute();
      return rows.map((r) => r.id);
    },
    async listLinkedIds(sessionId: string): Promise<string[]> {
      return (await db.selectFrom('live_annotations').select('annotation_id').where('session_id', '=', sessionId).execute()).map((r) => r.annotation_id);
    },
    async isLinked(annotationId: string): Promise<boolean> {
      return (await db.selectFrom('live_annotations').select('session_id').where('annotation_id', '=', annotationId).executeTakeFirst()) !== undefined;
    },

    /** Every annotation said in the session, with its author's name and +1 count. */
    listLinked(sessionId: string): Promise<LinkedAnnotationRow[]> {
      return db
        .selectFrom('live_annotations as l')
        .innerJoin('annotations as a', 'a.id', 'l.annotation_id')
        .innerJoin('invitations as i', 'i.id', 'a.invitation_id')
        .select((eb) => [
          'a.id',
          'a.anchor_kind',
          'a.stage_key',
          'a.lane_key',
          'a.card_key',
          'a.next_stage_key',
          'a.kind',
          'a.text',
          'a.moderation',
          'a.is_withdrawn',
          'a.created_at',
          'a.revision',
          'i.name as author_name',
          eb.selectFrom('annotation_votes as v').select(eb.fn.countAll<number>().as('n')).whereRef('v.annotation_id', '=', 'a.id').as('votes'),
        ])
        .where('l.session_id', '=', sessionId)
        .orderBy('a.created_at')
        .orderBy('a.id')
        .execute() as Promise<LinkedAnnotationRow[]>;
    },

    /** The annotation as the hide button needs it: in this session, with its revision. */
    getLinkedAnnotation(sessionId: string, annotationId: string) {
      return db
        .selectFrom('live_annotations as l')
        .innerJoin('annotations as a', 'a.id', 'l.annotation_id')
        .select(['a.id', 'a.revision', 'a.moderation', 'a.is_withdrawn'])
        .where('l.session_id', '=', sessionId)
        .where('l.annotation_id', '=', annotationId)
        .executeTakeFirst();
    },

    /**
     * Which of these participants' sign-ins are still there (not signed out, not ended by a
     * revocation) and not expired, with whose they are. One query for a whole re-check round.
     */
    async listValidParticipantSessions(sessionIds: readonly string[], now: number): Promise<Map<string, string>> {
      const valid = new Map<string, string>();
      for (let i = 0; i < sessionIds.length; i += 500) {
        const rows = await db.selectFrom('participant_sessions').select(['id', 'participant_id']).where('id', 'in', sessionIds.slice(i, i + 500)).where('expires_at', '>', now).execute();
        for (const row of rows) valid.set(row.id, row.participant_id);
      }
      return valid;
    },
    /** A staff sign-in and the account behind it, when the sign-in is still there and not expired. */
    async getStaffSessionStanding(sessionId: string, userId: string, now: number): Promise<{ role: 'admin' | 'editor' | 'reviewer'; isActive: boolean } | null> {
      const row = await db
        .selectFrom('staff_sessions as s')
        .innerJoin('staff_users as u', 'u.id', 's.user_id')
        .select(['u.role', 'u.is_active'])
        .where('s.id', '=', sessionId)
        .where('s.user_id', '=', userId)
        .where('s.expires_at', '>', now)
        .executeTakeFirst();
      return row ? { role: row.role, isActive: row.is_active === 1 } : null;
    },

    /** The participant's invitation to a map (one per map and participant), whatever its state. */
    findInvitationForMap(participantId: string, mapId: string) {
      return db.selectFrom('invitations').select(['id', 'revoked_at', 'expires_at']).where('participant_id', '=', participantId).where('map_id', '=', mapId).executeTakeFirst();
    },
  };
}
export type LiveRepository = ReturnType<typeof createLiveRepository>;

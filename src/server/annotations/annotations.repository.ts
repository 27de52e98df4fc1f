import type { Insertable, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../../../db/connection.ts';
import type { AnnotationRow, AnnotationsTable } from '../../../db/schema.ts';

export interface FeedbackSettingsRow {
  mode: 'private' | 'shared';
  requires_approval: number;
  shows_names: number;
}

export interface SharedAnnotationRow extends AnnotationRow {
  author_name: string | null;
  votes: number;
  has_voted: number;
}

export function createAnnotationsRepository(db: DB) {
  return {
    get(id: string): Promise<AnnotationRow | undefined> {
      return db.selectFrom('annotations').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async create(row: Insertable<AnnotationsTable>): Promise<void> {
      await db.insertInto('annotations').values(row).execute();
    },
    /** Several rows in one statement (SQLite allows 32,766 parameters: 200 rows of 20 fit). */
    async createMany(rows: Insertable<AnnotationsTable>[]): Promise<void> {
      if (rows.length > 0) await db.insertInto('annotations').values(rows).execute();
    },
    /** Updates when the revision still matches; false on a stale revision. */
    async updateAtRevision(id: string, revision: number, changes: Updateable<AnnotationsTable>): Promise<boolean> {
      const result = await db.updateTable('annotations').set({ ...changes, revision: sql`revision + 1` }).where('id', '=', id).where('revision', '=', revision).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    listOwn(participantId: string, versionId: string): Promise<AnnotationRow[]> {
      return db
        .selectFrom('annotations')
        .selectAll()
        .where('participant_id', '=', participantId)
        .where('version_id', '=', versionId)
        .where('is_withdrawn', '=', 0)
        .orderBy('created_at')
        .execute();
    },
    /** Other participants' approved annotations on a version, with +1 counts. */
    listShared(versionId: string, viewerParticipantId: string): Promise<SharedAnnotationRow[]> {
      return db
        .selectFrom('annotations as a')
        .innerJoin('invitations as i', 'i.id', 'a.invitation_id')
        .selectAll('a')
        .select((eb) => [
          'i.name as author_name',
          eb.selectFrom('annotation_votes as v').select(eb.fn.countAll<number>().as('n')).whereRef('v.annotation_id', '=', 'a.id').as('votes'),
          eb
            .selectFrom('annotation_votes as v')
            .select(eb.fn.countAll<number>().as('n'))
            .whereRef('v.annotation_id', '=', 'a.id')
            .where('v.participant_id', '=', viewerParticipantId)
            .as('has_voted'),
        ])
        .where('a.version_id', '=', versionId)
        .where('a.participant_id', '!=', viewerParticipantId)
        .where('a.is_withdrawn', '=', 0)
        .where('a.moderation', '=', 'approved')
        .orderBy('a.created_at')
        .execute() as Promise<SharedAnnotationRow[]>;
    },
    async countVotes(annotationId: string): Promise<number> {
      const row = await db.selectFrom('annotation_votes').select((eb) => eb.fn.countAll<number>().as('n')).where('annotation_id', '=', annotationId).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    /** False when this participant already voted for it. */
    async addVote(annotationId: string, participantId: string, now: number): Promise<boolean> {
      const result = await db
        .insertInto('annotation_votes')
        .values({ annotation_id: annotationId, participant_id: participantId, created_at: now })
        .onConflict((oc) => oc.columns(['annotation_id', 'participant_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async getSettings(mapId: string): Promise<FeedbackSettingsRow> {
      const row = await db.selectFrom('map_feedback_settings').select(['mode', 'requires_approval', 'shows_names']).where('map_id', '=', mapId).executeTakeFirst();
      return row ?? { mode: 'private', requires_approval: 1, shows_names: 0 };
    },
    async saveSettings(mapId: string, settings: FeedbackSettingsRow): Promise<void> {
      await db
        .insertInto('map_feedback_settings')
        .values({ map_id: mapId, ...settings })
        .onConflict((oc) => oc.column('map_id').doUpdateSet(settings))
        .execute();
    },
    async markResponded(invitationId: string, now: number): Promise<void> {
      await db.updateTable('invitations').set({ responded_at: now }).where('id', '=', invitationId).where('responded_at', 'is', null).execute();
    },
    async saveClosing(row: { invitation_id: string; version_id: string; text: string; finished_at: number }): Promise<void> {
      await db
        .insertInto('review_closings')
        .values(row)
        .onConflict((oc) => oc.columns(['invitation_id', 'version_id']).doUpdateSet({ text: row.text, finished_at: row.finished_at }))
        .execute();
    },
    getClosing(invitationId: string, versionId: string) {
      return db.selectFrom('review_closings').selectAll().where('invitation_id', '=', invitationId).where('version_id', '=', versionId).executeTakeFirst();
    },
    /** Counts per anchor on every version of a map, for the staff overlay on the internal map. */
    listForMap(mapId: string): Promise<AnnotationRow[]> {
      return db.selectFrom('annotations').selectAll().where('map_id', '=', mapId).where('is_withdrawn', '=', 0).orderBy('created_at').execute();
    },
  };
}

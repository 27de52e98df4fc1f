import type { DB } from '../../../db/connection.ts';
import type { StaffSessionRow, StaffUserRow } from '../../../db/schema.ts';

export function createAuthRepository(db: DB) {
  return {
    async createSession(row: StaffSessionRow): Promise<void> {
      await db.insertInto('staff_sessions').values(row).execute();
    },
    /** The session with its user, in one query: this runs on every staff request. */
    async getSessionWithUser(
      id: string,
    ): Promise<{ session: StaffSessionRow; user: StaffUserRow } | undefined> {
      const row = await db
        .selectFrom('staff_sessions as s')
        .innerJoin('staff_users as u', 'u.id', 's.user_id')
        .select([
          's.id as session_id',
          's.secret_hash',
          's.user_id',
          's.created_at as session_created_at',
          's.expires_at',
          'u.id',
          'u.email',
          'u.name',
          'u.role',
          'u.password_hash',
          'u.is_active',
          'u.created_at',
          'u.updated_at',
        ])
        .where('s.id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        session: {
          id: row.session_id,
          secret_hash: row.secret_hash,
          user_id: row.user_id,
          created_at: row.session_created_at,
          expires_at: row.expires_at,
        },
        user: {
          id: row.id,
          email: row.email,
          name: row.name,
          role: row.role,
          password_hash: row.password_hash,
          is_active: row.is_active,
          created_at: row.created_at,
          updated_at: row.updated_at,
        },
      };
    },
    async extendSession(id: string, expiresAt: number): Promise<void> {
      await db.updateTable('staff_sessions').set({ expires_at: expiresAt }).where('id', '=', id).execute();
    },
    async deleteSession(id: string): Promise<void> {
      await db.deleteFrom('staff_sessions').where('id', '=', id).execute();
    },
    async deleteSessionsOfUser(userId: string): Promise<void> {
      await db.deleteFrom('staff_sessions').where('user_id', '=', userId).execute();
    },
    async deleteExpiredSessions(now: number): Promise<void> {
      await db.deleteFrom('staff_sessions').where('expires_at', '<=', now).execute();
    },
  };
}
export type AuthRepository = ReturnType<typeof createAuthRepository>;

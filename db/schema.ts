/**
 * The Database interface: one table type per table, as kysely wants it. Booleans are stored as
 * 0/1 integers and timestamps as epoch milliseconds (portable between SQLite and PostgreSQL).
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export type StaffRole = 'admin' | 'editor' | 'reviewer';

export interface StaffUsersTable {
  id: string;
  email: string;
  name: string;
  role: StaffRole;
  password_hash: string;
  is_active: Generated<number>;
  created_at: number;
  updated_at: number;
}
export type StaffUserRow = Selectable<StaffUsersTable>;
export type NewStaffUserRow = Insertable<StaffUsersTable>;
export type StaffUserUpdate = Updateable<StaffUsersTable>;

export interface StaffSessionsTable {
  id: string;
  secret_hash: Uint8Array;
  user_id: string;
  created_at: number;
  expires_at: number;
}
export type StaffSessionRow = Selectable<StaffSessionsTable>;

export interface AppSettingsTable {
  key: string;
  value: string;
}

export interface Database {
  staff_users: StaffUsersTable;
  staff_sessions: StaffSessionsTable;
  app_settings: AppSettingsTable;
}

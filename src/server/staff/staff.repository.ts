import type { DB } from '../../../db/connection.ts';
import type { NewStaffUserRow, StaffUserRow, StaffUserUpdate } from '../../../db/schema.ts';
import type { StaffMember } from './staff.ts';

export function toStaffMember(row: StaffUserRow): StaffMember {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    isActive: row.is_active === 1,
    createdAt: row.created_at,
  };
}

export function createStaffRepository(db: DB) {
  return {
    get(id: string): Promise<StaffUserRow | undefined> {
      return db.selectFrom('staff_users').selectAll().where('id', '=', id).executeTakeFirst();
    },
    getByEmail(email: string): Promise<StaffUserRow | undefined> {
      return db.selectFrom('staff_users').selectAll().where('email', '=', email).executeTakeFirst();
    },
    list(): Promise<StaffUserRow[]> {
      return db.selectFrom('staff_users').selectAll().orderBy('is_active', 'desc').orderBy('name').execute();
    },
    async create(row: NewStaffUserRow): Promise<void> {
      await db.insertInto('staff_users').values(row).execute();
    },
    async update(id: string, changes: StaffUserUpdate): Promise<number> {
      const result = await db.updateTable('staff_users').set(changes).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async countActiveAdmins(): Promise<number> {
      const row = await db
        .selectFrom('staff_users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('role', '=', 'admin')
        .where('is_active', '=', 1)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
export type StaffRepository = ReturnType<typeof createStaffRepository>;

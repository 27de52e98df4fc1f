import type { DB } from '../../../db/connection.ts';
import { createAuthRepository } from '../auth/auth.repository.ts';
import {
  checkPasswordStrength,
  EMAIL_MAX_LENGTH,
  generatePassword,
  generateSecureRandomString,
  isEmailShaped,
  normalizeEmail,
} from '../auth/auth.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { Clock } from '../clock.ts';
import { fail, ok, type Result } from '../result.ts';
import { createStaffRepository, toStaffMember } from './staff.repository.ts';
import { isStaffRole, NAME_MAX_LENGTH, type StaffMember, type StaffRole } from './staff.ts';

export type StaffError =
  | 'invalid_email'
  | 'invalid_name'
  | 'invalid_role'
  | 'weak_password'
  | 'email_taken'
  | 'not_found'
  | 'last_admin'
  | 'self';

export function createStaffService(deps: { db: DB; clock: Clock }) {
  const { db, clock } = deps;
  const staff = createStaffRepository(db);

  /** Refuses a change that would leave the workspace with no active admin. */
  async function wouldRemoveLastAdmin(target: StaffMember): Promise<boolean> {
    return target.role === 'admin' && target.isActive && (await staff.countActiveAdmins()) <= 1;
  }

  async function getMember(id: string): Promise<StaffMember | null> {
    const row = await staff.get(id);
    return row ? toStaffMember(row) : null;
  }

  return {
    getMember,

    async list(): Promise<StaffMember[]> {
      return (await staff.list()).map(toStaffMember);
    },

    /** Creates an account; with no password given, generates one and returns it once. */
    async create(input: {
      email: string;
      name: string;
      role: string;
      password?: string | null;
    }): Promise<Result<{ member: StaffMember; generatedPassword: string | null }, StaffError>> {
      const email = normalizeEmail(input.email);
      if (!isEmailShaped(email)) return fail('invalid_email', `Enter an email address (at most ${EMAIL_MAX_LENGTH} characters).`);
      const name = input.name.trim();
      if (name.length === 0 || name.length > NAME_MAX_LENGTH) {
        return fail('invalid_name', `Enter a name of 1 to ${NAME_MAX_LENGTH} characters.`);
      }
      if (!isStaffRole(input.role)) return fail('invalid_role', 'The role must be admin, editor or reviewer.');
      const generatedPassword = input.password ? null : generatePassword();
      const password = input.password || generatedPassword!;
      const weakness = checkPasswordStrength(password);
      if (weakness) return fail('weak_password', weakness);
      if (await staff.getByEmail(email)) return fail('email_taken', 'A staff account with that email already exists.');

      const now = clock.now();
      const row = {
        id: generateSecureRandomString(),
        email,
        name,
        role: input.role,
        password_hash: await hashPassword(password),
        is_active: 1,
        created_at: now,
        updated_at: now,
      };
      try {
        await staff.create(row);
      } catch (error) {
        // Two creations raced past the check above; the unique index decided.
        if (String(error).includes('UNIQUE')) return fail('email_taken', 'A staff account with that email already exists.');
        throw error;
      }
      return ok({ member: toStaffMember(row), generatedPassword });
    },

    async changeRole(input: { actorId: string; userId: string; role: string }): Promise<Result<StaffMember, StaffError>> {
      if (!isStaffRole(input.role)) return fail('invalid_role', 'The role must be admin, editor or reviewer.');
      const target = await getMember(input.userId);
      if (!target) return fail('not_found', 'No such staff account.');
      if (input.role !== 'admin' && (await wouldRemoveLastAdmin(target))) {
        return fail('last_admin', 'This is the only active admin; make someone else admin first.');
      }
      await staff.update(target.id, { role: input.role as StaffRole, updated_at: clock.now() });
      return ok({ ...target, role: input.role as StaffRole });
    },

    /** Deactivating ends every session of the account at once. */
    async setActive(input: { actorId: string; userId: string; isActive: boolean }): Promise<Result<StaffMember, StaffError>> {
      const target = await getMember(input.userId);
      if (!target) return fail('not_found', 'No such staff account.');
      if (!input.isActive) {
        if (target.id === input.actorId) return fail('self', 'You cannot deactivate your own account.');
        if (await wouldRemoveLastAdmin(target)) return fail('last_admin', 'This is the only active admin; make someone else admin first.');
      }
      await db.transaction().execute(async (trx) => {
        await createStaffRepository(trx).update(target.id, { is_active: input.isActive ? 1 : 0, updated_at: clock.now() });
        if (!input.isActive) await createAuthRepository(trx).deleteSessionsOfUser(target.id);
      });
      return ok({ ...target, isActive: input.isActive });
    },
  };
}
export type StaffService = ReturnType<typeof createStaffService>;

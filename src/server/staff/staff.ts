/** Staff accounts: roles and what each may do. */
import type { StaffRole } from '../../../db/schema.ts';

export type { StaffRole };
export const STAFF_ROLES: readonly StaffRole[] = ['admin', 'editor', 'reviewer'];

export function isStaffRole(value: unknown): value is StaffRole {
  return typeof value === 'string' && (STAFF_ROLES as readonly string[]).includes(value);
}

/** What a signed-in staff member is, as the rest of the app sees it (no password hash). */
export interface StaffMember {
  id: string;
  email: string;
  name: string;
  role: StaffRole;
  isActive: boolean;
  createdAt: number;
}

export const ROLE_LABELS: Record<StaffRole, string> = {
  admin: 'Admin',
  editor: 'Editor',
  reviewer: 'Reviewer',
};

export function canManageStaff(member: Pick<StaffMember, 'role'>): boolean {
  return member.role === 'admin';
}

export function canEditMaps(member: Pick<StaffMember, 'role'>): boolean {
  return member.role === 'admin' || member.role === 'editor';
}

export const NAME_MAX_LENGTH = 120;

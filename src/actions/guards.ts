import { ActionError, type ActionAPIContext } from 'astro:actions';
import { resolveClientAddress } from '../server/security/client-address.ts';
import type { StaffMember } from '../server/staff/staff.ts';
import type { StaffRole } from '../server/staff/staff.ts';

/** The signed-in staff member, or an UNAUTHORIZED error; with roles, FORBIDDEN for others. */
export function requireStaff(context: ActionAPIContext, roles?: readonly StaffRole[]): StaffMember {
  const staff = context.locals.staff;
  if (!staff) throw new ActionError({ code: 'UNAUTHORIZED', message: 'Sign in to continue.' });
  if (roles && !roles.includes(staff.role)) {
    throw new ActionError({ code: 'FORBIDDEN', message: 'Your role does not allow this.' });
  }
  return staff;
}

/** Where the request came from, through our own proxies when TRUST_PROXY says there are any. */
export function clientAddressOf(context: ActionAPIContext): string {
  return resolveClientAddress(context.clientAddress, context.request.headers.get('x-forwarded-for'), context.locals.app.config.trustedProxies);
}

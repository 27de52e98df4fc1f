import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { PASSWORD_MAX_LENGTH } from '../server/auth/auth.ts';
import { deleteStaffSessionCookie, isSecureSite, setStaffSessionCookie } from '../server/auth/session-cookie.ts';
import { safeNextPath } from '../server/security/redirects.ts';
import { clientAddressOf, requireStaff } from './guards.ts';

export const auth = {
  signIn: defineAction({
    accept: 'form',
    input: z.object({
      email: z.string().trim().min(1, 'Enter your email.').max(254),
      password: z.string().min(1, 'Enter your password.').max(PASSWORD_MAX_LENGTH * 4),
      next: z.string().max(2000).optional(),
    }),
    handler: async (input, context) => {
      const result = await context.locals.app.auth.signIn({
        email: input.email,
        password: input.password,
        clientAddress: clientAddressOf(context),
      });
      if (!result.ok) {
        throw new ActionError({
          code: result.error === 'rate_limited' ? 'TOO_MANY_REQUESTS' : 'UNAUTHORIZED',
          message: result.message,
        });
      }
      // A fresh session on every sign-in; an earlier session on this browser ends.
      if (context.locals.staffSessionId) await context.locals.app.auth.invalidateSession(context.locals.staffSessionId);
      setStaffSessionCookie(context.cookies, isSecureSite(context.url, context.locals.app.config.publicUrl), result.value.token, result.value.expiresAt);
      return { next: safeNextPath(input.next) };
    },
  }),

  signOut: defineAction({
    accept: 'form',
    handler: async (_input, context) => {
      if (context.locals.staffSessionId) await context.locals.app.auth.invalidateSession(context.locals.staffSessionId);
      deleteStaffSessionCookie(context.cookies, isSecureSite(context.url, context.locals.app.config.publicUrl));
      return { signedOut: true };
    },
  }),

  changePassword: defineAction({
    accept: 'form',
    input: z
      .object({
        currentPassword: z.string().min(1, 'Enter your current password.').max(PASSWORD_MAX_LENGTH * 4),
        newPassword: z.string().max(PASSWORD_MAX_LENGTH * 4),
        confirmPassword: z.string().max(PASSWORD_MAX_LENGTH * 4),
      })
      .refine((v) => v.newPassword === v.confirmPassword, {
        message: 'The two new passwords are not the same.',
        path: ['confirmPassword'],
      }),
    handler: async (input, context) => {
      const staff = requireStaff(context);
      const result = await context.locals.app.auth.changePassword({
        userId: staff.id,
        currentPassword: input.currentPassword,
        newPassword: input.newPassword,
      });
      if (!result.ok) throw new ActionError({ code: 'BAD_REQUEST', message: result.message });
      setStaffSessionCookie(context.cookies, isSecureSite(context.url, context.locals.app.config.publicUrl), result.value.token, result.value.expiresAt);
      return { changed: true };
    },
  }),
};

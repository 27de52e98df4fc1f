import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import type { StaffError } from '../server/staff/staff.service.ts';
import { requireStaff } from './guards.ts';

const STATUS_BY_ERROR: Record<StaffError, 'BAD_REQUEST' | 'CONFLICT' | 'NOT_FOUND'> = {
  invalid_email: 'BAD_REQUEST',
  invalid_name: 'BAD_REQUEST',
  invalid_role: 'BAD_REQUEST',
  weak_password: 'BAD_REQUEST',
  email_taken: 'CONFLICT',
  not_found: 'NOT_FOUND',
  last_admin: 'CONFLICT',
  self: 'BAD_REQUEST',
};

function toActionError(error: StaffError, message: string): ActionError {
  return new ActionError({ code: STATUS_BY_ERROR[error], message });
}

export const staff = {
  create: defineAction({
    accept: 'form',
    input: z.object({
      email: z.string().trim().min(1, 'Enter an email.').max(254),
      name: z.string().trim().min(1, 'Enter a name.').max(120),
      role: z.enum(['admin', 'editor', 'reviewer']),
    }),
    handler: async (input, context) => {
      requireStaff(context, ['admin']);
      const result = await context.locals.app.staff.create(input);
      if (!result.ok) throw toActionError(result.error, result.message);
      // The generated password is shown once, on the page that answers this post.
      return { email: result.value.member.email, name: result.value.member.name, password: result.value.generatedPassword };
    },
  }),

  changeRole: defineAction({
    accept: 'form',
    input: z.object({ userId: z.string().min(1).max(64), role: z.enum(['admin', 'editor', 'reviewer']) }),
    handler: async (input, context) => {
      const actor = requireStaff(context, ['admin']);
      const result = await context.locals.app.staff.changeRole({ actorId: actor.id, userId: input.userId, role: input.role });
      if (!result.ok) throw toActionError(result.error, result.message);
      return { name: result.value.name, role: result.value.role };
    },
  }),

  setActive: defineAction({
    accept: 'form',
    input: z.object({ userId: z.string().min(1).max(64), isActive: z.enum(['true', 'false']) }),
    handler: async (input, context) => {
      const actor = requireStaff(context, ['admin']);
      const result = await context.locals.app.staff.setActive({
        actorId: actor.id,
        userId: input.userId,
        isActive: input.isActive === 'true',
      });
      if (!result.ok) throw toActionError(result.error, result.message);
      return { name: result.value.name, isActive: result.value.isActive };
    },
  }),
};

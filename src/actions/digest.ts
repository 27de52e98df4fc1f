/**
 * The owners' digest (admins): its schedule, and sending it now. The service checks the role
 * too; the page under /app/admin is admin-only by the middleware.
 */
import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { requireStaff } from './guards.ts';

export const digest = {
  saveSchedule: defineAction({
    accept: 'form',
    input: z.object({ frequency: z.string().max(20), weekday: z.string().max(2).optional(), hour: z.string().max(2) }),
    handler: async (input, context) => {
      const staff = requireStaff(context, ['admin']);
      const result = await context.locals.app.digest.saveSchedule(staff, { frequency: input.frequency, weekday: input.weekday ?? '1', hour: input.hour });
      if (!result.ok) throw new ActionError({ code: result.error === 'forbidden' ? 'FORBIDDEN' : 'BAD_REQUEST', message: result.message });
      return { description: result.value.description };
    },
  }),

  sendNow: defineAction({
    accept: 'form',
    input: z.object({}),
    handler: async (_input, context) => {
      requireStaff(context, ['admin']);
      const result = await context.locals.app.digest.sendNow();
      if (!result.ok) throw new ActionError({ code: 'BAD_REQUEST', message: result.message });
      return { sent: result.value.sent };
    },
  }),
};

/**
 * The owners' digest (admins): its schedule, and sending it now. The service checks the role
 * too; the page under /app/admin is admin-only by the middleware.
 */
import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { RateLimiter } from '../server/security/rate-limiter.ts';
import { requireStaff } from './guards.ts';

/** Each "Send now" emails every owner: a few a quarter of an hour, whoever presses it. */
const sendNowLimiter = new RateLimiter({ limit: 3, windowMs: 15 * 60 * 1000 });

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
      const allowed = sendNowLimiter.consume('digest', context.locals.app.clock.now());
      if (!allowed.isAllowed) throw new ActionError({ code: 'TOO_MANY_REQUESTS', message: 'The digest was sent several times in the last quarter of an hour. Wait a little before sending it again.' });
      const result = await context.locals.app.digest.sendNow();
      if (!result.ok) throw new ActionError({ code: 'BAD_REQUEST', message: result.message });
      return { sent: result.value.sent };
    },
  }),
};

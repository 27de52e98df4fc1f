import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { LEAK_TERM_MAX_LENGTH } from '../server/publishing/publishing.service.ts';
import { requireStaff } from './guards.ts';

export const publishing = {
  publish: defineAction({
    accept: 'form',
    input: z.object({ mapId: z.string().min(1).max(64), acknowledgeWarnings: z.literal('on').optional() }),
    handler: async (input, context) => {
      const staff = requireStaff(context, ['admin', 'editor']);
      const result = await context.locals.app.publishing.publish(input.mapId, {
        actor: { id: staff.id, name: staff.name },
        acknowledgeWarnings: input.acknowledgeWarnings === 'on',
      });
      if (!result.ok) throw new ActionError({ code: result.error === 'not_found' ? 'NOT_FOUND' : 'CONFLICT', message: result.message });
      return { version: result.value.version };
    },
  }),

  addLeakTerm: defineAction({
    accept: 'form',
    input: z.object({ term: z.string().max(LEAK_TERM_MAX_LENGTH * 2) }),
    handler: async (input, context) => {
      const staff = requireStaff(context, ['admin']);
      const result = await context.locals.app.publishing.addLeakTerm(input.term, staff.id);
      if (!result.ok) throw new ActionError({ code: result.error === 'duplicate' ? 'CONFLICT' : 'BAD_REQUEST', message: result.message });
      return { term: input.term.trim() };
    },
  }),

  removeLeakTerm: defineAction({
    accept: 'form',
    input: z.object({ termId: z.string().min(1).max(64) }),
    handler: async (input, context) => {
      requireStaff(context, ['admin']);
      await context.locals.app.publishing.removeLeakTerm(input.termId);
      return { removed: true };
    },
  }),
};

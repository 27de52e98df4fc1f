/** What invited customers do to get in: continue from an emailed link, ask for a new one, leave. */
import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { safeReturnPath } from '../server/portal/return-path.ts';
import { deleteSessionCookie, isSecureSite, PARTICIPANT_SESSION_COOKIE, setSessionCookie } from '../server/auth/session-cookie.ts';
import { clientAddressOf } from './guards.ts';

const token = z.string().max(64);

export const portal = {
  continueWithLink: defineAction({
    accept: 'form',
    input: z.object({ token, next: z.string().max(200).optional() }),
    handler: async (input, context) => {
      const result = await context.locals.app.participants.continueWithLink(input.token);
      if (!result.ok) throw new ActionError({ code: result.error === 'expired' ? 'FORBIDDEN' : 'NOT_FOUND', message: result.message });
      // A new session replaces any earlier one on this browser.
      if (context.locals.participant) await context.locals.app.participants.endSession(context.locals.participant.sessionId);
      setSessionCookie(context.cookies, PARTICIPANT_SESSION_COOKIE, isSecureSite(context.url, context.locals.app.config.publicUrl), result.value.sessionToken, result.value.expiresAt);
      return { invitationId: result.value.invitationId, next: safeReturnPath(input.next) };
    },
  }),

  requestNewLink: defineAction({
    accept: 'form',
    input: z.object({ token: token.optional(), email: z.string().max(254).optional(), next: z.string().max(200).optional() }),
    handler: async (input, context) => {
      if (!input.token && !input.email) throw new ActionError({ code: 'BAD_REQUEST', message: 'Enter the email address you were invited with.' });
      const result = await context.locals.app.participants.requestNewLink({ ...input, clientAddress: clientAddressOf(context) });
      if (!result.ok) throw new ActionError({ code: 'TOO_MANY_REQUESTS', message: result.message });
      return { message: result.value };
    },
  }),

  signOut: defineAction({
    accept: 'form',
    handler: async (_input, context) => {
      if (context.locals.participant) await context.locals.app.participants.endSession(context.locals.participant.sessionId);
      deleteSessionCookie(context.cookies, PARTICIPANT_SESSION_COOKIE, isSecureSite(context.url, context.locals.app.config.publicUrl));
      return { signedOut: true };
    },
  }),
};

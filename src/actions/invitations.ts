import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import type { InvitationError } from '../server/invitations/invitations.service.ts';
import { FIELD_LIMITS, INVITATION_CSV_MAX_BYTES, INVITATION_MAX_DAYS } from '../server/invitations/invitations.ts';
import { requireStaff } from './guards.ts';

const EDITORS = ['admin', 'editor'] as const;
const CODES: Record<InvitationError, 'NOT_FOUND' | 'BAD_REQUEST' | 'CONFLICT' | 'TOO_MANY_REQUESTS'> = {
  not_found: 'NOT_FOUND',
  not_published: 'CONFLICT',
  invalid: 'BAD_REQUEST',
  already_invited: 'CONFLICT',
  revoked: 'CONFLICT',
  not_revoked: 'CONFLICT',
  rate_limited: 'TOO_MANY_REQUESTS',
};
const optional = (max: number) => z.string().trim().max(max * 2).optional();
/** "latest" or a version number, from the invite form's select. */
const versionChoice = z
  .string()
  .regex(/^(latest|\d{1,6})$/)
  .transform((v) => (v === 'latest' ? null : Number(v)));

export const invitations = {
  create: defineAction({
    accept: 'form',
    input: z.object({
      mapId: z.string().min(1).max(64),
      version: versionChoice,
      email: z.string().trim().min(1, 'Enter an email address.').max(254),
      name: optional(FIELD_LIMITS.name),
      account: optional(FIELD_LIMITS.account),
      segment: optional(FIELD_LIMITS.segment),
      role: optional(FIELD_LIMITS.role),
      expiresDays: z.coerce.number().int().min(1).max(INVITATION_MAX_DAYS),
    }),
    handler: async (input, context) => {
      const staff = requireStaff(context, EDITORS);
      const result = await context.locals.app.invitations.createInvitation({ ...input, versionNumber: input.version }, staff.id);
      if (!result.ok) throw new ActionError({ code: CODES[result.error], message: result.message });
      return { email: input.email.trim().toLowerCase(), isRestored: result.value.isRestored };
    },
  }),

  /** The no-JavaScript upload; the page's island streams progress from the import endpoint instead. */
  import: defineAction({
    accept: 'form',
    input: z.object({ mapId: z.string().min(1).max(64), version: versionChoice, file: z.instanceof(File, { message: 'Choose a CSV file.' }) }),
    handler: async (input, context) => {
      const staff = requireStaff(context, EDITORS);
      if (input.file.size === 0) throw new ActionError({ code: 'BAD_REQUEST', message: 'Choose a CSV file.' });
      if (input.file.size > INVITATION_CSV_MAX_BYTES) throw new ActionError({ code: 'CONTENT_TOO_LARGE', message: 'The file is larger than 5 MB.' });
      const result = await context.locals.app.invitations.importInvitations({ mapId: input.mapId, versionNumber: input.version, csv: await input.file.text() }, staff.id);
      if (!result.ok) throw new ActionError({ code: CODES[result.error], message: result.message });
      return result.value;
    },
  }),

  resend: defineAction({
    accept: 'form',
    input: z.object({ invitationId: z.string().min(1).max(64) }),
    handler: async (input, context) => {
      const staff = requireStaff(context, EDITORS);
      const result = await context.locals.app.invitations.resendInvitation(input.invitationId, staff.id);
      if (!result.ok) throw new ActionError({ code: CODES[result.error], message: result.message });
      return { resent: true };
    },
  }),

  /** Revoking takes the confirm step's form (it carries `confirm=yes`): a stray click revokes nobody. */
  revoke: defineAction({
    accept: 'form',
    input: z.object({ invitationId: z.string().min(1).max(64), confirm: z.string().max(8).optional() }),
    handler: async (input, context) => {
      const staff = requireStaff(context, EDITORS);
      if (input.confirm !== 'yes') {
        throw new ActionError({ code: 'BAD_REQUEST', message: 'Confirm that you want to revoke the invitation: press Revoke, then Yes, revoke access.' });
      }
      const result = await context.locals.app.invitations.revokeInvitation(input.invitationId, staff.id);
      if (!result.ok) throw new ActionError({ code: CODES[result.error], message: result.message });
      const invitation = await context.locals.app.invitations.get(input.invitationId);
      return { email: invitation?.email ?? '' };
    },
  }),

  /** Gives a revoked person access again: a new link by email; the revoked one stays dead. */
  restore: defineAction({
    accept: 'form',
    input: z.object({ invitationId: z.string().min(1).max(64) }),
    handler: async (input, context) => {
      const staff = requireStaff(context, EDITORS);
      const result = await context.locals.app.invitations.restoreInvitation(input.invitationId, staff.id);
      if (!result.ok) throw new ActionError({ code: CODES[result.error], message: result.message });
      const invitation = await context.locals.app.invitations.get(input.invitationId);
      return { email: invitation?.email ?? '' };
    },
  }),
};

/**
 * Following up on what customers said: turning an accepted "missing" item into a draft card on
 * the internal map, and the admin's digest schedule. Plain form actions (no JavaScript needed).
 */
import { ActionError, defineAction, type ActionAPIContext } from 'astro:actions';
import { z } from 'astro/zod';
import type { ReviewActor, ReviewFailure } from '../server/review/review.service.ts';
import { requireStaff } from './guards.ts';

function actorOf(context: ActionAPIContext, roles?: readonly ('admin' | 'editor' | 'reviewer')[]): ReviewActor {
  const staff = requireStaff(context, roles);
  return { id: staff.id, name: staff.name, role: staff.role, isActive: staff.isActive };
}

function toActionError(failure: Pick<ReviewFailure, 'error' | 'message'>): ActionError {
  const code = failure.error === 'forbidden' ? 'FORBIDDEN' : failure.error === 'not_found' ? 'NOT_FOUND' : failure.error === 'conflict' ? 'CONFLICT' : 'BAD_REQUEST';
  return new ActionError({ code, message: failure.message });
}

export const followThrough = {
  /**
   * From the review item page: `<form method="POST" action={actions.followThrough.makeDraftCard}>`
   * with hidden `id` (the annotation) and `revision` (the item's revision as shown). Editors and
   * admins only: it changes the map.
   */
  makeDraftCard: defineAction({
    accept: 'form',
    input: z.object({ id: z.string().trim().min(1).max(64), revision: z.coerce.number().int().min(0).max(1_000_000_000) }),
    handler: async (input, context) => {
      const result = await context.locals.app.followThrough.createDraftCard(actorOf(context, ['admin', 'editor']), input.id, input.revision);
      if (!result.ok) throw toActionError(result);
      return { mapId: result.value.mapId, cardId: result.value.cardId, isNew: result.value.isNew };
    },
  }),
};

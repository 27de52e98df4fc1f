/**
 * The review queue's form actions. Every staff role triages (reviewers, editors, admins); the
 * service checks the transitions, the revisions and writes the history. Each single-item change
 * carries the revision the reviewer saw, so a colleague's earlier change becomes a conflict
 * message instead of being overwritten.
 */
import { ActionError, defineAction, type ActionAPIContext } from 'astro:actions';
import { z } from 'astro/zod';
import { NOTE_MAX, REASON_MAX, TAG_MAX } from '../server/review/review.ts';
import type { ReviewActor, ReviewChange, ReviewFailure, ReviewTarget } from '../server/review/review.service.ts';
import { requireStaff } from './guards.ts';

/** Bulk changes are one transaction; this keeps one request's work bounded. */
export const BULK_MAX = 1000;

const id = z.string().trim().min(1).max(64);
const revision = z.coerce.number().int().min(0);
const reason = z.string().max(REASON_MAX * 4).optional();
/** '' from a "nobody" or "not set" option. */
const optionalScore = z.union([z.literal('').transform(() => null), z.coerce.number().int().min(1).max(5)]);

function actorOf(context: ActionAPIContext): ReviewActor {
  const staff = requireStaff(context);
  return { id: staff.id, name: staff.name, role: staff.role, isActive: staff.isActive };
}

function toActionError(failure: ReviewFailure): ActionError {
  const isConflict = failure.error === 'conflict' || failure.refusals?.some((r) => r.error === 'conflict');
  const code = failure.error === 'forbidden' ? 'FORBIDDEN' : failure.error === 'not_found' ? 'NOT_FOUND' : isConflict ? 'CONFLICT' : 'BAD_REQUEST';
  return new ActionError({ code, message: failure.message });
}

/** A checkbox value in the queue: "id:revision", so a bulk change refuses items changed since. */
function parseTarget(value: string): ReviewTarget | null {
  const [itemId, rev, extra] = value.split(':');
  if (!itemId || extra !== undefined) return null;
  if (rev === undefined) return { id: itemId };
  const n = Number(rev);
  return Number.isInteger(n) && n >= 0 ? { id: itemId, revision: n } : null;
}

export const review = {
  moderate: defineAction({
    accept: 'form',
    input: z.object({ id, revision, to: z.string().max(40), reason }),
    handler: async (input, context) => {
      const result = await context.locals.app.review.moderate(actorOf(context), input.id, input.revision, input.to, input.reason);
      if (!result.ok) throw toActionError(result);
      return { id: input.id, message: `Moderation: ${result.value.moderation}.` };
    },
  }),

  decide: defineAction({
    accept: 'form',
    input: z.object({ id, revision, to: z.string().max(40), reason, duplicateOf: z.string().trim().max(64).optional() }),
    handler: async (input, context) => {
      const result = await context.locals.app.review.decide(actorOf(context), input.id, input.revision, input.to, {
        reason: input.reason,
        duplicateOf: input.duplicateOf || null,
      });
      if (!result.ok) throw toActionError(result);
      return { id: input.id, message: `Decision: ${result.value.disposition.replaceAll('_', ' ')}.` };
    },
  }),

  assign: defineAction({
    accept: 'form',
    input: z.object({ id, revision, ownerId: z.string().trim().max(64) }),
    handler: async (input, context) => {
      const result = await context.locals.app.review.assignOwner(actorOf(context), input.id, input.revision, input.ownerId || null);
      if (!result.ok) throw toActionError(result);
      return { id: input.id, message: result.value.owner ? `${result.value.owner.name} owns it now.` : 'Nobody owns it now.' };
    },
  }),

  setImpact: defineAction({
    accept: 'form',
    input: z.object({ id, revision, businessImpact: optionalScore, effort: optionalScore }),
    handler: async (input, context) => {
      const result = await context.locals.app.review.setImpact(actorOf(context), input.id, input.revision, { businessImpact: input.businessImpact, effort: input.effort });
      if (!result.ok) throw toActionError(result);
      return { id: input.id, message: 'Saved business impact and effort.' };
    },
  }),

  addTag: defineAction({
    accept: 'form',
    input: z.object({ id, tag: z.string().max(TAG_MAX * 4) }),
    handler: async (input, context) => {
      const result = await context.locals.app.review.addTag(actorOf(context), input.id, input.tag);
      if (!result.ok) throw toActionError(result);
      return { id: input.id, message: 'Tag added.' };
    },
  }),

  removeTag: defineAction({
    accept: 'form',
    input: z.object({ id, tag: z.string().max(TAG_MAX * 4) }),
    handler: async (input, context) => {
      const result = await context.locals.app.review.removeTag(actorOf(context), input.id, input.tag);
      if (!result.ok) throw toActionError(result);
      return { id: input.id, message: 'Tag removed.' };
    },
  }),

  addNote: defineAction({
    accept: 'form',
    input: z.object({ id, text: z.string().max(NOTE_MAX * 4) }),
    handler: async (input, context) => {
      const result = await context.locals.app.review.addNote(actorOf(context), input.id, input.text);
      if (!result.ok) throw toActionError(result);
      return { id: input.id, message: 'Note added.' };
    },
  }),

  /**
   * One change on the selected items, all or nothing. `change` names it: "moderation:<state>",
   * "disposition:<state>" (declining takes the reason), "owner" (ownerId, '' for nobody),
   * "addTag" or "removeTag" (tag).
   */
  bulk: defineAction({
    accept: 'form',
    input: z.object({
      items: z.array(z.string().max(80)).max(BULK_MAX, `Select at most ${BULK_MAX.toLocaleString('en')} items at a time.`).default([]),
      change: z.string().max(60),
      reason,
      ownerId: z.string().trim().max(64).optional(),
      tag: z.string().max(TAG_MAX * 4).optional(),
    }),
    handler: async (input, context) => {
      const actor = actorOf(context);
      const targets = input.items.map(parseTarget);
      if (targets.length === 0) throw new ActionError({ code: 'BAD_REQUEST', message: 'Select at least one item first.' });
      if (targets.some((t) => t === null)) throw new ActionError({ code: 'BAD_REQUEST', message: 'The selection is not valid; reload the page.' });
      const [axis, to] = input.change.split(':');
      let change: ReviewChange;
      if (axis === 'moderation' && to) change = { type: 'moderation', to, reason: input.reason };
      else if (axis === 'disposition' && to) change = { type: 'disposition', to, reason: input.reason };
      else if (axis === 'owner') change = { type: 'owner', ownerId: input.ownerId || null };
      else if (axis === 'addTag' || axis === 'removeTag') change = { type: axis, tag: input.tag ?? '' };
      else throw new ActionError({ code: 'BAD_REQUEST', message: 'Choose what to do with the selected items.' });
      const result = await context.locals.app.review.bulkUpdate(actor, targets as ReviewTarget[], change);
      if (!result.ok) throw toActionError(result);
      const n = result.value.changed;
      return { id: null, message: `Changed ${n.toLocaleString('en')} item${n === 1 ? '' : 's'}.` };
    },
  }),
};

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
import { notice } from '../components/review/notices.ts';
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
      return { id: input.id, notice: notice.moderation(result.value.moderation) };
    },
  }),

  decide: defineAction({
    accept: 'form',
    input: z.object({ id, revision, to: z.string().max(40), reason, duplicateOf: z.string().trim().max(64).optional(), confirmFinal: z.literal('yes').optional() }),
    handler: async (input, context) => {
      // Merging a duplicate moves its +1s and people for good: the form asks to confirm that.
      if (input.to === 'duplicate' && input.confirmFinal !== 'yes') throw new ActionError({ code: 'BAD_REQUEST', message: 'Confirm that marking it as a duplicate is final.' });
      const result = await context.locals.app.review.decide(actorOf(context), input.id, input.revision, input.to, {
        reason: input.reason,
        duplicateOf: input.duplicateOf || null,
      });
      if (!result.ok) {
        // A reason typed before a colleague's change (or with a mistake) is shown again, not lost.
        if (input.reason?.trim()) return { id: input.id, refused: { message: result.message, status: toActionError(result).status }, reason: input.reason };
        throw toActionError(result);
      }
      return { id: input.id, notice: notice.decision(result.value.disposition) };
    },
  }),

  assign: defineAction({
    accept: 'form',
    input: z.object({ id, revision, ownerId: z.string().trim().max(64) }),
    handler: async (input, context) => {
      const result = await context.locals.app.review.assignOwner(actorOf(context), input.id, input.revision, input.ownerId || null);
      if (!result.ok) throw toActionError(result);
      return { id: input.id, notice: notice.owner };
    },
  }),

  setImpact: defineAction({
    accept: 'form',
    input: z.object({ id, revision, businessImpact: optionalScore, effort: optionalScore }),
    handler: async (input, context) => {
      const result = await context.locals.app.review.setImpact(actorOf(context), input.id, input.revision, { businessImpact: input.businessImpact, effort: input.effort });
      if (!result.ok) throw toActionError(result);
      return { id: input.id, notice: notice.impact };
    },
  }),

  addTag: defineAction({
    accept: 'form',
    input: z.object({ id, tag: z.string().max(TAG_MAX * 4) }),
    handler: async (input, context) => {
      const result = await context.locals.app.review.addTag(actorOf(context), input.id, input.tag);
      if (!result.ok) throw toActionError(result);
      return { id: input.id, notice: notice.tagAdded };
    },
  }),

  removeTag: defineAction({
    accept: 'form',
    input: z.object({ id, tag: z.string().max(TAG_MAX * 4) }),
    handler: async (input, context) => {
      const result = await context.locals.app.review.removeTag(actorOf(context), input.id, input.tag);
      if (!result.ok) throw toActionError(result);
      return { id: input.id, notice: notice.tagRemoved };
    },
  }),

  addNote: defineAction({
    accept: 'form',
    input: z.object({ id, text: z.string().max(NOTE_MAX * 4) }),
    handler: async (input, context) => {
      const result = await context.locals.app.review.addNote(actorOf(context), input.id, input.text);
      if (!result.ok) throw toActionError(result);
      return { id: input.id, notice: notice.note };
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
      if (!result.ok) {
        // The page lists every refused item and keeps the selection, so the reviewer can fix it.
        if (result.refusals) return { refused: { message: result.message, status: toActionError(result).status, items: result.refusals.map((r) => ({ id: r.id, message: r.message })) }, selected: input.items };
        throw toActionError(result);
      }
      return { notice: notice.bulk(result.value.changed, result.value.skipped) };
    },
  }),
};

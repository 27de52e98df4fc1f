/**
 * Closing the loop on what customers said: an accepted "missing" annotation becomes a draft card
 * on the internal map in one step, and when a version that shows that card is published, the
 * annotation becomes applied and everyone who raised it or +1'd it is told "you said, we did".
 *
 * Both run in one transaction each. The draft card, its link to the annotation and the
 * annotation's history entry commit together. Marking applied runs inside the publish itself
 * (`onPublishing`, see app.ts): the version, the disposition change, its history and the emails
 * in the outbox exist together or not at all, so a published change is never left untold and
 * nobody is told about a version that failed to publish. `applied` is final, so a later publish
 * finds nothing left to apply and sends nothing again.
 *
 * The disposition change goes through the review rules (`checkTransition`) and the review
 * repository — not `review.service`, whose changes open their own transaction and so cannot
 * run inside a publish.
 */
import type { DB } from '../../../db/connection.ts';
import type { ReviewedAnnotationRow } from '../../../db/schema.ts';
import { renderYouSaidWeDidEmail } from '../../../emails/you-said-we-did.ts';
import { anchorFromColumns } from '../annotations/annotations.ts';
import { generateSecureRandomString } from '../auth/auth.ts';
import type { Clock } from '../clock.ts';
import { linkPlaceholder } from '../invitations/invitations.ts';
import type { MailService } from '../mail/mail.service.ts';
import type { MapsService } from '../maps/maps.service.ts';
import type { PortalService } from '../portal/portal.service.ts';
import type { PublishingVersion } from '../publishing/publishing.service.ts';
import { toPublishedKey } from '../publishing/opaque-keys.ts';
import { fail, ok } from '../result.ts';
import { canEditMaps } from '../staff/staff.ts';
import { appliedInVersionReason, canNotify, mergeRaisers, placeDraftCard, writeDraftCard, type Raiser } from './follow-through.ts';
import { checkTransition } from './review.ts';
import { createReviewRepository } from './review.repository.ts';
import type { ReviewActor, ReviewResult } from './review.service.ts';

export interface DraftCard {
  mapId: string;
  cardId: string;
  /** False when the annotation already had its draft card: that one is returned. */
  isNew: boolean;
}

export interface DraftCardLink {
  mapId: string;
  cardId: string;
  text: string;
  isPublic: boolean;
}

/** Thrown inside a transaction to roll it back with a refusal for the caller. */
class Refused extends Error {
  readonly failure: { ok: false; error: 'not_found' | 'invalid' | 'conflict'; message: string };
  constructor(failure: Refused['failure']) {
    super(failure.message);
    this.failure = failure;
  }
}

const ID_MAX = 64;

/** Appends history rows after the annotation's last one (1, 2, 3 … per annotation). */
async function appendHistory(
  trx: DB,
  annotationId: string,
  actor: { id: string | null; name: string },
  entries: { field: string; from: string | null; to: string | null; reason: string | null }[],
  now: number,
): Promise<void> {
  const repo = createReviewRepository(trx);
  let sequence = (await repo.lastHistorySequences([annotationId])).get(annotationId) ?? 0;
  await repo.appendHistory(
    entries.map((e) => ({
      id: generateSecureRandomString(),
      annotation_id: annotationId,
      actor_id: actor.id,
      actor_name: actor.name,
      field: e.field,
      from_value: e.from,
      to_value: e.to,
      reason: e.reason,
      created_at: now,
      sequence: ++sequence,
    })),
  );
}

export function createFollowThroughService(deps: { db: DB; clock: Clock; maps: MapsService; mail: MailService; portal: PortalService; publicUrl: string; teamName: string }) {
  const { db, clock, maps, mail, portal } = deps;
  const repo = createReviewRepository(db);

  /** Why this annotation cannot have a draft card, or null when it can. */
  function refuseDraft(row: ReviewedAnnotationRow | undefined): { error: 'not_found' | 'invalid'; message: string } | null {
    if (!row || row.is_withdrawn === 1) return { error: 'not_found', message: 'This item no longer exists.' };
    if (row.kind !== 'missing') return { error: 'invalid', message: 'Only a “something is missing” item becomes a draft card.' };
    if (row.disposition !== 'accepted') return { error: 'invalid', message: 'Accept the item first: only an accepted item becomes a draft card.' };
    return null;
  }

  async function findDraftCardRow(trx: DB, annotationId: string) {
    return trx.selectFrom('map_cards').select(['id', 'map_id', 'text', 'visibility']).where('source_annotation_id', '=', annotationId).executeTakeFirst();
  }

  /** Everyone who raised it, +1'd it or raised a duplicate merged into it, each once. */
  async function listRaisers(trx: DB, annotation: ReviewedAnnotationRow): Promise<Raiser[]> {
    const reporters = await trx
      .selectFrom('annotation_reporters as r')
      .leftJoin('annotations as d', 'd.id', 'r.source_annotation_id')
      .select(['r.participant_id', 'd.text', 'd.is_withdrawn'])
      .where('r.annotation_id', '=', annotation.id)
      .execute();
    const voters = await trx.selectFrom('annotation_votes').select('participant_id').where('annotation_id', '=', annotation.id).execute();
    return mergeRaisers([
      { participantId: annotation.participant_id, role: 'author', ownText: annotation.text },
      ...reporters.map((r) => ({ participantId: r.participant_id, role: 'reporter' as const, ownText: r.text && r.is_withdrawn !== 1 ? r.text : null })),
      ...voters.map((v) => ({ participantId: v.participant_id, role: 'voter' as const, ownText: null })),
    ]);
  }

  /**
   * Marks every accepted annotation whose draft card this version shows as applied, and writes
   * one "you said, we did" email per person to the outbox. Runs inside the publish transaction.
   */
  async function markAppliedIn(trx: DB, version: PublishingVersion): Promise<{ applied: string[]; emails: number }> {
    const linked = await trx
      .selectFrom('map_cards as c')
      .innerJoin('annotations as a', 'a.id', 'c.source_annotation_id')
      .select(['c.key as card_key', 'a.id as annotation_id'])
      .where('c.map_id', '=', version.mapId)
      .where('a.disposition', '=', 'accepted')
      .where('a.is_withdrawn', '=', 0)
      .execute();
    if (linked.length === 0) return { applied: [], emails: 0 };
    // What the customer sees is the published card, not the internal one: look it up by key.
    const publishedCards = new Map(version.snapshot.cards.map((c) => [c.key, c]));
    const stageNames = new Map(version.snapshot.stages.map((s) => [s.key, s.name]));
    const tx = createReviewRepository(trx);
    const now = clock.now();
    const applied: string[] = [];
    let emails = 0;
    for (const link of linked) {
      const card = publishedCards.get(toPublishedKey(version.mapId, 'card', link.card_key));
      if (!card) continue; // Redaction left it out (still internal): not applied yet.
      const annotation = await tx.get(link.annotation_id);
      if (!annotation || !checkTransition('disposition', annotation.disposition, 'applied').ok) continue;
      if (!(await tx.updateAtRevision(annotation.id, annotation.revision, { disposition: 'applied' }))) continue;
      await appendHistory(trx, annotation.id, version.actor, [{ field: 'disposition', from: annotation.disposition, to: 'applied', reason: appliedInVersionReason(version.number) }], now);
      applied.push(annotation.id);

      for (const raiser of await listRaisers(trx, annotation)) {
        const invitation = await trx
          .selectFrom('invitations')
          .select(['id', 'email', 'name', 'token_version', 'revoked_at', 'delivery_status'])
          .where('map_id', '=', version.mapId)
          .where('participant_id', '=', raiser.participantId)
          .executeTakeFirst();
        if (!invitation || !canNotify(invitation)) continue;
        const content = renderYouSaidWeDidEmail({
          recipientName: invitation.name,
          teamName: deps.teamName,
          mapTitle: version.snapshot.title,
          ownWords: raiser.ownText,
          stageName: stageNames.get(card.stage) ?? 'the journey',
          cardText: card.text,
          link: linkPlaceholder(deps.publicUrl, invitation.id, invitation.token_version),
        });
        await mail.enqueue(trx, { kind: 'you_said_we_did', to: invitation.email, relatedId: annotation.id, ...content });
        emails++;
      }
    }
    return { applied, emails };
  }

  return {
    markAppliedIn,

    /** The draft card made from this annotation, if it is still on the map. */
    async findDraftCard(annotationId: string): Promise<DraftCardLink | null> {
      const row = await findDraftCardRow(db, annotationId);
      return row ? { mapId: row.map_id, cardId: row.id, text: row.text, isPublic: row.visibility === 'public' } : null;
    },

    /**
     * Turns an accepted "missing" annotation into an internal draft card where the customer
     * pointed (see follow-through.ts), linked back to it, with a history entry; the annotation's
     * revision is bumped, as its state now includes the card. Editing the map is for editors and
     * admins: a reviewer asks one of them. A second call returns the card made by the first.
     */
    async createDraftCard(actor: ReviewActor, annotationId: string, expectedRevision: number): Promise<ReviewResult<DraftCard>> {
      if (!actor.isActive || !canEditMaps(actor)) return fail('forbidden', 'Making a draft card changes the map: editors and admins can do that.');
      if (typeof annotationId !== 'string' || annotationId.length === 0 || annotationId.length > ID_MAX) return fail('not_found', 'This item no longer exists.');
      if (!Number.isInteger(expectedRevision) || expectedRevision < 0) return fail('invalid', 'The item’s revision must be a whole number.');

      // Read outside the transaction: the map and the snapshot come through services on the
      // shared connection, which a transaction holds. Everything is checked again inside it.
      const existing = await findDraftCardRow(db, annotationId);
      if (existing) return ok({ mapId: existing.map_id, cardId: existing.id, isNew: false });
      const row = await repo.get(annotationId);
      const refusal = refuseDraft(row);
      if (refusal) return fail(refusal.error, refusal.message);
      if (row!.revision !== expectedRevision) return fail('conflict', 'Someone changed this item while you were looking at it. Look at it again, then make the draft card if it still applies.');
      const annotation = row!;
      const [map, version] = await Promise.all([maps.getEditableMap(annotation.map_id), portal.getPublishedVersion(annotation.version_id)]);
      if (!map) return fail('not_found', 'The map of this item no longer exists.');
      const anchor = anchorFromColumns(annotation);
      const placement = placeDraftCard(map, anchor, version?.snapshot ?? null);
      if (!placement) return fail('invalid', 'The map has no stage or lane to put a card in.');
      const draft = writeDraftCard({ annotationId, text: annotation.text, anchor, version: version?.snapshot ?? null, where: placement.where });

      try {
        return await db.transaction().execute(async (trx) => {
          const again = await findDraftCardRow(trx, annotationId);
          if (again) return ok({ mapId: again.map_id, cardId: again.id, isNew: false });
          const current = await createReviewRepository(trx).get(annotationId);
          const refusedNow = refuseDraft(current);
          if (refusedNow) throw new Refused({ ok: false, ...refusedNow });
          if (!(await createReviewRepository(trx).updateAtRevision(annotationId, expectedRevision, {}))) {
            throw new Refused({ ok: false, error: 'conflict', message: 'Someone changed this item while you were looking at it. Look at it again, then make the draft card if it still applies.' });
          }
          let stageId: string;
          let afterCardId: string | null = null;
          if (placement.kind === 'new_stage') {
            const stage = await maps.addStageIn(trx, map.id, { name: placement.stageName, afterStageId: placement.afterStageId, visibility: 'internal' });
            if (!stage.ok) throw new Refused({ ok: false, error: stage.error === 'not_found' ? 'not_found' : 'invalid', message: stage.message });
            stageId = stage.value.id;
          } else {
            stageId = placement.stageId;
            afterCardId = placement.afterCardId;
          }
          const card = await maps.addCardIn(trx, map.id, { stageId, laneId: placement.laneId, afterCardId, text: draft.text, notes: draft.notes, visibility: 'internal', sourceAnnotationId: annotationId });
          if (!card.ok) {
            const message = card.error === 'not_found' ? 'The map changed while the card was being made. Try again.' : card.message;
            throw new Refused({ ok: false, error: card.error === 'limit' ? 'invalid' : card.error === 'not_found' ? 'conflict' : 'invalid', message });
          }
          await appendHistory(trx, annotationId, actor, [{ field: 'draft_card', from: null, to: card.value.id, reason: placement.where }], clock.now());
          return ok({ mapId: map.id, cardId: card.value.id, isNew: true });
        });
      } catch (error) {
        if (error instanceof Refused) return error.failure;
        // Another process made the draft a moment earlier (the unique link): return theirs.
        if (String(error).includes('UNIQUE')) {
          const theirs = await findDraftCardRow(db, annotationId);
          if (theirs) return ok({ mapId: theirs.map_id, cardId: theirs.id, isNew: false });
        }
        throw error;
      }
    },
  };
}
export type FollowThroughService = ReturnType<typeof createFollowThroughService>;

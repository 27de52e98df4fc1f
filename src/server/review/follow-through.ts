/**
 * Following up on an accepted "missing" annotation: where its draft card goes on the internal
 * map, what the draft says, and who is told "you said, we did" when it is published. Pure: no I/O.
 *
 * Placement follows the place the customer pointed at, in their version's published keys, mapped
 * back to today's internal map (the keys are digests of the internal keys, the same in every
 * version — see src/server/publishing/opaque-keys.ts):
 * - a card: the same cell, right after that card;
 * - a stage: that stage, in the default lane;
 * - a lane (a row spans the whole journey and they did not say where): that lane, in the first stage;
 * - a gap between two stages: a NEW stage between them. The customer said that something happens
 *   between two steps that the map leaves out, which is a step of its own; putting the card in
 *   the earlier stage would lose the one thing they told us about where it goes. Renaming or
 *   merging a new stage is easier than finding out later where a card really belonged. When the
 *   two stages are no longer neighbours, or the map has no room for another stage, the card
 *   goes to the earlier stage instead;
 * - the whole map: the first stage, in the default lane.
 * Whatever the customer pointed at may have been deleted since; the draft then falls back along
 * the same list (a deleted card's stage and lane, then the first stage).
 *
 * The default lane is the first public "actions" lane (something missing is usually something
 * people do), else the first public lane customers can see, else the first lane.
 *
 * A draft starts INTERNAL (and so does a new stage for it): its text is one customer's own words,
 * which other customers of the map must not read until the team has reworded it and chosen to
 * publish it. Making it public is the editor's decision; publishing it is what "applies" it.
 */
import { describeAnchor, type Anchor } from '../annotations/annotations.ts';
import { isLaneAlwaysInternal, MAP_LIMITS, type EditableMap, type EditableStage } from '../maps/maps.ts';
import type { PublishedSnapshot } from '../portal/snapshot.ts';
import { toPublishedKey } from '../publishing/opaque-keys.ts';

export type DraftPlacement =
  | { kind: 'cell'; stageId: string; laneId: string; afterCardId: string | null; where: string }
  | { kind: 'new_stage'; afterStageId: string; stageName: string; laneId: string; where: string };

type PlacementMap = Pick<EditableMap, 'id' | 'stages' | 'lanes' | 'cards'>;

/** The lane a draft goes to when the customer did not point at one. */
export function chooseDefaultLane(map: Pick<EditableMap, 'lanes'>): EditableMap['lanes'][number] | null {
  const isPublic = (l: EditableMap['lanes'][number]) => l.visibility === 'public' && !isLaneAlwaysInternal(l.kind);
  return map.lanes.find((l) => isPublic(l) && l.kind === 'actions') ?? map.lanes.find(isPublic) ?? map.lanes[0] ?? null;
}

function cut(text: string, max: number): string {
  const characters = [...text];
  return characters.length <= max ? text : characters.slice(0, max - 1).join('').trimEnd() + '…';
}

/** Where a draft card for this anchor goes on the map as it is now; null when the map has no stage or lane. */
export function placeDraftCard(map: PlacementMap, anchor: Anchor, version: PublishedSnapshot | null): DraftPlacement | null {
  const lane = chooseDefaultLane(map);
  const firstStage = map.stages[0];
  if (!lane || !firstStage) return null;
  const stageByKey = (key: string) => map.stages.find((s) => toPublishedKey(map.id, 'stage', s.key) === key);
  const laneByKey = (key: string) => map.lanes.find((l) => toPublishedKey(map.id, 'lane', l.key) === key);
  const inStage = (stage: EditableStage, where: string): DraftPlacement => ({ kind: 'cell', stageId: stage.id, laneId: lane.id, afterCardId: null, where });
  const atStart: DraftPlacement = { kind: 'cell', stageId: firstStage.id, laneId: lane.id, afterCardId: null, where: `In the first stage, “${firstStage.name}”.` };

  switch (anchor.kind) {
    case 'map':
      return atStart;
    case 'stage': {
      const stage = stageByKey(anchor.stage);
      return stage ? inStage(stage, `In the stage they pointed at, “${stage.name}”.`) : { ...atStart, where: `The stage they pointed at is no longer on the map: ${atStart.where}` };
    }
    case 'lane': {
      const found = laneByKey(anchor.lane);
      if (!found) return { ...atStart, where: `The lane they pointed at is no longer on the map: ${atStart.where}` };
      return { kind: 'cell', stageId: firstStage.id, laneId: found.id, afterCardId: null, where: `In the lane they pointed at, “${found.name}”, in the first stage (a lane spans the journey).` };
    }
    case 'card': {
      const card = map.cards.find((c) => toPublishedKey(map.id, 'card', c.key) === anchor.card);
      if (card) return { kind: 'cell', stageId: card.stageId, laneId: card.laneId, afterCardId: card.id, where: 'Right after the card they pointed at.' };
      // The card is gone: its stage and lane as that version showed them.
      const shown = version?.cards.find((c) => c.key === anchor.card);
      const stage = shown ? stageByKey(shown.stage) : undefined;
      const shownLane = shown ? laneByKey(shown.lane) : undefined;
      if (stage && shownLane) return { kind: 'cell', stageId: stage.id, laneId: shownLane.id, afterCardId: null, where: `The card they pointed at is no longer on the map: in its stage “${stage.name}” and lane “${shownLane.name}”.` };
      if (stage) return inStage(stage, `The card they pointed at is no longer on the map: in its stage “${stage.name}”.`);
      return { ...atStart, where: `The card they pointed at is no longer on the map: ${atStart.where}` };
    }
    case 'gap': {
      const before = stageByKey(anchor.stage);
      const after = stageByKey(anchor.nextStage);
      if (!before) return { ...atStart, where: `The stages around the gap they pointed at are no longer on the map: ${atStart.where}` };
      const areNeighbours = after !== undefined && map.stages.indexOf(after) === map.stages.indexOf(before) + 1;
      if (areNeighbours && map.stages.length < MAP_LIMITS.stages) {
        return {
          kind: 'new_stage',
          afterStageId: before.id,
          stageName: cut(`New step between ${before.name} and ${after.name}`, MAP_LIMITS.nameLength),
          laneId: lane.id,
          where: `In a new internal stage between “${before.name}” and “${after.name}”, where they said something is missing.`,
        };
      }
      const why = areNeighbours ? 'the map has no room for another stage' : 'those stages are no longer next to each other';
      return inStage(before, `In “${before.name}”, the stage before the gap they pointed at (${why}).`);
    }
  }
}

/** The draft's text and notes: the customer's words, and the team's reminder of what it is. */
export function writeDraftCard(input: { annotationId: string; text: string; anchor: Anchor; version: PublishedSnapshot | null; where: string }): { text: string; notes: string } {
  const pointedAt = input.version ? describeAnchor(input.anchor, input.version) : 'an unknown place';
  const notes = [
    `Draft from customer feedback (review item ${input.annotationId}). They pointed at: ${pointedAt}. ${input.where}`,
    'The text is their own words: reword it, then make the card public when it is ready. When a version with it is published, the item becomes applied and everyone who raised or +1’d it is told.',
  ].join('\n');
  return { text: cut(input.text.trim(), MAP_LIMITS.cardTextLength), notes: cut(notes, MAP_LIMITS.notesLength) };
}

// ---------------------------------------------------------------------------------------------
// "You said, we did"

export type RaiserRole = 'author' | 'reporter' | 'voter';

export interface Raiser {
  participantId: string;
  role: RaiserRole;
  /** Their own words: the annotation (author) or their duplicate merged into it (reporter); null for a +1. */
  ownText: string | null;
}

const ROLE_ORDER: Record<RaiserRole, number> = { author: 0, reporter: 1, voter: 2 };

/** One entry per person, in the role that carries their own words (author, then reporter, then voter). */
export function mergeRaisers(raisers: readonly Raiser[]): Raiser[] {
  const byPerson = new Map<string, Raiser>();
  for (const raiser of raisers) {
    const known = byPerson.get(raiser.participantId);
    if (!known || ROLE_ORDER[raiser.role] < ROLE_ORDER[known.role]) byPerson.set(raiser.participantId, raiser);
  }
  return [...byPerson.values()];
}

/**
 * May this invitation be used to tell its participant? Not when it was revoked (the team ended
 * their access; the link would not open), nor when mail to it bounced or was marked as spam
 * (writing again would bounce again, or annoy someone who said no). An expired invitation is
 * fine: its link page offers a fresh link to the invited address.
 */
export function canNotify(invitation: { revoked_at: number | null; delivery_status: string }): boolean {
  return invitation.revoked_at === null && invitation.delivery_status !== 'bounced' && invitation.delivery_status !== 'complained';
}

/** The history reason written when a published version applies an item (read back below). */
export function appliedInVersionReason(versionNumber: number): string {
  return `Published in version ${versionNumber}.`;
}

/** The version that applied an item, from its history; null when someone marked it applied by hand. */
export function findAppliedVersion(history: readonly { field: string; to: string | null; reason: string | null }[]): number | null {
  const applied = history.findLast((h) => h.field === 'disposition' && h.to === 'applied');
  const match = applied?.reason ? /^Published in version (\d+)\.$/.exec(applied.reason) : null;
  return match ? Number(match[1]) : null;
}

/**
 * What the item page says about the draft card made from an item, true to the item's state:
 * only an accepted item is applied by the next version that shows its card (markAppliedIn),
 * and only then is anyone told. Staff wording; `dispositionLabel` is the item's current one.
 */
export function describeDraftCardState(input: { isPublic: boolean; disposition: string; dispositionLabel: string; appliedInVersion: number | null }): string {
  if (input.disposition === 'applied') {
    return input.appliedInVersion === null
      ? 'This item was marked applied by hand, so no version applied it and nobody who raised it was emailed about it.'
      : `Version ${input.appliedInVersion} applied this item: it showed this card to customers, and the people who raised the item or +1’d it were emailed to say so.`;
  }
  if (input.disposition !== 'accepted') {
    return `The item is “${input.dispositionLabel}” now, so publishing does not apply it and tells nobody; accept it again first.`;
  }
  return input.isPublic
    ? 'It is shown to customers: the next published version applies this item and tells everyone who raised it.'
    : 'It is internal for now: make it customer-facing in the editor, then publish; that applies this item and tells everyone who raised it.';
}

/**
 * Redaction: derives the customer view (a PublishedSnapshot) from an internal map, plus a report
 * of everything that was left out, for the editor to check before publishing (product.md,
 * "Redaction (the core promise)").
 *
 * The snapshot is built by ALLOW-LIST. Every published object is a new object literal whose
 * fields are named one by one below; nothing is spread, cloned or copied from the internal
 * model. So when someone adds a field to MapStage, MapLane, MapCard or JourneyMapContent, it is
 * not published until someone writes it into this file on purpose. Copy-then-delete would do the
 * opposite: every new internal field would leak by default.
 *
 * Redaction fails closed:
 * - a lane is published only if its kind is in PUBLISHABLE_LANE_KINDS (an allow-list too), so a
 *   lane kind added to the model later stays internal until it is listed here;
 * - a card is published only if it, its stage and its lane all exist and are all published;
 * - customer wording replaces internal wording whenever it is non-empty after trimming;
 * - an emotion score is published only for a card in an emotions lane, and only if it is a valid
 *   score.
 *
 * The RedactionReport is for staff only: it quotes internal wording (that is its point), so it
 * must never reach a participant.
 *
 * Pure: no I/O, no clock, no randomness. The same map always gives the same snapshot and report.
 */
import {
  EMOTION_MAX,
  EMOTION_MIN,
  isLaneAlwaysInternal,
  type JourneyMapContent,
  type LaneKind,
  type MapCard,
  type MapLane,
  type MapStage,
} from '../maps/maps.ts';
import {
  SNAPSHOT_FORMAT,
  type PublishedCard,
  type PublishedLane,
  type PublishedSnapshot,
  type PublishedStage,
} from '../portal/snapshot.ts';

type PublishedLaneKind = PublishedLane['kind'];

/** The only lane kinds a customer can ever see. Everything else, present or future, is internal. */
const PUBLISHABLE_LANE_KINDS: ReadonlySet<LaneKind> = new Set<PublishedLaneKind>([
  'actions',
  'touchpoints',
  'channels',
  'thoughts',
  'emotions',
  'pain_points',
  'opportunities',
]);

export type RemovedStageReason = 'internal';
export type RemovedLaneReason = 'internal' | 'always_internal_kind';
/**
 * Why a card was not published. When several apply, the one reported is the first of:
 * unknown_stage_or_lane, lane_always_internal, stage_internal, lane_internal, internal: the
 * widest cause first, so every card of a removed stage or lane gives the same reason.
 * `unknown_stage_or_lane` only happens with an inconsistent map (a card pointing at a stage or
 * lane that does not exist); such a card is never published.
 */
export type RemovedCardReason =
  | 'internal'
  | 'stage_internal'
  | 'lane_internal'
  | 'lane_always_internal'
  | 'unknown_stage_or_lane';

export interface RemovedStage {
  key: string;
  /** The internal name. */
  name: string;
  reason: RemovedStageReason;
}

export interface RemovedLane {
  key: string;
  /** The internal name. */
  name: string;
  kind: LaneKind;
  reason: RemovedLaneReason;
}

export interface RemovedCard {
  key: string;
  /** The internal text. */
  text: string;
  reason: RemovedCardReason;
}

/** Removed cards of one cell (stage × lane), in map order. Names are null for unknown keys. */
export interface RemovedCardGroup {
  stage: { key: string; name: string | null };
  lane: { key: string; name: string | null };
  cards: RemovedCard[];
}

export interface ReplacedWording {
  what: 'title' | 'stage' | 'lane' | 'card';
  /** null for the title. */
  key: string | null;
  from: string;
  to: string;
}

/** Internal fields that are never published, in the order a report lists them. */
export const WITHHELD_FIELDS = [
  'internalNotes',
  'description',
  'persona',
  'segment',
  'lifecycle',
  'stageDescriptions',
  'cardOwners',
  'cardNotes',
] as const;
export type WithheldField = (typeof WITHHELD_FIELDS)[number];

/** A never-published field that held something: count is 1 for map fields, N for per-item ones. */
export interface WithheldFieldReport {
  field: WithheldField;
  count: number;
}

export interface PublishedCount {
  published: number;
  total: number;
}

export interface RedactionReport {
  removedStages: RemovedStage[];
  removedLanes: RemovedLane[];
  removedCards: RemovedCardGroup[];
  replacedWording: ReplacedWording[];
  withheldFields: WithheldFieldReport[];
  counts: { stages: PublishedCount; lanes: PublishedCount; cards: PublishedCount };
}

export interface RedactionResult {
  snapshot: PublishedSnapshot;
  report: RedactionReport;
}

export function redactMap(map: JourneyMapContent): RedactionResult {
  const replacedWording: ReplacedWording[] = [];

  const title = chooseWording(map.title, map.customerTitle);
  if (title !== map.title) replacedWording.push({ what: 'title', key: null, from: map.title, to: title });

  const stages: PublishedStage[] = [];
  const removedStages: RemovedStage[] = [];
  for (const stage of map.stages) {
    if (stage.visibility !== 'public') {
      removedStages.push({ key: stage.key, name: stage.name, reason: 'internal' });
      continue;
    }
    const name = chooseWording(stage.name, stage.customerName);
    if (name !== stage.name) replacedWording.push({ what: 'stage', key: stage.key, from: stage.name, to: name });
    stages.push({ key: stage.key, name, momentOfTruth: stage.momentOfTruth === true });
  }

  const lanes: PublishedLane[] = [];
  const removedLanes: RemovedLane[] = [];
  for (const lane of map.lanes) {
    const kind = lane.kind;
    if (!isPublishableLaneKind(kind)) {
      removedLanes.push({ key: lane.key, name: lane.name, kind, reason: 'always_internal_kind' });
      continue;
    }
    if (lane.visibility !== 'public') {
      removedLanes.push({ key: lane.key, name: lane.name, kind, reason: 'internal' });
      continue;
    }
    const name = chooseWording(lane.name, lane.customerName);
    if (name !== lane.name) replacedWording.push({ what: 'lane', key: lane.key, from: lane.name, to: name });
    lanes.push({ key: lane.key, name, kind });
  }

  const stagesByKey = indexByKey(map.stages);
  const lanesByKey = indexByKey(map.lanes);
  const cards: PublishedCard[] = [];
  const removedCards: RemovedCard[] = [];
  const removedCardCells: Array<{ stage: string; lane: string }> = [];
  for (const card of map.cards) {
    const stage = stagesByKey.get(card.stage);
    const lane = lanesByKey.get(card.lane);
    const reason = findCardRemovalReason(card, stage, lane);
    if (reason !== null || stage === undefined || lane === undefined) {
      removedCards.push({ key: card.key, text: card.text, reason: reason ?? 'unknown_stage_or_lane' });
      removedCardCells.push({ stage: card.stage, lane: card.lane });
      continue;
    }
    const text = chooseWording(card.text, card.customerText);
    if (text !== card.text) replacedWording.push({ what: 'card', key: card.key, from: card.text, to: text });
    cards.push({
      key: card.key,
      stage: card.stage,
      lane: card.lane,
      text,
      emotion: lane.kind === 'emotions' ? toPublishedEmotion(card.emotion) : null,
    });
  }

  const snapshot: PublishedSnapshot = { format: SNAPSHOT_FORMAT, title, stages, lanes, cards };
  const report: RedactionReport = {
    removedStages,
    removedLanes,
    removedCards: groupRemovedCards(map, removedCards, removedCardCells),
    replacedWording,
    withheldFields: listWithheldFields(map),
    counts: {
      stages: { published: stages.length, total: map.stages.length },
      lanes: { published: lanes.length, total: map.lanes.length },
      cards: { published: cards.length, total: map.cards.length },
    },
  };
  return { snapshot, report };
}

/** Text for one line of the report's "never published" list, e.g. "6 card owners". */
export function describeWithheldField({ field, count }: WithheldFieldReport): string {
  switch (field) {
    case 'internalNotes':
      return 'Internal notes';
    case 'description':
      return 'Map description';
    case 'persona':
      return 'Persona';
    case 'segment':
      return 'Segment';
    case 'lifecycle':
      return 'Lifecycle phase';
    case 'stageDescriptions':
      return count === 1 ? '1 stage description' : `${count} stage descriptions`;
    case 'cardOwners':
      return count === 1 ? '1 card owner' : `${count} card owners`;
    case 'cardNotes':
      return count === 1 ? '1 card note' : `${count} card notes`;
  }
}

export function isPublishableLaneKind(kind: LaneKind): kind is PublishedLaneKind {
  return PUBLISHABLE_LANE_KINDS.has(kind) && !isLaneAlwaysInternal(kind);
}

function chooseWording(internal: string, customer: string | null): string {
  const trimmed = customer?.trim() ?? '';
  return trimmed === '' ? internal : trimmed;
}

function findCardRemovalReason(
  card: MapCard,
  stage: MapStage | undefined,
  lane: MapLane | undefined,
): RemovedCardReason | null {
  if (stage === undefined || lane === undefined) return 'unknown_stage_or_lane';
  if (!isPublishableLaneKind(lane.kind)) return 'lane_always_internal';
  if (stage.visibility !== 'public') return 'stage_internal';
  if (lane.visibility !== 'public') return 'lane_internal';
  if (card.visibility !== 'public') return 'internal';
  return null;
}

function toPublishedEmotion(emotion: number | null): number | null {
  if (emotion === null || !Number.isInteger(emotion)) return null;
  return emotion >= EMOTION_MIN && emotion <= EMOTION_MAX ? emotion : null;
}

function indexByKey<T extends { key: string }>(items: readonly T[]): Map<string, T> {
  const byKey = new Map<string, T>();
  // The first one wins if a key repeats, matching the order the editor sees.
  for (const item of items) if (!byKey.has(item.key)) byKey.set(item.key, item);
  return byKey;
}

/** Groups in grid order: stages by map order, then lanes by map order; unknown keys last. */
function groupRemovedCards(
  map: JourneyMapContent,
  removed: readonly RemovedCard[],
  cells: ReadonlyArray<{ stage: string; lane: string }>,
): RemovedCardGroup[] {
  const stageOrder = new Map(map.stages.map((stage, index) => [stage.key, index]));
  const laneOrder = new Map(map.lanes.map((lane, index) => [lane.key, index]));
  const stageNames = new Map(map.stages.map((stage) => [stage.key, stage.name]));
  const laneNames = new Map(map.lanes.map((lane) => [lane.key, lane.name]));

  const groups = new Map<string, RemovedCardGroup & { firstSeen: number }>();
  removed.forEach((card, index) => {
    const cell = cells[index];
    if (cell === undefined) return;
    // JSON of the pair cannot collide, whatever characters a (bad) key holds.
    const id = JSON.stringify([cell.stage, cell.lane]);
    let group = groups.get(id);
    if (group === undefined) {
      group = {
        stage: { key: cell.stage, name: stageNames.get(cell.stage) ?? null },
        lane: { key: cell.lane, name: laneNames.get(cell.lane) ?? null },
        cards: [],
        firstSeen: index,
      };
      groups.set(id, group);
    }
    group.cards.push(card);
  });

  const rank = (order: Map<string, number>, key: string) => order.get(key) ?? Number.MAX_SAFE_INTEGER;
  return [...groups.values()]
    .sort(
      (a, b) =>
        rank(stageOrder, a.stage.key) - rank(stageOrder, b.stage.key) ||
        rank(laneOrder, a.lane.key) - rank(laneOrder, b.lane.key) ||
        a.firstSeen - b.firstSeen,
    )
    .map(({ stage, lane, cards }) => ({ stage, lane, cards }));
}

function listWithheldFields(map: JourneyMapContent): WithheldFieldReport[] {
  const counts: Record<WithheldField, number> = {
    internalNotes: isFilled(map.internalNotes) ? 1 : 0,
    description: isFilled(map.description) ? 1 : 0,
    persona: isFilled(map.persona) ? 1 : 0,
    segment: isFilled(map.segment) ? 1 : 0,
    lifecycle: isFilled(map.lifecycle) ? 1 : 0,
    stageDescriptions: map.stages.filter((stage) => isFilled(stage.description)).length,
    cardOwners: map.cards.filter((card) => isFilled(card.owner)).length,
    cardNotes: map.cards.filter((card) => isFilled(card.notes)).length,
  };
  return WITHHELD_FIELDS.filter((field) => counts[field] > 0).map((field) => ({ field, count: counts[field] }));
}

function isFilled(value: string | null): boolean {
  return value !== null && value.trim() !== '';
}

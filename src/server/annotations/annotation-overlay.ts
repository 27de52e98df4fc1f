/**
 * Customers' annotations laid over the internal map, for staff in the editor.
 *
 * Annotations are anchored by published keys, and a published key is a digest of the map id, the
 * kind and the internal key — the same in every version (src/server/publishing/opaque-keys.ts).
 * So the overlay digests the current map's own keys once and looks each anchor up: whatever the
 * version an annotation was made on, it lands on the stage, lane or card that is there now, by
 * internal id. An anchor whose stage, lane or card has been deleted since is counted as
 * `unplaced`: it is in the total but shown nowhere on the grid.
 *
 * A gap belongs to the stage before it ("after A"). When the two stages of a gap annotation are
 * no longer neighbours — a stage was moved, added or deleted between them — the annotation stays
 * after the stage it named first, and says which stage it named as the next one.
 *
 * Spam is left out: it is not something a customer said about the map. This is a summary for
 * hover and focus, not the review queue: texts are cut to OVERLAY_TEXT_MAX characters and each
 * place lists its newest OVERLAY_LIST_MAX annotations; the counts are exact.
 */
import type { AnnotationRow, ModerationState } from '../../../db/schema.ts';
import type { EditableMap } from '../maps/maps.ts';
import { toPublishedKey } from '../publishing/opaque-keys.ts';
import { ANNOTATION_KIND_LABELS, type AnnotationKind } from './annotations.ts';

export const OVERLAY_TEXT_MAX = 300;
export const OVERLAY_LIST_MAX = 10;

export interface OverlayAnnotation {
  id: string;
  kind: AnnotationKind;
  kindLabel: string;
  /** Plain text, cut to OVERLAY_TEXT_MAX characters (with "…" when cut). */
  text: string;
  createdAt: number;
  moderation: ModerationState;
}

export interface OverlayGapAnnotation extends OverlayAnnotation {
  /** The stage the participant saw after the gap, by internal id; null when it has been deleted. */
  nextStageId: string | null;
}

export interface OverlayEntry<T extends OverlayAnnotation = OverlayAnnotation> {
  count: number;
  /** Newest first, at most OVERLAY_LIST_MAX. */
  annotations: T[];
}

/** Keyed by internal ids. Plain objects, so that the page can embed it as JSON. */
export interface AnnotationOverlay {
  /** Every annotation counted here, placed or not. */
  total: number;
  /** How many of them wait for approval (moderation pending). */
  pending: number;
  /** On a stage, lane or card that is no longer on the map. */
  unplaced: number;
  /** About the whole journey; null when there are none. */
  map: OverlayEntry | null;
  stages: Record<string, OverlayEntry>;
  lanes: Record<string, OverlayEntry>;
  cards: Record<string, OverlayEntry>;
  /** By the id of the stage before the gap. */
  gaps: Record<string, OverlayEntry<OverlayGapAnnotation>>;
}

export type OverlayRow = Pick<
  AnnotationRow,
  'id' | 'map_id' | 'anchor_kind' | 'stage_key' | 'lane_key' | 'card_key' | 'next_stage_key' | 'kind' | 'text' | 'created_at' | 'moderation' | 'is_withdrawn'
>;

type OverlayMap = Pick<EditableMap, 'id' | 'stages' | 'lanes' | 'cards'>;

/** The text as the overlay shows it: at most OVERLAY_TEXT_MAX characters (code points, not halves of emoji). */
export function shortenAnnotationText(text: string): string {
  const characters = [...text];
  if (characters.length <= OVERLAY_TEXT_MAX) return text;
  return characters.slice(0, OVERLAY_TEXT_MAX - 1).join('').trimEnd() + '…';
}

function toOverlayAnnotation(row: OverlayRow): OverlayAnnotation {
  return {
    id: row.id,
    kind: row.kind,
    kindLabel: ANNOTATION_KIND_LABELS[row.kind] ?? row.kind,
    text: shortenAnnotationText(row.text),
    createdAt: row.created_at,
    moderation: row.moderation,
  };
}

/** Collects entries by internal id; the rows arrive newest first, so the first ones are kept. */
class EntryCollector<T extends OverlayAnnotation> {
  readonly #entries = new Map<string, OverlayEntry<T>>();

  add(id: string, annotation: T): void {
    let entry = this.#entries.get(id);
    if (!entry) this.#entries.set(id, (entry = { count: 0, annotations: [] }));
    entry.count++;
    if (entry.annotations.length < OVERLAY_LIST_MAX) entry.annotations.push(annotation);
  }

  toRecord(): Record<string, OverlayEntry<T>> {
    return Object.fromEntries(this.#entries);
  }
}

/** Digests each internal key once: published key → internal id. */
function indexByPublishedKey(mapId: string, kind: 'stage' | 'lane' | 'card', items: readonly { id: string; key: string }[]): Map<string, string> {
  return new Map(items.map((item) => [toPublishedKey(mapId, kind, item.key), item.id]));
}

/** Lays a map's annotations (rows of annotations.listForMap) over its current internal state. */
export function buildAnnotationOverlay(map: OverlayMap, rows: readonly OverlayRow[]): AnnotationOverlay {
  const counted = rows
    .filter((row) => row.map_id === map.id && row.is_withdrawn !== 1 && row.moderation !== 'spam')
    .sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const stageIds = indexByPublishedKey(map.id, 'stage', map.stages);
  const laneIds = indexByPublishedKey(map.id, 'lane', map.lanes);
  // 5,000 digests are worth it only when someone commented on a card.
  let cardIds: Map<string, string> | null = null;
  const cardIdOf = (key: string | null) => {
    cardIds ??= indexByPublishedKey(map.id, 'card', map.cards);
    return key === null ? undefined : cardIds.get(key);
  };
  const lookUp = (index: Map<string, string>, key: string | null) => (key === null ? undefined : index.get(key));

  const stages = new EntryCollector<OverlayAnnotation>();
  const lanes = new EntryCollector<OverlayAnnotation>();
  const cards = new EntryCollector<OverlayAnnotation>();
  const gaps = new EntryCollector<OverlayGapAnnotation>();
  const whole = new EntryCollector<OverlayAnnotation>();
  let pending = 0;
  let unplaced = 0;

  for (const row of counted) {
    if (row.moderation === 'pending') pending++;
    const annotation = toOverlayAnnotation(row);
    let placeId: string | undefined;
    switch (row.anchor_kind) {
      case 'map':
        whole.add('map', annotation);
        continue;
      case 'stage':
        placeId = lookUp(stageIds, row.stage_key);
        if (placeId) stages.add(placeId, annotation);
        break;
      case 'lane':
        placeId = lookUp(laneIds, row.lane_key);
        if (placeId) lanes.add(placeId, annotation);
        break;
      case 'card':
        placeId = cardIdOf(row.card_key);
        if (placeId) cards.add(placeId, annotation);
        break;
      case 'gap':
        placeId = lookUp(stageIds, row.stage_key);
        if (placeId) gaps.add(placeId, { ...annotation, nextStageId: lookUp(stageIds, row.next_stage_key) ?? null });
        break;
    }
    if (!placeId) unplaced++;
  }

  return {
    total: counted.length,
    pending,
    unplaced,
    map: whole.toRecord()['map'] ?? null,
    stages: stages.toRecord(),
    lanes: lanes.toRecord(),
    cards: cards.toRecord(),
    gaps: gaps.toRecord(),
  };
}

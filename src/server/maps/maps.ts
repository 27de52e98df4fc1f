/**
 * The internal journey map: what a CX team authors. Everything in it may be internal; what a
 * customer may see is derived from it by src/server/publishing/redaction.ts and never read from
 * here by participant-side code (see docs/architecture.md, "The redaction boundary").
 *
 * A map is a grid of ordered stages (columns) and ordered lanes (rows) holding cards. Missing
 * optional values are null. The interchange format (journey-map/v1, src/server/maps/map-format.ts)
 * and CSV (map-csv.ts) convert to and from this shape.
 */

export const LANE_KINDS = [
  'actions',
  'touchpoints',
  'channels',
  'thoughts',
  'emotions',
  'pain_points',
  'opportunities',
  'backstage',
  'owners',
  'metrics',
  'notes',
] as const;
export type LaneKind = (typeof LANE_KINDS)[number];

/** Lanes of these kinds are internal whatever their visibility says (product.md, rule 2). */
export const ALWAYS_INTERNAL_LANE_KINDS: ReadonlySet<LaneKind> = new Set(['backstage', 'owners', 'metrics', 'notes']);

export const VISIBILITIES = ['public', 'internal'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const EMOTION_MIN = -2;
export const EMOTION_MAX = 2;

/** Limits from formats/journey-map.v1.schema.json, enforced on import and in the editor. */
export const MAP_LIMITS = {
  titleLength: 200,
  descriptionLength: 5000,
  segmentLength: 100,
  personaLength: 500,
  lifecycleLength: 100,
  internalNotesLength: 20000,
  stages: 60,
  lanes: 30,
  cards: 5000,
  nameLength: 120,
  stageDescriptionLength: 2000,
  cardTextLength: 2000,
  ownerLength: 200,
  notesLength: 5000,
  keyPattern: /^[a-z0-9][a-z0-9_-]{0,63}$/,
  fileBytes: 5 * 1024 * 1024,
} as const;

export interface MapStage {
  key: string;
  name: string;
  customerName: string | null;
  description: string | null;
  visibility: Visibility;
  momentOfTruth: boolean;
}

export interface MapLane {
  key: string;
  name: string;
  customerName: string | null;
  kind: LaneKind;
  visibility: Visibility;
}

export interface MapCard {
  key: string;
  stage: string;
  lane: string;
  text: string;
  customerText: string | null;
  visibility: Visibility;
  emotion: number | null;
  owner: string | null;
  notes: string | null;
}

/** A whole map's content, independent of storage (no ids, no revisions). */
export interface JourneyMapContent {
  title: string;
  customerTitle: string | null;
  description: string | null;
  segment: string | null;
  persona: string | null;
  lifecycle: string | null;
  internalNotes: string | null;
  stages: MapStage[];
  lanes: MapLane[];
  /** In display order: by stage, then lane, then position within the cell. */
  cards: MapCard[];
}

export function isLaneKind(value: unknown): value is LaneKind {
  return typeof value === 'string' && (LANE_KINDS as readonly string[]).includes(value);
}

export function isLaneAlwaysInternal(kind: LaneKind): boolean {
  return ALWAYS_INTERNAL_LANE_KINDS.has(kind);
}

/** A map as the editor holds it: content plus the ids and revisions that edits refer to. */
export interface EditableStage extends MapStage {
  id: string;
  revision: number;
}
export interface EditableLane extends MapLane {
  id: string;
  revision: number;
}
export interface EditableCard extends Omit<MapCard, 'stage' | 'lane'> {
  id: string;
  stageId: string;
  laneId: string;
  revision: number;
  /** The customer annotation it was drafted from (src/server/review/follow-through.service.ts); internal only, never exported or published. */
  sourceAnnotationId: string | null;
}
export interface EditableMap {
  id: string;
  revision: number;
  isArchived: boolean;
  updatedAt: number;
  title: string;
  customerTitle: string | null;
  description: string | null;
  segment: string | null;
  persona: string | null;
  lifecycle: string | null;
  internalNotes: string | null;
  stages: EditableStage[];
  lanes: EditableLane[];
  cards: EditableCard[];
}

export interface MapSummary {
  id: string;
  title: string;
  segment: string | null;
  lifecycle: string | null;
  isArchived: boolean;
  updatedAt: number;
  stageCount: number;
  cardCount: number;
}

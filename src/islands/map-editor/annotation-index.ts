/**
 * Customers' annotations as the grid reads them: the overlay the page embeds (built on the server
 * by src/server/annotations/annotation-overlay.ts), turned into one Map per kind of place once,
 * when the editor starts. It is a snapshot of page load and never changes, so nothing about it is
 * reactive: a cell looks its cards up while rendering, with no effect or subscription per card.
 */
import type { AnnotationOverlay, OverlayAnnotation, OverlayEntry, OverlayGapAnnotation } from '../../server/annotations/annotation-overlay.ts';

type ModerationState = OverlayAnnotation['moderation'];

/** What the editor page embeds next to the map (`<script type="application/json">`). */
export interface EditorAnnotationData {
  overlay: AnnotationOverlay;
  /** Shared feedback: moderation decides what other participants see, so it is worth showing. */
  isShared: boolean;
}

export const MODERATION_LABELS: Record<ModerationState, string> = {
  pending: 'Waiting for approval',
  approved: 'Approved',
  rejected: 'Not shown to others',
  spam: 'Spam',
};

function toMap<T>(record: Record<string, T> | undefined): ReadonlyMap<string, T> {
  return new Map(Object.entries(record ?? {}));
}

export class AnnotationIndex {
  readonly total: number;
  readonly pending: number;
  readonly unplaced: number;
  readonly isShared: boolean;
  readonly map: OverlayEntry | null;
  readonly stages: ReadonlyMap<string, OverlayEntry>;
  readonly lanes: ReadonlyMap<string, OverlayEntry>;
  readonly cards: ReadonlyMap<string, OverlayEntry>;
  /** By the id of the stage before the gap. */
  readonly gaps: ReadonlyMap<string, OverlayEntry<OverlayGapAnnotation>>;

  constructor(data: EditorAnnotationData | null) {
    const overlay = data?.overlay;
    this.total = overlay?.total ?? 0;
    this.pending = overlay?.pending ?? 0;
    this.unplaced = overlay?.unplaced ?? 0;
    this.isShared = data?.isShared ?? false;
    this.map = overlay?.map ?? null;
    this.stages = toMap(overlay?.stages);
    this.lanes = toMap(overlay?.lanes);
    this.cards = toMap(overlay?.cards);
    this.gaps = toMap(overlay?.gaps);
  }
}

export function nameComments(count: number): string {
  return count === 1 ? 'customer comment' : 'customer comments';
}

/** "12 customer comments". */
export function formatCommentCount(count: number): string {
  return `${count.toLocaleString('en')} ${nameComments(count)}`;
}

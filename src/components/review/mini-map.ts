/**
 * Geometry of the small map drawings in the review queue (MiniMap.astro, MiniMapSymbols.astro).
 * A version's grid is drawn once per page as an SVG symbol; each item draws only its highlight
 * over a `<use>` of it, so fifty items on a 5,000-card map do not repeat 1,800 cells each.
 */
import type { PublishedSnapshot } from '../../server/portal/snapshot.ts';

/** One unit per cell of the viewBox: cells are 7 × 4 with a gap of 1. */
export const CELL = { w: 7, h: 4, gap: 1 } as const;

export function gridSize(snapshot: PublishedSnapshot): { width: number; height: number } {
  return {
    width: Math.max(1, snapshot.stages.length) * (CELL.w + CELL.gap) + CELL.gap,
    height: Math.max(1, snapshot.lanes.length) * (CELL.h + CELL.gap) + CELL.gap,
  };
}

export const cellX = (stageIndex: number) => CELL.gap + stageIndex * (CELL.w + CELL.gap);
export const cellY = (laneIndex: number) => CELL.gap + laneIndex * (CELL.h + CELL.gap);

export function symbolId(versionId: string): string {
  return `mini-map-${versionId}`;
}

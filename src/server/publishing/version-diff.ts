/**
 * What changed between two published versions, as customers would notice it ("a later version
 * shows what changed since the previous one", product.md).
 *
 * Stages, lanes and cards are matched by key, so a renamed stage is a rewording, not a removal
 * plus an addition. A card whose stage or lane changed is `moved`; if its text changed too it is
 * also listed under `reworded`. Changes of order are reported as a flag per kind of item (the
 * relative order of items present in both versions; for cards, within a cell they stayed in).
 * Without a previous version, everything is added.
 *
 * Both inputs are published snapshots, so a diff holds customer wording only and may be shown
 * to participants. Pure: no I/O.
 */
import type {
  PublishedCard,
  PublishedLane,
  PublishedSnapshot,
  PublishedStage,
} from '../portal/snapshot.ts';

export interface Reworded {
  key: string;
  from: string;
  to: string;
}

export interface CardCell {
  stage: string;
  lane: string;
}

export interface SnapshotDiff {
  /** null when unchanged; `from` is null for a first version. */
  title: { from: string | null; to: string } | null;
  stages: {
    added: PublishedStage[];
    removed: PublishedStage[];
    reworded: Reworded[];
    momentOfTruthChanged: Array<{ key: string; name: string; from: boolean; to: boolean }>;
    reordered: boolean;
  };
  lanes: {
    added: PublishedLane[];
    removed: PublishedLane[];
    reworded: Reworded[];
    kindChanged: Array<{ key: string; name: string; from: PublishedLane['kind']; to: PublishedLane['kind'] }>;
    reordered: boolean;
  };
  cards: {
    added: PublishedCard[];
    removed: PublishedCard[];
    /** Cell of the new version. */
    reworded: Array<Reworded & CardCell>;
    moved: Array<{ key: string; text: string; from: CardCell; to: CardCell }>;
    emotionChanged: Array<{ key: string; text: string; from: number | null; to: number | null }>;
    reordered: boolean;
  };
}

export function diffSnapshots(previous: PublishedSnapshot | null, next: PublishedSnapshot): SnapshotDiff {
  const before: Pick<PublishedSnapshot, 'stages' | 'lanes' | 'cards'> = previous ?? { stages: [], lanes: [], cards: [] };
  const title =
    previous === null ? { from: null, to: next.title } : previous.title === next.title ? null : { from: previous.title, to: next.title };
  return {
    title,
    stages: diffStages(before.stages, next.stages),
    lanes: diffLanes(before.lanes, next.lanes),
    cards: diffCards(before.cards, next.cards),
  };
}

export function isDiffEmpty(diff: SnapshotDiff): boolean {
  const { stages, lanes, cards } = diff;
  return (
    diff.title === null &&
    stages.added.length + stages.removed.length + stages.reworded.length + stages.momentOfTruthChanged.length === 0 &&
    lanes.added.length + lanes.removed.length + lanes.reworded.length + lanes.kindChanged.length === 0 &&
    cards.added.length +
      cards.removed.length +
      cards.reworded.length +
      cards.moved.length +
      cards.emotionChanged.length ===
      0 &&
    !stages.reordered &&
    !lanes.reordered &&
    !cards.reordered
  );
}

function diffStages(previous: readonly PublishedStage[], next: readonly PublishedStage[]): SnapshotDiff['stages'] {
  const { added, removed, common } = matchByKey(previous, next);
  return {
    added: added.map(copyStage),
    removed: removed.map(copyStage),
    reworded: common
      .filter(([before, after]) => before.name !== after.name)
      .map(([before, after]) => ({ key: after.key, from: before.name, to: after.name })),
    momentOfTruthChanged: common
      .filter(([before, after]) => before.momentOfTruth !== after.momentOfTruth)
      .map(([before, after]) => ({ key: after.key, name: after.name, from: before.momentOfTruth, to: after.momentOfTruth })),
    reordered: isOrderChanged(previous, next),
  };
}

function diffLanes(previous: readonly PublishedLane[], next: readonly PublishedLane[]): SnapshotDiff['lanes'] {
  const { added, removed, common } = matchByKey(previous, next);
  return {
    added: added.map(copyLane),
    removed: removed.map(copyLane),
    reworded: common
      .filter(([before, after]) => before.name !== after.name)
      .map(([before, after]) => ({ key: after.key, from: before.name, to: after.name })),
    kindChanged: common
      .filter(([before, after]) => before.kind !== after.kind)
      .map(([before, after]) => ({ key: after.key, name: after.name, from: before.kind, to: after.kind })),
    reordered: isOrderChanged(previous, next),
  };
}

function diffCards(previous: readonly PublishedCard[], next: readonly PublishedCard[]): SnapshotDiff['cards'] {
  const { added, removed, common } = matchByKey(previous, next);
  const isMoved = ([before, after]: readonly [PublishedCard, PublishedCard]) =>
    before.stage !== after.stage || before.lane !== after.lane;
  return {
    added: added.map(copyCard),
    removed: removed.map(copyCard),
    reworded: common
      .filter(([before, after]) => before.text !== after.text)
      .map(([before, after]) => ({ key: after.key, stage: after.stage, lane: after.lane, from: before.text, to: after.text })),
    moved: common.filter(isMoved).map(([before, after]) => ({
      key: after.key,
      text: after.text,
      from: { stage: before.stage, lane: before.lane },
      to: { stage: after.stage, lane: after.lane },
    })),
    emotionChanged: common
      .filter(([before, after]) => before.emotion !== after.emotion)
      .map(([before, after]) => ({ key: after.key, text: after.text, from: before.emotion, to: after.emotion })),
    reordered: isCardOrderChanged(previous, next, new Set(common.filter((pair) => !isMoved(pair)).map(([, after]) => after.key))),
  };
}

/** Items only in `previous`, only in `next` (each in its own order), and pairs in both (in `next` order). */
function matchByKey<T extends { key: string }>(
  previous: readonly T[],
  next: readonly T[],
): { added: T[]; removed: T[]; common: Array<readonly [T, T]> } {
  const previousByKey = indexByKey(previous);
  const nextByKey = indexByKey(next);
  const common: Array<readonly [T, T]> = [];
  const added: T[] = [];
  for (const item of nextByKey.values()) {
    const before = previousByKey.get(item.key);
    if (before === undefined) added.push(item);
    else common.push([before, item]);
  }
  const removed = [...previousByKey.values()].filter((item) => !nextByKey.has(item.key));
  return { added, removed, common };
}

function indexByKey<T extends { key: string }>(items: readonly T[]): Map<string, T> {
  const byKey = new Map<string, T>();
  for (const item of items) if (!byKey.has(item.key)) byKey.set(item.key, item);
  return byKey;
}

/** Whether items present in both lists appear in a different relative order. */
function isOrderChanged(previous: ReadonlyArray<{ key: string }>, next: ReadonlyArray<{ key: string }>): boolean {
  const previousKeys = new Set(previous.map((item) => item.key));
  const nextKeys = new Set(next.map((item) => item.key));
  const before = [...previousKeys].filter((key) => nextKeys.has(key));
  const after = [...nextKeys].filter((key) => previousKeys.has(key));
  return before.some((key, index) => after[index] !== key);
}

/** Whether cards that stayed in their cell changed their relative order within it. */
function isCardOrderChanged(
  previous: readonly PublishedCard[],
  next: readonly PublishedCard[],
  stayed: ReadonlySet<string>,
): boolean {
  const sequenceByCell = (cards: readonly PublishedCard[]) => {
    const byCell = new Map<string, string[]>();
    const seen = new Set<string>();
    for (const card of cards) {
      if (!stayed.has(card.key) || seen.has(card.key)) continue;
      seen.add(card.key);
      const cell = JSON.stringify([card.stage, card.lane]);
      const keys = byCell.get(cell);
      if (keys === undefined) byCell.set(cell, [card.key]);
      else keys.push(card.key);
    }
    return byCell;
  };
  const before = sequenceByCell(previous);
  const after = sequenceByCell(next);
  for (const [cell, keys] of after) {
    const previousKeys = before.get(cell) ?? [];
    if (keys.some((key, index) => previousKeys[index] !== key)) return true;
  }
  return false;
}

function copyStage(stage: PublishedStage): PublishedStage {
  return { key: stage.key, name: stage.name, momentOfTruth: stage.momentOfTruth };
}

function copyLane(lane: PublishedLane): PublishedLane {
  return { key: lane.key, name: lane.name, kind: lane.kind };
}

function copyCard(card: PublishedCard): PublishedCard {
  return { key: card.key, stage: card.stage, lane: card.lane, text: card.text, emotion: card.emotion };
}

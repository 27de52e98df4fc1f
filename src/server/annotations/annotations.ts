/**
 * What participants say about a published map, and the rules for saying it.
 *
 * An annotation is anchored in the published snapshot's own terms: a stage, a lane, a card, or
 * the gap between two neighbouring stages ("something happens here that you missed"), by the
 * snapshot's opaque keys. An anchor is checked against the version it is made on, so nobody can
 * point at something the version does not show. Text is plain: stored byte for byte, rendered
 * as text with its line breaks, never as HTML or Markdown.
 */
import type { PublishedSnapshot } from '../portal/snapshot.ts';

export const ANNOTATION_KINDS = ['missing', 'inaccurate', 'pain_point', 'works_well', 'question', 'idea'] as const;
export type AnnotationKind = (typeof ANNOTATION_KINDS)[number];

export const ANNOTATION_KIND_LABELS: Record<AnnotationKind, string> = {
  missing: 'Something is missing',
  inaccurate: 'Not how it works for me',
  pain_point: 'Pain point',
  works_well: 'Works well',
  question: 'Question',
  idea: 'Idea',
};

export const ANNOTATION_TEXT_MAX = 5000;
export const ANNOTATIONS_PER_MINUTE = 30;
/**
 * Edits, withdrawals and +1s per participant a minute, a budget apart from writing new ones, so
 * +1-ing a busy board never stops someone from saying something. Each one tells live screens and
 * empties cached pages, so it has a limit too.
 */
export const CHANGES_PER_MINUTE = 60;
export const FELT_LABELS: Record<string, string> = { '-2': 'Very bad', '-1': 'Bad', '0': 'Neutral', '1': 'Good', '2': 'Very good' };

export type Anchor =
  | { kind: 'map' }
  | { kind: 'stage'; stage: string }
  | { kind: 'lane'; lane: string }
  | { kind: 'card'; card: string }
  | { kind: 'gap'; stage: string; nextStage: string };

export interface AnnotationInput {
  anchor: Anchor;
  kind: string;
  text: string;
  felt?: number | null;
  importance?: number | null;
}

export interface CleanAnnotation {
  anchor: Anchor;
  kind: AnnotationKind;
  text: string;
  felt: number | null;
  importance: number | null;
}

export function isAnnotationKind(value: unknown): value is AnnotationKind {
  return typeof value === 'string' && (ANNOTATION_KINDS as readonly string[]).includes(value);
}

function countCharacters(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Is the anchor something this version shows? A gap must be between two neighbouring stages. */
export function isAnchorInSnapshot(anchor: Anchor, snapshot: PublishedSnapshot): boolean {
  switch (anchor.kind) {
    case 'map':
      return true;
    case 'stage':
      return snapshot.stages.some((s) => s.key === anchor.stage);
    case 'lane':
      return snapshot.lanes.some((l) => l.key === anchor.lane);
    case 'card':
      return snapshot.cards.some((c) => c.key === anchor.card);
    case 'gap': {
      const index = snapshot.stages.findIndex((s) => s.key === anchor.stage);
      return index >= 0 && snapshot.stages[index + 1]?.key === anchor.nextStage;
    }
  }
}

/** What is wrong with the chosen kind, for the person; null when it is one of the kinds. */
export function describeKindProblem(kind: unknown): string | null {
  return isAnnotationKind(kind) ? null : 'Choose what kind of comment this is.';
}

/** What is wrong with the text, for the person; null when it can be sent. */
export function describeTextProblem(text: unknown): string | null {
  if (typeof text !== 'string' || text.trim() === '') return 'Write what you want to tell the team.';
  if (countCharacters(text) > ANNOTATION_TEXT_MAX) return `Keep it to ${ANNOTATION_TEXT_MAX.toLocaleString('en')} characters.`;
  return null;
}

/** Checks everything; the messages are for the person who wrote it. */
export function validateAnnotation(input: AnnotationInput, snapshot: PublishedSnapshot): { ok: true; value: CleanAnnotation } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const kindProblem = describeKindProblem(input.kind);
  if (kindProblem) problems.push(kindProblem);
  const textProblem = describeTextProblem(input.text);
  if (textProblem) problems.push(textProblem);
  const felt = input.felt ?? null;
  if (felt !== null && (!Number.isInteger(felt) || felt < -2 || felt > 2)) problems.push('How it felt must be from -2 to +2.');
  const importance = input.importance ?? null;
  if (importance !== null && (!Number.isInteger(importance) || importance < 1 || importance > 5)) problems.push('How much it matters must be from 1 to 5.');
  if (!isAnchorInSnapshot(input.anchor, snapshot)) problems.push('That place is not on this map. Choose a stage, a lane, a card or a gap between two stages.');
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { anchor: input.anchor, kind: input.kind as AnnotationKind, text: input.text, felt, importance } };
}

/** Where an annotation points, in the customer's words ("Between Setting up and First payroll"). */
/**
 * The id of the element the customer map (PublishedMapView) gives an anchor's place, so that
 * leaving a comment form returns the reader to where they were; null for the whole journey.
 */
export function anchorElementId(anchor: Anchor): string | null {
  switch (anchor.kind) {
    case 'map':
      return null;
    case 'stage':
    case 'gap':
      return `stage-${anchor.stage}`;
    case 'lane':
      return `lane-${anchor.lane}`;
    case 'card':
      return `card-${anchor.card}`;
  }
}

export function describeAnchor(anchor: Anchor, snapshot: PublishedSnapshot): string {
  const stageName = (key: string) => snapshot.stages.find((s) => s.key === key)?.name ?? 'a stage';
  switch (anchor.kind) {
    case 'map':
      return 'The whole journey';
    case 'stage':
      return `Stage: ${stageName(anchor.stage)}`;
    case 'lane':
      return `Row: ${snapshot.lanes.find((l) => l.key === anchor.lane)?.name ?? 'a row'}`;
    case 'card': {
      const card = snapshot.cards.find((c) => c.key === anchor.card);
      return card ? `“${card.text.length > 80 ? card.text.slice(0, 79) + '…' : card.text}” (${stageName(card.stage)})` : 'A card';
    }
    case 'gap':
      return `Between ${stageName(anchor.stage)} and ${stageName(anchor.nextStage)}`;
  }
}

/**
 * The anchor as a form posts it: "map", "stage:KEY", "lane:KEY", "card:KEY", "gap:KEY:NEXT".
 * One string, so plain HTML forms (no JavaScript) can carry it in a select or hidden field.
 */
export function parseAnchor(value: string): Anchor | null {
  const [kind, a, b, extra] = value.split(':');
  if (extra !== undefined) return null;
  if (kind === 'map' && a === undefined) return { kind: 'map' };
  if (!a || !/^[a-z0-9]{1,40}$/.test(a)) return null;
  if (kind === 'stage' && b === undefined) return { kind: 'stage', stage: a };
  if (kind === 'lane' && b === undefined) return { kind: 'lane', lane: a };
  if (kind === 'card' && b === undefined) return { kind: 'card', card: a };
  if (kind === 'gap' && b && /^[a-z0-9]{1,40}$/.test(b)) return { kind: 'gap', stage: a, nextStage: b };
  return null;
}

/** The anchor columns of an annotation row, as stored. */
export interface AnchorColumns {
  anchor_kind: Anchor['kind'];
  stage_key: string | null;
  lane_key: string | null;
  card_key: string | null;
  next_stage_key: string | null;
}

export function anchorFromColumns(row: AnchorColumns): Anchor {
  switch (row.anchor_kind) {
    case 'map':
      return { kind: 'map' };
    case 'stage':
      return { kind: 'stage', stage: row.stage_key! };
    case 'lane':
      return { kind: 'lane', lane: row.lane_key! };
    case 'card':
      return { kind: 'card', card: row.card_key! };
    case 'gap':
      return { kind: 'gap', stage: row.stage_key!, nextStage: row.next_stage_key! };
  }
}

export function anchorToColumns(anchor: Anchor): AnchorColumns {
  return {
    anchor_kind: anchor.kind,
    stage_key: anchor.kind === 'stage' || anchor.kind === 'gap' ? anchor.stage : null,
    lane_key: anchor.kind === 'lane' ? anchor.lane : null,
    card_key: anchor.kind === 'card' ? anchor.card : null,
    next_stage_key: anchor.kind === 'gap' ? anchor.nextStage : null,
  };
}

export function formatAnchor(anchor: Anchor): string {
  switch (anchor.kind) {
    case 'map':
      return 'map';
    case 'stage':
      return `stage:${anchor.stage}`;
    case 'lane':
      return `lane:${anchor.lane}`;
    case 'card':
      return `card:${anchor.card}`;
    case 'gap':
      return `gap:${anchor.stage}:${anchor.nextStage}`;
  }
}

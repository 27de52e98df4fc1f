/**
 * CSV import and export of a journey map: one card per row, so a team can draft or bulk-edit
 * cards in a spreadsheet. Pure (no I/O, no dependencies) so it also runs in a browser bundle.
 *
 *   stage,lane,lane_kind,text,customer_text,visibility,emotion,owner,notes
 *
 * What a CSV can say, and so what survives a round trip:
 * - Stages and lanes are identified by their NAME (exact, case-sensitive); their order is the
 *   order in which they first appear in the rows. Keys are derived from names ("Technical
 *   setup" → technical-setup, made unique with -2, -3...; names with no Latin letters, e.g.
 *   Arabic or Hebrew, fall back to stage-N / lane-N, N being the position). Card keys are c1,
 *   c2, ... in display order.
 * - A CSV describes cards. Stages and lanes without cards, stage and lane customer names,
 *   descriptions, visibility (imported stages and lanes are public) and moments of truth, keys,
 *   and the map-level fields (the title comes from the caller) cannot be expressed. JSON
 *   (map-format.ts) is the lossless format.
 * - A round trip keeps every card's content, the names of stages and lanes that have cards and
 *   the stage order. Lane order is kept only when it agrees with first appearance in card order:
 *   with cards (stage 1, lane B) and (stage 2, lane A), no row order can say "A before B".
 * - Two stages (or lanes) with the same name become one.
 * - Empty cells mean "not set"; empty rows are skipped. lane_kind is required on the first row
 *   of a lane and may be repeated (it must then agree) or left empty on later rows.
 * - Cards are put in display order (by stage, then lane, keeping row order within a cell).
 *
 * Every cell goes through the shared formula neutralisation (src/server/csv/csv.ts), emotion
 * included (-1 is written '-1): "no exported cell starts with a trigger" is easier to trust than
 * a list of exceptions, and import accepts -1 too.
 *
 * Syntax is RFC 4180: fields holding a comma, quote, CR or LF are quoted and quotes doubled;
 * line breaks inside quoted fields are kept exactly. Import tolerates a UTF-8 BOM and LF or CR
 * line endings; export writes CRLF. Problems name the physical line where the row starts
 * (header = line 1), which is what a text editor shows and what a spreadsheet's row number is
 * when no cell holds a line break.
 */
import { neutraliseFormula, quoteCell, restoreFormula, splitCsvRecords } from '../csv/csv.ts';
import {
  EMOTION_MAX,
  EMOTION_MIN,
  isLaneKind,
  LANE_KINDS,
  MAP_LIMITS,
  type JourneyMapContent,
  type LaneKind,
  type MapCard,
  type MapLane,
  type MapStage,
  type Visibility,
} from './maps.ts';
import {
  assignMissingCardKeys,
  FILE_TOO_LARGE_PROBLEM,
  isLargerThanFileLimit,
  isLongerThan,
  limitProblems,
  sortCardsForDisplay,
  stripByteOrderMark,
  type MapParseResult,
} from './map-format.ts';

export const CSV_COLUMNS = ['stage', 'lane', 'lane_kind', 'text', 'customer_text', 'visibility', 'emotion', 'owner', 'notes'] as const;
export const CSV_HEADER = CSV_COLUMNS.join(',');

const INTEGER = /^[+-]?[0-9]+$/;

// ---------------------------------------------------------------------------------------------
// Import

interface StageDraft {
  name: string;
  line: number;
}

interface LaneDraft {
  name: string;
  line: number;
  /** From the lane's first row; null if that row had none or an invalid one (already reported). */
  kind: LaneKind | null;
}

interface CardDraft {
  stageIndex: number;
  laneIndex: number;
  text: string;
  customerText: string | null;
  visibility: Visibility;
  emotion: number | null;
  owner: string | null;
  notes: string | null;
}

/**
 * Reads a CSV of cards into a map titled `options.title`. Either everything is valid and the map
 * is returned, or every problem found is, each with the line its row starts on.
 */
export function parseMapCsv(source: string, options: { title: string }): MapParseResult {
  if (isLargerThanFileLimit(source)) return { ok: false, problems: [FILE_TOO_LARGE_PROBLEM] };
  const { records, problems } = splitCsvRecords(stripByteOrderMark(source));

  if (options.title.length === 0) problems.push('title: must not be empty');
  else if (isLongerThan(options.title, MAP_LIMITS.titleLength)) problems.push(`title: must be at most ${MAP_LIMITS.titleLength} characters`);

  const [header, ...rows] = records;
  if (header === undefined) {
    problems.push(`line 1: the file is empty; expected the header ${CSV_HEADER}`);
    return { ok: false, problems };
  }
  if (header.cells.map((cell) => cell.trim().toLowerCase()).join(',') !== CSV_HEADER) {
    problems.push(`line ${header.line}: the header must be exactly ${CSV_HEADER}`);
    return { ok: false, problems: limitProblems(problems) };
  }

  const stages: StageDraft[] = [];
  const lanes: LaneDraft[] = [];
  const stageIndexByName = new Map<string, number>();
  const laneIndexByName = new Map<string, number>();
  const cards: CardDraft[] = [];
  let cardLimitLine: number | null = null;

  for (const record of rows) {
    const at = `line ${record.line}:`;
    if (record.cells.every((cell) => cell.trim() === '')) continue;
    if (record.cells.length !== CSV_COLUMNS.length) {
      problems.push(`${at} expected ${CSV_COLUMNS.length} fields, found ${record.cells.length}`);
      continue;
    }
    const [stageName, laneName, laneKind, text, customerText, visibility, emotion, owner, notes] = record.cells.map(restoreFormula) as [
      string, string, string, string, string, string, string, string, string,
    ];

    let stageIndex = -1;
    if (stageName === '') problems.push(`${at} stage is required`);
    else if (isLongerThan(stageName, MAP_LIMITS.nameLength)) problems.push(`${at} stage name must be at most ${MAP_LIMITS.nameLength} characters`);
    else stageIndex = findOrAdd(stageName, stageIndexByName, stages, () => ({ name: stageName, line: record.line }));

    let laneIndex = -1;
    const kind = laneKind.trim().toLowerCase();
    if (kind !== '' && !isLaneKind(kind)) problems.push(`${at} lane_kind must be one of ${LANE_KINDS.join(', ')}`);
    if (laneName === '') problems.push(`${at} lane is required`);
    else if (isLongerThan(laneName, MAP_LIMITS.nameLength)) problems.push(`${at} lane name must be at most ${MAP_LIMITS.nameLength} characters`);
    else {
      const isNewLane = !laneIndexByName.has(laneName);
      laneIndex = findOrAdd(laneName, laneIndexByName, lanes, () => ({
        name: laneName,
        line: record.line,
        kind: isLaneKind(kind) ? kind : null,
      }));
      const lane = lanes[laneIndex]!;
      if (isNewLane && kind === '') problems.push(`${at} lane_kind is required on the first row of lane ${JSON.stringify(laneName)}`);
      if (!isNewLane && isLaneKind(kind) && lane.kind !== null && kind !== lane.kind) {
        problems.push(`${at} lane_kind "${kind}" disagrees with "${lane.kind}" given for lane ${JSON.stringify(laneName)} on line ${lane.line}`);
      }
    }

    if (text === '') problems.push(`${at} text is required`);
    else if (isLongerThan(text, MAP_LIMITS.cardTextLength)) problems.push(`${at} text must be at most ${MAP_LIMITS.cardTextLength} characters`);
    if (isLongerThan(customerText, MAP_LIMITS.cardTextLength)) problems.push(`${at} customer_text must be at most ${MAP_LIMITS.cardTextLength} characters`);
    if (isLongerThan(owner, MAP_LIMITS.ownerLength)) problems.push(`${at} owner must be at most ${MAP_LIMITS.ownerLength} characters`);
    if (isLongerThan(notes, MAP_LIMITS.notesLength)) problems.push(`${at} notes must be at most ${MAP_LIMITS.notesLength} characters`);

    const visibilityValue = readVisibility(visibility);
    if (visibilityValue === undefined) problems.push(`${at} visibility must be public or internal`);
    const emotionValue = readEmotion(emotion);
    if (emotionValue === undefined) problems.push(`${at} emotion must be ${EMOTION_MIN}..${EMOTION_MAX}`);

    if (cards.length === MAP_LIMITS.cards && cardLimitLine === null) cardLimitLine = record.line;
    cards.push({
      stageIndex,
      laneIndex,
      text,
      customerText: customerText === '' ? null : customerText,
      visibility: visibilityValue ?? 'public',
      emotion: emotionValue ?? null,
      owner: owner === '' ? null : owner,
      notes: notes === '' ? null : notes,
    });
  }

  if (cards.length === 0 && problems.length === 0) problems.push(`line ${header.line}: the file has a header but no cards`);
  const extraStage = stages[MAP_LIMITS.stages];
  if (extraStage !== undefined) {
    problems.push(`line ${extraStage.line}: a map can have at most ${MAP_LIMITS.stages} stages; ${JSON.stringify(extraStage.name)} is stage ${MAP_LIMITS.stages + 1}`);
  }
  const extraLane = lanes[MAP_LIMITS.lanes];
  if (extraLane !== undefined) {
    problems.push(`line ${extraLane.line}: a map can have at most ${MAP_LIMITS.lanes} lanes; ${JSON.stringify(extraLane.name)} is lane ${MAP_LIMITS.lanes + 1}`);
  }
  if (cardLimitLine !== null) problems.push(`line ${cardLimitLine}: a map can have at most ${MAP_LIMITS.cards} cards; this is card ${MAP_LIMITS.cards + 1}`);

  if (problems.length > 0) return { ok: false, problems: limitProblems(problems) };
  return { ok: true, map: buildMap(options.title, stages, lanes, cards) };
}

function findOrAdd<T>(name: string, indexByName: Map<string, number>, list: T[], create: () => T): number {
  const existing = indexByName.get(name);
  if (existing !== undefined) return existing;
  list.push(create());
  indexByName.set(name, list.length - 1);
  return list.length - 1;
}

/** undefined means invalid; empty means "not set", which for visibility is public. */
function readVisibility(cell: string): Visibility | undefined {
  const value = cell.trim().toLowerCase();
  if (value === '') return 'public';
  return value === 'public' || value === 'internal' ? value : undefined;
}

/** undefined means invalid, null "not set". */
function readEmotion(cell: string): number | null | undefined {
  const value = cell.trim();
  if (value === '') return null;
  if (!INTEGER.test(value)) return undefined;
  const number = Number(value);
  if (number < EMOTION_MIN || number > EMOTION_MAX) return undefined;
  return number === 0 ? 0 : number; // "-0" must not become -0
}

function buildMap(title: string, stageDrafts: StageDraft[], laneDrafts: LaneDraft[], cardDrafts: CardDraft[]): JourneyMapContent {
  const stageKeys = deriveKeys(stageDrafts.map((stage) => stage.name), 'stage');
  const laneKeys = deriveKeys(laneDrafts.map((lane) => lane.name), 'lane');
  const stages: MapStage[] = stageDrafts.map((stage, index) => ({
    key: stageKeys[index]!,
    name: stage.name,
    customerName: null,
    description: null,
    visibility: 'public',
    momentOfTruth: false,
  }));
  const lanes: MapLane[] = laneDrafts.map((lane, index) => ({
    key: laneKeys[index]!,
    name: lane.name,
    customerName: null,
    kind: lane.kind!, // every lane's first row gave a valid kind, or parsing stopped with a problem
    visibility: 'public',
  }));
  const unkeyedCards = cardDrafts.map(({ stageIndex, laneIndex, ...content }) => ({
    key: null as string | null,
    stage: stageKeys[stageIndex]!,
    lane: laneKeys[laneIndex]!,
    ...content,
  }));
  const cards: MapCard[] = assignMissingCardKeys(sortCardsForDisplay(unkeyedCards, stages, lanes));
  return {
    title,
    customerTitle: null,
    description: null,
    segment: null,
    persona: null,
    lifecycle: null,
    internalNotes: null,
    stages,
    lanes,
    cards,
  };
}

/**
 * Readable, unique keys matching MAP_LIMITS.keyPattern: the name folded to ASCII ("Café" →
 * cafe), runs of anything else turned into "-", cut to fit. A name that yields no Latin letter
 * (Hebrew, Arabic, "2024") gets `${fallback}-${position}` instead, which stays meaningful.
 */
export function deriveKeys(names: readonly string[], fallback: string): string[] {
  const taken = new Set<string>();
  return names.map((name, index) => {
    const slug = name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+/, '')
      .slice(0, 64)
      .replace(/-+$/, '');
    const base = /[a-z]/.test(slug) ? slug : `${fallback}-${index + 1}`;
    let key = base;
    for (let n = 2; taken.has(key); n++) {
      const suffix = `-${n}`;
      key = `${base.slice(0, 64 - suffix.length).replace(/-+$/, '')}${suffix}`;
    }
    taken.add(key);
    return key;
  });
}

// ---------------------------------------------------------------------------------------------
// Export

/**
 * Writes one card per row in map order, header first, CRLF line endings, every cell
 * formula-neutralised and quoted when needed. lane_kind and visibility are written on every row.
 * Throws if a card names a stage or lane the map does not have: that is a bug, not bad input.
 */
export function serializeMapCsv(map: JourneyMapContent): string {
  const stageByKey = new Map(map.stages.map((stage) => [stage.key, stage]));
  const laneByKey = new Map(map.lanes.map((lane) => [lane.key, lane]));
  const rows = map.cards.map((card) => {
    const stage = stageByKey.get(card.stage);
    const lane = laneByKey.get(card.lane);
    if (stage === undefined || lane === undefined) throw new Error(`card ${card.key} refers to a missing stage or lane`);
    return [
      stage.name,
      lane.name,
      lane.kind,
      card.text,
      card.customerText ?? '',
      card.visibility,
      card.emotion === null ? '' : String(card.emotion),
      card.owner ?? '',
      card.notes ?? '',
    ];
  });
  const lines = [CSV_HEADER, ...rows.map((cells) => cells.map((cell) => quoteCell(neutraliseFormula(cell))).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

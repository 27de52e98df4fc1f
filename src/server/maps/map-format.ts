/**
 * journey-map/v1, the lossless interchange format (shared/formats/journey-map.v1.schema.json),
 * read into and written from JourneyMapContent. Pure: no I/O, no dependencies, so the same code
 * can check a file in the browser before upload and on the server before import.
 *
 * Why validation is written by hand instead of with a JSON-schema library: an import either
 * succeeds completely or changes nothing, and the person fixing the file needs every problem at
 * once, each with the place it is at (`cards[12].stage: "kickof" is not a stage key`). The
 * schema cannot express the cross-references (unique keys, cards pointing at existing stages
 * and lanes), so those would need code anyway. Locations use 0-based array indices, as JSON
 * tools do. Lengths are counted in Unicode code points, as JSON Schema's maxLength does, so an
 * emoji is one character although it is two UTF-16 units.
 *
 * Normalisation on the way in, so that both import paths (this and CSV) yield the same model:
 * - absent optional text becomes null, and so does empty text ("" means "not set", as an empty
 *   CSV cell does); visibility defaults to public, momentOfTruth to false; -0 becomes 0.
 * - cards are put in display order (by stage, then lane; the file's order within a cell), the
 *   invariant JourneyMapContent.cards promises. A file written by serializeMapJson already is.
 * - cards without a key are numbered c1, c2, ... in that display order, skipping keys that other
 *   cards in the file already use, so importing the same file twice yields the same keys.
 * serializeMapJson writes every card key, so after one round trip the keys are fixed.
 */
import {
  EMOTION_MAX,
  EMOTION_MIN,
  isLaneKind,
  LANE_KINDS,
  MAP_LIMITS,
  VISIBILITIES,
  type JourneyMapContent,
  type MapCard,
  type MapLane,
  type MapStage,
} from './maps.ts';

export const MAP_FORMAT = 'journey-map/v1';

export type MapParseResult = { ok: true; map: JourneyMapContent } | { ok: false; problems: string[] };

/**
 * A file can hold hundreds of thousands of broken cards; nobody reads past the first screenful,
 * and the list must stay small enough to send back in a response.
 */
export const MAX_REPORTED_PROBLEMS = 1000;

export const FILE_TOO_LARGE_PROBLEM = `file is larger than ${MAP_LIMITS.fileBytes / (1024 * 1024)} MB`;

const UTF8_BOM = '\uFEFF';

// ---------------------------------------------------------------------------------------------
// Helpers shared with map-csv.ts

/** UTF-8 length without allocating an encoded copy of a possibly huge string. */
export function measureUtf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (isHighSurrogate(unit) && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

export function isLargerThanFileLimit(text: string): boolean {
  // Every UTF-16 unit is at least one UTF-8 byte, so a long string is rejected without counting.
  if (text.length > MAP_LIMITS.fileBytes) return true;
  return measureUtf8Bytes(text) > MAP_LIMITS.fileBytes;
}

/** Length in Unicode code points (JSON Schema's notion of a string's length). */
export function countCharacters(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    if (isHighSurrogate(text.charCodeAt(i)) && isLowSurrogate(text.charCodeAt(i + 1))) {
      count--;
      i++;
    }
  }
  return count;
}

export function isLongerThan(text: string, max: number): boolean {
  // A string is never more code points than UTF-16 units: only long strings need counting.
  return text.length > max && countCharacters(text) > max;
}

export function stripByteOrderMark(text: string): string {
  return text.startsWith(UTF8_BOM) ? text.slice(1) : text;
}

export function limitProblems(problems: string[]): string[] {
  if (problems.length <= MAX_REPORTED_PROBLEMS) return problems;
  const hidden = problems.length - MAX_REPORTED_PROBLEMS;
  return [...problems.slice(0, MAX_REPORTED_PROBLEMS), `… and ${hidden} more problems`];
}

/** Stable sort into display order: by stage, then lane, keeping the given order within a cell. */
export function sortCardsForDisplay<T extends { stage: string; lane: string }>(
  cards: readonly T[],
  stages: readonly { key: string }[],
  lanes: readonly { key: string }[],
): T[] {
  const stageIndex = new Map(stages.map((stage, index) => [stage.key, index]));
  const laneIndex = new Map(lanes.map((lane, index) => [lane.key, index]));
  const rank = (card: T) => [stageIndex.get(card.stage) ?? -1, laneIndex.get(card.lane) ?? -1] as const;
  return [...cards].sort((a, b) => {
    const [sa, la] = rank(a);
    const [sb, lb] = rank(b);
    return sa - sb || la - lb;
  });
}

/** c1, c2, ... for cards without a key, in the given order, never reusing a taken key. */
export function assignMissingCardKeys<T extends { key: string | null }>(cards: readonly T[]): (T & { key: string })[] {
  const taken = new Set(cards.flatMap((card) => (card.key === null ? [] : [card.key])));
  let next = 1;
  return cards.map((card) => {
    if (card.key !== null) return card as T & { key: string };
    while (taken.has(`c${next}`)) next++;
    const key = `c${next}`;
    taken.add(key);
    return { ...card, key };
  });
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

// ---------------------------------------------------------------------------------------------
// Reading

type FieldRule =
  | { type: 'string'; minLength: number; maxLength: number }
  | { type: 'key' }
  | { type: 'boolean' }
  | { type: 'visibility' }
  | { type: 'laneKind' }
  | { type: 'emotion' }
  | { type: 'format' }
  /** Validated by the caller (the three arrays at the root). */
  | { type: 'array' };

interface ObjectRules {
  required: readonly string[];
  /** In schema order, which is the order problems are reported in. */
  fields: Readonly<Record<string, FieldRule>>;
}

const text = (maxLength: number, minLength = 0): FieldRule => ({ type: 'string', minLength, maxLength });

const ROOT_RULES: ObjectRules = {
  required: ['format', 'title', 'stages', 'lanes', 'cards'],
  fields: {
    format: { type: 'format' },
    title: text(MAP_LIMITS.titleLength, 1),
    customerTitle: text(MAP_LIMITS.titleLength),
    description: text(MAP_LIMITS.descriptionLength),
    segment: text(MAP_LIMITS.segmentLength),
    persona: text(MAP_LIMITS.personaLength),
    lifecycle: text(MAP_LIMITS.lifecycleLength),
    internalNotes: text(MAP_LIMITS.internalNotesLength),
    stages: { type: 'array' },
    lanes: { type: 'array' },
    cards: { type: 'array' },
  },
};

const STAGE_RULES: ObjectRules = {
  required: ['key', 'name'],
  fields: {
    key: { type: 'key' },
    name: text(MAP_LIMITS.nameLength, 1),
    customerName: text(MAP_LIMITS.nameLength),
    description: text(MAP_LIMITS.stageDescriptionLength),
    visibility: { type: 'visibility' },
    momentOfTruth: { type: 'boolean' },
  },
};

const LANE_RULES: ObjectRules = {
  required: ['key', 'name', 'kind'],
  fields: {
    key: { type: 'key' },
    name: text(MAP_LIMITS.nameLength, 1),
    customerName: text(MAP_LIMITS.nameLength),
    kind: { type: 'laneKind' },
    visibility: { type: 'visibility' },
  },
};

const CARD_RULES: ObjectRules = {
  required: ['stage', 'lane', 'text'],
  fields: {
    key: { type: 'key' },
    stage: { type: 'key' },
    lane: { type: 'key' },
    text: text(MAP_LIMITS.cardTextLength, 1),
    customerText: text(MAP_LIMITS.cardTextLength),
    visibility: { type: 'visibility' },
    emotion: { type: 'emotion' },
    owner: text(MAP_LIMITS.ownerLength),
    notes: text(MAP_LIMITS.notesLength),
  },
};

type JsonObject = Record<string, unknown>;

/**
 * Reads a journey-map/v1 document. Either the whole file is valid and the map is returned, or
 * every problem found is (up to MAX_REPORTED_PROBLEMS).
 */
export function parseMapJson(source: string): MapParseResult {
  if (isLargerThanFileLimit(source)) return { ok: false, problems: [FILE_TOO_LARGE_PROBLEM] };
  const body = stripByteOrderMark(source);
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    return { ok: false, problems: [describeJsonSyntaxError(body, error)] };
  }

  const problems: string[] = [];
  const root = checkObject(document, '', ROOT_RULES, problems);
  if (root === null) return { ok: false, problems };

  const stages = checkArray(root, 'stages', 1, MAP_LIMITS.stages, 'stage', problems);
  const lanes = checkArray(root, 'lanes', 1, MAP_LIMITS.lanes, 'lane', problems);
  const cards = checkArray(root, 'cards', 0, MAP_LIMITS.cards, 'card', problems);

  const stageKeys = checkItems(stages, 'stages', STAGE_RULES, problems);
  const laneKeys = checkItems(lanes, 'lanes', LANE_RULES, problems);
  checkItems(cards, 'cards', CARD_RULES, problems);
  if (cards !== null) {
    cards.forEach((card, index) => {
      if (!isJsonObject(card)) return;
      // A broken stages array would make every card "wrong"; report the cause, not the echo.
      if (stageKeys !== null) checkReference(card.stage, stageKeys, `cards[${index}].stage`, 'stage', problems);
      if (laneKeys !== null) checkReference(card.lane, laneKeys, `cards[${index}].lane`, 'lane', problems);
    });
  }

  if (problems.length > 0 || stages === null || lanes === null || cards === null) {
    return { ok: false, problems: limitProblems(problems) };
  }
  return { ok: true, map: buildMap(root, stages as JsonObject[], lanes as JsonObject[], cards as JsonObject[]) };
}

/** Called only once everything is known to be valid, so the casts below are safe. */
function buildMap(root: JsonObject, stages: JsonObject[], lanes: JsonObject[], cards: JsonObject[]): JourneyMapContent {
  const mapStages: MapStage[] = stages.map((stage) => ({
    key: stage.key as string,
    name: stage.name as string,
    customerName: readOptionalText(stage.customerName),
    description: readOptionalText(stage.description),
    visibility: (stage.visibility as MapStage['visibility'] | undefined) ?? 'public',
    momentOfTruth: (stage.momentOfTruth as boolean | undefined) ?? false,
  }));
  const mapLanes: MapLane[] = lanes.map((lane) => ({
    key: lane.key as string,
    name: lane.name as string,
    customerName: readOptionalText(lane.customerName),
    kind: lane.kind as MapLane['kind'],
    visibility: (lane.visibility as MapLane['visibility'] | undefined) ?? 'public',
  }));
  const unkeyedCards = cards.map((card) => ({
    key: (card.key as string | undefined) ?? null,
    stage: card.stage as string,
    lane: card.lane as string,
    text: card.text as string,
    customerText: readOptionalText(card.customerText),
    visibility: (card.visibility as MapCard['visibility'] | undefined) ?? 'public',
    emotion: card.emotion === undefined ? null : normaliseZero(card.emotion as number),
    owner: readOptionalText(card.owner),
    notes: readOptionalText(card.notes),
  }));
  const mapCards: MapCard[] = assignMissingCardKeys(sortCardsForDisplay(unkeyedCards, mapStages, mapLanes));
  return {
    title: root.title as string,
    customerTitle: readOptionalText(root.customerTitle),
    description: readOptionalText(root.description),
    segment: readOptionalText(root.segment),
    persona: readOptionalText(root.persona),
    lifecycle: readOptionalText(root.lifecycle),
    internalNotes: readOptionalText(root.internalNotes),
    stages: mapStages,
    lanes: mapLanes,
    cards: mapCards,
  };
}

function readOptionalText(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function normaliseZero(value: number): number {
  return value === 0 ? 0 : value;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childPath(path: string, field: string): string {
  return path === '' ? field : `${path}.${field}`;
}

function locate(path: string): string {
  return path === '' ? '(root)' : path;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A short, unambiguous rendering of a wrong value: strings quoted, long ones cut. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return describeType(value);
}

/**
 * Checks an object's shape: required fields, no unknown fields, and each known field's rule
 * (arrays excepted). Returns the object for further checks, or null if it is not an object.
 */
function checkObject(value: unknown, path: string, rules: ObjectRules, problems: string[]): JsonObject | null {
  if (!isJsonObject(value)) {
    problems.push(`${locate(path)}: must be an object (got ${describeType(value)})`);
    return null;
  }
  for (const field of rules.required) {
    if (!Object.hasOwn(value, field)) problems.push(`${locate(path)}: missing required field "${field}"`);
  }
  for (const [field, rule] of Object.entries(rules.fields)) {
    if (Object.hasOwn(value, field)) checkField(value[field], childPath(path, field), rule, problems);
  }
  for (const field of Object.keys(value)) {
    if (!Object.hasOwn(rules.fields, field)) problems.push(`${locate(path)}: unknown field ${JSON.stringify(field)}`);
  }
  return value;
}

function checkField(value: unknown, path: string, rule: FieldRule, problems: string[]): void {
  switch (rule.type) {
    case 'array':
      return;
    case 'format':
      if (value !== MAP_FORMAT) problems.push(`${path}: must be "${MAP_FORMAT}" (got ${describeValue(value)})`);
      return;
    case 'string':
      if (typeof value !== 'string') problems.push(`${path}: must be a string (got ${describeType(value)})`);
      else if (value.length < rule.minLength) problems.push(`${path}: must not be empty`);
      else if (isLongerThan(value, rule.maxLength)) problems.push(`${path}: must be at most ${rule.maxLength} characters`);
      return;
    case 'key':
      if (typeof value !== 'string') problems.push(`${path}: must be a string (got ${describeType(value)})`);
      else if (!MAP_LIMITS.keyPattern.test(value)) {
        problems.push(
          `${path}: ${describeValue(value)} is not a valid key (1 to 64 of a-z, 0-9, "-" and "_", starting with a letter or digit)`,
        );
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${path}: must be true or false (got ${describeValue(value)})`);
      return;
    case 'visibility':
      if (!(VISIBILITIES as readonly unknown[]).includes(value)) {
        problems.push(`${path}: must be one of ${VISIBILITIES.join(', ')} (got ${describeValue(value)})`);
      }
      return;
    case 'laneKind':
      if (!isLaneKind(value)) problems.push(`${path}: must be one of ${LANE_KINDS.join(', ')} (got ${describeValue(value)})`);
      return;
    case 'emotion':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < EMOTION_MIN || value > EMOTION_MAX) {
        problems.push(`${path}: must be an integer from ${EMOTION_MIN} to ${EMOTION_MAX} (got ${describeValue(value)})`);
      }
      return;
  }
}

/** The root arrays: present, an array, and within the item counts. Null if unusable. */
function checkArray(
  root: JsonObject,
  field: 'stages' | 'lanes' | 'cards',
  minItems: number,
  maxItems: number,
  noun: string,
  problems: string[],
): unknown[] | null {
  if (!Object.hasOwn(root, field)) return null; // already reported as missing
  const value = root[field];
  if (!Array.isArray(value)) {
    problems.push(`${field}: must be an array (got ${describeType(value)})`);
    return null;
  }
  if (value.length < minItems) problems.push(`${field}: must have at least ${minItems} ${noun}`);
  if (value.length > maxItems) problems.push(`${field}: must have at most ${maxItems} ${noun}s (got ${value.length})`);
  return value;
}

/**
 * Checks each item of a root array and that keys are unique within it. Returns the keys that
 * items may refer to (every well-formed key, even of an otherwise broken item, so that one
 * mistake is reported once), or null when the array is unusable or empty: then its own problem
 * is the cause, and "not a stage key" on every card would only echo it.
 */
function checkItems(items: unknown[] | null, field: string, rules: ObjectRules, problems: string[]): Set<string> | null {
  if (items === null || items.length === 0) return null;
  const firstIndexOfKey = new Map<string, number>();
  items.forEach((item, index) => {
    const path = `${field}[${index}]`;
    const object = checkObject(item, path, rules, problems);
    if (object === null) return;
    const key = object.key;
    if (typeof key !== 'string' || !MAP_LIMITS.keyPattern.test(key)) return;
    const firstIndex = firstIndexOfKey.get(key);
    if (firstIndex === undefined) firstIndexOfKey.set(key, index);
    else problems.push(`${path}.key: "${key}" is already used by ${field}[${firstIndex}]`);
  });
  return new Set(firstIndexOfKey.keys());
}

function checkReference(value: unknown, keys: Set<string>, path: string, noun: string, problems: string[]): void {
  // A malformed reference has already been reported by its field rule.
  if (typeof value !== 'string' || !MAP_LIMITS.keyPattern.test(value)) return;
  if (!keys.has(value)) problems.push(`${path}: "${value}" is not a ${noun} key`);
}

// ---------------------------------------------------------------------------------------------
// Syntax errors

/**
 * JSON.parse's messages differ between engines and some carry no position ("Unexpected token
 * 'T'"). A small recogniser, run only after JSON.parse has failed, finds where the text stops
 * being JSON, so the person gets a line and column whatever runs this code.
 */
function describeJsonSyntaxError(body: string, error: unknown): string {
  const found = locateJsonSyntaxError(body);
  if (found === null) return `invalid JSON: ${error instanceof Error ? error.message : String(error)}`;
  const { line, column } = findLineAndColumn(body, found.offset);
  return `invalid JSON at line ${line}, column ${column}: ${found.reason}`;
}

function findLineAndColumn(body: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = body.indexOf('\n'); i !== -1 && i < offset; i = body.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Returns the offset and reason of the first syntax error, or null if the text is JSON. It is
 * iterative (an explicit stack of open containers) so that deep nesting cannot overflow.
 */
const JSON_NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

export function locateJsonSyntaxError(body: string): { offset: number; reason: string } | null {
  let pos = 0;
  const open: ('{' | '[')[] = [];
  const fail = (reason: string, at = pos) => ({ offset: at, reason: at >= body.length ? 'unexpected end of input' : reason });

  const skipWhitespace = () => {
    while (pos < body.length && ' \t\n\r'.includes(body[pos]!)) pos++;
  };
  /** Returns an error or null after moving past one string. */
  const scanString = (): { offset: number; reason: string } | null => {
    if (body[pos] !== '"') return fail('expected a double-quoted property name');
    pos++;
    while (pos < body.length) {
      const char = body[pos]!;
      if (char === '"') {
        pos++;
        return null;
      }
      if (char === '\\') {
        const escaped = body[pos + 1];
        if (escaped === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(body.slice(pos + 2, pos + 6))) return fail('invalid \\u escape in string');
          pos += 6;
        } else if (escaped !== undefined && '"\\/bfnrt'.includes(escaped)) pos += 2;
        else return fail('invalid escape in string');
        continue;
      }
      if (char.charCodeAt(0) < 0x20) return fail('control character in string (line breaks and tabs must be escaped)');
      pos++;
    }
    return fail('unterminated string');
  };
  const scanKey = () => {
    skipWhitespace();
    const error = scanString();
    if (error !== null) return error;
    skipWhitespace();
    if (body[pos] !== ':') return fail("expected ':' after property name");
    pos++;
    return null;
  };

  for (;;) {
    // Expect a value at pos.
    skipWhitespace();
    const char = body[pos];
    let isScalar = true;
    if (char === '{' || char === '[') {
      pos++;
      skipWhitespace();
      const close = char === '{' ? '}' : ']';
      if (body[pos] === close) pos++;
      else {
        open.push(char);
        isScalar = false;
        if (char === '{') {
          const error = scanKey();
          if (error !== null) return error;
        }
      }
    } else if (char === '"') {
      const error = scanString();
      if (error !== null) return error;
    } else if (char !== undefined && /[-0-9]/.test(char)) {
      JSON_NUMBER.lastIndex = pos;
      const number = JSON_NUMBER.exec(body);
      if (number === null) return fail('invalid number');
      pos += number[0].length;
    } else {
      const literal = ['true', 'false', 'null'].find((word) => body.startsWith(word, pos));
      if (literal === undefined) return fail('expected a value');
      pos += literal.length;
    }
    if (!isScalar) continue;

    // After a complete value: close containers or move to the next element.
    for (;;) {
      skipWhitespace();
      const container = open.at(-1);
      if (container === undefined) return pos < body.length ? fail('unexpected text after the end of the JSON value') : null;
      const close = container === '{' ? '}' : ']';
      if (body[pos] === close) {
        pos++;
        open.pop();
        continue;
      }
      if (body[pos] !== ',') return fail(`expected ',' or '${close}'`);
      pos++;
      if (container === '{') {
        const error = scanKey();
        if (error !== null) return error;
      }
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * Writes journey-map/v1 with two-space indentation. Fields that hold their default (null or
 * empty text, public, no moment of truth) are left out, so the output is what a person would
 * write and validates against the schema; card keys are always written so they survive.
 */
export function serializeMapJson(map: JourneyMapContent): string {
  const document: JsonObject = { format: MAP_FORMAT, title: map.title };
  setIfPresent(document, 'customerTitle', map.customerTitle);
  setIfPresent(document, 'description', map.description);
  setIfPresent(document, 'segment', map.segment);
  setIfPresent(document, 'persona', map.persona);
  setIfPresent(document, 'lifecycle', map.lifecycle);
  setIfPresent(document, 'internalNotes', map.internalNotes);
  document.stages = map.stages.map((stage) => {
    const out: JsonObject = { key: stage.key, name: stage.name };
    setIfPresent(out, 'customerName', stage.customerName);
    setIfPresent(out, 'description', stage.description);
    if (stage.visibility !== 'public') out.visibility = stage.visibility;
    if (stage.momentOfTruth) out.momentOfTruth = true;
    return out;
  });
  document.lanes = map.lanes.map((lane) => {
    const out: JsonObject = { key: lane.key, name: lane.name };
    setIfPresent(out, 'customerName', lane.customerName);
    out.kind = lane.kind;
    if (lane.visibility !== 'public') out.visibility = lane.visibility;
    return out;
  });
  document.cards = map.cards.map((card) => {
    const out: JsonObject = { key: card.key, stage: card.stage, lane: card.lane, text: card.text };
    setIfPresent(out, 'customerText', card.customerText);
    if (card.visibility !== 'public') out.visibility = card.visibility;
    if (card.emotion !== null) out.emotion = card.emotion;
    setIfPresent(out, 'owner', card.owner);
    setIfPresent(out, 'notes', card.notes);
    return out;
  });
  return `${JSON.stringify(document, null, 2)}\n`;
}

function setIfPresent(target: JsonObject, field: string, value: string | null): void {
  if (value !== null && value !== '') target[field] = value;
}

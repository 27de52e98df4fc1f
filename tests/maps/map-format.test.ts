import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../helpers/random.ts';
import {
  FILE_TOO_LARGE_PROBLEM,
  MAX_REPORTED_PROBLEMS,
  countCharacters,
  locateJsonSyntaxError,
  measureUtf8Bytes,
  parseMapJson,
  serializeMapJson,
  type MapParseResult,
} from '../../src/server/maps/map-format.ts';
import { LANE_KINDS, MAP_LIMITS, type JourneyMapContent, type MapCard } from '../../src/server/maps/maps.ts';

const FIXTURE_URL = new URL('../../../shared/fixtures/enterprise-onboarding.map.json', import.meta.url);
const fixtureText = readFileSync(FIXTURE_URL, 'utf8');

function parseOk(text: string): JourneyMapContent {
  const result = parseMapJson(text);
  if (!result.ok) throw new Error(`expected a valid map, got:\n${result.problems.join('\n')}`);
  return result.map;
}

function problemsOf(result: MapParseResult): string[] {
  if (result.ok) throw new Error('expected problems, got a valid map');
  return result.problems;
}

/** The smallest valid document, to be broken one field at a time. */
function minimalDocument(): Record<string, any> {
  return {
    format: 'journey-map/v1',
    title: 'Onboarding',
    stages: [{ key: 'kickoff', name: 'Kickoff' }],
    lanes: [{ key: 'actions', name: 'Actions', kind: 'actions' }],
    cards: [{ stage: 'kickoff', lane: 'actions', text: 'Joins the call' }],
  };
}

function problemsFor(document: unknown): string[] {
  return problemsOf(parseMapJson(JSON.stringify(document)));
}

const AWKWARD_PIECES = [
  'He said "hi", then left',
  'a,b,,c',
  'line one\nline two',
  'windows\r\nline',
  'old mac\rline',
  '=SUM(A1:A9)',
  '+44 20 7946 0000',
  '-2 days',
  '@here',
  '\tindented',
  '\rstarts with CR',
  "'=already quoted",
  "''=twice",
  "'plain apostrophe",
  '😀 emoji 👩‍👩‍👧 family',
  'مرحبا بالعالم',
  'שלום עולם',
  '"',
  '""',
  ' padded ',
  '\u202Ebidi override',
  'Ünïcödé café',
  'plain words',
  '\\backslash\\',
];

function generateMap(seed: number): JourneyMapContent {
  const random = createRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number) => random() < p;
  const text = () => Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(AWKWARD_PIECES)).join(pick(['', ' ', ',', '\n']));
  const optionalText = () => (chance(0.4) ? text() : null);

  const stageCount = 1 + Math.floor(random() * 8);
  const laneCount = 1 + Math.floor(random() * 6);
  const stages = Array.from({ length: stageCount }, (_, i) => ({
    key: `s${i}`,
    name: `${text()} ${i}`,
    customerName: optionalText(),
    description: optionalText(),
    visibility: chance(0.2) ? ('internal' as const) : ('public' as const),
    momentOfTruth: chance(0.3),
  }));
  const lanes = Array.from({ length: laneCount }, (_, i) => ({
    key: `lane_${i}`,
    name: `${text()} ${i}`,
    customerName: optionalText(),
    kind: pick(LANE_KINDS),
    visibility: chance(0.2) ? ('internal' as const) : ('public' as const),
  }));
  const cards: MapCard[] = Array.from({ length: Math.floor(random() * 40) }, (_, i) => ({
    key: `card-${i}`,
    stage: pick(stages).key,
    lane: pick(lanes).key,
    text: text(),
    customerText: optionalText(),
    visibility: chance(0.3) ? 'internal' : 'public',
    emotion: chance(0.5) ? pick([-2, -1, 0, 1, 2]) : null,
    owner: optionalText(),
    notes: optionalText(),
  }));
  const rank = (card: MapCard) => Number(card.stage.slice(1)) * 100 + Number(card.lane.slice(5));
  cards.sort((a, b) => rank(a) - rank(b));
  return {
    title: text(),
    customerTitle: optionalText(),
    description: optionalText(),
    segment: optionalText(),
    persona: optionalText(),
    lifecycle: optionalText(),
    internalNotes: optionalText(),
    stages,
    lanes,
    cards,
  };
}

function generateMapOfSize(stageCount: number, laneCount: number, cardCount: number): JourneyMapContent {
  const stages = Array.from({ length: stageCount }, (_, i) => ({
    key: `s${i}`,
    name: `Stage ${i}`,
    customerName: null,
    description: null,
    visibility: 'public' as const,
    momentOfTruth: false,
  }));
  const lanes = Array.from({ length: laneCount }, (_, i) => ({
    key: `l${i}`,
    name: `Lane ${i}`,
    customerName: null,
    kind: 'actions' as const,
    visibility: 'public' as const,
  }));
  const cards: MapCard[] = Array.from({ length: cardCount }, (_, i) => ({
    key: `c${i + 1}`,
    stage: 's0',
    lane: 'l0',
    text: `Card ${i}`,
    customerText: null,
    visibility: 'public',
    emotion: null,
    owner: null,
    notes: null,
  }));
  return { title: 'Big', customerTitle: null, description: null, segment: null, persona: null, lifecycle: null, internalNotes: null, stages, lanes, cards };
}

describe('parseMapJson with the shared fixture', () => {
  it('reads the enterprise onboarding map with defaults filled in', () => {
    const map = parseOk(fixtureText);
    expect(map.title).toBe('Enterprise onboarding — FY27 current state');
    expect(map.stages).toHaveLength(7);
    expect(map.lanes).toHaveLength(8);
    expect(map.cards).toHaveLength(50);
    expect(map.stages[0]).toEqual({
      key: 'signed',
      name: 'Contract signed',
      customerName: 'Getting started',
      description: "Order form countersigned; handoff from Sales to Customer Success.",
      visibility: 'public',
      momentOfTruth: false,
    });
    expect(map.stages[6]!.visibility).toBe('internal');
    expect(map.cards[0]).toEqual({
      key: 'c1',
      stage: 'signed',
      lane: 'actions',
      text: 'Signs the order form and forwards the welcome email to IT',
      customerText: null,
      visibility: 'public',
      emotion: null,
      owner: null,
      notes: null,
    });
    expect(map.cards.map((card) => card.key)).toEqual(map.cards.map((_, i) => `c${i + 1}`));
  });

  it('round-trips the fixture: parse, serialize, parse gives the same map and the same text', () => {
    const first = parseOk(fixtureText);
    const written = serializeMapJson(first);
    const second = parseOk(written);
    expect(second).toEqual(first);
    expect(serializeMapJson(second)).toBe(written);
  });

  it('writes two-space JSON that leaves out defaults but always writes card keys', () => {
    const written = serializeMapJson(parseOk(fixtureText));
    expect(written.startsWith('{\n  "format": "journey-map/v1",\n  "title": ')).toBe(true);
    expect(written.endsWith('}\n')).toBe(true);
    const document = JSON.parse(written);
    expect(document.stages[1]).toEqual({ key: 'kickoff', name: 'Kickoff', momentOfTruth: true });
    expect(document.lanes[0]).toEqual({ key: 'actions', name: 'Customer actions', kind: 'actions' });
    expect(document.cards[0]).toEqual({
      key: 'c1',
      stage: 'signed',
      lane: 'actions',
      text: 'Signs the order form and forwards the welcome email to IT',
    });
    expect(written).not.toContain('null');
    expect(written).not.toContain('"public"');
  });
});

describe('parseMapJson normalisation', () => {
  it('makes empty optional text null, as an empty CSV cell is', () => {
    const document = minimalDocument();
    document.customerTitle = '';
    document.stages[0].customerName = '';
    const map = parseOk(JSON.stringify(document));
    expect(map.customerTitle).toBeNull();
    expect(map.stages[0]!.customerName).toBeNull();
  });

  it('reads emotion 1.0 as the integer 1 and -0 as 0', () => {
    const text = JSON.stringify(minimalDocument()).replace('"text":"Joins the call"', '"text":"Joins the call","emotion":-0');
    expect(Object.is(parseOk(text).cards[0]!.emotion, 0)).toBe(true);
    const one = JSON.stringify(minimalDocument()).replace('"text":"Joins the call"', '"text":"Joins the call","emotion":1.0');
    expect(parseOk(one).cards[0]!.emotion).toBe(1);
  });

  it('numbers keyless cards c1, c2, ... in display order, skipping keys other cards use', () => {
    const document = minimalDocument();
    document.cards = [
      { stage: 'kickoff', lane: 'actions', text: 'first' },
      { key: 'c1', stage: 'kickoff', lane: 'actions', text: 'explicit' },
      { stage: 'kickoff', lane: 'actions', text: 'third' },
      { key: 'c3', stage: 'kickoff', lane: 'actions', text: 'explicit too' },
      { stage: 'kickoff', lane: 'actions', text: 'fifth' },
    ];
    const keys = parseOk(JSON.stringify(document)).cards.map((card) => card.key);
    expect(keys).toEqual(['c2', 'c1', 'c4', 'c3', 'c5']);
    expect(parseOk(JSON.stringify(document)).cards.map((card) => card.key)).toEqual(keys);
  });

  it('puts cards in display order by stage, then lane, keeping file order within a cell', () => {
    const document = minimalDocument();
    document.stages = [{ key: 'a', name: 'A' }, { key: 'b', name: 'B' }];
    document.lanes = [{ key: 'x', name: 'X', kind: 'actions' }, { key: 'y', name: 'Y', kind: 'thoughts' }];
    document.cards = [
      { stage: 'b', lane: 'x', text: '4' },
      { stage: 'a', lane: 'y', text: '2' },
      { stage: 'a', lane: 'x', text: '1' },
      { stage: 'a', lane: 'y', text: '3' },
    ];
    expect(parseOk(JSON.stringify(document)).cards.map((card) => card.text)).toEqual(['1', '2', '3', '4']);
  });

  it('tolerates a UTF-8 byte order mark', () => {
    expect(parseOk(`\uFEFF${fixtureText}`)).toEqual(parseOk(fixtureText));
  });

  it('accepts a map without cards', () => {
    const document = minimalDocument();
    document.cards = [];
    expect(parseOk(JSON.stringify(document)).cards).toEqual([]);
  });
});

describe('parseMapJson problems', () => {
  it('reports invalid JSON once, with line and column', () => {
    expect(problemsOf(parseMapJson('{\n  "format": "journey-map/v1",\n  "title": "x"\n  "stages": []\n}'))).toEqual([
      "invalid JSON at line 4, column 3: expected ',' or '}'",
    ]);
    expect(problemsOf(parseMapJson('{"title": True}'))).toEqual(['invalid JSON at line 1, column 11: expected a value']);
    expect(problemsOf(parseMapJson('{"title": "x",}'))).toEqual([
      'invalid JSON at line 1, column 15: expected a double-quoted property name',
    ]);
    expect(problemsOf(parseMapJson('{"title": "x"'))).toEqual(['invalid JSON at line 1, column 14: unexpected end of input']);
    expect(problemsOf(parseMapJson(''))).toEqual(['invalid JSON at line 1, column 1: unexpected end of input']);
    expect(problemsOf(parseMapJson('{"title": "a\nb"}'))).toEqual([
      'invalid JSON at line 1, column 13: control character in string (line breaks and tabs must be escaped)',
    ]);
    expect(problemsOf(parseMapJson('{} {}'))).toEqual(['invalid JSON at line 1, column 4: unexpected text after the end of the JSON value']);
    expect(problemsOf(parseMapJson("{'title': 'x'}"))).toEqual([
      'invalid JSON at line 1, column 2: expected a double-quoted property name',
    ]);
    expect(problemsOf(parseMapJson('{"emotion": -}'))).toEqual(['invalid JSON at line 1, column 13: invalid number']);
    expect(problemsOf(parseMapJson('{"a": "\\x"}'))).toEqual(['invalid JSON at line 1, column 8: invalid escape in string']);
  });

  it('finds syntax errors without overflowing on deep nesting', () => {
    expect(problemsOf(parseMapJson('['.repeat(200_000)))).toEqual(['invalid JSON at line 1, column 200001: unexpected end of input']);
  });

  it('agrees with JSON.parse on what is valid JSON', () => {
    for (const text of [fixtureText, '[]', '{}', '"x"', '-1.5e+3', '[{"a":[true,false,null]}, "\\u00e9\\n"]', ' 0 ']) {
      expect(locateJsonSyntaxError(text)).toBeNull();
    }
  });

  it('reports a document that is not an object', () => {
    expect(problemsFor([])).toEqual(['(root): must be an object (got array)']);
    expect(problemsFor('map')).toEqual(['(root): must be an object (got string)']);
  });

  it('reports missing required fields at their object', () => {
    const document = minimalDocument();
    delete document.title;
    delete document.stages[0].name;
    delete document.lanes[0].kind;
    delete document.cards[0].text;
    expect(problemsFor(document)).toEqual([
      '(root): missing required field "title"',
      'stages[0]: missing required field "name"',
      'lanes[0]: missing required field "kind"',
      'cards[0]: missing required field "text"',
    ]);
    expect(problemsFor({})).toEqual(
      ['format', 'title', 'stages', 'lanes', 'cards'].map((field) => `(root): missing required field "${field}"`),
    );
  });

  it('reports unknown fields (additionalProperties: false)', () => {
    const document = minimalDocument();
    document.colour = 'blue';
    document.stages[0].color = 'red';
    document.lanes[0].order = 1;
    const text = JSON.stringify(document).replace('"text":"Joins the call"', '"text":"Joins the call","__proto__":1');
    expect(problemsOf(parseMapJson(text))).toEqual([
      '(root): unknown field "colour"',
      'stages[0]: unknown field "color"',
      'lanes[0]: unknown field "order"',
      'cards[0]: unknown field "__proto__"',
    ]);
  });

  it('reports a wrong format', () => {
    expect(problemsFor({ ...minimalDocument(), format: 'journey-map/v2' })).toEqual([
      'format: must be "journey-map/v1" (got "journey-map/v2")',
    ]);
    expect(problemsFor({ ...minimalDocument(), format: 1 })).toEqual(['format: must be "journey-map/v1" (got 1)']);
  });

  it('reports wrong types', () => {
    const document = minimalDocument();
    document.title = 42;
    document.persona = null;
    document.stages.push('Setup');
    document.stages[0].momentOfTruth = 'yes';
    document.lanes = { actions: {} };
    document.cards[0].owner = ['Ann'];
    expect(problemsFor(document)).toEqual([
      'title: must be a string (got number)',
      'persona: must be a string (got null)',
      'lanes: must be an array (got object)',
      'stages[0].momentOfTruth: must be true or false (got "yes")',
      'stages[1]: must be an object (got string)',
      'cards[0].owner: must be a string (got array)',
    ]);
  });

  it('reports empty required text', () => {
    const document = minimalDocument();
    document.title = '';
    document.stages[0].name = '';
    document.cards[0].text = '';
    expect(problemsFor(document)).toEqual([
      'title: must not be empty',
      'stages[0].name: must not be empty',
      'cards[0].text: must not be empty',
    ]);
  });

  it('reports text over its length limit, counting code points', () => {
    const document = minimalDocument();
    document.stages = [0, 1, 2, 3].map((i) => ({ key: `s${i}`, name: i === 3 ? 'x'.repeat(121) : `Stage ${i}` }));
    document.cards[0].stage = 's0';
    document.title = 't'.repeat(201);
    document.internalNotes = 'n'.repeat(20001);
    document.lanes[0].customerName = 'c'.repeat(121);
    document.cards[0].notes = 'n'.repeat(5001);
    expect(problemsFor(document)).toEqual([
      'title: must be at most 200 characters',
      'internalNotes: must be at most 20000 characters',
      'stages[3].name: must be at most 120 characters',
      'lanes[0].customerName: must be at most 120 characters',
      'cards[0].notes: must be at most 5000 characters',
    ]);

    const atLimit = minimalDocument();
    atLimit.stages[0].name = '😀'.repeat(120); // 240 UTF-16 units, 120 characters
    atLimit.cards[0].text = '👩'.repeat(2000);
    expect(parseOk(JSON.stringify(atLimit)).stages[0]!.name).toBe('😀'.repeat(120));
    atLimit.cards[0].text = '👩'.repeat(2001);
    expect(problemsFor(atLimit)).toEqual(['cards[0].text: must be at most 2000 characters']);
  });

  it('reports invalid keys', () => {
    const document = minimalDocument();
    document.stages[0].key = 'Sign Up';
    document.lanes[0].key = '-actions';
    document.cards[0].key = 'k'.repeat(65);
    document.cards[0].stage = 'Sign Up';
    document.cards[0].lane = 7;
    const rule = 'is not a valid key (1 to 64 of a-z, 0-9, "-" and "_", starting with a letter or digit)';
    expect(problemsFor(document)).toEqual([
      `stages[0].key: "Sign Up" ${rule}`,
      `lanes[0].key: "-actions" ${rule}`,
      `cards[0].key: "${'k'.repeat(60)}…" ${rule}`,
      `cards[0].stage: "Sign Up" ${rule}`,
      'cards[0].lane: must be a string (got number)',
    ]);
  });

  it('reports values outside their enums', () => {
    const document = minimalDocument();
    document.stages[0].visibility = 'secret';
    document.lanes[0].kind = 'painpoints';
    document.cards[0].visibility = 'Internal';
    expect(problemsFor(document)).toEqual([
      'stages[0].visibility: must be one of public, internal (got "secret")',
      `lanes[0].kind: must be one of ${LANE_KINDS.join(', ')} (got "painpoints")`,
      'cards[0].visibility: must be one of public, internal (got "Internal")',
    ]);
  });

  it('reports emotions that are not integers from -2 to 2', () => {
    const document = minimalDocument();
    document.cards = [3, -3, 1.5, '1', null, true].map((emotion) => ({ stage: 'kickoff', lane: 'actions', text: 'x', emotion }));
    expect(problemsFor(document)).toEqual([
      'cards[0].emotion: must be an integer from -2 to 2 (got 3)',
      'cards[1].emotion: must be an integer from -2 to 2 (got -3)',
      'cards[2].emotion: must be an integer from -2 to 2 (got 1.5)',
      'cards[3].emotion: must be an integer from -2 to 2 (got "1")',
      'cards[4].emotion: must be an integer from -2 to 2 (got null)',
      'cards[5].emotion: must be an integer from -2 to 2 (got true)',
    ]);
  });

  it('reports duplicate keys, naming the first use', () => {
    const document = minimalDocument();
    document.stages.push({ key: 'kickoff', name: 'Kickoff again' });
    document.lanes.push({ key: 'x', name: 'X', kind: 'notes' }, { key: 'x', name: 'X2', kind: 'notes' });
    document.cards = [
      { key: 'a', stage: 'kickoff', lane: 'actions', text: '1' },
      { stage: 'kickoff', lane: 'actions', text: '2' },
      { key: 'a', stage: 'kickoff', lane: 'actions', text: '3' },
    ];
    expect(problemsFor(document)).toEqual([
      'stages[1].key: "kickoff" is already used by stages[0]',
      'lanes[2].key: "x" is already used by lanes[1]',
      'cards[2].key: "a" is already used by cards[0]',
    ]);
  });

  it('reports cards that refer to stages or lanes that do not exist', () => {
    const document = JSON.parse(fixtureText);
    document.cards[12].stage = 'kickof';
    document.cards[20].lane = 'emotion';
    expect(problemsFor(document)).toEqual([
      'cards[12].stage: "kickof" is not a stage key',
      'cards[20].lane: "emotion" is not a lane key',
    ]);
  });

  it('does not echo a broken stages array into every card', () => {
    expect(problemsFor({ ...minimalDocument(), stages: 'kickoff' })).toEqual(['stages: must be an array (got string)']);
    expect(problemsFor({ ...minimalDocument(), stages: [] })).toEqual(['stages: must have at least 1 stage']);
    const document = minimalDocument();
    document.stages[0].name = 7;
    expect(problemsFor(document)).toEqual(['stages[0].name: must be a string (got number)']);
  });

  it('lists every problem of a file with several', () => {
    const document = JSON.parse(fixtureText);
    delete document.title;
    document.format = 'journey-map/v0';
    document.stages[3].name = 'r'.repeat(121);
    document.lanes[4].kind = 'pain';
    document.cards[3].emotion = 5;
    document.cards[12].stage = 'kickof';
    document.cards[40].visibility = 'hidden';
    document.cards[49].extra = true;
    expect(problemsFor(document)).toEqual([
      '(root): missing required field "title"',
      'format: must be "journey-map/v1" (got "journey-map/v0")',
      'stages[3].name: must be at most 120 characters',
      `lanes[4].kind: must be one of ${LANE_KINDS.join(', ')} (got "pain")`,
      'cards[3].emotion: must be an integer from -2 to 2 (got 5)',
      'cards[40].visibility: must be one of public, internal (got "hidden")',
      'cards[49]: unknown field "extra"',
      'cards[12].stage: "kickof" is not a stage key',
    ]);
  });

  it(`stops listing after ${MAX_REPORTED_PROBLEMS} problems and says how many more there are`, () => {
    const document = minimalDocument();
    document.cards = Array.from({ length: 1500 }, () => ({ stage: 'nowhere', lane: 'actions', text: 'x' }));
    const problems = problemsFor(document);
    expect(problems).toHaveLength(MAX_REPORTED_PROBLEMS + 1);
    expect(problems[0]).toBe('cards[0].stage: "nowhere" is not a stage key');
    expect(problems.at(-1)).toBe('… and 500 more problems');
  });
});

describe('parseMapJson limits', () => {
  it('accepts a map at the limits of 60 stages, 30 lanes and 5000 cards', () => {
    const map = generateMapOfSize(MAP_LIMITS.stages, MAP_LIMITS.lanes, MAP_LIMITS.cards);
    expect(parseOk(serializeMapJson(map))).toEqual(map);
  });

  it('rejects one stage, lane or card over the limit', () => {
    expect(problemsOf(parseMapJson(serializeMapJson(generateMapOfSize(61, 1, 1))))).toEqual(['stages: must have at most 60 stages (got 61)']);
    expect(problemsOf(parseMapJson(serializeMapJson(generateMapOfSize(1, 31, 1))))).toEqual(['lanes: must have at most 30 lanes (got 31)']);
    expect(problemsOf(parseMapJson(serializeMapJson(generateMapOfSize(1, 1, 5001))))).toEqual(['cards: must have at most 5000 cards (got 5001)']);
  });

  it('accepts a file of exactly 5 MB and rejects one byte more before parsing', () => {
    const padding = MAP_LIMITS.fileBytes - measureUtf8Bytes(fixtureText);
    expect(parseMapJson(fixtureText + ' '.repeat(padding)).ok).toBe(true);
    expect(problemsOf(parseMapJson(fixtureText + ' '.repeat(padding + 1)))).toEqual([FILE_TOO_LARGE_PROBLEM]);
    expect(problemsOf(parseMapJson(`not json${' '.repeat(MAP_LIMITS.fileBytes)}`))).toEqual(['file is larger than 5 MB']);
  });

  it('measures the limit in UTF-8 bytes, not characters', () => {
    const text = `{"title": "${'é'.repeat(2_700_000)}"}`; // 2.7 million characters, 5.4 million bytes
    expect(text.length).toBeLessThan(MAP_LIMITS.fileBytes);
    expect(problemsOf(parseMapJson(text))).toEqual([FILE_TOO_LARGE_PROBLEM]);
  });

  it('measures UTF-8 length as TextEncoder does, lone surrogates included', () => {
    const random = createRandom(7);
    const units = ['a', 'é', '€', '😀', '\uD800', '\uDC00', '\n', 'ש'];
    for (let i = 0; i < 200; i++) {
      const text = Array.from({ length: Math.floor(random() * 30) }, () => units[Math.floor(random() * units.length)]).join('');
      expect(measureUtf8Bytes(text)).toBe(new TextEncoder().encode(text).length);
    }
    expect(countCharacters('a😀b\uD800')).toBe(4);
  });
});

describe('serializeMapJson round trips', () => {
  it('keeps generated maps full of quotes, line breaks, emoji, RTL text and formula-like text exactly', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const map = generateMap(seed);
      const written = serializeMapJson(map);
      const result = parseMapJson(written);
      expect(result, `seed ${seed}`).toEqual({ ok: true, map });
    }
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../helpers/random.ts';
import { neutraliseFormula, restoreFormula, splitCsvRecords } from '../../src/server/csv/csv.ts';
import { CSV_HEADER, deriveKeys, parseMapCsv, serializeMapCsv } from '../../src/server/maps/map-csv.ts';
import { FILE_TOO_LARGE_PROBLEM, parseMapJson, type MapParseResult } from '../../src/server/maps/map-format.ts';
import { LANE_KINDS, MAP_LIMITS, type JourneyMapContent, type MapCard } from '../../src/server/maps/maps.ts';

const FIXTURE_URL = new URL('../../../shared/fixtures/enterprise-onboarding.map.json', import.meta.url);
const fixture = parseFixture();

function parseFixture(): JourneyMapContent {
  const result = parseMapJson(readFileSync(FIXTURE_URL, 'utf8'));
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.map;
}

const TITLE = { title: 'Imported' };

function parseOk(text: string): JourneyMapContent {
  const result = parseMapCsv(text, TITLE);
  if (!result.ok) throw new Error(`expected a valid map, got:\n${result.problems.join('\n')}`);
  return result.map;
}

function problemsOf(result: MapParseResult): string[] {
  if (result.ok) throw new Error('expected problems, got a valid map');
  return result.problems;
}

function problemsFor(rows: string[]): string[] {
  return problemsOf(parseMapCsv([CSV_HEADER, ...rows].join('\n'), TITLE));
}

/** What a CSV can carry of a card: its content, with stage and lane by name. */
function describeCards(map: JourneyMapContent) {
  const stageName = new Map(map.stages.map((stage) => [stage.key, stage.name]));
  const lane = new Map(map.lanes.map((item) => [item.key, item]));
  return map.cards.map((card) => ({
    stage: stageName.get(card.stage),
    lane: lane.get(card.lane)!.name,
    kind: lane.get(card.lane)!.kind,
    text: card.text,
    customerText: card.customerText,
    visibility: card.visibility,
    emotion: card.emotion,
    owner: card.owner,
    notes: card.notes,
  }));
}

/**
 * The documented CSV round trip: stages and lanes that have cards, in order of first appearance
 * in the exported rows, with cards re-sorted into display order for that lane order.
 */
function expectCsvRoundTrip(original: JourneyMapContent, imported: JourneyMapContent): void {
  const firstSeen = (keys: string[]) => [...new Set(keys)];
  const stageKeys = firstSeen(original.cards.map((card) => card.stage));
  const laneKeys = firstSeen(original.cards.map((card) => card.lane));
  const stageName = (key: string) => original.stages.find((stage) => stage.key === key)!.name;
  const lane = (key: string) => original.lanes.find((item) => item.key === key)!;
  expect(imported.stages.map((stage) => stage.name)).toEqual(stageKeys.map(stageName));
  expect(imported.lanes.map((item) => [item.name, item.kind])).toEqual(laneKeys.map((key) => [lane(key).name, lane(key).kind]));
  const rank = (card: MapCard) => stageKeys.indexOf(card.stage) * 1000 + laneKeys.indexOf(card.lane);
  const expectedCards = describeCards({ ...original, cards: [...original.cards].sort((a, b) => rank(a) - rank(b)) });
  expect(describeCards(imported)).toEqual(expectedCards);
  expect(imported.cards.map((card) => card.key)).toEqual(imported.cards.map((_, i) => `c${i + 1}`));
  for (const key of [...imported.stages, ...imported.lanes].map((item) => item.key)) expect(key).toMatch(MAP_LIMITS.keyPattern);
}

const AWKWARD_PIECES = [
  'He said "hi", then left',
  'a,b,,c',
  'line one\nline two',
  'windows\r\nline',
  'old mac\rline',
  '=SUM(A1:A9)',
  '=HYPERLINK("http://evil.example","click")',
  '+44 20 7946 0000',
  '-2 days',
  '@here',
  '\tindented',
  '\rstarts with CR',
  "'=already quoted",
  "''=twice",
  "'plain apostrophe",
  "'",
  '😀 emoji 👩‍👩‍👧 family',
  'مرحبا بالعالم',
  'שלום עולם',
  '"',
  '""',
  ' padded ',
  '\u202Ebidi override',
  'Ünïcödé café',
  'plain words',
];
const TRIGGERS = ['=', '+', '-', '@', '\t', '\r'];

function generateMap(seed: number): JourneyMapContent {
  const random = createRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number) => random() < p;
  const text = () => Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(AWKWARD_PIECES)).join(pick(['', ' ', ',', '\n', '\r\n']));
  const optionalText = () => (chance(0.4) ? text() : null);
  // Names identify stages and lanes in a CSV, so they must be unique; some start with a trigger.
  const name = (i: number) => `${chance(0.3) ? pick(TRIGGERS) : ''}${pick(AWKWARD_PIECES)} ${i}`;

  const stages = Array.from({ length: 1 + Math.floor(random() * 8) }, (_, i) => ({
    key: `s${i}`,
    name: name(i),
    customerName: null,
    description: null,
    visibility: 'public' as const,
    momentOfTruth: false,
  }));
  const lanes = Array.from({ length: 1 + Math.floor(random() * 6) }, (_, i) => ({
    key: `l${i}`,
    name: name(i),
    customerName: null,
    kind: pick(LANE_KINDS),
    visibility: 'public' as const,
  }));
  const cards: MapCard[] = Array.from({ length: 1 + Math.floor(random() * 40) }, (_, i) => ({
    key: `card-${i}`,
    stage: pick(stages).key,
    lane: pick(lanes).key,
    text: chance(0.2) ? `${pick(TRIGGERS)}${text()}` : text(),
    customerText: optionalText(),
    visibility: chance(0.3) ? 'internal' : 'public',
    emotion: chance(0.5) ? pick([-2, -1, 0, 1, 2]) : null,
    owner: optionalText(),
    notes: optionalText(),
  }));
  const rank = (card: MapCard) => Number(card.stage.slice(1)) * 100 + Number(card.lane.slice(1));
  cards.sort((a, b) => rank(a) - rank(b));
  return { title: 'Generated', customerTitle: null, description: null, segment: null, persona: null, lifecycle: null, internalNotes: null, stages, lanes, cards };
}

function generateRows(stageCount: number, laneCount: number, cardCount: number): string[] {
  return Array.from({ length: Math.max(stageCount, laneCount, cardCount) }, (_, i) =>
    [`Stage ${i % stageCount}`, `Lane ${i % laneCount}`, 'actions', `Card ${i}`, '', '', '', '', ''].join(','),
  );
}

describe('parseMapCsv', () => {
  it('reads cards, stages and lanes in order of first appearance, with defaults', () => {
    const map = parseOk(
      [
        CSV_HEADER,
        'Kickoff,Customer actions,actions,Joins the call,,,,,',
        'Kickoff,How it feels,emotions,Optimistic,,,2,,',
        'Technical setup,Customer actions,,Configures SSO,Sets up sign-in,internal,,Head of Support,Raised in QBR',
        'Technical setup,How it feels,emotions,Frustrated,,,-2,,',
      ].join('\n'),
    );
    expect(map).toEqual({
      title: 'Imported',
      customerTitle: null,
      description: null,
      segment: null,
      persona: null,
      lifecycle: null,
      internalNotes: null,
      stages: [
        { key: 'kickoff', name: 'Kickoff', customerName: null, description: null, visibility: 'public', momentOfTruth: false },
        { key: 'technical-setup', name: 'Technical setup', customerName: null, description: null, visibility: 'public', momentOfTruth: false },
      ],
      lanes: [
        { key: 'customer-actions', name: 'Customer actions', customerName: null, kind: 'actions', visibility: 'public' },
        { key: 'how-it-feels', name: 'How it feels', customerName: null, kind: 'emotions', visibility: 'public' },
      ],
      cards: [
        { key: 'c1', stage: 'kickoff', lane: 'customer-actions', text: 'Joins the call', customerText: null, visibility: 'public', emotion: null, owner: null, notes: null },
        { key: 'c2', stage: 'kickoff', lane: 'how-it-feels', text: 'Optimistic', customerText: null, visibility: 'public', emotion: 2, owner: null, notes: null },
        {
          key: 'c3',
          stage: 'technical-setup',
          lane: 'customer-actions',
          text: 'Configures SSO',
          customerText: 'Sets up sign-in',
          visibility: 'internal',
          emotion: null,
          owner: 'Head of Support',
          notes: 'Raised in QBR',
        },
        { key: 'c4', stage: 'technical-setup', lane: 'how-it-feels', text: 'Frustrated', customerText: null, visibility: 'public', emotion: -2, owner: null, notes: null },
      ],
    });
  });

  it('puts cards in display order by stage, then lane, keeping row order within a cell', () => {
    const map = parseOk(
      [CSV_HEADER, 'A,X,actions,1,,,,,', 'B,X,,3,,,,,', 'A,Y,notes,2a,,,,,', 'A,Y,,2b,,,,,'].join('\r\n'),
    );
    expect(map.cards.map((card) => card.text)).toEqual(['1', '2a', '2b', '3']);
  });

  it('tolerates a BOM, CRLF or LF line endings, a trailing newline or none, and blank rows', () => {
    const rows = ['Kickoff,Actions,actions,"Joins, then asks",,,,,', 'Kickoff,Actions,,Leaves,,,,,'];
    const expected = parseOk([CSV_HEADER, ...rows].join('\n'));
    expect(parseOk(`\uFEFF${[CSV_HEADER, ...rows].join('\r\n')}\r\n`)).toEqual(expected);
    expect(parseOk(`${[CSV_HEADER, ...rows].join('\r')}\r`)).toEqual(expected);
    expect(parseOk(`\r\n${CSV_HEADER}\r\n\r\n${rows[0]}\r\n,,,,,,,,\r\n${rows[1]}\r\n\r\n`)).toEqual(expected);
  });

  it('reads RFC 4180 quoting: commas, doubled quotes and line breaks inside quoted fields', () => {
    const map = parseOk(
      [CSV_HEADER, '"Kick, off","La""ne",actions,"line one\r\nline two\nthree\rfour","He said ""hi""",,,"",""'].join('\r\n'),
    );
    expect(map.stages[0]!.name).toBe('Kick, off');
    expect(map.lanes[0]!.name).toBe('La"ne');
    expect(map.cards[0]!.text).toBe('line one\r\nline two\nthree\rfour');
    expect(map.cards[0]!.customerText).toBe('He said "hi"');
    expect(map.cards[0]!.owner).toBeNull();
  });

  it('numbers problems by the physical line where the row starts', () => {
    const text = [
      CSV_HEADER,
      'Kickoff,Actions,actions,"three',
      'physical',
      'lines",,,,,',
      'Kickoff,Actions,,fine,,,,,',
      'Kickoff,Actions,,bad emotion,,,9,,',
    ].join('\r\n');
    expect(problemsOf(parseMapCsv(text, TITLE))).toEqual(['line 6: emotion must be -2..2']);
  });

  it('requires the exact header, in that order', () => {
    expect(problemsOf(parseMapCsv('', TITLE))).toEqual([`line 1: the file is empty; expected the header ${CSV_HEADER}`]);
    expect(problemsOf(parseMapCsv('Kickoff,Actions,actions,Joins,,,,,', TITLE))).toEqual([`line 1: the header must be exactly ${CSV_HEADER}`]);
    expect(problemsOf(parseMapCsv('lane,stage,lane_kind,text,customer_text,visibility,emotion,owner,notes\n', TITLE))).toEqual([
      `line 1: the header must be exactly ${CSV_HEADER}`,
    ]);
    expect(problemsOf(parseMapCsv(`${CSV_HEADER},extra\n`, TITLE))).toEqual([`line 1: the header must be exactly ${CSV_HEADER}`]);
    expect(problemsOf(parseMapCsv(`${CSV_HEADER}\n`, TITLE))).toEqual(['line 1: the file has a header but no cards']);
  });

  it('reports broken quoting', () => {
    expect(problemsFor(['Kickoff,Actions,actions,"never closed,,,,,', 'Kickoff,Actions,,x,,,,,'])).toEqual([
      'line 2: a quoted field is not closed',
    ]);
    expect(problemsFor(['Kickoff,Actions,actions,"quoted"tail,,,,,'])).toEqual([
      'line 2: unexpected text after a closing quote (double a quote inside a quoted field)',
    ]);
    expect(problemsFor(['Kickoff,Actions,actions,say "hi",,,,,'])).toEqual([
      'line 2: a quote inside an unquoted field (quote the field and double the quote)',
    ]);
  });

  it('reports rows with the wrong number of fields', () => {
    expect(problemsFor(['Kickoff,Actions,actions,Joins', 'Kickoff,Actions,actions,Joins,,,,,,'])).toEqual([
      'line 2: expected 9 fields, found 4',
      'line 3: expected 9 fields, found 10',
    ]);
  });

  it('reports missing and overlong cells', () => {
    expect(
      problemsFor([
        ',Actions,actions,x,,,,,',
        'Kickoff,,actions,x,,,,,',
        'Kickoff,Actions,actions,,,,,,',
        `${'s'.repeat(121)},Actions,,x,,,,,`,
        `Kickoff,${'l'.repeat(121)},actions,x,,,,,`,
        `Kickoff,Actions,,${'t'.repeat(2001)},${'c'.repeat(2001)},,,${'o'.repeat(201)},${'n'.repeat(5001)}`,
      ]),
    ).toEqual([
      'line 2: stage is required',
      'line 3: lane is required',
      'line 4: text is required',
      'line 5: stage name must be at most 120 characters',
      'line 6: lane name must be at most 120 characters',
      'line 7: text must be at most 2000 characters',
      'line 7: customer_text must be at most 2000 characters',
      'line 7: owner must be at most 200 characters',
      'line 7: notes must be at most 5000 characters',
    ]);
  });

  it('counts length in characters, so 2000 emoji fit in a card', () => {
    expect(parseOk([CSV_HEADER, `Kickoff,Actions,actions,${'😀'.repeat(2000)},,,,,`].join('\n')).cards[0]!.text).toHaveLength(4000);
  });

  it('takes the lane kind from the first row of a lane; later rows agree or leave it empty', () => {
    const map = parseOk([CSV_HEADER, 'A,Feelings,Emotions,x,,,,,', 'A,Feelings,,y,,,,,', 'B,Feelings, emotions ,z,,,,,'].join('\n'));
    expect(map.lanes).toEqual([{ key: 'feelings', name: 'Feelings', customerName: null, kind: 'emotions', visibility: 'public' }]);
    expect(problemsFor(['A,Feelings,,x,,,,,', 'A,Feelings,emotions,y,,,,,', 'A,Pain,pain_points,z,,,,,', 'B,Pain,thoughts,w,,,,,', 'B,Pain,pain,v,,,,,'])).toEqual([
      'line 2: lane_kind is required on the first row of lane "Feelings"',
      'line 5: lane_kind "thoughts" disagrees with "pain_points" given for lane "Pain" on line 4',
      `line 6: lane_kind must be one of ${LANE_KINDS.join(', ')}`,
    ]);
  });

  it('reads visibility and emotion, empty meaning public and not set', () => {
    const map = parseOk(
      [CSV_HEADER, 'A,L,emotions,a,,,,,', 'A,L,,b,,Internal,-1,,', "A,L,,c,,public,'-2,,", 'A,L,,d,,, +2 ,,', 'A,L,,e,,,-0,,'].join('\n'),
    );
    expect(map.cards.map((card) => [card.visibility, card.emotion])).toEqual([
      ['public', null],
      ['internal', -1],
      ['public', -2],
      ['public', 2],
      ['public', 0],
    ]);
    expect(Object.is(map.cards[4]!.emotion, 0)).toBe(true);
    expect(problemsFor(['A,L,emotions,a,,private,,,', 'A,L,,b,,,3,,', 'A,L,,c,,,1.5,,', 'A,L,,d,,,happy,,', 'A,L,,e,,,-3,,'])).toEqual([
      'line 2: visibility must be public or internal',
      'line 3: emotion must be -2..2',
      'line 4: emotion must be -2..2',
      'line 5: emotion must be -2..2',
      'line 6: emotion must be -2..2',
    ]);
  });

  it('reports an empty or overlong title', () => {
    const csv = [CSV_HEADER, 'A,L,actions,x,,,,,'].join('\n');
    expect(problemsOf(parseMapCsv(csv, { title: '' }))).toEqual(['title: must not be empty']);
    expect(problemsOf(parseMapCsv(csv, { title: 't'.repeat(201) }))).toEqual(['title: must be at most 200 characters']);
  });

  it('lists every problem of a file with several', () => {
    expect(problemsFor(['A,L,,x,,,,,', 'A,L,actions,,,secret,,,', 'A,L,actions,y,,,5,,', 'only,three,cells'])).toEqual([
      'line 2: lane_kind is required on the first row of lane "L"',
      'line 3: text is required',
      'line 3: visibility must be public or internal',
      'line 4: emotion must be -2..2',
      'line 5: expected 9 fields, found 3',
    ]);
  });
});

describe('deriveKeys', () => {
  it('slugs names and keeps keys unique and valid', () => {
    expect(deriveKeys(['Technical setup', 'technical setup', 'Technical-Setup', 'Café crème', '  --Edge__case--  '], 'stage')).toEqual([
      'technical-setup',
      'technical-setup-2',
      'technical-setup-3',
      'cafe-creme',
      'edge-case',
    ]);
  });

  it('falls back to the position for names without Latin letters, such as Arabic, Hebrew or numbers', () => {
    expect(deriveKeys(['مرحلة', 'Stage 1', 'שלב', '2024', '😀', 'Kickoff'], 'stage')).toEqual([
      'stage-1',
      'stage-1-2',
      'stage-3',
      'stage-4',
      'stage-5',
      'kickoff',
    ]);
  });

  it('keeps long names within 64 characters, suffix included', () => {
    const keys = deriveKeys(['a'.repeat(100), 'a'.repeat(90), `${'b'.repeat(63)} x`], 'lane');
    expect(keys).toEqual(['a'.repeat(64), `${'a'.repeat(62)}-2`, 'b'.repeat(63)]);
    for (const key of keys) expect(key).toMatch(MAP_LIMITS.keyPattern);
  });
});

describe('formula neutralisation', () => {
  it('prefixes cells a spreadsheet would run, and apostrophes before them, with one apostrophe', () => {
    const cases: [string, string][] = [
      ['=SUM(A1)', "'=SUM(A1)"],
      ['+1', "'+1"],
      ['-2', "'-2"],
      ['@cmd', "'@cmd"],
      ['\tx', "'\tx"],
      ['\rx', "'\rx"],
      ["'=x", "''=x"],
      ["''-x", "'''-x"],
      ["'plain", "'plain"],
      ["'", "'"],
      ['plain', 'plain'],
      ['a=b', 'a=b'],
      ['', ''],
    ];
    for (const [cell, exported] of cases) {
      expect(neutraliseFormula(cell)).toBe(exported);
      expect(restoreFormula(exported)).toBe(cell);
    }
  });

  it('reads a hand-written apostrophe-escaped formula as the formula text', () => {
    expect(parseOk([CSV_HEADER, "'=Stage,'@lane,actions,'=1+1,,,,,"].join('\n'))).toMatchObject({
      stages: [{ name: '=Stage' }],
      lanes: [{ name: '@lane' }],
      cards: [{ text: '=1+1' }],
    });
  });

  it('never writes a cell that starts with a trigger, for the fixture and for generated maps', () => {
    for (const map of [fixture, ...Array.from({ length: 100 }, (_, i) => generateMap(i + 1))]) {
      const { records, problems } = splitCsvRecords(serializeMapCsv(map));
      expect(problems).toEqual([]);
      for (const cell of records.flatMap((record) => record.cells)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    }
  });
});

describe('serializeMapCsv', () => {
  it('writes the header, then one card per row in map order, with CRLF line endings', () => {
    const csv = serializeMapCsv(fixture);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(CSV_HEADER);
    expect(lines[1]).toBe('Contract signed,Customer actions,actions,Signs the order form and forwards the welcome email to IT,,public,,,');
    expect(lines[4]).toBe('Contract signed,How it feels,emotions,"Relieved, slightly uncertain",,public,1,,');
    expect(lines).toHaveLength(fixture.cards.length + 2);
    expect(lines.at(-1)).toBe('');
    expect(csv.replaceAll('\r\n', '')).not.toMatch(/\r|\n/);
  });

  it('quotes cells with commas, quotes and line breaks, and doubles quotes', () => {
    const map = parseOk([CSV_HEADER, 'A,L,actions,x,,,,,'].join('\n'));
    map.cards[0]!.text = 'He said "hi",\nthen left';
    map.cards[0]!.emotion = -1;
    expect(serializeMapCsv(map).split('\r\n')[1]).toBe(`A,L,actions,"He said ""hi"",\nthen left",,public,'-1,,`);
  });

  it('round-trips the fixture: card content, stage and lane names and order', () => {
    const imported = parseOk(serializeMapCsv(fixture));
    expectCsvRoundTrip(fixture, imported);
    expect(imported.stages.map((stage) => stage.key)).toEqual([
      'contract-signed',
      'kickoff',
      'technical-setup',
      'team-rollout',
      'first-value',
      'first-qbr',
      'renewal-risk-review',
    ]);
    expect(serializeMapCsv(imported)).toBe(serializeMapCsv(fixture));
  });

  it('round-trips generated maps full of quotes, line breaks, emoji, RTL text and formula-like text', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const map = generateMap(seed);
      const csv = serializeMapCsv(map);
      const result = parseMapCsv(csv, { title: map.title });
      if (!result.ok) throw new Error(`seed ${seed}: ${result.problems.join('\n')}`);
      expectCsvRoundTrip(map, result.map);
      // A second round trip changes nothing at all, keys included.
      expect(parseMapCsv(serializeMapCsv(result.map), { title: map.title }), `seed ${seed}`).toEqual(result);
    }
  });

  it('loses what a CSV cannot say: empty stages and lanes, customer names, visibility, map fields', () => {
    const imported = parseOk(serializeMapCsv(fixture));
    expect(imported.stages.every((stage) => stage.visibility === 'public' && stage.customerName === null && !stage.momentOfTruth)).toBe(true);
    expect(imported.customerTitle).toBeNull();
    expect(imported.title).toBe('Imported');
  });

  it('keeps lane order only as far as first appearance can express it', () => {
    const base = parseOk([CSV_HEADER, 'S1,A,actions,a,,,,,', 'S2,B,thoughts,b,,,,,'].join('\n'));
    const [laneA, laneB] = base.lanes as [JourneyMapContent['lanes'][number], JourneyMapContent['lanes'][number]];
    // Lanes A, B but cards (S1, B), (S2, A): no row order can put A's first row before B's.
    const map = { ...base, cards: [{ ...base.cards[0]!, lane: laneB.key }, { ...base.cards[1]!, lane: laneA.key }] };
    expect(parseOk(serializeMapCsv(map)).lanes.map((lane) => lane.name)).toEqual(['B', 'A']);
  });
});

describe('parseMapCsv limits', () => {
  it('accepts 60 stages, 30 lanes and 5000 cards', () => {
    const map = parseOk([CSV_HEADER, ...generateRows(MAP_LIMITS.stages, MAP_LIMITS.lanes, MAP_LIMITS.cards)].join('\r\n'));
    expect([map.stages.length, map.lanes.length, map.cards.length]).toEqual([60, 30, 5000]);
  });

  it('rejects one stage, lane or card over the limit, naming the line', () => {
    expect(problemsFor(generateRows(61, 1, 61))).toEqual(['line 62: a map can have at most 60 stages; "Stage 60" is stage 61']);
    expect(problemsFor(generateRows(1, 31, 31))).toEqual(['line 32: a map can have at most 30 lanes; "Lane 30" is lane 31']);
    expect(problemsFor(generateRows(1, 1, 5001))).toEqual(['line 5002: a map can have at most 5000 cards; this is card 5001']);
  });

  it('rejects a file over 5 MB, measured in UTF-8 bytes, before reading it', () => {
    const head = `${CSV_HEADER}\r\nA,L,actions,x,,,,,\r\n`;
    const blankLines = '\n'.repeat(MAP_LIMITS.fileBytes - head.length);
    expect(parseMapCsv(head + blankLines, TITLE).ok).toBe(true);
    expect(problemsOf(parseMapCsv(`${head}${blankLines}\n`, TITLE))).toEqual([FILE_TOO_LARGE_PROBLEM]);
    expect(problemsOf(parseMapCsv(`${head}"${'ש'.repeat(2_700_000)}`, TITLE))).toEqual([FILE_TOO_LARGE_PROBLEM]);
  });
});

import { describe, expect, it } from 'vitest';
import { SNAPSHOT_FORMAT, type PublishedSnapshot } from '../../src/server/portal/snapshot.ts';
import {
  describeLeakWarning,
  findLeakWarnings,
  type LeakRule,
  type LeakTerm,
} from '../../src/server/publishing/leak-check.ts';

/** A one-stage, one-lane snapshot whose only card says `text`. */
function snapshotWithCard(text: string): PublishedSnapshot {
  return {
    format: SNAPSHOT_FORMAT,
    title: 'Onboarding',
    stages: [{ key: 'kickoff', name: 'Kickoff', momentOfTruth: false }],
    lanes: [{ key: 'thoughts', name: 'Thoughts', kind: 'thoughts' }],
    cards: [{ key: 'c1', stage: 'kickoff', lane: 'thoughts', text, emotion: null }],
  };
}

function matchesOf(text: string, rule: LeakRule, terms: LeakTerm[] = []): string[] {
  return findLeakWarnings(snapshotWithCard(text), terms)
    .filter((w) => w.rule === rule)
    .map((w) => w.match);
}

const configured = (term: string): LeakTerm => ({ term, kind: 'configured' });
const staff = (term: string): LeakTerm => ({ term, kind: 'staff_name' });

describe('findLeakWarnings: configured terms and staff names', () => {
  it('finds a configured term, whatever its case', () => {
    expect(matchesOf('We log it in salesforce first', 'term', [configured('Salesforce')])).toEqual(['salesforce']);
    expect(matchesOf('SALESFORCE sync', 'term', [configured('salesforce')])).toEqual(['SALESFORCE']);
  });

  it('matches word terms on whole words only', () => {
    const terms = [configured('Jira')];
    expect(matchesOf('Escalated via Jira.', 'term', terms)).toEqual(['Jira']);
    expect(matchesOf("Jira's queue", 'term', terms)).toEqual(['Jira']);
    expect(matchesOf('(jira)', 'term', terms)).toEqual(['jira']);
    expect(matchesOf('Ninjiraffe', 'term', terms)).toEqual([]);
    expect(matchesOf('Jiraffe', 'term', terms)).toEqual([]);
  });

  it('matches a plural of a word term', () => {
    expect(matchesOf('Two CSMs joined', 'term', [configured('CSM')])).toEqual(['CSMs']);
    expect(matchesOf('Boxes of files', 'term', [configured('box')])).toEqual(['Boxes']);
  });

  it('matches multi-word terms across spaces, hyphens and underscores', () => {
    const terms = [configured('Project Falcon')];
    expect(matchesOf('Part of project  falcon', 'term', terms)).toEqual(['project  falcon']);
    expect(matchesOf('project-falcon rollout', 'term', terms)).toEqual(['project-falcon']);
    expect(matchesOf('Project Falconry', 'term', terms)).toEqual([]);
  });

  it('matches terms with other characters as substrings, literally', () => {
    expect(matchesOf('Built on acme.io/api', 'term', [configured('acme.io')])).toEqual(['acme.io']);
    expect(matchesOf('acmexio', 'term', [configured('acme.io')])).toEqual([]);
    expect(matchesOf('Uses C++ internally', 'term', [configured('c++')])).toEqual(['C++']);
    expect(matchesOf('a (b) [c] {d} ^$ | \\ / *', 'term', [configured('(b) [c] {d} ^$ | \\ / *')])).toEqual([
      '(b) [c] {d} ^$ | \\ / *',
    ]);
  });

  it('ignores terms shorter than two characters and trims them', () => {
    expect(findLeakWarnings(snapshotWithCard('a b c'), [configured('a'), configured(' '), configured('')])).toEqual([]);
    expect(matchesOf('Ask the AE', 'term', [configured('  AE  ')])).toEqual(['AE']);
  });

  it('finds staff names as staff_name warnings', () => {
    const terms = [staff('Dana Whitfield')];
    expect(matchesOf('Call DANA WHITFIELD first', 'staff_name', terms)).toEqual(['DANA WHITFIELD']);
    expect(matchesOf('Call Dana first', 'staff_name', terms)).toEqual([]);
  });

  it('matches letters outside ASCII as word characters', () => {
    expect(matchesOf('Frag Jürgen Groß', 'staff_name', [staff('jürgen groß')])).toEqual(['Jürgen Groß']);
    expect(matchesOf('Frag Jürgenß', 'staff_name', [staff('jürgen')])).toEqual([]);
  });

  it('reports the same term once per place, and the same term in two kinds under both rules', () => {
    const warnings = findLeakWarnings(snapshotWithCard('CSM, then the CSM, then csm'), [
      configured('CSM'),
      configured('csm'),
      staff('CSM'),
    ]);
    expect(warnings.map((w) => [w.rule, w.match])).toEqual([
      ['term', 'CSM'],
      ['staff_name', 'CSM'],
    ]);
  });
});

describe('findLeakWarnings: e-mail addresses', () => {
  it('finds e-mail addresses', () => {
    expect(matchesOf('Write to dana.w+onboarding@northwind-analytics.com today', 'email')).toEqual([
      'dana.w+onboarding@northwind-analytics.com',
    ]);
    expect(matchesOf('(ops@acme.co.uk).', 'email')).toEqual(['ops@acme.co.uk']);
  });

  it('does not take handles or at-signs for e-mail addresses', () => {
    expect(matchesOf('Ping @dana in Slack', 'email')).toEqual([]);
    expect(matchesOf('Meet me @ 10', 'email')).toEqual([]);
    expect(matchesOf('user@localhost', 'email')).toEqual([]);
  });
});

describe('findLeakWarnings: money', () => {
  it.each([
    ['Deals over $1,200 get a kickoff', '$1,200'],
    ['Budget €5k', '€5k'],
    ['150k USD pipeline', '150k USD'],
    ['A £3.5m account', '£3.5m'],
    ['Enterprise (ARR > $150k)', '$150k'],
    ['Costs USD 2,000 a year', 'USD 2,000'],
    ['Around 5000 € per seat', '5000 €'],
    ['Worth $2 million', '$2 million'],
    ['Paid 10 dollars.', '10 dollars'],
    ['Price: $ 99.', '$ 99'],
    ['¥300', '¥300'],
  ])('finds money in %j', (text, match) => {
    expect(matchesOf(text, 'money')).toEqual([match]);
  });

  it.each([
    'Support is 24/7',
    'Released in v2.0',
    '2 FTE for 40 concurrent onboardings',
    'Median days to first connected source: 19',
    'Plan for FY27 and Q3',
    'Kickoff within 10 days: 62% of accounts',
    'Seat activation at day 60',
    '2k users signed up',
    'A $ sign alone',
    'Call at 3 pm',
    'FY27 EUR budget',
    'FY2027 USD numbers',
  ])('finds no money in %j', (text) => {
    expect(matchesOf(text, 'money')).toEqual([]);
  });

  it('does not swallow a magnitude-looking word', () => {
    expect(matchesOf('$5 more per seat', 'money')).toEqual(['$5']);
    expect(matchesOf('$5 B2B deals', 'money')).toEqual(['$5']);
  });
});

describe('findLeakWarnings: percentages', () => {
  it.each([
    ['30% of deals', '30%'],
    ['12.5 % churn', '12.5 %'],
    ['Only 7 percent', '7 percent'],
    ['About 20 per cent', '20 per cent'],
    ['100%', '100%'],
    ['1,000%', '1,000%'],
  ])('finds a percentage in %j', (text, match) => {
    expect(matchesOf(text, 'percentage')).toEqual([match]);
  });

  it.each(['Support is 24/7', 'Released in v2.0', 'A 5 star review', 'Percent of what?', '% done', '20 percentile'])(
    'finds no percentage in %j',
    (text) => {
      expect(matchesOf(text, 'percentage')).toEqual([]);
    },
  );
});

describe('findLeakWarnings: links', () => {
  it.each([
    ['See https://wiki.northwind.internal/onboarding?x=1.', 'https://wiki.northwind.internal/onboarding?x=1'],
    ['(http://jira.local/CS-12)', 'http://jira.local/CS-12'],
    ['Go to www.example.com, then', 'www.example.com'],
    ['HTTPS://EXAMPLE.COM', 'HTTPS://EXAMPLE.COM'],
  ])('finds a link in %j', (text, match) => {
    expect(matchesOf(text, 'url')).toEqual([match]);
  });

  it.each(['The www is big', 'http: no slashes', 'Visit our office', 'awww.yes', 'https:// '])('finds no link in %j', (text) => {
    expect(matchesOf(text, 'url')).toEqual([]);
  });
});

describe('findLeakWarnings: where, excerpt and order', () => {
  const snapshot: PublishedSnapshot = {
    format: SNAPSHOT_FORMAT,
    title: 'Northwind onboarding, 30% faster',
    stages: [
      { key: 'signed', name: 'Signed with Salesforce', momentOfTruth: false },
      { key: 'kickoff', name: 'Kickoff', momentOfTruth: true },
    ],
    lanes: [
      { key: 'touch', name: 'Touchpoints', kind: 'touchpoints' },
      { key: 'salesforce-sync', name: 'Sync', kind: 'actions' },
    ],
    cards: [
      { key: 'c1', stage: 'kickoff', lane: 'touch', text: 'Mail dana@northwind.com about $5k and 10%', emotion: null },
      { key: 'c2', stage: 'signed', lane: 'touch', text: 'Welcome call', emotion: null },
    ],
  };
  const terms = [configured('Salesforce')];

  it('scans the title, stage and lane names, card texts and keys, in snapshot order', () => {
    const warnings = findLeakWarnings(snapshot, terms);
    expect(warnings.map((w) => [w.where.kind, w.where.key, w.where.field, w.rule, w.match])).toEqual([
      ['title', null, 'text', 'percentage', '30%'],
      ['stage', 'signed', 'text', 'term', 'Salesforce'],
      ['lane', 'salesforce-sync', 'key', 'term', 'salesforce'],
      ['card', 'c1', 'text', 'email', 'dana@northwind.com'],
      ['card', 'c1', 'text', 'money', '$5k'],
      ['card', 'c1', 'text', 'percentage', '10%'],
    ]);
  });

  it('labels places for people', () => {
    const warnings = findLeakWarnings(snapshot, terms);
    expect(warnings.map((w) => w.where.label)).toEqual([
      'Title',
      'Signed with Salesforce',
      'Sync',
      'Kickoff / Touchpoints',
      'Kickoff / Touchpoints',
      'Kickoff / Touchpoints',
    ]);
  });

  it('is deterministic', () => {
    expect(findLeakWarnings(snapshot, terms)).toEqual(findLeakWarnings(snapshot, [...terms]));
  });

  it('gives a one-line excerpt around the match', () => {
    const text = `${'a'.repeat(100)}\n\ncontact   dana@northwind.com\tnow ${'b'.repeat(100)}`;
    const [warning] = findLeakWarnings(snapshotWithCard(text), []);
    expect(warning?.excerpt).toMatch(/^….*contact dana@northwind\.com now b+…$/u);
    expect(warning?.excerpt.length).toBeLessThan(120);
    const [short] = findLeakWarnings(snapshotWithCard('Mail dana@northwind.com'), []);
    expect(short?.excerpt).toBe('Mail dana@northwind.com');
  });

  it('describes warnings for the UI and the command line', () => {
    const lines = findLeakWarnings(snapshot, terms).map(describeLeakWarning);
    expect(lines[0]).toBe('Percentage "30%" in the title: "Northwind onboarding, 30% faster"');
    expect(lines[1]).toBe('Flagged term "Salesforce" in stage "Signed with Salesforce": "Signed with Salesforce"');
    expect(lines[2]).toBe('Flagged term "salesforce" in the key of lane "Sync": "salesforce-sync"');
    expect(lines[3]).toBe(
      'E-mail address "dana@northwind.com" in card "Kickoff / Touchpoints": "Mail dana@northwind.com about $5k and 10%"',
    );
    const [staffWarning] = findLeakWarnings(snapshotWithCard('Ask Dana'), [staff('Dana')]);
    expect(staffWarning && describeLeakWarning(staffWarning)).toBe('Staff name "Dana" in card "Kickoff / Thoughts": "Ask Dana"');
  });

  it('finds nothing in innocent wording', () => {
    expect(
      findLeakWarnings(snapshotWithCard('Is this plan realistic for my team, 24/7, with v2.0?'), [configured('Jira')]),
    ).toEqual([]);
  });
});

describe('findLeakWarnings: linear time', () => {
  const n = 100_000;
  it.each([
    ['letters', 'a'.repeat(n)],
    ['digits', '1'.repeat(n)],
    ['digits and commas', '1,'.repeat(n / 2)],
    ['digits and dots then a letter', `${'1.'.repeat(n / 2)}x`],
    ['dollar digits', '$1'.repeat(n / 2)],
    ['digits then a k', `${'9'.repeat(n)}k`],
    ['at-signs', 'a@'.repeat(n / 2)],
    ['an address without a dot', `a@${'b'.repeat(n)}`],
    ['dotted local parts', `${'a.'.repeat(n / 2)}@`],
    ['a long domain without a dot', `${'a'.repeat(n / 2)}@${'b-'.repeat(n / 4)}`],
    ['schemes', 'http://'.repeat(n / 7)],
    ['www', 'www.'.repeat(n / 4)],
    ['spaces', ' '.repeat(n)],
    ['almost a term', 'project '.repeat(n / 8)],
    ['almost a percentage', `${'1 '.repeat(n / 2)}per`],
  ])('returns on 100,000 characters of %s', (_name, text) => {
    const warnings = findLeakWarnings(snapshotWithCard(text), [
      configured('Project Falcon'),
      configured('a.b'),
      staff('Dana Whitfield'),
    ]);
    expect(Array.isArray(warnings)).toBe(true);
  });
});

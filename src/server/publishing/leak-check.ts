/**
 * Leak check: warnings about published wording that looks internal (product.md, Redaction rule 6).
 * It runs on the snapshot, i.e. on exactly what a customer would receive, after redaction.
 *
 * It scans every string of a snapshot: the title, stage, lane and card wording, and also the
 * stage, lane and card keys, because keys are published too (they anchor annotations) and staff
 * can choose them. It looks for configured terms (internal system names, competitors...), staff
 * names, e-mail addresses, money amounts, percentages and links. It is a heuristic that helps an
 * editor; redaction itself does not depend on it.
 *
 * Terms come from staff, so they never become regex syntax: each is escaped and matched as a
 * literal. A term made of words ("Salesforce", "VP Sales") matches whole words only, words
 * separated by any run of spaces, hyphens or underscores, with an optional plural "s"/"es"
 * ("CSMs" for "CSM"). A term holding any other character ("C++", "acme.io") matches as a
 * substring. Case never matters. Terms shorter than 2 characters are ignored.
 *
 * Every pattern runs in linear time, since a snapshot may hold 5,000 cards of 2,000 characters
 * and a slow regex here would block publishing: a pattern that scans a run of characters starts
 * only at the start of such a run (a lookbehind), and the parts that repeat never overlap, so a
 * failed attempt costs at most one pass over its run.
 *
 * Pure: no I/O. The order of warnings is deterministic: by place in the snapshot (title, stages,
 * lanes, cards, each in order; wording before key), then by position in the string, then by rule.
 */
import type { PublishedSnapshot } from '../portal/snapshot.ts';

export interface LeakTerm {
  term: string;
  kind: 'configured' | 'staff_name';
}

export type LeakRule = 'term' | 'staff_name' | 'email' | 'money' | 'percentage' | 'url';

export interface LeakLocation {
  kind: 'title' | 'stage' | 'lane' | 'card';
  /** null for the title. */
  key: string | null;
  /** Human-readable place: "Title", the stage or lane name, or "Stage / Lane" for a card. */
  label: string;
  /** Whether the match is in the published wording or in the item's key. */
  field: 'text' | 'key';
}

export interface LeakWarning {
  rule: LeakRule;
  match: string;
  where: LeakLocation;
  /** The match with some text around it, on one line. */
  excerpt: string;
}

const RULE_ORDER: readonly LeakRule[] = ['term', 'staff_name', 'email', 'money', 'percentage', 'url'];

/** Word characters for whole-word matching: letters and digits in any script. */
const WORD_CHAR = String.raw`[\p{L}\p{N}]`;
const NOT_AFTER_WORD = String.raw`(?<!${WORD_CHAR})`;
const NOT_BEFORE_WORD = String.raw`(?!${WORD_CHAR})`;

const EMAIL = new RegExp(
  String.raw`(?<![\p{L}\p{N}._%+\-])[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+`,
  'gu',
);

const NUMBER = String.raw`\d(?:[\d.,]*\d)?`;
/** A number starts where no digit, separator (or, after letters, "FY27") comes just before. */
const NUMBER_START = String.raw`(?<![\d.,])`;
const MAGNITUDE = String.raw`(?:\s?(?:million|billion|thousand|bn|BN|mn|k|K|m|M|b|B)${NOT_BEFORE_WORD})`;
const CURRENCY_SYMBOL = '[$€£¥]';
const CURRENCY_CODE = '(?:USD|EUR|GBP|CHF|JPY|CAD|AUD)';
const MONEY = new RegExp(
  [
    // $1,200  €5k  £3.5m  $ 2 million
    String.raw`${CURRENCY_SYMBOL}\s?${NUMBER}${MAGNITUDE}?`,
    // USD 1,200  EUR5k
    String.raw`${NOT_AFTER_WORD}${CURRENCY_CODE}\s?${NUMBER}${MAGNITUDE}?`,
    // 150k USD  5 000 €  10 dollars
    String.raw`(?<![\d.,\p{L}])${NUMBER}${MAGNITUDE}?\s?(?:${CURRENCY_SYMBOL}|(?:${CURRENCY_CODE}|[Dd]ollars?|[Ee]uros?)${NOT_BEFORE_WORD})`,
  ].join('|'),
  'gu',
);

const PERCENTAGE = new RegExp(
  String.raw`${NUMBER_START}${NUMBER}\s?(?:[%％]|[Pp]er ?cent${NOT_BEFORE_WORD})`,
  'gu',
);

/** Trailing punctuation is stripped afterwards, in code, to keep this pattern free of backtracking. */
const URL = new RegExp(String.raw`${NOT_AFTER_WORD}(?:https?:\/\/|www\.)[^\s<>"'\x60{}|\\^\[\]]+`, 'giu');
const URL_TRAILING_PUNCTUATION = new Set(['.', ',', ';', ':', '!', '?', ')', "'", '"']);

const EXCERPT_CONTEXT = 40;

interface ScannedString {
  text: string;
  where: LeakLocation;
}

interface Matcher {
  rule: LeakRule;
  pattern: RegExp;
  /** A cheap test that must pass for the pattern to have any chance: skips most strings. */
  mayMatch?: (text: string) => boolean;
}

const MAY_BE_MONEY = /[$€£¥]|USD|EUR|GBP|CHF|JPY|CAD|AUD|[Dd]ollar|[Ee]uro/;
const MAY_BE_PERCENTAGE = /[%％]|[Pp]er ?cent/;
const MAY_BE_URL = /https?:\/\/|www\./i;

interface Found {
  order: number;
  index: number;
  warning: LeakWarning;
}

export function findLeakWarnings(snapshot: PublishedSnapshot, terms: readonly LeakTerm[]): LeakWarning[] {
  const matchers: Matcher[] = [
    ...buildTermMatchers(terms),
    { rule: 'email', pattern: EMAIL, mayMatch: (text) => text.includes('@') },
    { rule: 'money', pattern: MONEY, mayMatch: (text) => MAY_BE_MONEY.test(text) },
    { rule: 'percentage', pattern: PERCENTAGE, mayMatch: (text) => MAY_BE_PERCENTAGE.test(text) },
    { rule: 'url', pattern: URL, mayMatch: (text) => MAY_BE_URL.test(text) },
  ];

  const found: Found[] = [];
  listPublishedStrings(snapshot).forEach((scanned, order) => {
    const seen = new Set<string>();
    for (const { rule, pattern, mayMatch } of matchers) {
      if (mayMatch && !mayMatch(scanned.text)) continue;
      for (const { index, match } of findMatches(pattern, scanned.text, rule === 'url')) {
        // One warning per rule and wording per place: the editor acknowledges a finding, not each repeat.
        const id = `${rule}\u0000${match.toLowerCase()}`;
        if (seen.has(id)) continue;
        seen.add(id);
        found.push({
          order,
          index,
          warning: { rule, match, where: { ...scanned.where }, excerpt: excerptAround(scanned.text, index, match.length) },
        });
      }
    }
  });

  return found
    .sort(
      (a, b) =>
        a.order - b.order ||
        a.index - b.index ||
        RULE_ORDER.indexOf(a.warning.rule) - RULE_ORDER.indexOf(b.warning.rule) ||
        compareStrings(a.warning.match, b.warning.match),
    )
    .map(({ warning }) => warning);
}

/** One line for the UI or the CLI, e.g. `Staff name "Dana Smith" in card "Kickoff / Touchpoints": "…"`. */
export function describeLeakWarning(warning: LeakWarning): string {
  const { where } = warning;
  const place =
    where.kind === 'title'
      ? 'the title'
      : `${where.field === 'key' ? `the key of ${where.kind}` : where.kind} "${where.label}"`;
  return `${describeRule(warning.rule)} "${warning.match}" in ${place}: "${warning.excerpt}"`;
}

function describeRule(rule: LeakRule): string {
  switch (rule) {
    case 'term':
      return 'Flagged term';
    case 'staff_name':
      return 'Staff name';
    case 'email':
      return 'E-mail address';
    case 'money':
      return 'Money amount';
    case 'percentage':
      return 'Percentage';
    case 'url':
      return 'Link';
  }
}

function listPublishedStrings(snapshot: PublishedSnapshot): ScannedString[] {
  const stageNames = new Map(snapshot.stages.map((stage) => [stage.key, stage.name]));
  const laneNames = new Map(snapshot.lanes.map((lane) => [lane.key, lane.name]));
  const strings: ScannedString[] = [
    { text: snapshot.title, where: { kind: 'title', key: null, label: 'Title', field: 'text' } },
  ];
  const add = (kind: LeakLocation['kind'], key: string, text: string, label: string) => {
    strings.push({ text, where: { kind, key, label, field: 'text' } });
    strings.push({ text: key, where: { kind, key, label, field: 'key' } });
  };
  for (const stage of snapshot.stages) add('stage', stage.key, stage.name, stage.name);
  for (const lane of snapshot.lanes) add('lane', lane.key, lane.name, lane.name);
  for (const card of snapshot.cards) {
    const label = `${stageNames.get(card.stage) ?? card.stage} / ${laneNames.get(card.lane) ?? card.lane}`;
    add('card', card.key, card.text, label);
  }
  return strings;
}

function buildTermMatchers(terms: readonly LeakTerm[]): Matcher[] {
  const matchers: Matcher[] = [];
  const seen = new Set<string>();
  for (const { term, kind } of terms) {
    const trimmed = term.trim();
    if ([...trimmed].length < 2) continue;
    const rule: LeakRule = kind === 'staff_name' ? 'staff_name' : 'term';
    const id = `${rule}\u0000${trimmed.toLowerCase()}`;
    if (seen.has(id)) continue;
    seen.add(id);
    matchers.push({ rule, pattern: buildTermPattern(trimmed) });
  }
  return matchers;
}

const WORDS_TERM = /^[\p{L}\p{N}]+(?:[\s_-]+[\p{L}\p{N}]+)*$/u;

function buildTermPattern(term: string): RegExp {
  if (!WORDS_TERM.test(term)) return new RegExp(escapeRegExp(term), 'giu');
  const words = term.split(/[\s_-]+/u).map(escapeRegExp);
  return new RegExp(`${NOT_AFTER_WORD}${words.join(String.raw`[\s_\-]+`)}(?:e?s)?${NOT_BEFORE_WORD}`, 'giu');
}

function escapeRegExp(literal: string): string {
  return literal.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

function* findMatches(
  pattern: RegExp,
  text: string,
  trimTrailingPunctuation: boolean,
): Generator<{ index: number; match: string }> {
  // A fresh copy: shared module-level patterns keep no lastIndex state between calls.
  const regex = new RegExp(pattern.source, pattern.flags);
  for (let result = regex.exec(text); result !== null; result = regex.exec(text)) {
    let match = result[0];
    if (trimTrailingPunctuation) {
      let end = match.length;
      while (end > 0 && URL_TRAILING_PUNCTUATION.has(match.charAt(end - 1))) end -= 1;
      match = match.slice(0, end);
    }
    if (match !== '') yield { index: result.index, match };
  }
}

function excerptAround(text: string, index: number, length: number): string {
  let start = Math.max(0, index - EXCERPT_CONTEXT);
  let end = Math.min(text.length, index + length + EXCERPT_CONTEXT);
  // Never cut a surrogate pair in half.
  if (start > 0 && isLowSurrogate(text.charCodeAt(start))) start -= 1;
  if (end < text.length && isLowSurrogate(text.charCodeAt(end))) end += 1;
  const body = text.slice(start, end).replace(/\s+/gu, ' ').trim();
  return `${start > 0 ? '…' : ''}${body}${end < text.length ? '…' : ''}`;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

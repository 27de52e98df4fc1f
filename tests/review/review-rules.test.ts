import { describe, expect, it } from 'vitest';
import {
  checkTransition,
  computePriority,
  DISPOSITION_TRANSITIONS,
  DISPOSITIONS,
  MODERATION_STATES,
  MODERATION_TRANSITIONS,
  normalizeTag,
  accountKey,
} from '../../src/server/review/review.ts';

// Every pair on each axis, written out so that a change of the rules shows up here.
const MODERATION_ALLOWED = new Set(['pending→approved', 'pending→rejected', 'pending→spam', 'approved→rejected', 'approved→spam', 'rejected→approved', 'rejected→spam', 'spam→approved', 'spam→rejected']);
const DISPOSITION_ALLOWED = new Set([
  'new→accepted',
  'new→declined',
  'new→duplicate',
  'new→needs_follow_up',
  'accepted→applied',
  'accepted→declined',
  'accepted→needs_follow_up',
  'needs_follow_up→accepted',
  'needs_follow_up→declined',
  'needs_follow_up→duplicate',
  'declined→new',
]);

describe('moderation transitions', () => {
  const pairs = MODERATION_STATES.flatMap((from) => MODERATION_STATES.map((to) => [from, to] as const));
  it.each(pairs)('%s → %s', (from, to) => {
    const isAllowed = MODERATION_ALLOWED.has(`${from}→${to}`);
    expect(checkTransition('moderation', from, to).ok).toBe(isAllowed);
    expect(MODERATION_TRANSITIONS[from].includes(to)).toBe(isAllowed);
  });
  it('never goes back to pending, and says why', () => {
    expect(checkTransition('moderation', 'approved', 'pending')).toEqual({ ok: false, message: 'Approved cannot become pending.' });
    expect(checkTransition('moderation', 'spam', 'spam')).toEqual({ ok: false, message: 'It is already spam.' });
    expect(checkTransition('moderation', 'pending', 'deleted')).toMatchObject({ ok: false });
  });
});

describe('disposition transitions', () => {
  const pairs = DISPOSITIONS.flatMap((from) => DISPOSITIONS.map((to) => [from, to] as const));
  it.each(pairs)('%s → %s', (from, to) => {
    const isAllowed = DISPOSITION_ALLOWED.has(`${from}→${to}`);
    // Give what each move needs, so that only the table decides.
    expect(checkTransition('disposition', from, to, { reason: 'because', duplicateOf: 'x' }).ok).toBe(isAllowed);
    expect(DISPOSITION_TRANSITIONS[from].includes(to)).toBe(isAllowed);
  });
  it('declining needs a reason; a duplicate needs its original', () => {
    expect(checkTransition('disposition', 'new', 'declined')).toEqual({ ok: false, message: 'Say why it is declined.' });
    expect(checkTransition('disposition', 'new', 'declined', { reason: '   ' })).toEqual({ ok: false, message: 'Say why it is declined.' });
    expect(checkTransition('disposition', 'new', 'declined', { reason: ' out of scope ' })).toEqual({ ok: true, reason: 'out of scope' });
    expect(checkTransition('disposition', 'new', 'duplicate')).toEqual({ ok: false, message: 'Choose the annotation it duplicates.' });
    expect(checkTransition('disposition', 'new', 'declined', { reason: 'x'.repeat(1001) })).toMatchObject({ ok: false });
  });
  it('names what is possible instead', () => {
    expect(checkTransition('disposition', 'new', 'applied')).toEqual({ ok: false, message: 'New cannot become applied. It can become accepted, declined, duplicate, needs follow-up.' });
    expect(checkTransition('disposition', 'applied', 'new')).toEqual({ ok: false, message: 'Applied cannot become new. Applied is final.' });
  });
});

describe('tags', () => {
  it.each([
    ['  Billing ', 'billing'],
    ['Needs  Design', 'needs design'],
    ['q3-2026', 'q3-2026'],
    ['', null],
    ['   ', null],
    ['a'.repeat(41), null],
    ['a'.repeat(40), 'a'.repeat(40)],
    ['<script>', null],
    ['ümlaut', null],
    ['tag,other', null],
  ])('%j → %j', (input, expected) => {
    expect(normalizeTag(input)).toBe(expected);
  });
});

describe('priority', () => {
  it('is (participants + accounts) × mean importance × business impact ÷ effort', () => {
    expect(computePriority({ participants: 4, accounts: 2, importances: [5, 3], businessImpact: 5, effort: 2 })).toEqual({
      participants: 4,
      accounts: 2,
      meanImportance: 4,
      importanceRatings: 2,
      customerImpact: 24,
      businessImpact: 5,
      effort: 2,
      isRated: true,
      score: 60,
    });
  });
  it('counts unrated importance, business impact and effort as 3', () => {
    expect(computePriority({ participants: 1, accounts: 1, importances: [], businessImpact: null, effort: null })).toMatchObject({ meanImportance: 3, importanceRatings: 0, customerImpact: 6, score: 6, isRated: false });
  });
  it('ranks more people, more accounts, more importance, more business impact and less effort higher', () => {
    const base = { participants: 2, accounts: 1, importances: [3], businessImpact: 3, effort: 3 };
    const score = (change: Partial<typeof base>) => computePriority({ ...base, ...change }).score;
    expect(score({ participants: 3 })).toBeGreaterThan(score({}));
    expect(score({ accounts: 2 })).toBeGreaterThan(score({}));
    expect(score({ importances: [5] })).toBeGreaterThan(score({}));
    expect(score({ businessImpact: 4 })).toBeGreaterThan(score({}));
    expect(score({ effort: 2 })).toBeGreaterThan(score({}));
  });
  it('counts an account once whatever its spelling, and a person without one on their own', () => {
    expect(accountKey(' Acme  Corp ', 'p1')).toBe(accountKey('acme corp', 'p2'));
    expect(accountKey(null, 'p1')).not.toBe(accountKey(null, 'p2'));
    expect(accountKey('', 'p1')).toBe(accountKey(null, 'p1'));
  });
});

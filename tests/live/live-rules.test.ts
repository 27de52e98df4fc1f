import { describe, expect, it } from 'vitest';
import {
  audienceOf,
  canFacilitate,
  canModerateLive,
  canMoveSession,
  describeFeedback,
  describeSessionState,
  diffViews,
  ENDED_MESSAGE,
  emptyView,
  foldEvents,
  formatSseEvent,
  parseLastEventId,
  sessionTag,
  startTimer,
  supersede,
  timerAcrossStateChange,
  timerRemainingMs,
  toLiveAnnotation,
  validateTimerMinutes,
  type LinkedAnnotationFacts,
  type LiveEvent,
} from '../../src/server/live/live.ts';
import type { PublishedSnapshot } from '../../src/server/portal/snapshot.ts';
import { normalizeTag } from '../../src/server/review/review.ts';

const snapshot: PublishedSnapshot = {
  format: 'groundtruth-snapshot/v1',
  title: 'Your journey',
  stages: [
    { key: 'sa', name: 'Start', momentOfTruth: false },
    { key: 'sb', name: 'End', momentOfTruth: false },
  ],
  lanes: [{ key: 'la', name: 'Actions', kind: 'actions' }],
  cards: [{ key: 'ca', stage: 'sb', lane: 'la', text: 'Pays', emotion: null }],
};

function facts(overrides: Partial<LinkedAnnotationFacts> = {}): LinkedAnnotationFacts {
  return { id: 'a1', anchor: { kind: 'card', card: 'ca' }, kind: 'missing', text: 'Hello', authorName: 'Dana', moderation: 'approved', isWithdrawn: false, votes: 0, createdAt: 1, ...overrides };
}

function stored(events: LiveEvent[]) {
  return events.map((e) => ({ type: e.type, audience: e.audience, data: JSON.stringify(e.payload) }));
}

describe('who runs a session', () => {
  it('editors and admins facilitate; reviewers only moderate; inactive people nothing', () => {
    expect(canFacilitate({ role: 'editor', isActive: true })).toBe(true);
    expect(canFacilitate({ role: 'admin', isActive: true })).toBe(true);
    expect(canFacilitate({ role: 'reviewer', isActive: true })).toBe(false);
    expect(canModerateLive({ role: 'reviewer', isActive: true })).toBe(true);
    expect(canFacilitate({ role: 'admin', isActive: false })).toBe(false);
    expect(canModerateLive({ role: 'reviewer', isActive: false })).toBe(false);
  });

  it('moves open ⇄ paused and either to ended, never back from ended', () => {
    expect(canMoveSession('open', 'paused')).toBe(true);
    expect(canMoveSession('paused', 'open')).toBe(true);
    expect(canMoveSession('paused', 'ended')).toBe(true);
    expect(canMoveSession('open', 'open')).toBe(false);
    expect(canMoveSession('ended', 'open')).toBe(false);
  });

  it('takes timers of 1 to 60 whole minutes', () => {
    expect(validateTimerMinutes('5')).toBe(5);
    expect(validateTimerMinutes(60)).toBe(60);
    for (const bad of ['0', '61', '2.5', 'five', '', null, -1]) expect(validateTimerMinutes(bad)).toBeNull();
  });
});

describe('what each screen says about the session', () => {
  it('tells a participant in a pause that comments cannot be sent until the facilitator resumes, and that their text is kept', () => {
    const paused = describeSessionState('paused', 'participant');
    expect(paused).toContain('new comments cannot be sent until the facilitator resumes it');
    expect(paused).toContain('Anything you have written is kept');
    expect(paused).not.toMatch(/wait until it goes on/);
    expect(describeSessionState('paused', 'screen')).toContain('cannot be sent until the facilitator resumes it');
    expect(describeSessionState('paused', 'console')).toContain('participants cannot send new comments until you resume');
  });

  it('thanks participants at the end, but not on the screen for the room or the console', () => {
    expect(describeSessionState('ended', 'participant')).toBe(ENDED_MESSAGE);
    for (const mode of ['screen', 'console'] as const) {
      expect(describeSessionState('ended', mode)).toContain('ended');
      expect(describeSessionState('ended', mode)).not.toMatch(/thank you|taking part/i);
    }
  });
});

describe('the timer across a pause', () => {
  it('pausing keeps the time left and stops the clock; resuming counts down from it again', () => {
    const running = { endsAt: 10_000 + 90_000, remainingMs: null };
    const paused = timerAcrossStateChange(running, 'paused', 10_000);
    expect(paused).toEqual({ endsAt: null, remainingMs: 90_000 });
    // However long the pause, the time left stays.
    expect(timerRemainingMs(paused, 10_000 + 3_600_000)).toBe(90_000);
    const resumed = timerAcrossStateChange(paused, 'open', 500_000);
    expect(resumed).toEqual({ endsAt: 590_000, remainingMs: null });
    expect(timerRemainingMs(resumed, 560_000)).toBe(30_000);
  });

  it('a timer already run out stays at zero; no timer stays none; a running one is not moved by resuming', () => {
    expect(timerAcrossStateChange({ endsAt: 5_000, remainingMs: null }, 'paused', 9_000)).toEqual({ endsAt: null, remainingMs: 0 });
    expect(timerAcrossStateChange({ endsAt: null, remainingMs: null }, 'paused', 9_000)).toEqual({ endsAt: null, remainingMs: null });
    expect(timerAcrossStateChange({ endsAt: 20_000, remainingMs: null }, 'open', 9_000)).toEqual({ endsAt: 20_000, remainingMs: null });
    expect(timerRemainingMs({ endsAt: 5_000 }, 9_000)).toBe(0);
  });

  it('a new timer runs in an open session and waits with its full time in a paused one', () => {
    expect(startTimer('open', 60_000, 1_000)).toEqual({ endsAt: 61_000, remainingMs: null });
    expect(startTimer('paused', 60_000, 1_000)).toEqual({ endsAt: null, remainingMs: 60_000 });
  });
});

describe('what each screen says about the feedback settings', () => {
  const privately = { mode: 'private' as const, requiresApproval: true, showsNames: false };
  const approvedFirst = { mode: 'shared' as const, requiresApproval: true, showsNames: false };
  const openly = { mode: 'shared' as const, requiresApproval: false, showsNames: true };

  it('tells participants whether comments are counted only, approved first or shown at once', () => {
    expect(describeFeedback(privately, 'participant')).toContain('only as counts: the team keeps comments private');
    expect(describeFeedback(approvedFirst, 'participant')).toContain('once the team approves it');
    expect(describeFeedback(openly, 'participant')).toContain('appears here as they say it.');
    for (const rules of [approvedFirst, openly]) expect(describeFeedback(rules, 'participant')).not.toMatch(/private|counts/);
  });

  it('says “private” on the screen for the room and the console only while comments are private', () => {
    expect(describeFeedback(privately, 'screen')).toContain('Comments stay private on this map');
    expect(describeFeedback(privately, 'console')).toContain('comments stay private');
    for (const rules of [approvedFirst, openly]) {
      for (const mode of ['screen', 'console'] as const) expect(describeFeedback(rules, mode) ?? '').not.toMatch(/private/i);
    }
    expect(describeFeedback(openly, 'screen')).toBeNull();
  });
});

describe('the session tag', () => {
  it('is a valid review-queue tag with the date and the start of the id', () => {
    const tag = sessionTag({ id: 'abcdefghjkmnpqrstuvwxyz2', openedAt: Date.UTC(2026, 10, 25, 23, 30) });
    expect(tag).toBe('live 2026-11-25 abcdef');
    expect(normalizeTag(tag)).toBe(tag);
  });
});

describe('what travels', () => {
  it('an annotation carries the allow-listed fields only, names only when allowed', () => {
    const live = toLiveAnnotation(facts(), snapshot, { mode: 'shared', showsNames: false });
    expect(Object.keys(live).sort()).toEqual(['anchor', 'anchorLabel', 'authorName', 'createdAt', 'id', 'kind', 'kindLabel', 'stageKey', 'text', 'votes']);
    expect(live).toMatchObject({ anchor: 'card:ca', stageKey: 'sb', authorName: null, anchorLabel: '“Pays” (End)' });
    expect(toLiveAnnotation(facts(), snapshot, { mode: 'shared', showsNames: true }).authorName).toBe('Dana');
  });

  it('shows approved annotations to everyone in shared mode, the rest to staff, hidden ones to nobody', () => {
    expect(audienceOf(facts(), { mode: 'shared', showsNames: false })).toBe('everyone');
    expect(audienceOf(facts({ moderation: 'pending' }), { mode: 'shared', showsNames: false })).toBe('staff');
    expect(audienceOf(facts(), { mode: 'private', showsNames: false })).toBe('staff');
    expect(audienceOf(facts({ moderation: 'rejected' }), { mode: 'shared', showsNames: false })).toBeNull();
    expect(audienceOf(facts({ isWithdrawn: true }), { mode: 'shared', showsNames: false })).toBeNull();
  });

  it('diffs: new, changed, hidden, approved — and counts per stage', () => {
    const rules = { mode: 'shared' as const, requiresApproval: false, showsNames: false };
    const first = diffViews(emptyView(), [facts(), facts({ id: 'a2', moderation: 'pending', anchor: { kind: 'gap', stage: 'sa', nextStage: 'sb' } })], snapshot, rules);
    expect(first.map((e) => `${e.type}/${e.audience}`)).toEqual(['feedback/everyone', 'annotation/everyone', 'pending/staff', 'counts/everyone']);
    expect(first.at(-1)!.payload).toEqual({ byStage: { sb: 1, sa: 1 }, total: 2 });
    const view = foldEvents(stored(first));
    expect(diffViews(view, [facts(), facts({ id: 'a2', moderation: 'pending', anchor: { kind: 'gap', stage: 'sa', nextStage: 'sb' } })], snapshot, rules)).toEqual([]);

    const votedAndApproved = diffViews(view, [facts({ votes: 2 }), facts({ id: 'a2', moderation: 'approved', anchor: { kind: 'gap', stage: 'sa', nextStage: 'sb' } })], snapshot, rules);
    expect(votedAndApproved.map((e) => `${e.type}/${e.audience}`)).toEqual(['annotation/everyone', 'annotation/everyone']);

    const hidden = diffViews(view, [facts({ moderation: 'rejected' }), facts({ id: 'a2', moderation: 'spam', anchor: { kind: 'map' } })], snapshot, rules);
    expect(hidden).toEqual([
      { type: 'removed', audience: 'everyone', payload: { id: 'a1' } },
      { type: 'removed', audience: 'staff', payload: { id: 'a2' } },
      { type: 'counts', audience: 'everyone', payload: { byStage: {}, total: 0 } },
    ]);
  });

  it('diffs the feedback settings and the number who joined, only when they change', () => {
    const rules = { mode: 'shared' as const, requiresApproval: false, showsNames: false };
    const opened = diffViews(emptyView(), [], snapshot, rules, 0);
    expect(opened).toEqual([{ type: 'feedback', audience: 'everyone', payload: rules }]);
    const view = foldEvents(stored(opened));
    expect(diffViews(view, [], snapshot, rules, 0)).toEqual([]);
    // Not told how many joined: nothing about them.
    expect(diffViews(view, [], snapshot, rules)).toEqual([]);
    const changed = diffViews(view, [], snapshot, { ...rules, mode: 'private' }, 3);
    expect(changed).toEqual([
      { type: 'feedback', audience: 'everyone', payload: { mode: 'private', requiresApproval: false, showsNames: false } },
      { type: 'members', audience: 'staff', payload: { count: 3 } },
    ]);
    expect(foldEvents(stored(changed))).toMatchObject({ feedback: { mode: 'private' }, members: 3 });
  });

  it('keeps only the newest settings and count of members in the log', () => {
    const slots = new Map<string, number>();
    expect(supersede(slots, { seq: 3, type: 'feedback', audience: 'everyone', payload: {} })).toEqual([]);
    expect(supersede(slots, { seq: 4, type: 'members', audience: 'staff', payload: { count: 1 } })).toEqual([]);
    expect(supersede(slots, { seq: 5, type: 'members', audience: 'staff', payload: { count: 2 } })).toEqual([4]);
    expect(supersede(slots, { seq: 6, type: 'feedback', audience: 'everyone', payload: {} })).toEqual([3]);
    expect(supersede(slots, { seq: 7, type: 'counts', audience: 'everyone', payload: {} })).toEqual([]);
  });

  it('frames an event with its id, type and one data line', () => {
    expect(formatSseEvent({ seq: 7, type: 'counts', data: JSON.stringify({ text: 'a\nb' }) })).toBe('id: 7\nevent: counts\ndata: {"text":"a\\nb"}\n\n');
    expect(formatSseEvent({ seq: null, type: 'hello', data: '{}' })).toBe('event: hello\ndata: {}\n\n');
  });

  it('reads Last-Event-ID as a whole number only', () => {
    expect(parseLastEventId('12')).toBe(12);
    expect(parseLastEventId(' 0 ')).toBe(0);
    for (const bad of [null, undefined, '', '-1', '1.5', 'abc', '1e3', '9'.repeat(20)]) expect(parseLastEventId(bad)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import {
  audienceOf,
  canFacilitate,
  canModerateLive,
  canMoveSession,
  describeSessionState,
  diffViews,
  ENDED_MESSAGE,
  emptyView,
  foldEvents,
  formatSseEvent,
  parseLastEventId,
  sessionTag,
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
    const rules = { mode: 'shared' as const, showsNames: false };
    const first = diffViews(emptyView(), [facts(), facts({ id: 'a2', moderation: 'pending', anchor: { kind: 'gap', stage: 'sa', nextStage: 'sb' } })], snapshot, rules);
    expect(first.map((e) => `${e.type}/${e.audience}`)).toEqual(['annotation/everyone', 'pending/staff', 'counts/everyone']);
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

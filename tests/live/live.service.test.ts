import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/app.ts';
import { PAUSED_MESSAGE, PRIVATE_APPROVE_MESSAGE, timerRemainingMs } from '../../src/server/live/live.ts';
import { createLiveWorld, inviteParticipant, type LiveWorld } from './live-helpers.ts';
import { readSse, type SseEvent } from './sse.ts';

let world: LiveWorld;
let app: App;

beforeEach(async () => {
  world = await createLiveWorld();
  app = world.app;
});
afterEach(() => world.cleanup());

async function openSession() {
  const opened = await app.liveSessions.open(world.editor, world.mapId, null);
  if (!opened.ok) throw new Error(opened.message);
  return opened.value;
}

async function shareFeedback(options: { requiresApproval?: boolean; showsNames?: boolean } = {}) {
  await app.annotations.saveFeedbackSettings(world.mapId, { mode: 'shared', requiresApproval: options.requiresApproval ?? false, showsNames: options.showsNames ?? false });
}

async function joined(code: string, email: string) {
  const who = await inviteParticipant(app, world.mapId, email);
  const joinedSession = await app.live.join(who.participantId, code);
  if (!joinedSession.ok) throw new Error(joinedSession.message);
  const entered = await app.live.boardFor(who.participantId, code);
  if (!entered.ok || !entered.value.board) throw new Error('no board after joining');
  return { ...who, board: entered.value.board };
}

async function stageKeys() {
  return (await app.portal.getPublishedVersion(world.versionId))!.snapshot.stages.map((s) => s.key);
}

async function say(who: { participantId: string; invitationId: string }, text: string, stage?: string) {
  world.clock.advance(2_500); // under the per-minute limit
  const created = await app.annotations.createAnnotation(who.participantId, who.invitationId, { anchor: stage ? { kind: 'stage', stage } : { kind: 'map' }, kind: 'missing', text });
  if (!created.ok) throw new Error(created.message);
  await app.liveRuntime.whenIdle();
  return created.value;
}

async function participantStream(who: { participantId: string; sessionId: string }, code: string, afterSeq: number | null) {
  const stream = await app.live.openStream(who, code, afterSeq);
  if (!stream.ok) throw new Error(stream.message);
  return readSse(stream.value);
}

const isType = (type: string) => (e: SseEvent) => e.type === type;

describe('opening a session', () => {
  it('is for editors and admins, on a published version, one at a time per map', async () => {
    expect(await app.liveSessions.open(world.reviewer, world.mapId, null)).toMatchObject({ ok: false, error: 'forbidden' });
    expect(await app.liveSessions.open(world.editor, world.mapId, 9)).toMatchObject({ ok: false, error: 'invalid' });
    const session = await openSession();
    expect(session).toMatchObject({ state: 'open', versionNumber: 1, focusStageKey: null });
    expect(session.joinCode).toMatch(/^[a-z2-9]{10}$/);
    expect(await app.liveSessions.open(world.editor, world.mapId, null)).toMatchObject({ ok: false, error: 'conflict' });
    await app.liveSessions.setState(world.editor, session.id, 'ended');
    expect(await app.liveSessions.open(world.editor, world.mapId, null)).toMatchObject({ ok: true });
  });

  it('refuses bad focus, timers and moves with a clear message and changes nothing', async () => {
    const session = await openSession();
    expect(await app.liveSessions.focus(world.editor, session.id, 'nope')).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.liveSessions.setTimer(world.editor, session.id, '0')).toMatchObject({ ok: false, error: 'invalid', message: 'A timer runs from 1 to 60 whole minutes.' });
    expect(await app.liveSessions.setState(world.editor, session.id, 'open')).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.liveSessions.focus(world.reviewer, session.id, null)).toMatchObject({ ok: false, error: 'forbidden' });
    expect(await app.liveSessions.get(session.id)).toMatchObject({ state: 'open', focusStageKey: null, timer: null });
  });
});

describe('joining', () => {
  it('lets in only people invited to the map and its version', async () => {
    const session = await openSession();
    const dana = await inviteParticipant(app, world.mapId, 'dana@example.com');
    expect(await app.live.join(dana.participantId, session.joinCode)).toMatchObject({ ok: true });
    expect(await app.live.join(dana.participantId, 'zzzzzzzzzz')).toMatchObject({ ok: false, error: 'not_found' });

    // Invited to another map only.
    const other = await app.maps.importMap({ ...(await import('../helpers/maps.ts')).buildSmallMap({ customerTitle: 'Other' }) }, null);
    await app.publishing.publish(other, { actor: { id: null, name: 'T' }, acknowledgeWarnings: true });
    const olaf = await inviteParticipant(app, other, 'olaf@example.com');
    expect(await app.live.join(olaf.participantId, session.joinCode)).toMatchObject({ ok: false, error: 'not_invited' });
    expect(await app.live.openStream(olaf, session.joinCode, null)).toMatchObject({ ok: false, error: 'not_invited' });

    // Revoked.
    await app.invitations.revokeInvitation(dana.invitationId);
    expect(await app.live.join(dana.participantId, session.joinCode)).toMatchObject({ ok: false, error: 'not_invited' });
  });
});

describe('what participants see live', () => {
  it('in shared feedback: annotations, +1s and focus, without internal fields or names unless allowed', async () => {
    await shareFeedback();
    const session = await openSession();
    const [first, second] = await stageKeys();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const erik = await joined(session.joinCode, 'erik@example.com');
    const stream = await participantStream(erik, session.joinCode, dana.board.lastSeq);

    const said = await say(dana, 'We also call the bank', first);
    const [annotation, counts] = await stream.until(isType('counts'));
    expect(annotation).toMatchObject({ type: 'annotation', data: { id: said.id, text: 'We also call the bank', anchor: `stage:${first}`, stageKey: first, authorName: null, votes: 0 } });
    expect(Object.keys(annotation!.data as object).sort()).toEqual(['anchor', 'anchorLabel', 'authorName', 'createdAt', 'id', 'kind', 'kindLabel', 'stageKey', 'text', 'votes']);
    expect(counts!.data).toEqual({ byStage: { [first!]: 1 }, total: 1 });

    await app.annotations.voteForAnnotation(erik.participantId, erik.invitationId, said.id);
    await app.liveRuntime.whenIdle();
    expect(await stream.next()).toMatchObject({ type: 'annotation', data: { id: said.id, votes: 1 } });

    await app.liveSessions.focus(world.editor, session.id, second!);
    expect(await stream.next()).toMatchObject({ type: 'session', data: { state: 'open', focusStageKey: second, timer: null } });
    await app.liveSessions.setTimer(world.editor, session.id, '3');
    expect(await stream.next()).toMatchObject({ type: 'session', data: { focusStageKey: second, timer: { stageKey: second, durationMs: 180_000 } } });
    await stream.cancel();
  });

  it('everything said lands in the review queue, tagged with the session', async () => {
    await shareFeedback({ requiresApproval: true });
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const outsider = await inviteParticipant(app, world.mapId, 'olga@example.com'); // invited, never joined
    const said = await say(dana, 'In the session');
    await say(outsider, 'Reviewing on my own');
    const tagged = await app.review.listQueue({ tag: session.tag });
    expect(tagged.ok && tagged.value.items.map((i) => i.id)).toEqual([said.id]);
    const detail = await app.review.getItem(said.id);
    expect(detail?.history.find((h) => h.field === 'tag')).toMatchObject({ to: session.tag, actorName: 'eddie' });
  });

  it('with approval first, participants get it when approved; the console at once; hiding removes it everywhere', async () => {
    await shareFeedback({ requiresApproval: true });
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const people = await participantStream(dana, session.joinCode, null);
    const staffStream = await app.liveSessions.openStream(world.editor, world.editorSignIn, session.id, null);
    if (!staffStream.ok) throw new Error(staffStream.message);
    const present = readSse(staffStream.value);

    const said = await say(dana, 'Waiting for approval');
    expect(await present.until(isType('counts'))).toMatchObject([{ type: 'pending', data: { id: said.id } }, { type: 'counts', data: { total: 1 } }]);
    expect(await people.next()).toMatchObject({ type: 'counts', data: { total: 1 } }); // a number, no words

    const item = (await app.review.getItem(said.id))!.item;
    await app.review.moderate(world.reviewer, said.id, item.revision, 'approved');
    await app.liveRuntime.whenIdle();
    expect(await people.next()).toMatchObject({ type: 'annotation', data: { id: said.id } });
    expect(await present.next()).toMatchObject({ type: 'annotation', data: { id: said.id } });

    expect(await app.liveSessions.hide(world.reviewer, session.id, said.id)).toMatchObject({ ok: true });
    expect(await people.until(isType('counts'))).toMatchObject([{ type: 'removed', data: { id: said.id } }, { type: 'counts', data: { total: 0 } }]);
    expect((await app.review.getItem(said.id))!.item.moderation).toBe('rejected');
    expect(await app.liveSessions.hide(world.editor, session.id, 'not-in-session')).toMatchObject({ ok: false, error: 'not_found' });
    await people.cancel();
    await present.cancel();
  });

  it('in private feedback: participants get counts only', async () => {
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const people = await participantStream(dana, session.joinCode, null);
    await say(dana, 'Private words');
    const event = await people.next();
    expect(event).toMatchObject({ type: 'counts', data: { total: 1 } });
    expect(JSON.stringify(event)).not.toContain('Private words');
    await people.cancel();
  });
});

describe('the screen for the room', () => {
  async function screenStream(sessionId: string, afterSeq: number | null) {
    const stream = await app.liveSessions.openScreenStream(world.editor, world.editorSignIn, sessionId, afterSeq);
    if (!stream.ok) throw new Error(stream.message);
    return readSse(stream.value);
  }

  it('in private feedback shows counts only, as participants see them; the console has the words', async () => {
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const screen = await screenStream(session.id, 0);
    await screen.until((e) => e.type === 'feedback'); // the opening events
    const said = await say(dana, 'Private words on the big screen');
    const event = await screen.next();
    expect(event).toMatchObject({ type: 'counts', data: { total: 1 } });
    expect(JSON.stringify(event)).not.toContain('Private words');
    const board = (await app.liveSessions.screenBoard(session.id))!;
    expect(board).toMatchObject({ shown: [], waiting: [], counts: { total: 1 } });
    expect(JSON.stringify(board)).not.toContain('Private words');
    expect((await app.liveSessions.board(session.id))!.waiting.map((a) => a.id)).toEqual([said.id]);
    await screen.cancel();
  });

  it('with approval first, shows a comment once approved, never while it waits', async () => {
    await shareFeedback({ requiresApproval: true });
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const said = await say(dana, 'Waiting for the team');
    expect((await app.liveSessions.screenBoard(session.id))!.shown).toEqual([]);
    const replay = await screenStream(session.id, 0);
    const events = await replay.until((e) => e.type === 'counts' && (e.data as { total: number }).total === 1);
    expect(events.map((e) => e.type)).not.toContain('pending');
    expect(JSON.stringify(events)).not.toContain('Waiting for the team');

    expect(await app.liveSessions.approve(world.editor, session.id, said.id)).toMatchObject({ ok: true });
    expect(await replay.next()).toMatchObject({ type: 'annotation', data: { id: said.id, text: 'Waiting for the team' } });
    expect((await app.liveSessions.screenBoard(session.id))!.shown.map((a) => a.id)).toEqual([said.id]);
    await replay.cancel();
  });

  it('is for staff only', async () => {
    const session = await openSession();
    expect(await app.liveSessions.openScreenStream({ ...world.reviewer, isActive: false }, world.reviewerSignIn, session.id, null)).toMatchObject({ ok: false, error: 'forbidden' });
    expect(await app.liveSessions.openScreenStream(world.editor, world.editorSignIn, 'no-such-session', null)).toMatchObject({ ok: false, error: 'not_found' });
  });
});

describe('moderating in private feedback', () => {
  it('does not show a comment to everyone (nothing is shown to others) and changes nothing', async () => {
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const said = await say(dana, 'Only for the team');
    expect(await app.liveSessions.approve(world.editor, session.id, said.id)).toEqual({ ok: false, error: 'invalid', message: PRIVATE_APPROVE_MESSAGE });
    expect((await app.review.getItem(said.id))!.item.moderation).toBe('pending');
    // The console still lists it, consistent with the review queue; hiding works.
    expect((await app.liveSessions.board(session.id))!.waiting.map((a) => a.id)).toEqual([said.id]);
    expect(await app.liveSessions.hide(world.editor, session.id, said.id)).toMatchObject({ ok: true });
    expect((await app.liveSessions.board(session.id))!.waiting).toEqual([]);
  });
});

describe('after the end', () => {
  it('a participant still has their invitation, so what they send goes to their own review, outside the session', async () => {
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    await app.liveSessions.setState(world.editor, session.id, 'ended');
    const access = await app.live.checkAccess(dana.participantId, session.joinCode);
    expect(access).toMatchObject({ ok: true, value: { invitationId: dana.invitationId, state: 'ended' } });
    const late = await app.annotations.createAnnotation(dana.participantId, access.ok ? access.value.invitationId : '', { anchor: { kind: 'map' }, kind: 'idea', text: 'Written as it ended' });
    expect(late).toMatchObject({ ok: true });
    await app.liveRuntime.whenIdle();
    const listed = await app.annotations.listForParticipant(dana.participantId, dana.invitationId);
    expect(listed?.own.map((a) => a.text)).toContain('Written as it ended');
    const tagged = await app.review.listQueue({ tag: session.tag });
    expect(tagged.ok && tagged.value.total).toBe(0);

    const stranger = await (async () => {
      const other = await app.maps.importMap({ ...(await import('../helpers/maps.ts')).buildSmallMap({ customerTitle: 'Other' }) }, null);
      await app.publishing.publish(other, { actor: { id: null, name: 'T' }, acknowledgeWarnings: true });
      return inviteParticipant(app, other, 'olaf@example.com');
    })();
    expect(await app.live.checkAccess(stranger.participantId, session.joinCode)).toMatchObject({ ok: false, error: 'not_invited' });
    expect(await app.live.checkAccess(dana.participantId, 'zzzzzzzzzz')).toMatchObject({ ok: false, error: 'not_found' });
  });
});

describe('pausing', () => {
  it('refuses new annotations of members with a clear message while paused, and takes them again after', async () => {
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const outsider = await inviteParticipant(app, world.mapId, 'olga@example.com');
    await app.liveSessions.setState(world.editor, session.id, 'paused');
    const refused = await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'While paused' });
    expect(refused).toEqual({ ok: false, error: 'paused', message: PAUSED_MESSAGE });
    expect(await app.db.selectFrom('annotations').select('id').where('text', '=', 'While paused').execute()).toEqual([]);
    // Someone reviewing on their own is not in the meeting.
    expect(await app.annotations.createAnnotation(outsider.participantId, outsider.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'Alone' })).toMatchObject({ ok: true });
    await app.liveSessions.setState(world.editor, session.id, 'open');
    expect(await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'After' })).toMatchObject({ ok: true });
  });

  it('stops the timer with the time it had left, on every screen, and resumes it from there', async () => {
    const session = await openSession();
    const [first] = await stageKeys();
    const dana = await joined(session.joinCode, 'dana@example.com');
    await app.liveSessions.focus(world.editor, session.id, first!);
    await app.liveSessions.setTimer(world.editor, session.id, '5');
    const people = await participantStream(dana, session.joinCode, null);
    world.clock.advance(60_000); // a minute of the five goes by

    await app.liveSessions.setState(world.editor, session.id, 'paused');
    const still = { stageKey: first, endsAt: null, durationMs: 300_000, remainingMs: 240_000 };
    expect(await people.next()).toMatchObject({ type: 'session', data: { state: 'paused', timer: still } });
    world.clock.advance(10 * 60_000); // a long pause: longer than the timer
    // The console, the screen and the participants' board all show the same four minutes.
    const entered = await app.live.boardFor(dana.participantId, session.joinCode);
    if (!entered.ok || !entered.value.board) throw new Error('no board');
    for (const board of [await app.liveSessions.board(session.id), await app.liveSessions.screenBoard(session.id), entered.value.board]) {
      expect(board!.session.timer).toEqual(still);
      expect(timerRemainingMs(board!.session.timer!, world.clock.now())).toBe(240_000);
    }

    await app.liveSessions.setState(world.editor, session.id, 'open');
    const resumedAt = world.clock.now();
    expect(await people.next()).toMatchObject({ type: 'session', data: { state: 'open', timer: { endsAt: resumedAt + 240_000, remainingMs: null } } });
    world.clock.advance(30_000);
    expect(timerRemainingMs((await app.liveSessions.get(session.id))!.timer!, world.clock.now())).toBe(210_000);
    await people.cancel();
  });

  it('a timer started while paused waits with its full time until the session resumes', async () => {
    const session = await openSession();
    await app.liveSessions.setState(world.editor, session.id, 'paused');
    await app.liveSessions.setTimer(world.editor, session.id, '2');
    world.clock.advance(5 * 60_000);
    expect((await app.liveSessions.get(session.id))!.timer).toEqual({ stageKey: null, endsAt: null, durationMs: 120_000, remainingMs: 120_000 });
    await app.liveSessions.setState(world.editor, session.id, 'open');
    expect((await app.liveSessions.get(session.id))!.timer).toMatchObject({ endsAt: world.clock.now() + 120_000, remainingMs: null });
    // Stopping it clears it, paused or not; ending clears it too.
    await app.liveSessions.setState(world.editor, session.id, 'paused');
    await app.liveSessions.setTimer(world.editor, session.id, null);
    expect((await app.liveSessions.get(session.id))!.timer).toBeNull();
    await app.liveSessions.setTimer(world.editor, session.id, '3');
    await app.liveSessions.setState(world.editor, session.id, 'ended');
    expect((await app.liveSessions.get(session.id))!.timer).toBeNull();
  });
});

describe('the console’s count of who joined', () => {
  it('follows each join live on the console, and never reaches participants or the screen for the room', async () => {
    await shareFeedback({ showsNames: true });
    const session = await openSession();
    const consoleStream = await app.liveSessions.openStream(world.editor, world.editorSignIn, session.id, null);
    const screenStream = await app.liveSessions.openScreenStream(world.editor, world.editorSignIn, session.id, null);
    if (!consoleStream.ok || !screenStream.ok) throw new Error('no stream');
    const onConsole = readSse(consoleStream.value);
    const onScreen = readSse(screenStream.value);
    expect((await app.liveSessions.board(session.id))!.members).toBe(0);

    const dana = await joined(session.joinCode, 'dana@example.com');
    expect(await onConsole.next()).toEqual({ id: 4, type: 'members', data: { count: 1 } });
    const people = await participantStream(dana, session.joinCode, 0);
    const erik = await joined(session.joinCode, 'erik@example.com');
    expect(await onConsole.next()).toEqual({ id: 5, type: 'members', data: { count: 2 } });
    // Joining again changes nothing.
    expect(await app.live.join(erik.participantId, session.joinCode)).toMatchObject({ ok: true });
    await app.liveRuntime.whenIdle();
    expect((await app.liveSessions.board(session.id))!.members).toBe(2);

    // Participants and the room get neither the count nor who joined; their boards have no count.
    await say(dana, 'After the joins');
    const seenByPeople = await people.until(isType('counts'));
    const seenOnScreen = await onScreen.until(isType('counts'));
    for (const seen of [seenByPeople, seenOnScreen]) {
      expect(seen.map((e) => e.type)).not.toContain('members');
      expect(JSON.stringify(seen)).not.toMatch(/erik@|dana@|"count"/);
    }
    expect((await app.liveSessions.screenBoard(session.id))!.members).toBeNull();
    expect(await app.live.boardFor(erik.participantId, session.joinCode)).toMatchObject({ ok: true, value: { board: { members: null } } });
    // The stored events hold the number only.
    const stored = await app.db.selectFrom('live_events').select(['type', 'audience', 'payload']).where('session_id', '=', session.id).where('type', '=', 'members').execute();
    expect(stored).toEqual([{ type: 'members', audience: 'staff', payload: '{"count":2}' }]);
    for (const reader of [onConsole, onScreen, people]) await reader.cancel();
  });
});

describe('the map’s feedback settings', () => {
  it('travel to every screen when they change, so boards word themselves by them', async () => {
    await shareFeedback({ requiresApproval: true });
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    expect((await app.liveSessions.board(session.id))!.feedback).toEqual({ mode: 'shared', requiresApproval: true, showsNames: false });
    const people = await participantStream(dana, session.joinCode, null);
    const consoleStream = await app.liveSessions.openStream(world.editor, world.editorSignIn, session.id, null);
    if (!consoleStream.ok) throw new Error(consoleStream.message);
    const onConsole = readSse(consoleStream.value);

    await app.annotations.saveFeedbackSettings(world.mapId, { mode: 'private', requiresApproval: true, showsNames: false });
    await app.liveRuntime.noticeSettingsChange(world.mapId);
    const privately = { type: 'feedback', data: { mode: 'private', requiresApproval: true, showsNames: false } };
    expect(await people.next()).toMatchObject(privately);
    expect(await onConsole.next()).toMatchObject(privately);
    for (const board of [await app.liveSessions.board(session.id), await app.liveSessions.screenBoard(session.id)]) expect(board!.feedback.mode).toBe('private');

    // Saving the same settings again sends nothing.
    await app.liveRuntime.noticeSettingsChange(world.mapId);
    await expect(people.next(300)).rejects.toThrow('no event in time');

    await shareFeedback({ requiresApproval: false });
    await app.liveRuntime.noticeSettingsChange(world.mapId);
    expect(await people.next()).toMatchObject({ type: 'feedback', data: { mode: 'shared', requiresApproval: false } });
    // A replay from the start gets the settings as they are now, not each of the old ones.
    const replay = await participantStream(dana, session.joinCode, 0);
    const replayed = await replay.until((e) => e.type === 'feedback');
    expect(replayed.filter((e) => e.type === 'feedback')).toMatchObject([{ data: { mode: 'shared', requiresApproval: false } }]);
    for (const reader of [people, onConsole, replay]) await reader.cancel();
  });
});

describe('the stream', () => {
  it('resumes after Last-Event-ID with every missed event exactly once', async () => {
    await shareFeedback();
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const first = await participantStream(dana, session.joinCode, 0);
    const before = await first.until((e) => e.type === 'counts' && e.id === 2); // the opening events
    expect(before.map((e) => e.id)).toEqual([1, 2]);
    await say(dana, 'one');
    const received = await first.until(isType('counts'));
    const lastSeen = received.at(-1)!.id!;
    await first.cancel(); // the connection drops

    for (const text of ['two', 'three', 'four']) await say(dana, text);
    await app.liveSessions.focus(world.editor, session.id, (await stageKeys())[0]!);

    const resumed = await participantStream(dana, session.joinCode, lastSeen);
    const missed = await resumed.until(isType('session'));
    const ids = missed.map((e) => e.id!);
    expect(ids[0]).toBe(lastSeen + 1);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(missed.filter((e) => e.type === 'annotation').map((e) => (e.data as { text: string }).text)).toEqual(['two', 'three', 'four']);
    // Nothing more, and new events follow on.
    await say(dana, 'five');
    expect(await resumed.next()).toMatchObject({ type: 'annotation', id: ids.at(-1)! + 1, data: { text: 'five' } });
    await resumed.cancel();
  });

  it('resumes exactly across a restart (a new server over the same database)', async () => {
    await shareFeedback();
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const stream = await participantStream(dana, session.joinCode, 0);
    await say(dana, 'before the restart');
    const seen = await stream.until((e) => e.type === 'counts' && (e.data as { total: number }).total === 1);
    const lastSeen = seen.at(-1)!.id!;
    await stream.cancel();
    await say(dana, 'missed one');
    app.liveRuntime.close();

    const restarted = await world.restart();
    const resumed = await restarted.live.openStream(dana, session.joinCode, lastSeen);
    if (!resumed.ok) throw new Error(resumed.message);
    const reader = readSse(resumed.value);
    expect(await reader.until(isType('counts'))).toMatchObject([
      { id: lastSeen + 1, type: 'annotation', data: { text: 'missed one' } },
      { id: lastSeen + 2, type: 'counts', data: { total: 2 } },
    ]);
    // The restarted server goes on numbering after the stored events.
    world.clock.advance(2_500);
    await restarted.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'after the restart' });
    await restarted.liveRuntime.whenIdle();
    expect(await reader.next()).toMatchObject({ id: lastSeen + 3, type: 'annotation', data: { text: 'after the restart' } });
    await reader.cancel();
  });

  it('after a crash between an annotation’s commit and its link, the restarted server links, sends and tags it', async () => {
    await shareFeedback();
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const linked = await say(dana, 'linked before the crash');
    // What the crash left: the annotation is committed, the session never heard of it, and an
    // earlier one lost its tag (tagging is a second step after linking).
    const lost = await say(dana, 'committed, never linked');
    const before = await app.review.listQueue({ tag: session.tag });
    expect(before.ok && before.value.total).toBe(2);
    await app.db.deleteFrom('live_annotations').where('annotation_id', '=', lost.id).execute();
    await app.db.deleteFrom('annotation_tags').where('annotation_id', 'in', [lost.id, linked.id]).execute();
    app.liveRuntime.close();

    const restarted = await world.restart();
    const resumed = await restarted.live.openStream(dana, session.joinCode, 0);
    if (!resumed.ok) throw new Error(resumed.message);
    await restarted.liveRuntime.whenIdle();
    const tagged = await restarted.review.listQueue({ tag: session.tag });
    expect(tagged.ok && tagged.value.items.map((i) => i.text).sort()).toEqual(['committed, never linked', 'linked before the crash']);
    const reader = readSse(resumed.value);
    const events = await reader.until((e) => e.type === 'counts' && (e.data as { total: number }).total === 2);
    expect(events.filter((e) => e.type === 'annotation').map((e) => (e.data as { text: string }).text)).toContain('committed, never linked');
    await reader.cancel();
  });

  it('sends a heartbeat comment when nothing happens', async () => {
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const stream = await participantStream(dana, session.joinCode, null);
    await expect(stream.next(400)).rejects.toThrow('no event in time');
    expect(stream.comments).toContain('heartbeat');
    await stream.cancel();
  });

  it('closes within 5 seconds when the invitation is revoked', async () => {
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const stream = await participantStream(dana, session.joinCode, null);
    const started = performance.now();
    await app.invitations.revokeInvitation(dana.invitationId);
    await stream.closed(5_000);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await app.live.openStream(dana, session.joinCode, null)).toMatchObject({ ok: false, error: 'not_invited' });
  });

  it('closes when the invitation expires (checked again every few seconds)', async () => {
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const stream = await participantStream(dana, session.joinCode, null);
    world.clock.advance(400 * 24 * 60 * 60 * 1000);
    await stream.closed(5_000);
  });

  it('sends the end and closes when the session ends; a screen that missed the end gets the board as it ends, then nothing', async () => {
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const stream = await participantStream(dana, session.joinCode, null);
    await app.liveSessions.setState(world.editor, session.id, 'ended');
    expect(await stream.closed(5_000)).toMatchObject([{ type: 'session', data: { state: 'ended' } }]);
    const replay = await app.live.openStream(dana, session.joinCode, 2);
    if (!replay.ok) throw new Error(replay.message);
    const last = (await app.liveSessions.get(session.id))!;
    // Opened (session, counts, feedback), one joined (members, staff only), ended.
    expect(await readSse(replay.value).closed()).toEqual([
      {
        id: 5,
        type: 'reset',
        data: {
          session: { state: 'ended', focusStageKey: null, timer: null },
          shown: [],
          waiting: [],
          counts: { byStage: {}, total: 0 },
          feedback: { mode: 'private', requiresApproval: true, showsNames: false },
          members: null,
        },
      },
    ]);
    expect(last.state).toBe('ended');
    expect(await app.live.openStream(dana, session.joinCode, null)).toMatchObject({ ok: false, error: 'ended' });
    expect(await app.live.join(dana.participantId, session.joinCode)).toMatchObject({ ok: false, error: 'ended' });
  });

  it('never sends staff-only events to participants', async () => {
    await shareFeedback({ requiresApproval: true, showsNames: true });
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    for (const text of ['a', 'b']) await say(dana, text);
    const replay = await participantStream(dana, session.joinCode, 0);
    const events = await replay.until((e) => e.type === 'counts' && (e.data as { total: number }).total === 2);
    expect(events.map((e) => e.type)).not.toContain('pending');
    expect(JSON.stringify(events)).not.toMatch(/"text":"[ab]"/);
    await replay.cancel();
  });
});

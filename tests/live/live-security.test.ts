/**
 * Live sessions under attack and after change: what one person can hold open, what a replay
 * of the log may show, what a settings change or a sign-out does to running screens, and what
 * joining takes.
 */
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/app.ts';
import { isLiveStreamPath, limitStreamBacklog, type LiveStreamOptions } from '../../src/server/live/live-stream.ts';
import { createLiveWorld, inviteParticipant, type LiveWorld } from './live-helpers.ts';
import { readSse, type SseEvent } from './sse.ts';

let world: LiveWorld;
let app: App;

async function setUp(stream: Partial<LiveStreamOptions> = {}) {
  world = await createLiveWorld({ stream });
  app = world.app;
}
afterEach(() => world?.cleanup());

type Person = Awaited<ReturnType<typeof inviteParticipant>>;

async function openSession() {
  const opened = await app.liveSessions.open(world.editor, world.mapId, null);
  if (!opened.ok) throw new Error(opened.message);
  return opened.value;
}

async function shareFeedback(options: { requiresApproval?: boolean; showsNames?: boolean } = {}) {
  await app.annotations.saveFeedbackSettings(world.mapId, { mode: 'shared', requiresApproval: options.requiresApproval ?? false, showsNames: options.showsNames ?? false });
}

async function joined(code: string, email: string, name?: string): Promise<Person> {
  const who = await inviteParticipant(app, world.mapId, email, name);
  const result = await app.live.join(who.participantId, code);
  if (!result.ok) throw new Error(result.message);
  return who;
}

async function say(who: Person, text: string) {
  world.clock.advance(2_500); // under the per-minute limit
  const created = await app.annotations.createAnnotation(who.participantId, who.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text });
  if (!created.ok) throw new Error(created.message);
  await app.liveRuntime.whenIdle();
  return created.value;
}

async function stream(who: Person, code: string, afterSeq: number | null) {
  const opened = await app.live.openStream(who, code, afterSeq);
  if (!opened.ok) throw new Error(opened.message);
  return readSse(opened.value);
}

/** Everything a participant gets replaying the session from its first event (`?since=0`). */
async function replayFromStart(who: Person, code: string): Promise<SseEvent[]> {
  const reader = await stream(who, code, 0);
  const events: SseEvent[] = [];
  for (;;) {
    try {
      const event = await reader.next(300);
      if (!event) break;
      events.push(event);
    } catch {
      break; // nothing more within the wait: caught up
    }
  }
  await reader.cancel();
  return events;
}

const storedPayloads = (sessionId: string) => app.db.selectFrom('live_events').select(['seq', 'type', 'audience', 'payload']).where('session_id', '=', sessionId).orderBy('seq').execute();

describe('what one person can hold open', () => {
  it('a participant’s sixth stream closes their oldest; others are not touched', async () => {
    await setUp();
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const erik = await joined(session.joinCode, 'erik@example.com');
    const eriks = await stream(erik, session.joinCode, null);
    const danas = [];
    for (let i = 0; i < 5; i++) danas.push(await stream(dana, session.joinCode, null));
    expect(app.liveRuntime.countStreams(session.id)).toBe(6);
    const sixth = await stream(dana, session.joinCode, null);
    await danas[0]!.closed(2_000);
    expect(app.liveRuntime.countStreams(session.id)).toBe(6);
    // The newest and Erik's still get events.
    await app.liveSessions.focus(world.editor, session.id, null);
    await app.liveSessions.setTimer(world.editor, session.id, '2');
    expect(await sixth.next()).toMatchObject({ type: 'session' });
    expect(await eriks.next()).toMatchObject({ type: 'session' });
    for (const reader of [...danas, sixth, eriks]) await reader.cancel();
  });

  it('refuses a participant who opens streams faster than the limit, until a minute has passed', async () => {
    await setUp({ opensPerMinutePerParticipant: 4 });
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    for (let i = 0; i < 4; i++) await (await stream(dana, session.joinCode, null)).cancel();
    expect(await app.live.openStream(dana, session.joinCode, null)).toMatchObject({ ok: false, error: 'rate_limited' });
    // Someone else is not affected.
    const erik = await joined(session.joinCode, 'erik@example.com');
    await (await stream(erik, session.joinCode, null)).cancel();
    world.clock.advance(61_000);
    await (await stream(dana, session.joinCode, null)).cancel();
  });

  it('caps a staff member’s streams and the process’s, refusing more with `busy`', async () => {
    await setUp({ maxStreamsPerStaffMember: 2, maxStreams: 3 });
    const session = await openSession();
    const open = async () => {
      const opened = await app.liveSessions.openStream(world.editor, world.editorSignIn, session.id, null);
      if (!opened.ok) throw new Error(opened.message);
      return readSse(opened.value);
    };
    const first = await open();
    const second = await open();
    const third = await open();
    await first.closed(2_000); // the editor's oldest made room
    expect(app.liveRuntime.countStreams()).toBe(2);
    const dana = await joined(session.joinCode, 'dana@example.com');
    const danas = await stream(dana, session.joinCode, null);
    expect(app.liveRuntime.countStreams()).toBe(3);
    const erik = await joined(session.joinCode, 'erik@example.com');
    expect(await app.live.openStream(erik, session.joinCode, null)).toMatchObject({ ok: false, error: 'busy' });
    await danas.cancel();
    await (await stream(erik, session.joinCode, null)).cancel();
    await second.cancel();
    await third.cancel();
  });

  it('drops a stream whose client does not read once more than the byte limit waits for it', async () => {
    await setUp({ maxQueuedBytes: 4_096 });
    await shareFeedback();
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const opened = await app.live.openStream(dana, session.joinCode, null);
    if (!opened.ok) throw new Error(opened.message);
    // Nobody reads `opened.value`.
    for (let i = 0; i < 12; i++) await say(dana, `comment ${i}: ${'words '.repeat(60)}`);
    expect(app.liveRuntime.countStreams(session.id)).toBe(0);
    // A reader that reads is not dropped.
    const reading = await stream(dana, session.joinCode, null);
    for (let i = 0; i < 12; i++) {
      await say(dana, `more ${i}: ${'words '.repeat(60)}`);
      await reading.until((e) => e.type === 'counts');
    }
    expect(app.liveRuntime.countStreams(session.id)).toBe(1);
    await reading.cancel();
  });
});

describe('the HTTP front’s limit on unsent bytes', () => {
  it('knows the live streams’ paths', () => {
    expect(isLiveStreamPath('/m/live/abcdefghij/events')).toBe(true);
    expect(isLiveStreamPath('/app/maps/m1/live/s1/events')).toBe(true);
    expect(isLiveStreamPath('/app/maps/m1/live/s1/screen/events')).toBe(true);
    expect(isLiveStreamPath('/m/live/abcdefghij')).toBe(false);
    expect(isLiveStreamPath('/m/maps/i1/events')).toBe(false);
  });

  it('destroys a response whose client stops reading once the backlog passes the limit', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let backlogSeen = 0;
    const done = new Promise<{ destroyed: boolean; written: number }>((resolve) => {
      const server = http.createServer((_request, res) => {
        limitStreamBacklog(res, 256 * 1024);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let written = 0;
        // As Astro's adapter does: write every chunk at once, never waiting for drain.
        for (let i = 0; i < 400 && !res.destroyed; i++) {
          res.write(chunk);
          written += chunk.length;
          backlogSeen = Math.max(backlogSeen, res.writableLength);
        }
        resolve({ destroyed: res.destroyed, written });
        server.close();
      });
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET /m/live/abcdefghij/events HTTP/1.1\r\nHost: x\r\n\r\n`));
        socket.once('data', () => socket.pause()); // reads the headers, then never again
        socket.on('error', () => {});
        socket.on('close', () => socket.destroy());
      });
    });
    const outcome = await done;
    expect(outcome.destroyed).toBe(true);
    expect(outcome.written).toBeLessThan(400 * chunk.length);
    expect(backlogSeen).toBeLessThan(256 * 1024 + 2 * chunk.length);
  });
});

describe('replaying the log shows only what a participant may see now', () => {
  it('a hidden comment is gone from the log: a replay from the start never sends it', async () => {
    await setUp();
    await shareFeedback({ showsNames: true });
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com', 'Dana Secretname');
    const erik = await joined(session.joinCode, 'erik@example.com');
    const said = await say(dana, 'Something to be hidden');
    expect(await app.liveSessions.hide(world.editor, session.id, said.id)).toMatchObject({ ok: true });
    const replay = await replayFromStart(erik, session.joinCode);
    expect(JSON.stringify(replay)).not.toContain('Something to be hidden');
    expect(JSON.stringify(replay)).not.toContain('Secretname');
    expect(replay.at(-1)).toMatchObject({ type: 'counts', data: { total: 0 } });
    // Not in the stored log either, for any audience.
    expect(JSON.stringify(await storedPayloads(session.id))).not.toContain('Something to be hidden');
  });

  it('a withdrawn comment and words edited away are not sent again', async () => {
    await setUp();
    await shareFeedback();
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const erik = await joined(session.joinCode, 'erik@example.com');
    const edited = await say(dana, 'First words, regretted');
    const withdrawn = await say(dana, 'Said, then withdrawn');
    const update = await app.annotations.updateAnnotation(dana.participantId, dana.invitationId, edited.id, 1, { kind: 'idea', text: 'Second words' });
    expect(update).toMatchObject({ ok: true });
    expect(await app.annotations.withdrawAnnotation(dana.participantId, dana.invitationId, withdrawn.id)).toMatchObject({ ok: true });
    await app.liveRuntime.whenIdle();
    const replay = JSON.stringify(await replayFromStart(erik, session.joinCode));
    expect(replay).not.toContain('First words, regretted');
    expect(replay).not.toContain('Said, then withdrawn');
    // What is still said is there, as it reads now.
    const board = (await app.live.boardFor(erik.participantId, session.joinCode)) as { ok: true; value: { board: { shown: { text: string }[] } } };
    expect(board.value.board.shown.map((a) => a.text)).toContain('Second words');
  });

  it('after the map stops showing names or sharing comments, a replay sends neither', async () => {
    await setUp();
    await shareFeedback({ showsNames: true });
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com', 'Dana Secretname');
    const erik = await joined(session.joinCode, 'erik@example.com');
    await say(dana, 'Words shared for a while');

    await shareFeedback({ showsNames: false });
    await app.liveRuntime.noticeSettingsChange(world.mapId);
    expect(JSON.stringify(await replayFromStart(erik, session.joinCode))).not.toContain('Secretname');

    await app.annotations.saveFeedbackSettings(world.mapId, { mode: 'private', requiresApproval: false, showsNames: false });
    await app.liveRuntime.noticeSettingsChange(world.mapId);
    const replay = await replayFromStart(erik, session.joinCode);
    expect(JSON.stringify(replay)).not.toContain('Words shared for a while');
    expect(replay.filter((e) => e.type === 'counts').at(-1)).toMatchObject({ data: { total: 1 } });
    // The console still has the words, as private.
    expect((await app.liveSessions.board(session.id))!.waiting.map((a) => a.text)).toEqual(['Words shared for a while']);
  });

  it('after the end, a replay gets the board as it is now (not the log), even for a comment hidden after the end', async () => {
    await setUp();
    await shareFeedback();
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const erik = await joined(session.joinCode, 'erik@example.com');
    const kept = await say(dana, 'Still fine');
    const later = await say(dana, 'Hidden after the end');
    await app.liveSessions.setState(world.editor, session.id, 'ended');
    const item = (await app.review.getItem(later.id))!.item;
    expect(await app.review.moderate(world.reviewer, later.id, item.revision, 'rejected')).toMatchObject({ ok: true });
    await app.liveRuntime.whenIdle();
    const replay = await replayFromStart(erik, session.joinCode);
    expect(replay).toHaveLength(1);
    expect(replay[0]).toMatchObject({ type: 'reset', data: { session: { state: 'ended' }, shown: [{ id: kept.id, text: 'Still fine' }], counts: { total: 1 } } });
    expect(JSON.stringify(replay)).not.toContain('Hidden after the end');
    // The screen for the room and its first render agree.
    expect((await app.liveSessions.screenBoard(session.id))!.shown.map((a) => a.text)).toEqual(['Still fine']);
  });

  it('a log written before superseding existed is cleaned when a server takes the session on', async () => {
    await setUp();
    await shareFeedback();
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const erik = await joined(session.joinCode, 'erik@example.com');
    const said = await say(dana, 'Words that stayed in an old log');
    await app.liveSessions.hide(world.editor, session.id, said.id);
    // An old server kept superseded events: put the comment's first event back where it was.
    const rows = await storedPayloads(session.id);
    const gap = rows.findIndex((r, i) => i > 0 && r.seq !== rows[i - 1]!.seq + 1);
    const seq = rows[gap - 1]!.seq + 1;
    await app.db.insertInto('live_events').values({ session_id: session.id, seq, type: 'annotation', audience: 'everyone', payload: JSON.stringify({ id: said.id, text: 'Words that stayed in an old log' }), created_at: 0 }).execute();
    app.liveRuntime.close();
    const restarted = await world.restart();
    const opened = await restarted.live.openStream(erik, session.joinCode, 0);
    if (!opened.ok) throw new Error(opened.message);
    const reader = readSse(opened.value);
    const events = await reader.until((e) => e.type === 'counts' && (e.data as { total: number }).total === 0);
    expect(JSON.stringify(events)).not.toContain('Words that stayed in an old log');
    await reader.cancel();
  });

  it('a resume from a recent id still gets every later event exactly once', async () => {
    await setUp();
    await shareFeedback();
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const first = await stream(dana, session.joinCode, 2);
    await say(dana, 'one');
    const seen = await first.until((e) => e.type === 'counts');
    await first.cancel();
    const lastSeen = seen.at(-1)!.id!;
    for (const text of ['two', 'three']) await say(dana, text);
    const resumed = await stream(dana, session.joinCode, lastSeen);
    const missed = await resumed.until((e) => e.type === 'counts' && (e.data as { total: number }).total === 3);
    expect(missed.map((e) => e.id)).toEqual([lastSeen + 1, lastSeen + 2, lastSeen + 3, lastSeen + 4]);
    await resumed.cancel();
  });

  it('a number past the log gets the whole board, then what follows', async () => {
    await setUp();
    await shareFeedback();
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    await say(dana, 'on the board');
    const reader = await stream(dana, session.joinCode, 9_999);
    const reset = await reader.next();
    expect(reset).toMatchObject({ type: 'reset', data: { shown: [{ text: 'on the board' }], counts: { total: 1 } } });
    await say(dana, 'after');
    expect(await reader.next()).toMatchObject({ type: 'annotation', id: reset!.id! + 1, data: { text: 'after' } });
    await reader.cancel();
  });
});

describe('changes that reach running screens', () => {
  it('a comment that goes back to waiting for approval leaves participants’ screens', async () => {
    await setUp();
    await shareFeedback({ requiresApproval: true });
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const erik = await joined(session.joinCode, 'erik@example.com');
    const said = await say(dana, 'Approved words');
    expect(await app.liveSessions.approve(world.editor, session.id, said.id)).toMatchObject({ ok: true });
    const watching = await stream(erik, session.joinCode, null);
    // What the annotations service does when an approved comment is edited: back to waiting.
    await app.db.updateTable('annotations').set({ moderation: 'pending' }).where('id', '=', said.id).execute();
    const { revision } = await app.db.selectFrom('annotations').select('revision').where('id', '=', said.id).executeTakeFirstOrThrow();
    expect(await app.annotations.updateAnnotation(dana.participantId, dana.invitationId, said.id, revision, { kind: 'idea', text: 'Edited words, not approved' })).toMatchObject({ ok: true });
    await app.liveRuntime.whenIdle();
    expect(await watching.next()).toMatchObject({ type: 'removed', data: { id: said.id } });
    const board = await app.live.boardFor(erik.participantId, session.joinCode);
    expect(board.ok && board.value.board!.shown).toEqual([]);
    expect(JSON.stringify(await replayFromStart(erik, session.joinCode))).not.toMatch(/Approved words|Edited words/);
    // The console has it waiting, as it reads now.
    expect((await app.liveSessions.board(session.id))!.waiting.map((a) => a.text)).toEqual(['Edited words, not approved']);
    await watching.cancel();
  });

  it('a settings change reaches a running session at once', async () => {
    await setUp();
    await shareFeedback({ showsNames: true });
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com', 'Dana Shown');
    const erik = await joined(session.joinCode, 'erik@example.com');
    const said = await say(dana, 'With my name');
    const watching = await stream(erik, session.joinCode, null);
    await shareFeedback({ showsNames: false });
    await app.liveRuntime.noticeSettingsChange(world.mapId);
    // The settings first (boards word themselves by them), then what they change.
    expect(await watching.until((e) => e.type === 'annotation')).toMatchObject([
      { type: 'feedback', data: { mode: 'shared', requiresApproval: false, showsNames: false } },
      { type: 'annotation', data: { id: said.id, authorName: null } },
    ]);
    const board = await app.live.boardFor(erik.participantId, session.joinCode);
    expect(JSON.stringify(board)).not.toContain('Dana Shown');
    await watching.cancel();
  });

  it('+1s and edits do not grow the log without end, and boards render from memory', async () => {
    await setUp();
    await shareFeedback();
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const said = await say(dana, 'version 0');
    for (let revision = 1; revision <= 30; revision++) {
      const updated = await app.annotations.updateAnnotation(dana.participantId, dana.invitationId, said.id, revision, { kind: 'idea', text: `version ${revision}` });
      if (!updated.ok) throw new Error(updated.message);
      await app.liveRuntime.whenIdle();
    }
    for (let i = 0; i < 10; i++) {
      const voter = await joined(session.joinCode, `voter${i}@example.com`);
      await app.annotations.voteForAnnotation(voter.participantId, voter.invitationId, said.id);
      await app.liveRuntime.whenIdle();
    }
    const rows = await storedPayloads(session.id);
    expect(rows.filter((r) => r.type === 'annotation')).toHaveLength(1);
    // Eleven joins leave one count of members.
    expect(rows.filter((r) => r.type === 'members').map((r) => JSON.parse(r.payload))).toEqual([{ count: 11 }]);
    expect(rows.length).toBeLessThanOrEqual(6);
    // The board does not fold the stored events: it shows what the session knows even without them.
    await app.db.deleteFrom('live_events').where('session_id', '=', session.id).execute();
    expect((await app.liveSessions.board(session.id))!.shown).toMatchObject([{ id: said.id, text: 'version 30', votes: 10 }]);
  });
});

describe('streams end with the sign-in', () => {
  it('a participant who signs out loses their stream within a few seconds', async () => {
    await setUp();
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const reader = await stream(dana, session.joinCode, null);
    const started = performance.now();
    await app.participants.endSession(dana.sessionId);
    await reader.closed(5_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('a staff member who is deactivated or changes their password loses their streams', async () => {
    await setUp();
    const session = await openSession();
    const console = await app.liveSessions.openStream(world.reviewer, world.reviewerSignIn, session.id, null);
    const screen = await app.liveSessions.openScreenStream(world.editor, world.editorSignIn, session.id, null);
    if (!console.ok || !screen.ok) throw new Error('no stream');
    const reviewerReader = readSse(console.value);
    const editorReader = readSse(screen.value);
    expect(await app.staff.setActive({ actorId: world.editor.id, userId: world.reviewer.id, isActive: false })).toMatchObject({ ok: true });
    await reviewerReader.closed(5_000);
    const changed = await app.auth.changePassword({ userId: world.editor.id, currentPassword: 'correct horse battery staple', newPassword: 'another horse battery staple' });
    expect(changed).toMatchObject({ ok: true });
    await editorReader.closed(5_000);
    expect(await app.liveSessions.openStream(world.editor, null, session.id, null)).toMatchObject({ ok: false, error: 'forbidden' });
  });
});

describe('joining', () => {
  it('looking at the join page records nothing; joining is its own step', async () => {
    await setUp();
    const session = await openSession();
    const dana = await inviteParticipant(app, world.mapId, 'dana@example.com');
    const looked = await app.live.boardFor(dana.participantId, session.joinCode);
    expect(looked).toMatchObject({ ok: true, value: { board: null, invitationId: dana.invitationId } });
    expect(await app.liveSessions.countMembers(session.id)).toBe(0);
    expect(await app.live.join(dana.participantId, session.joinCode)).toMatchObject({ ok: true });
    expect(await app.liveSessions.countMembers(session.id)).toBe(1);
    const after = await app.live.boardFor(dana.participantId, session.joinCode);
    expect(after.ok && after.value.board?.sessionId).toBe(session.id);
  });
});

describe('ending', () => {
  it('comments noticed while the session ends are linked to it and tagged', async () => {
    await setUp();
    await shareFeedback();
    const session = await openSession();
    const dana = await joined(session.joinCode, 'dana@example.com');
    const erik = await joined(session.joinCode, 'erik@example.com');
    world.clock.advance(2_500);
    // Two comments in quick succession, the session ending right after: the second arrives
    // while the first is being synced.
    const first = app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'just before the end' });
    const second = app.annotations.createAnnotation(erik.participantId, erik.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'at the very end' });
    await Promise.all([first, second]);
    expect(await app.liveSessions.setState(world.editor, session.id, 'ended')).toMatchObject({ ok: true });
    await app.liveRuntime.whenIdle();
    const tagged = await app.review.listQueue({ tag: session.tag });
    expect(tagged.ok && tagged.value.items.map((i) => i.text).sort()).toEqual(['at the very end', 'just before the end']);
  });
});

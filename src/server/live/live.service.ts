/**
 * Live advisory board sessions: a facilitator opens one on a published version, invited
 * participants join, and what they say reaches every screen within a fraction of a second.
 *
 * How a change travels: the annotations and review services announce changes (their
 * `onChanged` hooks, wired in app.ts). For a session running on that version, the change marks
 * the session dirty; one sync at a time per session links new annotations of its members,
 * reads every annotation said in the session, compares that with what screens know (the fold
 * of the stored events, live.ts) and appends the difference as events — in one transaction —
 * then publishes a notice (pubsub.ts). Hubs (live-stream.ts) read the new events and write them
 * to their streams. Changes arriving during a sync are picked up by the next one, so a burst
 * of annotations becomes a few event batches, not one each.
 *
 * This module and everything it imports hold published data only (the redaction boundary test
 * follows its imports as participant-side code). What it needs from staff-side services — to
 * hide an annotation, to tag it in the review queue — it receives as functions.
 *
 * Two faces: `forParticipants` (joining, the board, the stream; what src/pages/m/live uses
 * through locals.app.live) and `forStaff` (opening, running and moderating a session).
 */
import type { DB } from '../../../db/connection.ts';
import type { LiveSessionRow } from '../../../db/schema.ts';
import { anchorFromColumns } from '../annotations/annotations.ts';
import { generateSecureRandomString } from '../auth/auth.ts';
import type { Clock } from '../clock.ts';
import type { PortalService, PublishedVersion } from '../portal/portal.service.ts';
import type { PublishedSnapshot } from '../portal/snapshot.ts';
import { fail, ok, type Result } from '../result.ts';
import { createLiveHub, type LiveStreamOptions } from './live-stream.ts';
import { createLiveRepository, EVENT_PAGE, type LinkedAnnotationRow } from './live.repository.ts';
import {
  applyEvent,
  canFacilitate,
  canModerateLive,
  canMoveSession,
  diffViews,
  ENDED_MESSAGE,
  foldEvents,
  PAUSED_MESSAGE,
  PRIVATE_APPROVE_MESSAGE,
  sessionTag,
  validateTimerMinutes,
  type LinkedAnnotationFacts,
  type LiveAnnotation,
  type LiveAudience,
  type LiveCounts,
  type LiveEvent,
  type LiveEventType,
  type LiveSessionPublicState,
  type LiveSessionState,
  type LiveView,
  type StaffRoleName,
} from './live.ts';
import { createInProcessPubSub, type LivePubSub } from './pubsub.ts';

export interface LiveActor {
  id: string;
  name: string;
  role: StaffRoleName;
  isActive: boolean;
}

export type LiveError = 'forbidden' | 'invalid' | 'not_found' | 'conflict' | 'ended';
export type JoinError = 'not_found' | 'not_invited' | 'other_version' | 'ended';

export interface LiveSessionSummary {
  id: string;
  mapId: string;
  versionId: string;
  versionNumber: number | null;
  joinCode: string;
  state: LiveSessionState;
  focusStageKey: string | null;
  timer: LiveSessionPublicState['timer'];
  facilitatorName: string;
  openedAt: number;
  endedAt: number | null;
  /** The review-queue tag of everything said in it. */
  tag: string;
}

/** What a screen renders first; the stream continues from `lastSeq`. */
export interface LiveBoard {
  sessionId: string;
  session: LiveSessionPublicState;
  title: string;
  snapshot: PublishedSnapshot;
  /** Shown to everyone. */
  shown: LiveAnnotation[];
  /** Staff boards only: said, not shown to participants (awaiting approval, or private feedback). */
  waiting: LiveAnnotation[];
  counts: LiveCounts;
  lastSeq: number;
  feedback: { mode: 'private' | 'shared'; showsNames: boolean };
  openedAt: number;
}

interface RunningSession {
  row: LiveSessionRow;
  version: PublishedVersion;
  members: Set<string>;
  /** What staff screens know (the fold of every event), built on first sync. */
  view: LiveView | null;
  pendingLinks: Set<string>;
  /** Tag every linked annotation again at the next sync (after a restart: a crash may have come between linking and tagging). */
  retagAll: boolean;
  isDirty: boolean;
  syncing: Promise<void> | null;
}

const NO_ACCESS = 'Only people invited to this map can join its live session.';

function publicState(row: LiveSessionRow): LiveSessionPublicState {
  return {
    state: row.state,
    focusStageKey: row.focus_stage_key,
    timer: row.timer_ends_at !== null ? { stageKey: row.timer_stage_key, endsAt: row.timer_ends_at, durationMs: row.timer_duration_ms ?? 0 } : null,
  };
}

function toFacts(row: LinkedAnnotationRow): LinkedAnnotationFacts {
  return {
    id: row.id,
    anchor: anchorFromColumns(row),
    kind: row.kind,
    text: row.text,
    authorName: row.author_name,
    moderation: row.moderation,
    isWithdrawn: row.is_withdrawn === 1,
    votes: Number(row.votes),
    createdAt: row.created_at,
  };
}

export function createLiveService(deps: {
  db: DB;
  clock: Clock;
  portal: PortalService;
  /** The version an invitation grants this participant now, or null (participants service). */
  resolveGrant: (participantId: string, invitationId: string) => Promise<string | null>;
  /** The map's feedback settings (annotations service). */
  feedbackOf: (mapId: string) => Promise<{ mode: 'private' | 'shared'; showsNames: boolean }>;
  /** Moderates an annotation in the review queue: approved shows it to everyone, rejected hides it. */
  moderateAnnotation: (actor: LiveActor, annotationId: string, revision: number, to: 'approved' | 'rejected') => Promise<Result<unknown>>;
  /** Tags an annotation in the review queue on the facilitator's behalf. */
  tagAnnotation: (actor: LiveActor, annotationId: string, tag: string) => Promise<Result<unknown>>;
  pubsub?: LivePubSub;
  stream?: Partial<LiveStreamOptions>;
}) {
  const { db, clock } = deps;
  const repo = createLiveRepository(db);
  const pubsub = deps.pubsub ?? createInProcessPubSub();
  const hub = createLiveHub({ repo, bus: pubsub, options: deps.stream });
  const running = new Map<string, RunningSession>();
  const runningByVersion = new Map<string, RunningSession>();
  let loaded: Promise<void> | null = null;
  const inFlight = new Set<Promise<unknown>>();

  function track<T>(promise: Promise<T>): Promise<T> {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise)).catch(() => {});
    return promise;
  }

  async function remember(row: LiveSessionRow, members: Iterable<string>): Promise<RunningSession | null> {
    const version = await deps.portal.getPublishedVersion(row.version_id);
    if (!version) return null;
    const rs: RunningSession = { row, version, members: new Set(members), view: null, pendingLinks: new Set(), retagAll: false, isDirty: false, syncing: null };
    running.set(row.id, rs);
    runningByVersion.set(row.version_id, rs);
    return rs;
  }

  function forget(rs: RunningSession): void {
    running.delete(rs.row.id);
    if (runningByVersion.get(rs.row.version_id) === rs) runningByVersion.delete(rs.row.version_id);
  }

  /** Running sessions are kept in memory; loaded once, then kept current by this service's own changes. */
  function loadRunning(): Promise<void> {
    loaded ??= (async () => {
      for (const row of await repo.listRunning()) {
        const members = await repo.listMemberInvitations(row.id);
        const rs = await remember(row, members);
        if (!rs) continue;
        // Whatever changed while no process was running it (or was lost in a crash between an
        // annotation's commit and its link, events or tag) is linked, sent and tagged now.
        for (const id of await repo.listUnlinked(row.version_id, members, row.opened_at)) rs.pendingLinks.add(id);
        rs.retagAll = true;
        markDirty(rs);
      }
    })();
    return loaded;
  }

  async function publishEvents(sessionId: string, events: readonly LiveEvent[], work?: (trx: DB) => Promise<void>): Promise<number> {
    const now = clock.now();
    const seq = await db.transaction().execute(async (trx) => {
      await work?.(trx as DB);
      return createLiveRepository(trx as DB).appendEvents(
        sessionId,
        events.map((e) => ({ type: e.type, audience: e.audience, data: JSON.stringify(e.payload) })),
        now,
      );
    });
    if (events.length > 0) {
      pubsub.publish({ sessionId, seq });
      hub.poke(sessionId);
    }
    return seq;
  }

  async function loadView(sessionId: string, audience: LiveAudience, upTo: number): Promise<LiveView> {
    const rows: { type: LiveEventType; audience: LiveAudience; data: string }[] = [];
    let after = 0;
    for (;;) {
      const page = await repo.listEventsAfter(sessionId, after, audience);
      for (const r of page) if (r.seq <= upTo) rows.push({ type: r.type as LiveEventType, audience: r.audience, data: r.payload });
      if (page.length < EVENT_PAGE || page.at(-1)!.seq >= upTo) break;
      after = page.at(-1)!.seq;
    }
    return foldEvents(rows);
  }

  async function sync(rs: RunningSession): Promise<void> {
    const links = [...rs.pendingLinks];
    rs.pendingLinks.clear();
    const sessionId = rs.row.id;
    try {
      rs.view ??= await loadView(sessionId, 'staff', await repo.lastSeq(sessionId));
      const view = rs.view;
      const rules = await deps.feedbackOf(rs.row.map_id);
      let events: LiveEvent[] = [];
      const now = clock.now();
      const seq = await db.transaction().execute(async (trx) => {
        const tx = createLiveRepository(trx as DB);
        await tx.linkAnnotations(sessionId, links, now);
        const facts = (await tx.listLinked(sessionId)).map(toFacts);
        events = diffViews(view, facts, rs.version.snapshot, rules);
        return events.length > 0
          ? tx.appendEvents(
              sessionId,
              events.map((e) => ({ type: e.type, audience: e.audience, data: JSON.stringify(e.payload) })),
              now,
            )
          : null;
      });
      for (const e of events) applyEvent(view, e);
      if (seq !== null) {
        pubsub.publish({ sessionId, seq });
        hub.poke(sessionId);
      }
    } catch (error) {
      for (const id of links) rs.pendingLinks.add(id);
      console.error('[live] could not update the session', error);
      setTimeout(() => markDirty(rs), 1000).unref?.();
      return;
    }
    // In the review queue, tagged with the session, on the facilitator's behalf.
    const tag = sessionTag({ id: sessionId, openedAt: rs.row.opened_at });
    // The facilitator could triage when opening the session; the tag goes in under their name.
    const actor: LiveActor = { id: rs.row.facilitator_id ?? '', name: rs.row.facilitator_name, role: 'editor', isActive: true };
    // Tagging twice changes nothing, so after a restart every linked annotation is tagged again.
    const toTag = rs.retagAll ? await repo.listLinkedIds(sessionId) : links;
    rs.retagAll = false;
    for (const id of toTag) {
      const tagged = await deps.tagAnnotation(actor, id, tag);
      if (!tagged.ok) console.error(`[live] could not tag annotation ${id}: ${tagged.message}`);
    }
  }

  function markDirty(rs: RunningSession): void {
    rs.isDirty = true;
    if (rs.syncing) return;
    rs.syncing = track(
      (async () => {
        try {
          while (rs.isDirty && running.get(rs.row.id) === rs) {
            rs.isDirty = false;
            await sync(rs);
          }
        } finally {
          rs.syncing = null;
        }
      })(),
    );
  }

  function summarize(row: LiveSessionRow, versionNumber: number | null): LiveSessionSummary {
    const state = publicState(row);
    return {
      id: row.id,
      mapId: row.map_id,
      versionId: row.version_id,
      versionNumber,
      joinCode: row.join_code,
      state: row.state,
      focusStageKey: row.focus_stage_key,
      timer: state.timer,
      facilitatorName: row.facilitator_name,
      openedAt: row.opened_at,
      endedAt: row.ended_at,
      tag: sessionTag({ id: row.id, openedAt: row.opened_at }),
    };
  }

  async function board(sessionId: string, audience: LiveAudience): Promise<LiveBoard | null> {
    const row = await repo.getSession(sessionId);
    if (!row) return null;
    const version = await deps.portal.getPublishedVersion(row.version_id);
    if (!version) return null;
    // The session row's last_seq is written with the events, so the fold up to it is exactly
    // what a screen that received events 1..lastSeq knows.
    const view = await loadView(sessionId, audience, row.last_seq);
    const feedback = await deps.feedbackOf(row.map_id);
    return {
      sessionId,
      session: publicState(row),
      title: version.snapshot.title,
      snapshot: version.snapshot,
      shown: [...view.shown.values()],
      waiting: audience === 'staff' ? [...view.waiting.values()] : [],
      counts: view.counts,
      lastSeq: row.last_seq,
      feedback: { mode: feedback.mode, showsNames: feedback.showsNames },
      openedAt: row.opened_at,
    };
  }

  async function moderate(actor: LiveActor, sessionId: string, annotationId: string, to: 'approved' | 'rejected'): Promise<Result<true, LiveError>> {
    if (!canModerateLive(actor)) return fail('forbidden', 'Only staff can moderate what is said.');
    const found = typeof annotationId === 'string' && annotationId.length <= 64 ? await repo.getLinkedAnnotation(sessionId, annotationId) : undefined;
    if (!found || found.is_withdrawn === 1) return fail('not_found', 'That comment is not in this session.');
    // In private feedback nobody but the team sees a comment: approving one would show it nowhere
    // and leave it looking as if it still waited.
    if (to === 'approved') {
      const session = await repo.getSession(sessionId);
      if (session && (await deps.feedbackOf(session.map_id)).mode === 'private') return fail('invalid', PRIVATE_APPROVE_MESSAGE);
    }
    const isAlready = to === 'rejected' ? found.moderation === 'rejected' || found.moderation === 'spam' : found.moderation === 'approved';
    if (!isAlready) {
      const moderated = await deps.moderateAnnotation(actor, annotationId, found.revision, to);
      if (!moderated.ok) return fail('conflict', moderated.message);
    }
    await loadRunning();
    const rs = running.get(sessionId);
    if (rs) {
      // The review queue announces the change too; syncing now puts it on screens before we answer.
      markDirty(rs);
      await rs.syncing;
    }
    return ok(true);
  }

  /** A stream for a staff screen; `everyone` for the projector, which the room reads. */
  async function openStaffStream(actor: LiveActor, sessionId: string, afterSeq: number | null, audience: LiveAudience): Promise<Result<ReadableStream<Uint8Array>, LiveError>> {
    if (!canModerateLive(actor)) return fail('forbidden', 'Only staff can follow a live session.');
    await loadRunning();
    const row = await repo.getSession(sessionId);
    if (!row) return fail('not_found', 'That live session does not exist.');
    if (row.state === 'ended' && (afterSeq === null || afterSeq >= row.last_seq)) return fail('ended', 'This live session has ended.');
    return ok(hub.open({ sessionId, audience, afterSeq: afterSeq ?? row.last_seq, isStillAllowed: async () => running.has(sessionId) }));
  }

  /** A session change by the facilitator: the row and its `session` event in one transaction. */
  async function changeSession(actor: LiveActor, sessionId: string, decide: (row: LiveSessionRow, now: number) => Result<Partial<LiveSessionRow>, LiveError>): Promise<Result<LiveSessionSummary, LiveError>> {
    if (!canFacilitate(actor)) return fail('forbidden', 'Only editors and admins run live sessions.');
    await loadRunning();
    const row = await repo.getSession(sessionId);
    if (!row) return fail('not_found', 'That live session does not exist.');
    if (row.state === 'ended') return fail('ended', 'This live session has ended.');
    const now = clock.now();
    const decided = decide(row, now);
    if (!decided.ok) return decided;
    const next: LiveSessionRow = { ...row, ...decided.value, updated_at: now };
    await publishEvents(sessionId, [{ type: 'session', audience: 'everyone', payload: publicState(next) }], async (trx) => {
      await createLiveRepository(trx).updateSession(sessionId, { ...decided.value, updated_at: now });
    });
    const rs = running.get(sessionId);
    if (rs) {
      rs.row = { ...next, last_seq: rs.row.last_seq };
      if (rs.view) rs.view.session = publicState(next);
      if (next.state === 'ended') forget(rs);
    }
    const version = await deps.portal.getPublishedVersion(row.version_id);
    return ok(summarize(next, version?.number ?? null));
  }

  /** May this participant be in the session now? Records nothing. */
  async function checkParticipant(participantId: string, row: LiveSessionRow): Promise<Result<{ invitationId: string }, JoinError>> {
    const invitation = await repo.findInvitationForMap(participantId, row.map_id);
    if (!invitation) return fail('not_invited', NO_ACCESS);
    const versionId = await deps.resolveGrant(participantId, invitation.id);
    if (!versionId) return fail('not_invited', NO_ACCESS);
    if (versionId !== row.version_id) {
      return fail('other_version', 'This live session shows another version of the map than your invitation does. Ask the facilitator to invite you to the version on screen.');
    }
    return ok({ invitationId: invitation.id });
  }

  const forParticipants = {
    /**
     * Whether this participant is invited to the session's map and version, and through which
     * invitation; records nothing. After the end, what they still send goes to their own review
     * of the map through that invitation, so nothing written during the session is lost.
     */
    async checkAccess(participantId: string, code: string): Promise<Result<{ invitationId: string; state: LiveSessionState; snapshot: PublishedSnapshot }, JoinError>> {
      const row = /^[a-z2-9]{10}$/.test(code) ? await repo.getSessionByCode(code) : undefined;
      if (!row) return fail('not_found', 'There is no live session with this code.');
      const access = await checkParticipant(participantId, row);
      if (!access.ok) return access;
      const version = await deps.portal.getPublishedVersion(row.version_id);
      if (!version) return fail('not_found', 'There is no live session with this code.');
      return ok({ invitationId: access.value.invitationId, state: row.state, snapshot: version.snapshot });
    },

    /** The session a join code opens, when there is one; its state only. */
    async findByCode(code: string): Promise<{ sessionId: string; state: LiveSessionState } | null> {
      const row = /^[a-z2-9]{10}$/.test(code) ? await repo.getSessionByCode(code) : undefined;
      return row ? { sessionId: row.id, state: row.state } : null;
    },

    /**
     * Joins the session (when invited to its map and version) and returns the board to render.
     * Joining records the participant as a member: what they say while it runs is the session's.
     */
    async join(participantId: string, code: string): Promise<Result<{ board: LiveBoard; invitationId: string }, JoinError>> {
      await loadRunning();
      const row = /^[a-z2-9]{10}$/.test(code) ? await repo.getSessionByCode(code) : undefined;
      if (!row) return fail('not_found', 'There is no live session with this code. Check the link, or ask the facilitator for it again.');
      const access = await checkParticipant(participantId, row);
      if (!access.ok) return access;
      if (row.state === 'ended') return fail('ended', ENDED_MESSAGE);
      const { invitationId } = access.value;
      const rs = running.get(row.id);
      if (rs && !rs.members.has(invitationId)) {
        await repo.addMember({ session_id: row.id, invitation_id: invitationId, participant_id: participantId, joined_at: clock.now() });
        rs.members.add(invitationId);
      }
      const liveBoard = await board(row.id, 'everyone');
      if (!liveBoard) return fail('not_found', 'There is no live session with this code.');
      return ok({ board: liveBoard, invitationId });
    },

    /**
     * The session's stream for a participant, resuming after `afterSeq`; null when they may not
     * have it (204 for an ended session, so the browser stops reconnecting).
     */
    async openStream(participantId: string, code: string, afterSeq: number | null): Promise<Result<ReadableStream<Uint8Array>, JoinError>> {
      await loadRunning();
      const row = /^[a-z2-9]{10}$/.test(code) ? await repo.getSessionByCode(code) : undefined;
      if (!row) return fail('not_found', 'There is no live session with this code.');
      const access = await checkParticipant(participantId, row);
      if (!access.ok) return access;
      // An ended session still sends what a reconnecting screen missed (its end included), once.
      if (row.state === 'ended' && (afterSeq === null || afterSeq >= row.last_seq)) return fail('ended', ENDED_MESSAGE);
      const { invitationId } = access.value;
      const sessionId = row.id;
      return ok(
        hub.open({
          sessionId,
          audience: 'everyone',
          afterSeq: afterSeq ?? row.last_seq,
          invitationId,
          // Checked again every few seconds: the session (ended) and the grant (revoked,
          // expired, moved to another version).
          isStillAllowed: async () => running.has(sessionId) && (await deps.resolveGrant(participantId, invitationId)) === row.version_id,
        }),
      );
    },

    /**
     * Refuses a new annotation while the participant's session is paused (the annotations
     * service asks before writing). Null: go ahead.
     */
    async refusalForNewAnnotation(input: { invitationId: string; versionId: string }): Promise<string | null> {
      await loadRunning();
      const rs = runningByVersion.get(input.versionId);
      return rs && rs.row.state === 'paused' && rs.members.has(input.invitationId) ? PAUSED_MESSAGE : null;
    },
  };

  const forStaff = {
    async listForMap(mapId: string): Promise<LiveSessionSummary[]> {
      const rows = await repo.listForMap(mapId);
      return Promise.all(rows.map(async (row) => summarize(row, (await deps.portal.getPublishedVersion(row.version_id))?.number ?? null)));
    },

    async get(sessionId: string): Promise<LiveSessionSummary | null> {
      const row = await repo.getSession(sessionId);
      return row ? summarize(row, (await deps.portal.getPublishedVersion(row.version_id))?.number ?? null) : null;
    },

    async countMembers(sessionId: string): Promise<number> {
      return repo.countMembers(sessionId);
    },

    /** Opens a session on a published version of the map (the latest when null). One per map at a time. */
    async open(actor: LiveActor, mapId: string, versionNumber: number | null): Promise<Result<LiveSessionSummary, LiveError>> {
      if (!canFacilitate(actor)) return fail('forbidden', 'Only editors and admins run live sessions.');
      await loadRunning();
      const version = await deps.portal.findPublishedVersion(mapId, versionNumber);
      if (!version) return fail('invalid', versionNumber === null ? 'Publish the map first: a live session shows a published version.' : `Version ${versionNumber} of this map does not exist.`);
      const current = [...running.values()].find((rs) => rs.row.map_id === mapId);
      if (current) return fail('conflict', 'A live session is already running on this map. End it before opening another.');
      const now = clock.now();
      const row: LiveSessionRow = {
        id: generateSecureRandomString(),
        map_id: mapId,
        version_id: version.id,
        facilitator_id: actor.id,
        facilitator_name: actor.name,
        join_code: generateSecureRandomString(10),
        state: 'open',
        focus_stage_key: null,
        timer_stage_key: null,
        timer_ends_at: null,
        timer_duration_ms: null,
        last_seq: 0,
        opened_at: now,
        updated_at: now,
        ended_at: null,
      };
      try {
        await publishEvents(
          row.id,
          [
            { type: 'session', audience: 'everyone', payload: publicState(row) },
            { type: 'counts', audience: 'everyone', payload: { byStage: {}, total: 0 } },
          ],
          async (trx) => {
            const { last_seq: _, ...insertable } = row;
            await createLiveRepository(trx).createSession(insertable);
          },
        );
      } catch (error) {
        // The unique index allows one running session per map: someone else opened one just now.
        if (String(error).includes('UNIQUE')) return fail('conflict', 'A live session is already running on this map. End it before opening another.');
        throw error;
      }
      await remember({ ...row, last_seq: 2 }, []);
      return ok(summarize(row, version.number));
    },

    /** The facilitator console's first render (every annotation said, also those waiting or private). */
    board: (sessionId: string) => board(sessionId, 'staff'),

    /** The projector's first render: exactly what participants see (nothing waiting, nothing private). */
    screenBoard: (sessionId: string) => board(sessionId, 'everyone'),

    focus(actor: LiveActor, sessionId: string, stageKey: string | null) {
      return changeSession(actor, sessionId, (row) => {
        const rs = running.get(sessionId);
        if (stageKey !== null && !rs?.version.snapshot.stages.some((s) => s.key === stageKey)) return fail('invalid', 'That stage is not on this version of the map.');
        // A timer belongs to the stage it was set for.
        return ok(stageKey === row.timer_stage_key ? { focus_stage_key: stageKey } : { focus_stage_key: stageKey, timer_stage_key: null, timer_ends_at: null, timer_duration_ms: null });
      });
    },

    /** A countdown for the stage in focus (minutes 1-60), or none (null). */
    setTimer(actor: LiveActor, sessionId: string, minutes: string | number | null) {
      return changeSession(actor, sessionId, (row, now) => {
        if (minutes === null || minutes === '') return ok({ timer_stage_key: null, timer_ends_at: null, timer_duration_ms: null });
        const valid = validateTimerMinutes(minutes);
        if (valid === null) return fail('invalid', 'A timer runs from 1 to 60 whole minutes.');
        return ok({ timer_stage_key: row.focus_stage_key, timer_ends_at: now + valid * 60_000, timer_duration_ms: valid * 60_000 });
      });
    },

    setState(actor: LiveActor, sessionId: string, to: LiveSessionState) {
      return changeSession(actor, sessionId, (row, now) => {
        if (!canMoveSession(row.state, to)) return fail('invalid', row.state === to ? `The session is already ${to}.` : `A ${row.state} session cannot become ${to}.`);
        return ok(to === 'ended' ? { state: to, ended_at: now, timer_stage_key: null, timer_ends_at: null, timer_duration_ms: null } : { state: to });
      });
    },

    /** Hides an annotation said in the session from every screen (rejects it in the review queue). */
    hide: (actor: LiveActor, sessionId: string, annotationId: string) => moderate(actor, sessionId, annotationId, 'rejected'),

    /** Shows an annotation waiting for approval on every screen (approves it in the review queue). */
    approve: (actor: LiveActor, sessionId: string, annotationId: string) => moderate(actor, sessionId, annotationId, 'approved'),

    /** The console's stream (staff: every event, also what waits or stays private). */
    openStream: (actor: LiveActor, sessionId: string, afterSeq: number | null) => openStaffStream(actor, sessionId, afterSeq, 'staff'),

    /** The projector's stream: the participants' events only, since the whole room reads it. */
    openScreenStream: (actor: LiveActor, sessionId: string, afterSeq: number | null) => openStaffStream(actor, sessionId, afterSeq, 'everyone'),
  };

  return {
    forParticipants,
    forStaff,

    /** annotations.onChanged: a change on a version with a running session may concern it. */
    noticeAnnotationChange(change: { annotationId: string; invitationId: string; versionId: string; change: 'created' | 'updated' | 'withdrawn' | 'voted' }): void {
      void track(
        loadRunning().then(() => {
          const rs = runningByVersion.get(change.versionId);
          if (!rs) return;
          if (change.change === 'created') {
            if (rs.row.state !== 'open' || !rs.members.has(change.invitationId)) return;
            rs.pendingLinks.add(change.annotationId);
          }
          markDirty(rs);
        }),
      );
    },

    /** review.onChanged: moderation or decisions changed on these versions. */
    noticeReviewChange(change: { versionIds: string[] }): void {
      void track(
        loadRunning().then(() => {
          for (const versionId of change.versionIds) {
            const rs = runningByVersion.get(versionId);
            if (rs) markDirty(rs);
          }
        }),
      );
    },

    /** invitations.onInvitationChanged (revoked, new link): its streams close at once; a valid one reconnects. */
    noticeInvitationChanged(invitationId: string): void {
      hub.closeWhere((s) => s.invitationId === invitationId);
    },

    /** Resolves when every change noticed so far has reached the events (tests, shutdown). */
    async whenIdle(): Promise<void> {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },

    /** Open streams in this process (bench: memory per connection). */
    countStreams: (sessionId?: string) => hub.countStreams(sessionId),

    /** Shutdown: closes every stream (browsers reconnect and resume elsewhere). */
    close(): void {
      hub.closeAll();
      pubsub.close();
    },
  };
}
export type LiveService = ReturnType<typeof createLiveService>;

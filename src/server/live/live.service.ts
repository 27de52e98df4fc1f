/**
 * Live advisory board sessions: a facilitator opens one on a published version, invited
 * participants join, and what they say reaches every screen within a fraction of a second.
 *
 * How a change travels: the annotations and review services announce changes (their
 * `onChanged` hooks, wired in app.ts). For a session running on that version, the change marks
 * the session dirty; one sync at a time per session links new annotations of its members,
 * reads every annotation said in the session, compares that with what screens know (the fold
 * of the stored events, kept in memory, live.ts) and appends the difference as events — in one
 * transaction that also deletes the events they supersede, so the log never holds words taken
 * back — then publishes a notice (pubsub.ts). Hubs (live-stream.ts) read the new events and write them
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
import { RateLimiter } from '../security/rate-limiter.ts';
import { createLiveHub, DEFAULT_STREAM_OPTIONS, type LiveStreamOptions, type StreamOwner } from './live-stream.ts';
import { createLiveRepository, EVENT_PAGE, type LinkedAnnotationRow } from './live.repository.ts';
import {
  applyEvent,
  canFacilitate,
  canModerateLive,
  canMoveSession,
  diffViews,
  emptyView,
  ENDED_MESSAGE,
  PAUSED_MESSAGE,
  PRIVATE_APPROVE_MESSAGE,
  sessionTag,
  startTimer,
  supersede,
  timerAcrossStateChange,
  toLiveFeedback,
  validateTimerMinutes,
  viewOfFacts,
  type FeedbackRules,
  type LinkedAnnotationFacts,
  type LiveAnnotation,
  type LiveAudience,
  type LiveCounts,
  type LiveEvent,
  type LiveEventType,
  type LiveReset,
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

export type LiveError = 'forbidden' | 'invalid' | 'not_found' | 'conflict' | 'ended' | StreamRefusal;
export type JoinError = 'not_found' | 'not_invited' | 'other_version' | 'ended' | StreamRefusal;
/** Why a stream was not opened: too many opened lately by this person (429), or this server holds all it takes (503). */
export type StreamRefusal = 'rate_limited' | 'busy';

/** Who reads a participant's stream: the person and the sign-in it came with (signing out closes it). */
export interface ParticipantViewer {
  participantId: string;
  sessionId: string;
}

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
  /** The map's feedback settings as of `lastSeq` (later changes arrive as `feedback` events). */
  feedback: FeedbackRules;
  /** Staff boards only (null otherwise): how many people have joined, as of `lastSeq`. */
  members: number | null;
  openedAt: number;
}

interface RunningSession {
  row: LiveSessionRow;
  version: PublishedVersion;
  members: Set<string>;
  /**
   * What staff screens know: the fold of every event up to `viewSeq`, kept in memory (boards
   * render from it). Built from the stored events when the process first needs it.
   */
  view: LiveView | null;
  viewSeq: number;
  /** The stored event still standing per annotation and channel (live.ts `supersede`). */
  slots: Map<string, number>;
  /** Appending events and folding them into `view` happen one at a time per session. */
  writing: Promise<unknown>;
  /** Settles after the first sync since this process took the session on (a board or stream waits for it). */
  ready: Promise<void>;
  pendingLinks: Set<string>;
  /** Tag every linked annotation again at the next sync (after a restart: a crash may have come between linking and tagging). */
  retagAll: boolean;
  isDirty: boolean;
  syncing: Promise<void> | null;
}

const NO_ACCESS = 'Only people invited to this map can join its live session.';

function publicState(row: LiveSessionRow): LiveSessionPublicState {
  const hasTimer = row.timer_ends_at !== null || row.timer_remaining_ms !== null;
  return {
    state: row.state,
    focusStageKey: row.focus_stage_key,
    timer: hasTimer ? { stageKey: row.timer_stage_key, endsAt: row.timer_ends_at, durationMs: row.timer_duration_ms ?? 0, remainingMs: row.timer_remaining_ms } : null,
  };
}

const NO_TIMER = { timer_stage_key: null, timer_ends_at: null, timer_duration_ms: null, timer_remaining_ms: null } as const;

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
  feedbackOf: (mapId: string) => Promise<FeedbackRules>;
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
  const streamOptions = { ...DEFAULT_STREAM_OPTIONS, ...deps.stream };
  const hub = createLiveHub({ repo, bus: pubsub, options: streamOptions });
  const opensPerParticipant = new RateLimiter({ limit: streamOptions.opensPerMinutePerParticipant, windowMs: 60_000 });
  const opensPerStaffMember = new RateLimiter({ limit: streamOptions.opensPerMinutePerStaffMember, windowMs: 60_000 });
  const running = new Map<string, RunningSession>();
  const runningByVersion = new Map<string, RunningSession>();
  let loaded: Promise<void> | null = null;
  const inFlight = new Set<Promise<unknown>>();

  /**
   * Whether a participant's sign-in still holds. Streams are re-checked every few seconds, all
   * in the same round: the sign-ins asked for in one turn of the event loop are read in one query.
   */
  const isSignedIn = (() => {
    let due: Map<string, { participantId: string; resolve: (isValid: boolean) => void }[]> | null = null;
    async function readRound(round: NonNullable<typeof due>): Promise<void> {
      try {
        const valid = await repo.listValidParticipantSessions([...round.keys()], clock.now());
        for (const [signInId, waiting] of round) for (const w of waiting) w.resolve(valid.get(signInId) === w.participantId);
      } catch (error) {
        console.error('[live] checking sign-ins failed', error);
        // Unknown is not a no: the next round asks again.
        for (const waiting of round.values()) for (const w of waiting) w.resolve(true);
      }
    }
    return (signInId: string, participantId: string): Promise<boolean> =>
      new Promise((resolve) => {
        if (!due) {
          const round = (due = new Map());
          setImmediate(() => {
            due = null;
            void readRound(round);
          });
        }
        const waiting = due.get(signInId) ?? [];
        waiting.push({ participantId, resolve });
        due.set(signInId, waiting);
      });
  })();

  function track<T>(promise: Promise<T>): Promise<T> {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise)).catch(() => {});
    return promise;
  }

  function newRunning(row: LiveSessionRow, version: PublishedVersion, members: Iterable<string>): RunningSession {
    return { row, version, members: new Set(members), view: null, viewSeq: 0, slots: new Map(), writing: Promise.resolve(), ready: Promise.resolve(), pendingLinks: new Set(), retagAll: false, isDirty: false, syncing: null };
  }

  function remember(rs: RunningSession): void {
    running.set(rs.row.id, rs);
    runningByVersion.set(rs.row.version_id, rs);
  }

  function forget(rs: RunningSession): void {
    running.delete(rs.row.id);
    if (runningByVersion.get(rs.row.version_id) === rs) runningByVersion.delete(rs.row.version_id);
  }

  /** Runs `work` when the session's earlier writes are done: appends and the fold stay in step. */
  function exclusive<T>(rs: RunningSession, work: () => Promise<T>): Promise<T> {
    const run = rs.writing.then(work, work);
    rs.writing = run.catch(() => {});
    return run;
  }

  /** Running sessions are kept in memory; loaded once, then kept current by this service's own changes. */
  function loadRunning(): Promise<void> {
    loaded ??= (async () => {
      for (const row of await repo.listRunning()) {
        const version = await deps.portal.getPublishedVersion(row.version_id);
        if (!version) continue;
        const rs = newRunning(row, version, await repo.listMemberInvitations(row.id));
        remember(rs);
        // Whatever changed while no process was running it (or was lost in a crash between an
        // annotation's commit and its link, events or tag) is linked, sent and tagged now —
        // before any board or stream of this process uses what the log says.
        for (const id of await repo.listUnlinked(row.version_id, [...rs.members], row.opened_at)) rs.pendingLinks.add(id);
        rs.retagAll = true;
        rs.ready = track(syncAndTag(rs));
      }
    })();
    return loaded;
  }

  /**
   * Folds the stored events into the session's view (first use in this process), and deletes
   * what newer events supersede — logs written before superseding existed included.
   * Call inside `exclusive`.
   */
  async function ensureViewLocked(rs: RunningSession): Promise<LiveView> {
    if (rs.view) return rs.view;
    const sessionId = rs.row.id;
    const upTo = await repo.lastSeq(sessionId);
    const view = emptyView();
    const slots = new Map<string, number>();
    const superseded: number[] = [];
    let after = 0;
    for (;;) {
      const page = await repo.listEventsAfter(sessionId, after, 'staff');
      for (const r of page) {
        if (r.seq > upTo) break;
        const event = { seq: r.seq, type: r.type as LiveEventType, audience: r.audience, payload: JSON.parse(r.payload) as unknown };
        applyEvent(view, event);
        superseded.push(...supersede(slots, event));
      }
      if (page.length < EVENT_PAGE || page.at(-1)!.seq >= upTo) break;
      after = page.at(-1)!.seq;
    }
    await repo.deleteEvents(sessionId, superseded);
    rs.view = view;
    rs.viewSeq = upTo;
    rs.slots = slots;
    return view;
  }

  /**
   * Appends the events `produce` returns, in the transaction it runs in (with whatever change
   * they announce), deletes what they supersede, then folds them into the view. Call inside
   * `exclusive` with the view built.
   */
  async function appendLocked(rs: RunningSession, produce: (trx: DB) => Promise<readonly LiveEvent[]>): Promise<number | null> {
    const sessionId = rs.row.id;
    const now = clock.now();
    const slots = new Map(rs.slots);
    let events: readonly LiveEvent[] = [];
    const seq = await db.transaction().execute(async (trx) => {
      const tx = createLiveRepository(trx as DB);
      events = await produce(trx as DB);
      if (events.length === 0) return null;
      const last = await tx.appendEvents(
        sessionId,
        events.map((e) => ({ type: e.type, audience: e.audience, data: JSON.stringify(e.payload) })),
        now,
      );
      const superseded = events.flatMap((e, i) => supersede(slots, { ...e, seq: last - events.length + 1 + i }));
      await tx.deleteEvents(sessionId, superseded);
      return last;
    });
    if (seq === null) return null;
    for (const e of events) applyEvent(rs.view!, e);
    rs.viewSeq = seq;
    rs.slots = slots;
    pubsub.publish({ sessionId, seq });
    hub.poke(sessionId);
    return seq;
  }

  /**
   * Links what members said, compares what the database says with the view and appends the
   * difference. Returns the annotations it linked (to be tagged), or null when it failed.
   * Call inside `exclusive`.
   */
  async function syncLocked(rs: RunningSession): Promise<string[] | null> {
    const links = [...rs.pendingLinks];
    rs.pendingLinks.clear();
    const sessionId = rs.row.id;
    try {
      const view = await ensureViewLocked(rs);
      const rules = await deps.feedbackOf(rs.row.map_id);
      await appendLocked(rs, async (trx) => {
        const tx = createLiveRepository(trx);
        await tx.linkAnnotations(sessionId, links, clock.now());
        const facts = (await tx.listLinked(sessionId)).map(toFacts);
        return diffViews(view, facts, rs.version.snapshot, rules, await tx.countMembers(sessionId));
      });
      return links;
    } catch (error) {
      for (const id of links) rs.pendingLinks.add(id);
      console.error('[live] could not update the session', error);
      setTimeout(() => markDirty(rs), 1000).unref?.();
      return null;
    }
  }

  /** In the review queue, tagged with the session, on the facilitator's behalf. */
  async function tagLinked(rs: RunningSession, links: readonly string[]): Promise<void> {
    const sessionId = rs.row.id;
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

  async function syncAndTag(rs: RunningSession): Promise<void> {
    const linked = await exclusive(rs, () => syncLocked(rs));
    if (linked) await tagLinked(rs, linked);
  }

  /** The running session behind a join code, when this participant is invited to it (join and board share this). */
  async function runningSessionFor(participantId: string, code: string): Promise<Result<{ row: LiveSessionRow; rs: RunningSession; invitationId: string }, JoinError>> {
    await loadRunning();
    const row = await sessionByCode(code);
    if (!row) return fail('not_found', 'There is no live session with this code. Check the link, or ask the facilitator for it again.');
    const access = await checkParticipant(participantId, row);
    if (!access.ok) return access;
    const rs = running.get(row.id);
    if (row.state === 'ended' || !rs) return fail('ended', ENDED_MESSAGE);
    return ok({ row, rs, invitationId: access.value.invitationId });
  }

  function markDirty(rs: RunningSession): void {
    rs.isDirty = true;
    if (rs.syncing) return;
    rs.syncing = track(
      (async () => {
        try {
          while (rs.isDirty && running.get(rs.row.id) === rs) {
            rs.isDirty = false;
            await syncAndTag(rs);
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

  /**
   * What screens of this audience know now and the event number it stands at. A running
   * session: its view in memory. An ended one: the database's facts as they are now (something
   * hidden after the end is not shown), never the log.
   */
  async function currentView(row: LiveSessionRow, version: PublishedVersion): Promise<{ view: LiveView; seq: number; row: LiveSessionRow }> {
    await loadRunning();
    const rs = running.get(row.id);
    if (rs) {
      await rs.ready;
      if (!rs.view) await exclusive(rs, () => ensureViewLocked(rs));
      // Read together: the view and its number change together, after each commit.
      return { view: rs.view!, seq: rs.viewSeq, row: rs.row };
    }
    const facts = (await repo.listLinked(row.id)).map(toFacts);
    const view = viewOfFacts(facts, version.snapshot, await deps.feedbackOf(row.map_id), publicState(row), await repo.countMembers(row.id));
    return { view, seq: row.last_seq, row };
  }

  async function board(sessionId: string, audience: LiveAudience): Promise<LiveBoard | null> {
    const found = await repo.getSession(sessionId);
    if (!found) return null;
    const version = await deps.portal.getPublishedVersion(found.version_id);
    if (!version) return null;
    const { view, seq, row } = await currentView(found, version);
    // A log from before settings travelled has none until the first sync: the settings as they are.
    const feedback = view.feedback ?? (await deps.feedbackOf(found.map_id));
    return {
      sessionId,
      session: publicState(row),
      title: version.snapshot.title,
      snapshot: version.snapshot,
      shown: [...view.shown.values()],
      waiting: audience === 'staff' ? [...view.waiting.values()] : [],
      counts: view.counts,
      lastSeq: seq,
      feedback: toLiveFeedback(feedback),
      members: audience === 'staff' ? view.members : null,
      openedAt: row.opened_at,
    };
  }

  /** The whole board in one `reset` event, for this audience. */
  async function resetOf(view: LiveView, row: LiveSessionRow, audience: LiveAudience): Promise<string> {
    const isStaff = audience === 'staff';
    const reset: LiveReset = {
      session: publicState(row),
      shown: [...view.shown.values()],
      waiting: isStaff ? [...view.waiting.values()] : [],
      counts: view.counts,
      feedback: toLiveFeedback(view.feedback ?? (await deps.feedbackOf(row.map_id))),
      members: isStaff ? view.members : null,
    };
    return JSON.stringify(reset);
  }

  /**
   * A stream after `afterSeq` for a reader already allowed in. A session that ended sends its
   * board as it is now and the end (a `reset`), not the log; a number past the log gets a reset too.
   */
  async function openChecked(input: {
    row: LiveSessionRow;
    audience: LiveAudience;
    afterSeq: number | null;
    owner: StreamOwner;
    invitationId?: string;
    isStillAllowed: () => Promise<boolean>;
  }): Promise<Result<ReadableStream<Uint8Array>, StreamRefusal | 'ended' | 'not_found'>> {
    const { row, afterSeq } = input;
    if (row.state === 'ended' && (afterSeq === null || afterSeq >= row.last_seq)) return fail('ended', ENDED_MESSAGE);
    const limiter = input.owner.kind === 'participant' ? opensPerParticipant : opensPerStaffMember;
    const allowed = limiter.consume(input.owner.id, clock.now());
    if (!allowed.isAllowed) return fail('rate_limited', 'Too many connections opened in a short time. Wait a minute, then reload the page.');
    const version = await deps.portal.getPublishedVersion(row.version_id);
    if (!version) return fail('not_found', 'That live session does not exist.');
    if (row.state === 'ended') {
      const { view, seq } = await currentView(row, version);
      return ok(hub.once({ seq, type: 'reset', data: await resetOf(view, row, input.audience) }));
    }
    if (!hub.hasRoom()) return fail('busy', 'The server is at its limit of live connections. Try again in a minute.');
    const { view, seq, row: current } = await currentView(row, version);
    const reset = afterSeq !== null && afterSeq > seq ? { seq, data: await resetOf(view, current, input.audience) } : undefined;
    return ok(
      hub.open({
        sessionId: row.id,
        audience: input.audience,
        afterSeq: afterSeq ?? seq,
        reset,
        owner: input.owner,
        invitationId: input.invitationId ?? null,
        isStillAllowed: input.isStillAllowed,
      }),
    );
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
    // The review queue announces the change too; syncing now puts it on screens before we answer.
    if (rs) await syncAndTag(rs);
    return ok(true);
  }

  /** A stream for a staff screen; `everyone` for the projector, which the room reads. */
  async function openStaffStream(actor: LiveActor, staffSessionId: string | null, sessionId: string, afterSeq: number | null, audience: LiveAudience): Promise<Result<ReadableStream<Uint8Array>, LiveError>> {
    if (!canModerateLive(actor) || !staffSessionId) return fail('forbidden', 'Only staff can follow a live session.');
    await loadRunning();
    const row = await repo.getSession(sessionId);
    if (!row) return fail('not_found', 'That live session does not exist.');
    return openChecked({
      row,
      audience,
      afterSeq,
      owner: { kind: 'staff', id: actor.id },
      // Checked again every few seconds: the session (ended), the sign-in (signed out, password
      // changed) and the account (deactivated, no longer a role that follows sessions).
      isStillAllowed: async () => {
        if (!running.has(sessionId)) return false;
        const standing = await repo.getStaffSessionStanding(staffSessionId, actor.id, clock.now());
        return standing !== null && canModerateLive(standing);
      },
    });
  }

  /** A session change by the facilitator: the row and its `session` event in one transaction. */
  async function changeSession(actor: LiveActor, sessionId: string, decide: (row: LiveSessionRow, now: number) => Result<Partial<LiveSessionRow>, LiveError>): Promise<Result<LiveSessionSummary, LiveError>> {
    if (!canFacilitate(actor)) return fail('forbidden', 'Only editors and admins run live sessions.');
    await loadRunning();
    const rs = running.get(sessionId);
    if (!rs) {
      const row = await repo.getSession(sessionId);
      return row?.state === 'ended' ? fail('ended', 'This live session has ended.') : fail('not_found', 'That live session does not exist.');
    }
    await rs.ready;
    let linkedAtEnd: string[] = [];
    const changed = await exclusive(rs, async (): Promise<Result<LiveSessionRow, LiveError>> => {
      if (running.get(sessionId) !== rs) return fail('ended', 'This live session has ended.');
      const row = rs.row;
      const now = clock.now();
      const decided = decide(row, now);
      if (!decided.ok) return decided;
      const isEnding = decided.value.state === 'ended';
      // Comments said just before the end still belong to the session: linked, on screens and
      // tagged before the end event closes the streams.
      if (isEnding) linkedAtEnd = (await syncLocked(rs)) ?? [];
      await ensureViewLocked(rs);
      const next: LiveSessionRow = { ...rs.row, ...decided.value, updated_at: now };
      const seq = await appendLocked(rs, async (trx) => {
        await createLiveRepository(trx).updateSession(sessionId, { ...decided.value, updated_at: now });
        return [{ type: 'session', audience: 'everyone', payload: publicState(next) }];
      });
      rs.row = { ...next, last_seq: seq ?? rs.row.last_seq };
      if (isEnding) forget(rs);
      return ok(rs.row);
    });
    if (!changed.ok) return changed;
    if (changed.value.state === 'ended') {
      // Noticed while it ended: linked to the session they were said in, and tagged.
      const late = [...rs.pendingLinks];
      rs.pendingLinks.clear();
      if (late.length > 0) await repo.linkAnnotations(sessionId, late, clock.now());
      await tagLinked(rs, [...linkedAtEnd, ...late]);
    }
    return ok(summarize(changed.value, rs.version.number));
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

  async function sessionByCode(code: string): Promise<LiveSessionRow | undefined> {
    return typeof code === 'string' && /^[a-z2-9]{10}$/.test(code) ? repo.getSessionByCode(code) : undefined;
  }

  const forParticipants = {
    /**
     * Whether this participant is invited to the session's map and version, and through which
     * invitation; records nothing. After the end, what they still send goes to their own review
     * of the map through that invitation, so nothing written during the session is lost.
     */
    async checkAccess(participantId: string, code: string): Promise<Result<{ invitationId: string; state: LiveSessionState; snapshot: PublishedSnapshot }, JoinError>> {
      const row = await sessionByCode(code);
      if (!row) return fail('not_found', 'There is no live session with this code.');
      const access = await checkParticipant(participantId, row);
      if (!access.ok) return access;
      const version = await deps.portal.getPublishedVersion(row.version_id);
      if (!version) return fail('not_found', 'There is no live session with this code.');
      return ok({ invitationId: access.value.invitationId, state: row.state, snapshot: version.snapshot });
    },

    /** The session a join code opens, when there is one; its state only. */
    async findByCode(code: string): Promise<{ sessionId: string; state: LiveSessionState } | null> {
      const row = await sessionByCode(code);
      return row ? { sessionId: row.id, state: row.state } : null;
    },

    /**
     * Joins the session (when invited to its map and version): records the participant as a
     * member, so what they say while it runs is the session's. Only on their explicit request
     * (a POST from the join page), never by opening a link.
     */
    async join(participantId: string, code: string): Promise<Result<{ invitationId: string }, JoinError>> {
      const found = await runningSessionFor(participantId, code);
      if (!found.ok) return found;
      const { row, rs, invitationId } = found.value;
      if (!rs.members.has(invitationId)) {
        await repo.addMember({ session_id: row.id, invitation_id: invitationId, participant_id: participantId, joined_at: clock.now() });
        rs.members.add(invitationId);
        // The console's count follows (a `members` event: staff only, a number only). Through
        // markDirty, a room joining at once costs a few syncs, not one per person in turn.
        markDirty(rs);
      }
      return ok({ invitationId });
    },

    /**
     * The board to render for a participant, when invited; null until they have joined. Records
     * nothing. Ended: `ended` (the page says so and links to their own review).
     */
    async boardFor(participantId: string, code: string): Promise<Result<{ board: LiveBoard | null; invitationId: string; title: string }, JoinError>> {
      const found = await runningSessionFor(participantId, code);
      if (!found.ok) return found;
      const { row, rs, invitationId } = found.value;
      if (!rs.members.has(invitationId)) return ok({ board: null, invitationId, title: rs.version.snapshot.title });
      const liveBoard = await board(row.id, 'everyone');
      if (!liveBoard) return fail('not_found', 'There is no live session with this code.');
      return ok({ board: liveBoard, invitationId, title: liveBoard.title });
    },

    /**
     * The session's stream for a participant, resuming after `afterSeq`; `ended` when there is
     * nothing more to send (204, so the browser stops reconnecting).
     */
    async openStream(viewer: ParticipantViewer, code: string, afterSeq: number | null): Promise<Result<ReadableStream<Uint8Array>, JoinError>> {
      await loadRunning();
      const row = await sessionByCode(code);
      if (!row) return fail('not_found', 'There is no live session with this code.');
      const { participantId, sessionId: signInId } = viewer;
      const access = await checkParticipant(participantId, row);
      if (!access.ok) return access;
      const { invitationId } = access.value;
      const sessionId = row.id;
      return openChecked({
        row,
        audience: 'everyone',
        afterSeq,
        owner: { kind: 'participant', id: participantId },
        invitationId,
        // Checked again every few seconds: the session (ended), the grant (revoked, expired,
        // moved to another version) and the sign-in (signed out).
        isStillAllowed: async () =>
          running.has(sessionId) && (await deps.resolveGrant(participantId, invitationId)) === row.version_id && (await isSignedIn(signInId, participantId)),
      });
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
        timer_remaining_ms: null,
        last_seq: 0,
        opened_at: now,
        updated_at: now,
        ended_at: null,
      };
      const rs = newRunning(row, version, []);
      rs.view = emptyView();
      const feedback = toLiveFeedback(await deps.feedbackOf(mapId));
      try {
        const seq = await appendLocked(rs, async (trx) => {
          const { last_seq: _, ...insertable } = row;
          await createLiveRepository(trx).createSession(insertable);
          return [
            { type: 'session', audience: 'everyone', payload: publicState(row) },
            { type: 'counts', audience: 'everyone', payload: { byStage: {}, total: 0 } },
            { type: 'feedback', audience: 'everyone', payload: feedback },
          ];
        });
        rs.row = { ...row, last_seq: seq ?? 0 };
      } catch (error) {
        // The unique index allows one running session per map: someone else opened one just now.
        if (String(error).includes('UNIQUE')) return fail('conflict', 'A live session is already running on this map. End it before opening another.');
        throw error;
      }
      remember(rs);
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
        return ok(stageKey === row.timer_stage_key ? { focus_stage_key: stageKey } : { focus_stage_key: stageKey, ...NO_TIMER });
      });
    },

    /**
     * A countdown for the stage in focus (minutes 1-60), or none (null). Set while paused, it
     * waits with its full time and starts when the session resumes.
     */
    setTimer(actor: LiveActor, sessionId: string, minutes: string | number | null) {
      return changeSession(actor, sessionId, (row, now) => {
        if (minutes === null || minutes === '') return ok({ ...NO_TIMER });
        const valid = validateTimerMinutes(minutes);
        if (valid === null) return fail('invalid', 'A timer runs from 1 to 60 whole minutes.');
        const started = startTimer(row.state, valid * 60_000, now);
        return ok({ timer_stage_key: row.focus_stage_key, timer_ends_at: started.endsAt, timer_remaining_ms: started.remainingMs, timer_duration_ms: valid * 60_000 });
      });
    },

    /** Pause, resume or end. A timer stands still while the session is paused and goes on from where it stood. */
    setState(actor: LiveActor, sessionId: string, to: LiveSessionState) {
      return changeSession(actor, sessionId, (row, now) => {
        if (!canMoveSession(row.state, to)) return fail('invalid', row.state === to ? `The session is already ${to}.` : `A ${row.state} session cannot become ${to}.`);
        if (to === 'ended') return ok({ state: to, ended_at: now, ...NO_TIMER });
        const timer = timerAcrossStateChange({ endsAt: row.timer_ends_at, remainingMs: row.timer_remaining_ms }, to, now);
        return ok({ state: to, timer_ends_at: timer.endsAt, timer_remaining_ms: timer.remainingMs });
      });
    },

    /** Hides an annotation said in the session from every screen (rejects it in the review queue). */
    hide: (actor: LiveActor, sessionId: string, annotationId: string) => moderate(actor, sessionId, annotationId, 'rejected'),

    /** Shows an annotation waiting for approval on every screen (approves it in the review queue). */
    approve: (actor: LiveActor, sessionId: string, annotationId: string) => moderate(actor, sessionId, annotationId, 'approved'),

    /** The console's stream (staff: every event, also what waits or stays private). `staffSessionId`: the sign-in it came with (signing out closes it). */
    openStream: (actor: LiveActor, staffSessionId: string | null, sessionId: string, afterSeq: number | null) => openStaffStream(actor, staffSessionId, sessionId, afterSeq, 'staff'),

    /** The projector's stream: the participants' events only, since the whole room reads it. */
    openScreenStream: (actor: LiveActor, staffSessionId: string | null, sessionId: string, afterSeq: number | null) => openStaffStream(actor, staffSessionId, sessionId, afterSeq, 'everyone'),
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

    /**
     * The map's feedback settings changed (private or shared, names shown or not): a running
     * session re-reads them and sends the difference at once — a comment no longer shared leaves
     * the boards, a name no longer shown is replaced, and the log keeps no trace of either.
     */
    async noticeSettingsChange(mapId: string): Promise<void> {
      await track(
        (async () => {
          await loadRunning();
          for (const rs of [...running.values()]) if (rs.row.map_id === mapId) await syncAndTag(rs);
        })(),
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

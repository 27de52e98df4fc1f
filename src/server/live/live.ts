/**
 * Live advisory board sessions: the rules and the shapes that travel. Pure: no I/O.
 *
 * A session runs on one published version. Everything a screen shows comes from events with a
 * sequence number that increases within the session; the events are stored, so a screen that
 * lost its connection asks for what came after the last number it saw (Last-Event-ID) and gets
 * exactly the events it missed. Events hold published data only — the version's opaque keys,
 * what participants wrote, counts and the session's own state — built here from an allow-list
 * of fields, never by passing rows along.
 *
 * A session's screens are a fold of its events: `foldEvents` computes what a screen knows, and
 * `diffViews` turns the difference between that and the database into the next events. The
 * server rebuilds its view by folding the stored events, so after a restart it sends exactly
 * what screens have not seen yet.
 */
import { ANNOTATION_KIND_LABELS, describeAnchor, formatAnchor, type Anchor, type AnnotationKind } from '../annotations/annotations.ts';
import type { PublishedSnapshot } from '../portal/snapshot.ts';

export type LiveSessionState = 'open' | 'paused' | 'ended';
export type LiveAudience = 'everyone' | 'staff';

/** Who may run a session (open, focus, timer, pause, end) and who may hide what is said. */
export type StaffRoleName = 'admin' | 'editor' | 'reviewer';
export function canFacilitate(member: { role: StaffRoleName; isActive: boolean }): boolean {
  return member.isActive && (member.role === 'admin' || member.role === 'editor');
}
/** Reviewers follow the console and the screen and hide annotations (moderation is their work), but do not run the session. */
export function canModerateLive(member: { role: StaffRoleName; isActive: boolean }): boolean {
  return member.isActive && (member.role === 'admin' || member.role === 'editor' || member.role === 'reviewer');
}

export const SESSION_TRANSITIONS: Record<LiveSessionState, readonly LiveSessionState[]> = {
  open: ['paused', 'ended'],
  paused: ['open', 'ended'],
  ended: [],
};

export function canMoveSession(from: LiveSessionState, to: LiveSessionState): boolean {
  return SESSION_TRANSITIONS[from].includes(to);
}

export const PAUSED_MESSAGE = 'The facilitator has paused the live session, so new comments are not taken right now. Your text is kept here: send it again when the session goes on.';
export const ENDED_MESSAGE = 'This live session has ended. Thank you for taking part.';

/**
 * Where a board is shown: a participant's own screen, the projector in the room (what
 * participants may see, for everyone in the room), or the facilitator's console.
 */
export type LiveBoardMode = 'participant' | 'screen' | 'console';

/**
 * The status line of a board. Each screen gets words for its reader: participants are told
 * what happens to their text, the room what is going on, the facilitator what participants see.
 */
export function describeSessionState(state: LiveSessionState, mode: LiveBoardMode): string {
  if (state === 'open') return mode === 'console' ? 'The session is live: participants can send comments.' : 'The session is live.';
  if (state === 'paused') {
    if (mode === 'participant') return 'The session is paused: new comments cannot be sent until the facilitator resumes it. Anything you have written is kept.';
    if (mode === 'screen') return 'The session is paused: new comments cannot be sent until the facilitator resumes it.';
    return 'Paused: participants cannot send new comments until you resume. What they have written stays in their form.';
  }
  if (mode === 'participant') return ENDED_MESSAGE;
  if (mode === 'screen') return 'The live session has ended.';
  return 'This session has ended. Everything said in it is in the review queue under its tag.';
}

/** Why a facilitator cannot show a comment to everyone on a map that keeps feedback private. */
export const PRIVATE_APPROVE_MESSAGE = 'Comments stay private on this map: participants see counts only, so nothing can be shown to everyone. Change the map’s feedback settings to share comments.';

/** Timer lengths a facilitator may set, in minutes. */
export const TIMER_MINUTES_MIN = 1;
export const TIMER_MINUTES_MAX = 60;

/** Join codes: what the join link and QR code carry. Not a secret (only invited people get in), just unguessable enough not to collide. */
export const JOIN_CODE_PATTERN = /^[a-z2-9]{10}$/;
export function isJoinCodeShaped(value: string): boolean {
  return JOIN_CODE_PATTERN.test(value);
}

/**
 * The review-queue tag for everything said in a session: "live 2026-11-25 abc123" (the UTC date
 * it opened and the start of its id). It passes the review queue's normalizeTag unchanged.
 */
export function sessionTag(session: { id: string; openedAt: number }): string {
  return `live ${new Date(session.openedAt).toISOString().slice(0, 10)} ${session.id.slice(0, 6)}`;
}

/**
 * A countdown for a stage. It runs while the session is open (`endsAt`, by the server's clock)
 * and stands still while it is paused (`remainingMs`, the time it had left): exactly one of the
 * two is set. Events written before pausing kept the time have no `remainingMs`.
 */
export interface LiveTimer {
  stageKey: string | null;
  endsAt: number | null;
  durationMs: number;
  remainingMs?: number | null;
}

/** The session as screens see it. */
export interface LiveSessionPublicState {
  state: LiveSessionState;
  /** A published stage key, or null (no focus). */
  focusStageKey: string | null;
  timer: LiveTimer | null;
}

/** The time a timer has left at `now` (server time): what every screen shows. */
export function timerRemainingMs(timer: Pick<LiveTimer, 'endsAt' | 'remainingMs'>, now: number): number {
  if (timer.endsAt === null) return Math.max(0, timer.remainingMs ?? 0);
  return Math.max(0, timer.endsAt - now);
}

/** Where a timer stands: counting down to `endsAt`, or still with `remainingMs` left. */
export interface TimerClock {
  endsAt: number | null;
  remainingMs: number | null;
}

/**
 * A timer across a change of the session's state: pausing stops it with the time it had left,
 * resuming counts down from that time again. A paused session's timer must not run out while
 * nobody may speak, and every screen must show the same time: so the server keeps it.
 */
export function timerAcrossStateChange(timer: TimerClock, to: LiveSessionState, now: number): TimerClock {
  if (to === 'paused' && timer.endsAt !== null) return { endsAt: null, remainingMs: Math.max(0, timer.endsAt - now) };
  if (to === 'open' && timer.endsAt === null && timer.remainingMs !== null) return { endsAt: now + timer.remainingMs, remainingMs: null };
  return timer;
}

/** A new timer of `durationMs`: running in an open session, waiting with its full time in a paused one. */
export function startTimer(state: LiveSessionState, durationMs: number, now: number): TimerClock {
  return state === 'paused' ? { endsAt: null, remainingMs: durationMs } : { endsAt: now + durationMs, remainingMs: null };
}

/** One annotation as screens show it. Names only when the map's feedback settings allow. */
export interface LiveAnnotation {
  id: string;
  anchor: string;
  anchorLabel: string;
  /** The stage it belongs to (a stage, a gap after it, or one of its cards), for counts and focus. */
  stageKey: string | null;
  kind: AnnotationKind;
  kindLabel: string;
  text: string;
  authorName: string | null;
  votes: number;
  createdAt: number;
}

export interface LiveCounts {
  /** Annotations said in the session per published stage key. */
  byStage: Record<string, number>;
  total: number;
}

export type LiveEvent =
  | { type: 'session'; audience: 'everyone'; payload: LiveSessionPublicState }
  /** A new or changed annotation that everyone may see. */
  | { type: 'annotation'; audience: 'everyone'; payload: LiveAnnotation }
  /** A new or changed annotation awaiting approval (or private feedback): facilitators only. */
  | { type: 'pending'; audience: 'staff'; payload: LiveAnnotation }
  /** No longer shown (hidden, withdrawn). Audience says who had it. */
  | { type: 'removed'; audience: LiveAudience; payload: { id: string } }
  | { type: 'counts'; audience: 'everyone'; payload: LiveCounts }
  /** The map's feedback settings changed (or the session opened): every board words itself by them. */
  | { type: 'feedback'; audience: 'everyone'; payload: FeedbackRules }
  /** How many people have joined: the console only. A number, never who. */
  | { type: 'members'; audience: 'staff'; payload: LiveMembers };

/** The console's count of who joined. Only the number travels, and only to staff. */
export interface LiveMembers {
  count: number;
}

export type LiveEventType = LiveEvent['type'];
export const LIVE_EVENT_TYPES: readonly LiveEventType[] = ['session', 'annotation', 'pending', 'removed', 'counts', 'feedback', 'members'];

/** A stored event, as the stream sends it. */
export interface StoredLiveEvent {
  seq: number;
  type: LiveEventType;
  audience: LiveAudience;
  /** The payload, as JSON. */
  data: string;
}

export function isVisibleTo(audience: LiveAudience, event: { audience: LiveAudience }): boolean {
  return audience === 'staff' || event.audience === 'everyone';
}

/** The stage an anchor belongs to: a stage, the stage before a gap, a card's stage; none for rows and the whole map. */
export function stageOfAnchor(anchor: Anchor, snapshot: PublishedSnapshot): string | null {
  switch (anchor.kind) {
    case 'stage':
    case 'gap':
      return anchor.stage;
    case 'card':
      return snapshot.cards.find((c) => c.key === anchor.card)?.stage ?? null;
    default:
      return null;
  }
}

/** What the database says about an annotation linked to the session (repository row, already joined). */
export interface LinkedAnnotationFacts {
  id: string;
  anchor: Anchor;
  kind: AnnotationKind;
  text: string;
  authorName: string | null;
  moderation: 'pending' | 'approved' | 'rejected' | 'spam';
  isWithdrawn: boolean;
  votes: number;
  createdAt: number;
}

/**
 * The map's feedback settings, as screens learn them (a `feedback` event): whether comments are
 * shared, approved first, and shown with names. Not internal: participants are told all three.
 */
export interface FeedbackRules {
  mode: 'private' | 'shared';
  requiresApproval: boolean;
  showsNames: boolean;
}

/** The allow-list for the settings: exactly these three fields travel. */
export function toLiveFeedback(rules: FeedbackRules): FeedbackRules {
  return { mode: rules.mode, requiresApproval: rules.requiresApproval, showsNames: rules.showsNames };
}

/**
 * What a board says about where comments go, for its reader, or null when there is nothing to
 * say. It follows the map's settings as they change during the session.
 */
export function describeFeedback(rules: FeedbackRules, mode: LiveBoardMode): string | null {
  const isShared = rules.mode === 'shared';
  if (mode === 'participant') {
    if (!isShared) return 'A live session: what invited people say appears here as they say it (only as counts: the team keeps comments private on this map). Use the Comment links to say something.';
    if (rules.requiresApproval) return 'A live session: what invited people say appears here once the team approves it. Use the Comment links to say something.';
    return 'A live session: what invited people say appears here as they say it. Use the Comment links to say something.';
  }
  if (mode === 'screen') {
    if (!isShared) return 'Comments stay private on this map: the board shows how many were said about each stage.';
    return rules.requiresApproval ? 'Comments appear here once the team approves them.' : null;
  }
  if (!isShared) return 'On this map comments stay private: only the team sees them here and in the review queue; participants and the screen for the room see counts only.';
  return rules.requiresApproval ? null : 'On this map comments are shown to everyone as they are written; what was written while approval was needed waits here.';
}

/** Who sees one annotation now: everyone (approved, shared feedback), staff only (waiting, or private feedback), or nobody (hidden, withdrawn). */
export function audienceOf(facts: Pick<LinkedAnnotationFacts, 'moderation' | 'isWithdrawn'>, rules: Pick<FeedbackRules, 'mode' | 'showsNames'>): LiveAudience | null {
  if (facts.isWithdrawn || facts.moderation === 'rejected' || facts.moderation === 'spam') return null;
  return rules.mode === 'shared' && facts.moderation === 'approved' ? 'everyone' : 'staff';
}

/** The allow-list: the only way an annotation becomes something that travels. */
export function toLiveAnnotation(facts: LinkedAnnotationFacts, snapshot: PublishedSnapshot, rules: Pick<FeedbackRules, 'mode' | 'showsNames'>): LiveAnnotation {
  return {
    id: facts.id,
    anchor: formatAnchor(facts.anchor),
    anchorLabel: describeAnchor(facts.anchor, snapshot),
    stageKey: stageOfAnchor(facts.anchor, snapshot),
    kind: facts.kind,
    kindLabel: ANNOTATION_KIND_LABELS[facts.kind],
    text: facts.text,
    authorName: rules.showsNames ? facts.authorName : null,
    votes: facts.votes,
    createdAt: facts.createdAt,
  };
}

/** What screens know about a session: the fold of its events. */
export interface LiveView {
  session: LiveSessionPublicState | null;
  /** Shown to everyone, by id. */
  shown: Map<string, LiveAnnotation>;
  /** Shown to staff only, by id. */
  waiting: Map<string, LiveAnnotation>;
  counts: LiveCounts;
  /** The map's feedback settings as screens know them; null in a log from before they travelled. */
  feedback: FeedbackRules | null;
  /** Staff only: how many people have joined. */
  members: number;
}

export function emptyView(): LiveView {
  return { session: null, shown: new Map(), waiting: new Map(), counts: { byStage: {}, total: 0 }, feedback: null, members: 0 };
}

export function applyEvent(view: LiveView, event: { type: LiveEventType; audience: LiveAudience; payload: unknown }): void {
  switch (event.type) {
    case 'session':
      view.session = event.payload as LiveSessionPublicState;
      return;
    case 'annotation': {
      const a = event.payload as LiveAnnotation;
      view.waiting.delete(a.id);
      view.shown.set(a.id, a);
      return;
    }
    case 'pending': {
      const a = event.payload as LiveAnnotation;
      view.shown.delete(a.id);
      view.waiting.set(a.id, a);
      return;
    }
    case 'removed': {
      const { id } = event.payload as { id: string };
      if (event.audience === 'everyone') view.shown.delete(id);
      view.waiting.delete(id);
      return;
    }
    case 'counts':
      view.counts = event.payload as LiveCounts;
      return;
    case 'feedback':
      view.feedback = event.payload as FeedbackRules;
      return;
    case 'members':
      view.members = (event.payload as LiveMembers).count;
      return;
  }
}

/**
 * Redaction of the past: the log keeps, for each annotation, only its newest event per channel.
 * An `annotation` or an everyone's `removed` says all there is to know about it for every
 * screen (a fold puts it on the board or takes it off, waiting list included), so it supersedes
 * every earlier event about it; a `pending` or a staff `removed` supersedes earlier staff events
 * about it. Superseded events are deleted in the transaction that appends the new one, so words
 * that were edited away, hidden or withdrawn, and names the map no longer shows, are never sent
 * again to a screen resuming from before them: it gets the newer event, and its fold ends where
 * everyone else's does. Session and counts events carry no words and stay as they are;
 * `feedback` and `members` events say everything about their subject, so only the newest of
 * each stands (a session with many joins keeps one count, not one per join).
 *
 * `slots` holds, per annotation and channel, the number of the event still standing; this
 * records `event` there and returns the numbers it supersedes.
 */
export function supersede(slots: Map<string, number>, event: { seq: number; type: LiveEventType; audience: LiveAudience; payload: unknown }): number[] {
  const superseded: number[] = [];
  const take = (slot: string) => {
    const seq = slots.get(slot);
    if (seq !== undefined && seq < event.seq) superseded.push(seq);
    slots.delete(slot);
  };
  if (event.type === 'feedback' || event.type === 'members') {
    take(event.type);
    slots.set(event.type, event.seq);
    return superseded;
  }
  if (event.type !== 'annotation' && event.type !== 'pending' && event.type !== 'removed') return [];
  const id = (event.payload as { id?: unknown }).id;
  if (typeof id !== 'string') return [];
  const everyone = `everyone:${id}`;
  const staff = `staff:${id}`;
  if (event.type === 'annotation' || (event.type === 'removed' && event.audience === 'everyone')) {
    take(everyone);
    take(staff);
    slots.set(everyone, event.seq);
  } else {
    take(staff);
    slots.set(staff, event.seq);
  }
  return superseded;
}

/** A screen's whole board in one event, not stored: sent instead of the log where the log would say more than the reader may see now. */
export interface LiveReset {
  session: LiveSessionPublicState;
  shown: LiveAnnotation[];
  /** Staff streams only. */
  waiting: LiveAnnotation[];
  counts: LiveCounts;
  feedback: FeedbackRules;
  /** Staff streams only (null on the others): how many people have joined. */
  members: number | null;
}

/** What screens should know now, straight from the database's facts (no log): an ended session's board. */
export function viewOfFacts(facts: readonly LinkedAnnotationFacts[], snapshot: PublishedSnapshot, rules: FeedbackRules, session: LiveSessionPublicState, members: number): LiveView {
  const view = emptyView();
  for (const event of diffViews(view, facts, snapshot, rules, members)) applyEvent(view, event);
  view.session = session;
  return view;
}

export function foldEvents(events: Iterable<{ type: LiveEventType; audience: LiveAudience; data: string }>): LiveView {
  const view = emptyView();
  for (const e of events) applyEvent(view, { type: e.type, audience: e.audience, payload: JSON.parse(e.data) as unknown });
  return view;
}

export function countByStage(annotations: Iterable<LiveAnnotation>): LiveCounts {
  const byStage: Record<string, number> = {};
  let total = 0;
  for (const a of annotations) {
    total++;
    if (a.stageKey) byStage[a.stageKey] = (byStage[a.stageKey] ?? 0) + 1;
  }
  return { byStage, total };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The events that bring screens from `known` to what the database says now (`facts`, every
 * annotation linked to the session; the map's feedback settings; how many joined, when given).
 * Counts include everything said and not hidden, also what waits for approval: a number reveals
 * no words. Settings come first, so a board words itself anew before the comments it now shows.
 */
export function diffViews(known: LiveView, facts: readonly LinkedAnnotationFacts[], snapshot: PublishedSnapshot, rules: FeedbackRules, members?: number): LiveEvent[] {
  const events: LiveEvent[] = [];
  const feedback = toLiveFeedback(rules);
  if (!known.feedback || !sameJson(known.feedback, feedback)) events.push({ type: 'feedback', audience: 'everyone', payload: feedback });
  const counted: LiveAnnotation[] = [];
  const seen = new Set<string>();
  for (const f of facts) {
    seen.add(f.id);
    const audience = audienceOf(f, rules);
    const live = toLiveAnnotation(f, snapshot, rules);
    if (audience !== null) counted.push(live);
    if (audience === 'everyone') {
      const before = known.shown.get(f.id);
      if (!before || !sameJson(before, live)) events.push({ type: 'annotation', audience: 'everyone', payload: live });
    } else {
      if (known.shown.has(f.id)) events.push({ type: 'removed', audience: 'everyone', payload: { id: f.id } });
      if (audience === 'staff') {
        const before = known.waiting.get(f.id);
        if (!before || !sameJson(before, live) || known.shown.has(f.id)) events.push({ type: 'pending', audience: 'staff', payload: live });
      } else if (known.waiting.has(f.id)) {
        events.push({ type: 'removed', audience: 'staff', payload: { id: f.id } });
      }
    }
  }
  // Links are never deleted, but an annotation row can be (its invitation deleted): it leaves the screens.
  for (const id of known.shown.keys()) if (!seen.has(id)) events.push({ type: 'removed', audience: 'everyone', payload: { id } });
  for (const id of known.waiting.keys()) if (!seen.has(id) && !known.shown.has(id)) events.push({ type: 'removed', audience: 'staff', payload: { id } });
  const counts = countByStage(counted);
  if (!sameJson(counts, known.counts)) events.push({ type: 'counts', audience: 'everyone', payload: counts });
  if (members !== undefined && members !== known.members) events.push({ type: 'members', audience: 'staff', payload: { count: members } });
  return events;
}

// ---------------------------------------------------------------------------------------------
// Server-Sent Events framing

/** An event as the text/event-stream format frames it: `id:` is the sequence number. */
export function formatSseEvent(event: { seq: number | null; type: string; data: string }): string {
  // JSON.stringify never emits raw line breaks, so the data is one `data:` line.
  return `${event.seq === null ? '' : `id: ${event.seq}\n`}event: ${event.type}\ndata: ${event.data}\n\n`;
}

export const SSE_HEARTBEAT = ': heartbeat\n\n';

/** A Last-Event-ID (or `since`) value: a non-negative integer sequence number, else null. */
export function parseLastEventId(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (!/^\d{1,15}$/.test(trimmed)) return null;
  return Number(trimmed);
}

/** Checks a timer request from the console. */
export function validateTimerMinutes(value: unknown): number | null {
  const minutes = typeof value === 'string' && value.trim() !== '' ? Number(value) : typeof value === 'number' ? value : NaN;
  return Number.isInteger(minutes) && minutes >= TIMER_MINUTES_MIN && minutes <= TIMER_MINUTES_MAX ? minutes : null;
}

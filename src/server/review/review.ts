/**
 * The review queue's rules: which moves each axis allows, what a move needs, how tags look and
 * how accepted annotations are ranked. Pure: no I/O.
 *
 * Two axes, kept apart (docs/architecture.md, Annotations):
 * - moderation says who else may see an annotation. Nothing returns to `pending` ("nobody has
 *   looked"); every other move is allowed, so a mistaken rejection or spam flag can be undone.
 * - disposition says what the team decided. `new → accepted → applied` is the main line;
 *   `declined` needs a reason and can be reopened (`declined → new`); `needs_follow_up` waits
 *   for more information and then goes on. `duplicate` and `applied` are final: a merge moved
 *   +1s and reporters onto the original, where they cannot be told apart from its own, and an
 *   applied item is what participants are told "we did".
 */
import type { ModerationState, StaffRole } from '../../../db/schema.ts';

export const MODERATION_STATES = ['pending', 'approved', 'rejected', 'spam'] as const satisfies readonly ModerationState[];
export const DISPOSITIONS = ['new', 'accepted', 'applied', 'declined', 'duplicate', 'needs_follow_up'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];
export type { ModerationState };

export const MODERATION_TRANSITIONS: Record<ModerationState, readonly ModerationState[]> = {
  pending: ['approved', 'rejected', 'spam'],
  approved: ['rejected', 'spam'],
  rejected: ['approved', 'spam'],
  spam: ['approved', 'rejected'],
};

export const DISPOSITION_TRANSITIONS: Record<Disposition, readonly Disposition[]> = {
  new: ['accepted', 'declined', 'duplicate', 'needs_follow_up'],
  accepted: ['applied', 'declined', 'needs_follow_up'],
  needs_follow_up: ['accepted', 'declined', 'duplicate'],
  declined: ['new'],
  duplicate: [],
  applied: [],
};

/** Still to be acted on: the digest lists these, and the queue's "Open" filter shows them. */
export const OPEN_DISPOSITIONS = ['new', 'accepted', 'needs_follow_up'] as const satisfies readonly Disposition[];

/** Whether a disposition matches a queue filter value: a disposition, or 'open' for OPEN_DISPOSITIONS. */
export function matchesDispositionFilter(disposition: string, filter: string): boolean {
  return filter === 'open' ? (OPEN_DISPOSITIONS as readonly string[]).includes(disposition) : disposition === filter;
}

export const MODERATION_LABELS: Record<ModerationState, string> = { pending: 'Pending', approved: 'Approved', rejected: 'Rejected', spam: 'Spam' };
export const DISPOSITION_LABELS: Record<Disposition, string> = {
  new: 'New',
  accepted: 'Accepted',
  applied: 'Applied',
  declined: 'Declined',
  duplicate: 'Duplicate',
  needs_follow_up: 'Needs follow-up',
};

export const REASON_MAX = 1000;
export const NOTE_MAX = 5000;
export const TAG_MAX = 40;

export type ReviewAxis = 'moderation' | 'disposition';

export function isModerationState(value: unknown): value is ModerationState {
  return typeof value === 'string' && (MODERATION_STATES as readonly string[]).includes(value);
}

export function isDisposition(value: unknown): value is Disposition {
  return typeof value === 'string' && (DISPOSITIONS as readonly string[]).includes(value);
}

/** Every active staff member triages: reviewers, editors and admins. */
export function canTriage(member: { role: StaffRole; isActive: boolean }): boolean {
  return member.isActive && (member.role === 'reviewer' || member.role === 'editor' || member.role === 'admin');
}

export type TransitionCheck = { ok: true; reason: string | null } | { ok: false; message: string };

/**
 * May `from` become `to` on this axis, with what it brings along? The reason is trimmed;
 * declining needs one, and a duplicate needs the original it duplicates.
 */
export function checkTransition(axis: ReviewAxis, from: string, to: string, extra: { reason?: string | null; duplicateOf?: string | null } = {}): TransitionCheck {
  const reason = extra.reason?.trim() || null;
  if (reason !== null && [...reason].length > REASON_MAX) return { ok: false, message: `Keep the reason to ${REASON_MAX.toLocaleString('en')} characters.` };
  if (axis === 'moderation') {
    if (!isModerationState(to)) return { ok: false, message: `“${to}” is not a moderation state.` };
    if (!isModerationState(from)) return { ok: false, message: `“${from}” is not a moderation state.` };
    if (from === to) return { ok: false, message: `It is already ${MODERATION_LABELS[to].toLowerCase()}.` };
    if (!MODERATION_TRANSITIONS[from].includes(to)) return { ok: false, message: `${MODERATION_LABELS[from]} cannot become ${MODERATION_LABELS[to].toLowerCase()}.` };
    return { ok: true, reason };
  }
  if (!isDisposition(to)) return { ok: false, message: `“${to}” is not a disposition.` };
  if (!isDisposition(from)) return { ok: false, message: `“${from}” is not a disposition.` };
  if (from === to) return { ok: false, message: `It is already ${DISPOSITION_LABELS[to].toLowerCase()}.` };
  if (!DISPOSITION_TRANSITIONS[from].includes(to)) {
    const allowed = DISPOSITION_TRANSITIONS[from];
    const hint = allowed.length === 0 ? `${DISPOSITION_LABELS[from]} is final.` : `It can become ${allowed.map((d) => DISPOSITION_LABELS[d].toLowerCase()).join(', ')}.`;
    return { ok: false, message: `${DISPOSITION_LABELS[from]} cannot become ${DISPOSITION_LABELS[to].toLowerCase()}. ${hint}` };
  }
  if (to === 'declined' && reason === null) return { ok: false, message: 'Say why it is declined.' };
  if (to === 'duplicate' && !extra.duplicateOf) return { ok: false, message: 'Choose the annotation it duplicates.' };
  return { ok: true, reason };
}

/** Lower-case, trimmed, inner spaces collapsed; 1-40 of a-z, 0-9, space and hyphen. Null when not a tag. */
export function normalizeTag(value: string): string | null {
  const tag = value.trim().toLowerCase().replace(/\s+/g, ' ');
  return tag.length >= 1 && tag.length <= TAG_MAX && /^[a-z0-9 -]+$/.test(tag) ? tag : null;
}

export const TAG_RULE = `A tag is 1 to ${TAG_MAX} letters a-z, digits, spaces or hyphens.`;

/** 1-5 or null (not set yet). */
export function isImpactScore(value: unknown): value is number | null {
  return value === null || (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5);
}

// ---------------------------------------------------------------------------------------------
// Priority

/** Unset ratings count as the middle of the 1-5 scale. */
export const NEUTRAL_SCORE = 3;

export const PRIORITY_FORMULA =
  'Priority = (participants + accounts) × mean importance × business impact ÷ effort. ' +
  'Participants: everyone who raised it, +1’d it or raised a duplicate merged into it, each counted once. ' +
  'Accounts: their different companies (someone without a company counts as one). ' +
  `Mean importance: the 1–5 “how much it matters” of those who rated it (${NEUTRAL_SCORE} when nobody did). ` +
  `Business impact and effort: 1–5, set by a reviewer (${NEUTRAL_SCORE} until set).`;

export interface PriorityInput {
  /** Distinct participants: author, voters and reporters of merged duplicates. */
  participants: number;
  /** Distinct accounts among them. */
  accounts: number;
  /** The importance ratings given (author's and merged reporters'), 1-5 each. */
  importances: readonly number[];
  businessImpact: number | null;
  effort: number | null;
}

export interface Priority {
  participants: number;
  accounts: number;
  meanImportance: number;
  /** How many ratings the mean is of: 0 when nobody rated it, and the mean is the neutral 3. */
  importanceRatings: number;
  customerImpact: number;
  businessImpact: number;
  effort: number;
  /** Whether a reviewer set both business impact and effort. */
  isRated: boolean;
  score: number;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export function computePriority(input: PriorityInput): Priority {
  const meanImportance = input.importances.length === 0 ? NEUTRAL_SCORE : input.importances.reduce((sum, n) => sum + n, 0) / input.importances.length;
  const customerImpact = (input.participants + input.accounts) * meanImportance;
  const businessImpact = input.businessImpact ?? NEUTRAL_SCORE;
  const effort = input.effort ?? NEUTRAL_SCORE;
  return {
    participants: input.participants,
    accounts: input.accounts,
    meanImportance: round2(meanImportance),
    importanceRatings: input.importances.length,
    customerImpact: round2(customerImpact),
    businessImpact,
    effort,
    isRated: input.businessImpact !== null && input.effort !== null,
    score: round2((customerImpact * businessImpact) / effort),
  };
}

/** How a participant's company is counted: case and spacing ignored; none counts as their own. */
export function accountKey(account: string | null, participantId: string): string {
  const name = account?.trim().toLowerCase().replace(/\s+/g, ' ');
  return name ? `account:${name}` : `participant:${participantId}`;
}

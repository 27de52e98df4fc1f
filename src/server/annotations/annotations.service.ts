/**
 * Participants annotating a published version: create, edit and withdraw their own until the
 * team has triaged them (approving included, see isLockedForAuthor), see others' approved
 * annotations and +1 them when the map's feedback is shared, and finish with a closing remark.
 * Writing new ones and changing (editing, withdrawing, +1-ing) each have a per-participant
 * budget a minute. Every call names the participant and the
 * invitation; the grant is checked here again, whatever the caller checked before.
 */
import type { DB } from '../../../db/connection.ts';
import type { AnnotationRow } from '../../../db/schema.ts';
import { generateSecureRandomString } from '../auth/auth.ts';
import type { Clock } from '../clock.ts';
import type { PortalService, PublishedVersion } from '../portal/portal.service.ts';
import { fail, ok, type Result } from '../result.ts';
import { RateLimiter } from '../security/rate-limiter.ts';
import {
  ANNOTATION_KIND_LABELS,
  ANNOTATION_TEXT_MAX,
  ANNOTATIONS_PER_MINUTE,
  CHANGES_PER_MINUTE,
  anchorFromColumns,
  anchorToColumns,
  describeAnchor,
  validateAnnotation,
  type Anchor,
  type AnnotationInput,
  type AnnotationKind,
} from './annotations.ts';
import { createAnnotationWriter } from './annotation-writer.ts';
import { createAnnotationsRepository } from './annotations.repository.ts';

export interface FeedbackSettings {
  mode: 'private' | 'shared';
  requiresApproval: boolean;
  showsNames: boolean;
}

export interface AnnotationView {
  id: string;
  anchor: Anchor;
  anchorLabel: string;
  kind: AnnotationKind;
  kindLabel: string;
  text: string;
  felt: number | null;
  importance: number | null;
  revision: number;
  createdAt: number;
  /** The author may still change it: the team has not triaged it yet. */
  isEditable: boolean;
  isOwn: boolean;
  /** Shown only when the team allows names. */
  authorName: string | null;
  votes: number;
  hasVoted: boolean;
  /** For the author in shared mode: whether others can see it yet. */
  isAwaitingApproval: boolean;
}

export type AnnotationError = 'forbidden' | 'invalid' | 'not_found' | 'conflict' | 'locked' | 'rate_limited' | 'paused';

/** What changed, for listeners that follow single annotations (live sessions). */
export interface AnnotationChange {
  annotationId: string;
  invitationId: string;
  versionId: string;
  isVisibleToOthers: boolean;
  change: 'created' | 'updated' | 'withdrawn' | 'voted';
}

const MINUTE = 60 * 1000;
export const CLOSING_TEXT_MAX = ANNOTATION_TEXT_MAX;

/**
 * Triage locks an annotation: once the team decided something, the author's words stay.
 * Approving is a decision too — otherwise words the team approved could be swapped for any
 * others and shown to every participant and on live screens. The one exception is shared
 * feedback without approval: there every annotation is approved as it is written, nobody looked
 * at it, and others see each edit anyway.
 */
function isLockedForAuthor(row: AnnotationRow, settings: FeedbackSettings): boolean {
  if (row.disposition !== 'new' || row.moderation === 'rejected' || row.moderation === 'spam') return true;
  return row.moderation === 'approved' && !isApprovedOnWriting(settings);
}

/** Shared without approval: what participants write is shown to the others at once. */
function isApprovedOnWriting(settings: FeedbackSettings): boolean {
  return settings.mode === 'shared' && !settings.requiresApproval;
}

function waitSeconds(retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}

export function createAnnotationsService(deps: {
  db: DB;
  clock: Clock;
  portal: PortalService;
  /** The version an invitation grants this participant now, or null (participants service). */
  resolveGrant: (participantId: string, invitationId: string) => Promise<string | null>;
}) {
  const { db, clock } = deps;
  const repo = createAnnotationsRepository(db);
  const perParticipant = new RateLimiter({ limit: ANNOTATIONS_PER_MINUTE, windowMs: MINUTE });
  // Edits, withdrawals and +1s: each becomes a live event and empties cached pages.
  const changesPerParticipant = new RateLimiter({ limit: CHANGES_PER_MINUTE, windowMs: MINUTE });
  const writer = createAnnotationWriter(db);
  const changeListeners = new Set<(change: AnnotationChange) => void>();
  // Asked before a new annotation is written: a reason to refuse it (a paused live session), or null.
  const newAnnotationChecks = new Set<(context: { participantId: string; invitationId: string; versionId: string }) => Promise<string | null>>();
  // Read on every annotation, changed rarely and only through saveFeedbackSettings: kept in memory.
  const settingsByMap = new Map<string, FeedbackSettings>();
  // Invitations already marked as responded, so a busy session writes one row per annotation.
  const respondedInvitations = new Set<string>();

  async function settingsOf(mapId: string): Promise<FeedbackSettings> {
    const known = settingsByMap.get(mapId);
    if (known) return known;
    const row = await repo.getSettings(mapId);
    const settings: FeedbackSettings = { mode: row.mode, requiresApproval: row.requires_approval === 1, showsNames: row.shows_names === 1 };
    settingsByMap.set(mapId, settings);
    return settings;
  }

  async function grantedVersion(participantId: string, invitationId: string): Promise<PublishedVersion | null> {
    const versionId = await deps.resolveGrant(participantId, invitationId);
    return versionId ? deps.portal.getPublishedVersion(versionId) : null;
  }

  /** Counts one edit, withdrawal, +1 or closing remark against the participant's budget: a refusal message, or null. */
  function refuseTooManyChanges(participantId: string, then: string): string | null {
    const limit = changesPerParticipant.consume(participantId, clock.now());
    return limit.isAllowed ? null : `That is a lot of changes in a minute. Wait ${waitSeconds(limit.retryAfterMs)} seconds and ${then}.`;
  }

  function toView(row: AnnotationRow, version: PublishedVersion, settings: FeedbackSettings, extra: Partial<AnnotationView> & { isOwn: boolean }): AnnotationView {
    const anchor = anchorFromColumns(row);
    return {
      id: row.id,
      anchor,
      anchorLabel: describeAnchor(anchor, version.snapshot),
      kind: row.kind,
      kindLabel: ANNOTATION_KIND_LABELS[row.kind],
      text: row.text,
      felt: row.felt,
      importance: row.importance,
      revision: row.revision,
      createdAt: row.created_at,
      isEditable: extra.isOwn && !isLockedForAuthor(row, settings),
      authorName: null,
      votes: 0,
      hasVoted: false,
      isAwaitingApproval: false,
      ...extra,
    };
  }

  function announce(invitationId: string, versionId: string, isVisibleToOthers: boolean, annotationId: string, change: AnnotationChange['change']): void {
    for (const listener of changeListeners) listener({ invitationId, versionId, isVisibleToOthers, annotationId, change });
  }

  /** The participant's own annotation, editable: or why not. */
  async function loadOwnEditable(participantId: string, invitationId: string, annotationId: string) {
    const version = await grantedVersion(participantId, invitationId);
    if (!version) return fail('forbidden' as const, 'Your invitation to this map has ended.');
    const row = await repo.get(annotationId);
    if (!row || row.participant_id !== participantId || row.version_id !== version.id || row.is_withdrawn === 1) {
      return fail('not_found' as const, 'That comment no longer exists.');
    }
    const settings = await settingsOf(version.mapId);
    if (isLockedForAuthor(row, settings)) {
      return fail(
        'locked' as const,
        row.moderation === 'approved'
          ? 'The team has already approved this comment, so it can no longer be changed. To add something, write a new comment.'
          : 'The team has already looked at this comment, so it can no longer be changed.',
      );
    }
    return ok({ row, version, settings });
  }

  return {
    getFeedbackSettings: settingsOf,

    async saveFeedbackSettings(mapId: string, settings: FeedbackSettings): Promise<void> {
      await repo.saveSettings(mapId, { mode: settings.mode, requires_approval: settings.requiresApproval ? 1 : 0, shows_names: settings.showsNames ? 1 : 0 });
      settingsByMap.set(mapId, { ...settings });
    },

    /** Calls `listener` after an annotation changes (pages that show it must be rendered again). */
    onChanged(listener: (change: AnnotationChange) => void): void {
      changeListeners.add(listener);
    },

    /** Adds a check asked before every new annotation; a message refuses it (error `paused`). */
    addNewAnnotationCheck(check: (context: { participantId: string; invitationId: string; versionId: string }) => Promise<string | null>): void {
      newAnnotationChecks.add(check);
    },

    /** What the participant sees on their map: their own annotations and, when shared, others' approved ones. */
    async listForParticipant(participantId: string, invitationId: string): Promise<{ own: AnnotationView[]; others: AnnotationView[]; settings: FeedbackSettings } | null> {
      const version = await grantedVersion(participantId, invitationId);
      if (!version) return null;
      const settings = await settingsOf(version.mapId);
      const ownRows = await repo.listOwn(participantId, version.id);
      const own = await Promise.all(
        ownRows.map(async (row) =>
          toView(row, version, settings, {
            isOwn: true,
            votes: settings.mode === 'shared' ? await repo.countVotes(row.id) : 0,
            isAwaitingApproval: settings.mode === 'shared' && row.moderation !== 'approved',
          }),
        ),
      );
      const others =
        settings.mode === 'shared'
          ? (await repo.listShared(version.id, participantId)).map((row) =>
              toView(row, version, settings, { isOwn: false, authorName: settings.showsNames ? row.author_name : null, votes: Number(row.votes), hasVoted: Number(row.has_voted) > 0 }),
            )
          : [];
      return { own, others, settings };
    },

    async createAnnotation(participantId: string, invitationId: string, input: AnnotationInput): Promise<Result<AnnotationView, AnnotationError>> {
      const version = await grantedVersion(participantId, invitationId);
      if (!version) return fail('forbidden', 'Your invitation to this map has ended.');
      const valid = validateAnnotation(input, version.snapshot);
      if (!valid.ok) return fail('invalid', valid.problems.join(' '));
      for (const check of newAnnotationChecks) {
        const refusal = await check({ participantId, invitationId, versionId: version.id });
        if (refusal) return fail('paused', refusal);
      }
      const now = clock.now();
      const limit = perParticipant.consume(participantId, now);
      if (!limit.isAllowed) return fail('rate_limited', `That is a lot of comments in a minute. Wait ${waitSeconds(limit.retryAfterMs)} seconds and send it again; your text is still here.`);
      const settings = await settingsOf(version.mapId);
      const isApproved = isApprovedOnWriting(settings);
      const row = {
        id: generateSecureRandomString(),
        map_id: version.mapId,
        version_id: version.id,
        invitation_id: invitationId,
        participant_id: participantId,
        ...anchorToColumns(valid.value.anchor),
        kind: valid.value.kind,
        text: valid.value.text,
        felt: valid.value.felt,
        importance: valid.value.importance,
        moderation: isApproved ? ('approved' as const) : ('pending' as const),
        created_at: now,
        updated_at: now,
      };
      const isFirstResponse = !respondedInvitations.has(invitationId);
      await writer.write(row, { isFirstResponse });
      respondedInvitations.add(invitationId);
      announce(invitationId, version.id, isApproved, row.id, 'created');
      const created: AnnotationRow = { ...row, is_withdrawn: 0, disposition: 'new', revision: 1 };
      return ok(toView(created, version, settings, { isOwn: true, isAwaitingApproval: settings.mode === 'shared' && !isApproved }));
    },

    async updateAnnotation(
      participantId: string,
      invitationId: string,
      annotationId: string,
      revision: number,
      input: Omit<AnnotationInput, 'anchor'> & { anchor?: Anchor },
    ): Promise<Result<AnnotationView, AnnotationError>> {
      const loaded = await loadOwnEditable(participantId, invitationId, annotationId);
      if (!loaded.ok) return loaded;
      const { row, version, settings } = loaded.value;
      const valid = validateAnnotation({ ...input, anchor: input.anchor ?? anchorFromColumns(row) }, version.snapshot);
      if (!valid.ok) return fail('invalid', valid.problems.join(' '));
      const tooMany = refuseTooManyChanges(participantId, 'save it again; your text is still here');
      if (tooMany) return fail('rate_limited', tooMany);
      const isUpdated = await repo.updateAtRevision(annotationId, revision, {
        ...anchorToColumns(valid.value.anchor),
        kind: valid.value.kind,
        text: valid.value.text,
        felt: valid.value.felt,
        importance: valid.value.importance,
        updated_at: clock.now(),
      });
      if (!isUpdated) return fail('conflict', 'This comment changed in another window. Reload to see the latest, then make your change again.');
      announce(invitationId, version.id, row.moderation === 'approved', annotationId, 'updated');
      return ok(toView((await repo.get(annotationId))!, version, settings, { isOwn: true }));
    },

    async withdrawAnnotation(participantId: string, invitationId: string, annotationId: string): Promise<Result<true, AnnotationError>> {
      const loaded = await loadOwnEditable(participantId, invitationId, annotationId);
      if (!loaded.ok) return loaded;
      const tooMany = refuseTooManyChanges(participantId, 'withdraw it again');
      if (tooMany) return fail('rate_limited', tooMany);
      await repo.updateAtRevision(annotationId, loaded.value.row.revision, { is_withdrawn: 1, updated_at: clock.now() });
      announce(invitationId, loaded.value.version.id, loaded.value.row.moderation === 'approved', annotationId, 'withdrawn');
      return ok(true);
    },

    /** +1 someone else's approved annotation, once; only when the map's feedback is shared. */
    async voteForAnnotation(participantId: string, invitationId: string, annotationId: string): Promise<Result<{ votes: number }, AnnotationError>> {
      const version = await grantedVersion(participantId, invitationId);
      if (!version) return fail('forbidden', 'Your invitation to this map has ended.');
      const row = await repo.get(annotationId);
      const settings = await settingsOf(version.mapId);
      if (!row || row.version_id !== version.id || row.is_withdrawn === 1 || row.moderation !== 'approved' || settings.mode !== 'shared') {
        return fail('not_found', 'That comment is not there to +1.');
      }
      if (row.participant_id === participantId) return fail('invalid', 'You cannot +1 your own comment.');
      const tooMany = refuseTooManyChanges(participantId, '+1 it again');
      if (tooMany) return fail('rate_limited', tooMany);
      // A second +1 by the same person changes nothing, so nobody needs telling.
      if (await repo.addVote(annotationId, participantId, clock.now())) announce(invitationId, version.id, true, annotationId, 'voted');
      return ok({ votes: await repo.countVotes(annotationId) });
    },

    async finishReview(participantId: string, invitationId: string, text: string): Promise<Result<true, AnnotationError>> {
      const version = await grantedVersion(participantId, invitationId);
      if (!version) return fail('forbidden', 'Your invitation to this map has ended.');
      if ([...text].length > CLOSING_TEXT_MAX) return fail('invalid', `Keep it to ${CLOSING_TEXT_MAX.toLocaleString('en')} characters.`);
      const tooMany = refuseTooManyChanges(participantId, 'save it again');
      if (tooMany) return fail('rate_limited', tooMany);
      const now = clock.now();
      await repo.saveClosing({ invitation_id: invitationId, version_id: version.id, text, finished_at: now });
      if (text.trim() !== '') await repo.markResponded(invitationId, now);
      return ok(true);
    },

    async getClosing(participantId: string, invitationId: string): Promise<{ text: string; finishedAt: number } | null> {
      const version = await grantedVersion(participantId, invitationId);
      if (!version) return null;
      const row = await repo.getClosing(invitationId, version.id);
      return row ? { text: row.text, finishedAt: row.finished_at } : null;
    },

    /** Every annotation on every version of a map (staff side: counts on the internal map). */
    listForMap: (mapId: string) => repo.listForMap(mapId),
  };
}
export type AnnotationsService = ReturnType<typeof createAnnotationsService>;

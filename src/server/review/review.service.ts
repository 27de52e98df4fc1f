/**
 * The review queue: staff work through every annotation, moderate it, decide about it, own it,
 * tag it, discuss it and rank the accepted ones.
 *
 * Every change goes through one path (`applyChange`): in one transaction it reads the rows,
 * refuses stale revisions and disallowed moves, writes the change with the revision bumped, and
 * appends history rows (who, when, from, to, why). A bulk change is the same path over many
 * items; when any item is refused, nothing is written and every refusal is returned.
 *
 * The revision guards what an item *is*: moderation, disposition, owner, business impact and
 * effort — and the participant's own text, which they may edit until triage. Tags and notes
 * commute (adding a tag twice changes nothing, notes only accumulate), so they neither check
 * nor bump the revision: a colleague's comment never turns someone's decision into a conflict.
 * They are still written to history (tags) or are their own record (notes).
 */
import type { Updateable } from 'kysely';
import type { DB } from '../../../db/connection.ts';
import type { NewAnnotationHistoryRow, ReviewedAnnotationRow, ReviewedAnnotationsTable, StaffRole } from '../../../db/schema.ts';
import { ANNOTATION_KIND_LABELS, anchorFromColumns, describeAnchor, isAnnotationKind, type Anchor, type AnnotationKind } from '../annotations/annotations.ts';
import { generateSecureRandomString } from '../auth/auth.ts';
import type { Clock } from '../clock.ts';
import { createPortalService, type PortalService } from '../portal/portal.service.ts';
import { fail, ok } from '../result.ts';
import {
  accountKey,
  canTriage,
  checkTransition,
  computePriority,
  DISPOSITIONS,
  isDisposition,
  isImpactScore,
  isModerationState,
  matchesDispositionFilter,
  MODERATION_STATES,
  normalizeTag,
  NOTE_MAX,
  PRIORITY_FORMULA,
  TAG_RULE,
  type Disposition,
  type ModerationState,
  type Priority,
} from './review.ts';
import { createReviewRepository, type QueueQuery, type QueueRow } from './review.repository.ts';

export interface ReviewActor {
  id: string;
  name: string;
  role: StaffRole;
  isActive: boolean;
}

export type ReviewError = 'forbidden' | 'invalid' | 'not_found' | 'conflict' | 'refused';

export interface QueueFilter {
  mapId?: string | null;
  versionId?: string | null;
  /** A published stage key: annotations on that stage, on a gap after it, or on its cards. */
  stageKey?: string | null;
  kind?: string | null;
  segment?: string | null;
  account?: string | null;
  moderation?: string | null;
  disposition?: string | null;
  /** A staff id, or 'none' for items nobody owns. */
  ownerId?: string | null;
  tag?: string | null;
}

export interface QueueItem {
  id: string;
  mapId: string;
  mapTitle: string;
  versionId: string;
  versionNumber: number;
  anchor: Anchor;
  /** Where it points, in the customer's words of that version. */
  anchorLabel: string;
  kind: AnnotationKind;
  kindLabel: string;
  text: string;
  felt: number | null;
  importance: number | null;
  author: { participantId: string; name: string | null; email: string; account: string | null; segment: string | null; role: string | null };
  moderation: ModerationState;
  disposition: Disposition;
  declineReason: string | null;
  duplicateOf: string | null;
  owner: { id: string; name: string } | null;
  tags: string[];
  votes: number;
  /** Participants who raised duplicates merged into this one. */
  reporters: number;
  businessImpact: number | null;
  effort: number | null;
  revision: number;
  createdAt: number;
  /** When the participant last changed it. */
  updatedAt: number;
  triagedAt: number | null;
  /** Internal notes written on it (their text is on the item page). */
  notes: number;
}

export interface RankedItem extends QueueItem {
  priority: Priority;
}

export interface QueuePage {
  items: QueueItem[];
  page: number;
  pageSize: number;
  /** Items matching the filter. */
  total: number;
  /** Each axis counted with every filter except its own, so the counts say what choosing one would show. */
  counts: { moderation: Record<ModerationState, number>; disposition: Record<Disposition, number> };
}

export interface ItemDetail {
  item: QueueItem;
  priority: Priority;
  notes: { id: string; authorId: string | null; authorName: string; text: string; createdAt: number }[];
  history: { id: string; actorId: string | null; actorName: string; field: string; from: string | null; to: string | null; reason: string | null; createdAt: number }[];
  /** Items merged into this one. */
  duplicateIds: string[];
}

export type ReviewChange =
  | { type: 'moderation'; to: string; reason?: string | null }
  | { type: 'disposition'; to: string; reason?: string | null; duplicateOf?: string | null }
  | { type: 'owner'; ownerId: string | null }
  | { type: 'impact'; businessImpact: number | null; effort: number | null }
  | { type: 'addTag'; tag: string }
  | { type: 'removeTag'; tag: string };

/** A target of a change: the item and, when the caller saw it, the revision it saw. */
export interface ReviewTarget {
  id: string;
  revision?: number;
}

export interface Refusal {
  id: string;
  error: 'not_found' | 'conflict' | 'invalid';
  message: string;
}

export type ReviewFailure = { ok: false; error: ReviewError; message: string; current?: QueueItem; refusals?: Refusal[] };
export type ReviewResult<T> = { ok: true; value: T } | ReviewFailure;

export const PAGE_SIZE_MAX = 200;
const CONFLICT_MESSAGE = 'Someone changed this item while you were looking at it. Here is how it is now; make your change again if it still applies.';

function emptyCounts<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

/** Up to this many matching items, a priority-sorted page ranks them all (see rankPage). */
export const RANK_ALL_MAX = 2000;

type Ratings = { importance: number | null; businessImpact: number | null; effort: number | null };

/**
 * Every rating an item can have (importance, business impact, effort: unset or 1 to 5), grouped
 * by the priority an item with nobody else behind it gets from them (one participant, one
 * account), highest first. Computed by the one priority formula, not restated in SQL.
 */
const RATING_GROUPS: { score: number; ratings: Ratings[] }[] = (() => {
  const scales = [null, 1, 2, 3, 4, 5];
  const byScore = new Map<number, Ratings[]>();
  for (const importance of scales) {
    for (const businessImpact of scales) {
      for (const effort of scales) {
        const { score } = computePriority({ participants: 1, accounts: 1, importances: importance === null ? [] : [importance], businessImpact, effort });
        byScore.set(score, [...(byScore.get(score) ?? []), { importance, businessImpact, effort }]);
      }
    }
  }
  return [...byScore].sort(([a], [b]) => b - a).map(([score, ratings]) => ({ score, ratings }));
})();

/** Priority order: highest first, older first among equals (it has waited longer), then by id. */
function byScore(a: { score: number; createdAt: number; id: string }, b: { score: number; createdAt: number; id: string }): number {
  return b.score - a.score || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
function byPriority(a: { priority: Priority; createdAt: number; id: string }, b: { priority: Priority; createdAt: number; id: string }): number {
  return byScore({ ...a, score: a.priority.score }, { ...b, score: b.priority.score });
}

export function createReviewService(deps: { db: DB; clock: Clock; portal?: PortalService }) {
  const { db, clock } = deps;
  const portal = deps.portal ?? createPortalService({ db });
  const repo = createReviewRepository(db);
  const changeListeners = new Set<(change: { versionIds: string[] }) => void>();

  async function resolveQuery(filter: QueueFilter): Promise<ReviewResult<QueueQuery>> {
    if (filter.moderation && !isModerationState(filter.moderation)) return fail('invalid', `“${filter.moderation}” is not a moderation state.`);
    if (filter.disposition && filter.disposition !== 'open' && !isDisposition(filter.disposition)) return fail('invalid', `“${filter.disposition}” is not a disposition.`);
    if (filter.kind && !isAnnotationKind(filter.kind)) return fail('invalid', `“${filter.kind}” is not a kind of annotation.`);
    let tag: string | null = null;
    if (filter.tag) {
      tag = normalizeTag(filter.tag);
      if (!tag) return fail('invalid', TAG_RULE);
    }
    let cardKeys: string[] = [];
    if (filter.stageKey) {
      // Published keys are the same in every version of a map, so the cards of a stage are
      // collected over the versions in view.
      const versionIds = filter.versionId ? [filter.versionId] : filter.mapId ? await repo.listVersionIdsOfMap(filter.mapId) : [];
      const keys = new Set<string>();
      for (const versionId of versionIds) {
        const version = await portal.getPublishedVersion(versionId);
        for (const card of version?.snapshot.cards ?? []) if (card.stage === filter.stageKey) keys.add(card.key);
      }
      cardKeys = [...keys];
    }
    return ok({ ...filter, tag, cardKeys });
  }

  async function toItems(rows: QueueRow[]): Promise<QueueItem[]> {
    const ids = rows.map((r) => r.id);
    const tags = new Map<string, string[]>();
    for (const t of await repo.listTags(ids)) tags.set(t.annotation_id, [...(tags.get(t.annotation_id) ?? []), t.tag]);
    const reporters = new Map<string, number>();
    for (const r of await repo.listReporters(ids)) reporters.set(r.annotation_id, (reporters.get(r.annotation_id) ?? 0) + 1);
    const items: QueueItem[] = [];
    for (const row of rows) {
      const anchor = anchorFromColumns(row);
      const version = await portal.getPublishedVersion(row.version_id);
      items.push({
        id: row.id,
        mapId: row.map_id,
        mapTitle: row.map_title,
        versionId: row.version_id,
        versionNumber: Number(row.version_number),
        anchor,
        anchorLabel: version ? describeAnchor(anchor, version.snapshot) : 'Unknown place',
        kind: row.kind,
        kindLabel: ANNOTATION_KIND_LABELS[row.kind],
        text: row.text,
        felt: row.felt,
        importance: row.importance,
        author: { participantId: row.participant_id, name: row.author_name, email: row.author_email, account: row.author_account, segment: row.author_segment, role: row.author_role },
        moderation: row.moderation,
        disposition: row.disposition as Disposition,
        declineReason: row.decline_reason,
        duplicateOf: row.duplicate_of,
        owner: row.owner_id ? { id: row.owner_id, name: row.owner_name ?? '' } : null,
        tags: tags.get(row.id) ?? [],
        votes: Number(row.votes),
        reporters: reporters.get(row.id) ?? 0,
        businessImpact: row.business_impact,
        effort: row.effort,
        revision: row.revision,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        triagedAt: row.triaged_at,
        notes: Number(row.notes),
      });
    }
    return items;
  }

  /** Items with their priority, in the order of `ids` (withdrawn ones left out). */
  async function listRankedItems(ids: readonly string[]): Promise<RankedItem[]> {
    const rows = await repo.listRows(ids);
    const priorities = await prioritiesOf(rows);
    return (await toItems(rows)).map((item) => ({ ...item, priority: priorities.get(item.id)! }));
  }

  async function getQueueItem(id: string): Promise<QueueItem | null> {
    const [row] = await repo.listRows([id]);
    return row ? (await toItems([row]))[0]! : null;
  }

  async function prioritiesOf(rows: readonly Pick<ReviewedAnnotationRow, 'id' | 'participant_id' | 'invitation_id' | 'importance' | 'business_impact' | 'effort'>[]): Promise<Map<string, Priority>> {
    const participants = new Map<string, Set<string>>();
    const accounts = new Map<string, Set<string>>();
    for (const r of await repo.listRaisers(rows)) {
      if (!participants.has(r.annotation_id)) {
        participants.set(r.annotation_id, new Set());
        accounts.set(r.annotation_id, new Set());
      }
      participants.get(r.annotation_id)!.add(r.participant_id);
      accounts.get(r.annotation_id)!.add(accountKey(r.account, r.participant_id));
    }
    const importances = new Map<string, number[]>();
    for (const row of rows) importances.set(row.id, row.importance === null ? [] : [row.importance]);
    for (const r of await repo.listReporterImportances(rows.map((r) => r.id))) importances.get(r.annotation_id)?.push(r.importance);
    return new Map(
      rows.map((row) => [
        row.id,
        computePriority({
          participants: participants.get(row.id)?.size ?? 1,
          accounts: accounts.get(row.id)?.size ?? 1,
          importances: importances.get(row.id) ?? [],
          businessImpact: row.business_impact,
          effort: row.effort,
        }),
      ]),
    );
  }

  /**
   * Both axes from one grouped count: a cell counts towards an axis when it passes the other
   * axis's filter, so each axis is counted with every filter except its own.
   */
  async function countQueue(query: QueueQuery): Promise<{ total: number; counts: QueuePage['counts'] }> {
    const moderation: Record<string, number> = emptyCounts(MODERATION_STATES);
    const disposition: Record<string, number> = emptyCounts(DISPOSITIONS);
    let total = 0;
    for (const cell of await repo.countByState(query)) {
      const passesModeration = !query.moderation || cell.moderation === query.moderation;
      const passesDisposition = !query.disposition || matchesDispositionFilter(cell.disposition, query.disposition);
      if (passesDisposition) moderation[cell.moderation] = (moderation[cell.moderation] ?? 0) + cell.n;
      if (passesModeration) disposition[cell.disposition] = (disposition[cell.disposition] ?? 0) + cell.n;
      if (passesModeration && passesDisposition) total += cell.n;
    }
    return { total, counts: { moderation: moderation as Record<ModerationState, number>, disposition: disposition as Record<Disposition, number> } };
  }

  /** Ranked ids: highest priority first, older first among equals (it has waited longer). */
  async function rankIds(query: QueueQuery): Promise<{ id: string; priority: Priority }[]> {
    const rows = await repo.listForPriority(query);
    const priorities = await prioritiesOf(rows);
    return rows
      .map((row) => ({ id: row.id, createdAt: row.created_at, priority: priorities.get(row.id)! }))
      .sort((a, b) => byPriority(a, b));
  }

  /**
   * One page of the queue sorted by priority, in the order rankIds gives. A few thousand items
   * are ranked whole. A larger queue is mostly items nobody +1'd and nothing was merged into:
   * their priority follows from their own ratings, so they are read in priority order, one
   * group of equal ratings after another from the priority index, until the page is full; the
   * few others are ranked exactly and merged in. The whole queue is never ranked.
   */
  async function rankPage(query: QueueQuery, total: number, offset: number, limit: number): Promise<string[]> {
    if (total <= RANK_ALL_MAX) return (await rankIds(query)).slice(offset, offset + limit).map((r) => r.id);
    const need = offset + limit;
    const raised = await repo.listRaisedForPriority(query);
    const priorities = await prioritiesOf(raised);
    const candidates = raised.map((row) => ({ id: row.id, createdAt: row.created_at, score: priorities.get(row.id)!.score }));
    let unraised = 0;
    for (const group of RATING_GROUPS) {
      if (unraised >= need) break;
      // Within a group every item has the same priority and older ones come first, so the
      // oldest `need - unraised` of each ratings are all the group can put on the page.
      const wanted = need - unraised;
      for (const ratings of group.ratings) {
        for (const row of await repo.listUnraisedWithRatings(query, ratings, wanted)) {
          candidates.push({ id: row.id, createdAt: row.created_at, score: group.score });
          unraised++;
        }
      }
    }
    return candidates
      .sort(byScore)
      .slice(offset, offset + limit)
      .map((c) => c.id);
  }

  type Plan = { changes: Updateable<ReviewedAnnotationsTable>; history: { field: string; from: string | null; to: string | null; reason: string | null }[]; isTriage: boolean };

  /** What a change does to one row, or why it may not. Pure apart from the looked-up context. */
  function planChange(row: ReviewedAnnotationRow, change: ReviewChange, ctx: { owner: { id: string; name: string } | null; currentOwnerName: string | null; duplicateOf: ReviewedAnnotationRow | null }): Plan | { message: string } {
    switch (change.type) {
      case 'moderation': {
        const check = checkTransition('moderation', row.moderation, change.to, { reason: change.reason });
        if (!check.ok) return { message: check.message };
        return { changes: { moderation: change.to as ModerationState }, history: [{ field: 'moderation', from: row.moderation, to: change.to, reason: check.reason }], isTriage: true };
      }
      case 'disposition': {
        const check = checkTransition('disposition', row.disposition, change.to, { reason: change.reason, duplicateOf: change.duplicateOf });
        if (!check.ok) return { message: check.message };
        const changes: Plan['changes'] = { disposition: change.to };
        const history: Plan['history'] = [{ field: 'disposition', from: row.disposition, to: change.to, reason: check.reason }];
        if (change.to === 'declined') changes.decline_reason = check.reason;
        if (row.disposition === 'declined') changes.decline_reason = null;
        if (change.to === 'duplicate') {
          const original = ctx.duplicateOf;
          if (!original || original.is_withdrawn === 1) return { message: 'The annotation it duplicates no longer exists.' };
          if (original.id === row.id) return { message: 'An annotation cannot duplicate itself.' };
          if (original.map_id !== row.map_id) return { message: 'A duplicate must be on the same map as its original.' };
          if (original.disposition === 'duplicate') return { message: `That one is itself a duplicate; choose its original (${original.duplicate_of}).` };
          changes.duplicate_of = original.id;
          history.push({ field: 'duplicate_of', from: null, to: original.id, reason: null });
        }
        return { changes, history, isTriage: true };
      }
      case 'owner': {
        if ((row.owner_id ?? null) === (ctx.owner?.id ?? null)) return { message: ctx.owner ? `${ctx.owner.name} already owns it.` : 'Nobody owns it already.' };
        return { changes: { owner_id: ctx.owner?.id ?? null }, history: [{ field: 'owner', from: ctx.currentOwnerName, to: ctx.owner?.name ?? null, reason: null }], isTriage: false };
      }
      case 'impact': {
        if (!isImpactScore(change.businessImpact) || !isImpactScore(change.effort)) return { message: 'Business impact and effort are from 1 to 5.' };
        const history: Plan['history'] = [];
        if (change.businessImpact !== row.business_impact) history.push({ field: 'business_impact', from: row.business_impact?.toString() ?? null, to: change.businessImpact?.toString() ?? null, reason: null });
        if (change.effort !== row.effort) history.push({ field: 'effort', from: row.effort?.toString() ?? null, to: change.effort?.toString() ?? null, reason: null });
        if (history.length === 0) return { message: 'Business impact and effort are already set to these.' };
        return { changes: { business_impact: change.businessImpact, effort: change.effort }, history, isTriage: false };
      }
      case 'addTag':
      case 'removeTag':
        // Handled apart: tags do not touch the row.
        return { changes: {}, history: [], isTriage: false };
    }
  }

  /** Whether the item already is what the change asks (same state or owner). */
  function isAlreadySo(row: ReviewedAnnotationRow, change: ReviewChange): boolean {
    if (change.type === 'moderation') return row.moderation === change.to;
    if (change.type === 'disposition') return row.disposition === change.to;
    if (change.type === 'owner') return (row.owner_id ?? null) === (change.ownerId ?? null);
    return false;
  }

  /**
   * The one write path. Refuses everything when any target is refused; otherwise writes every
   * change, its history and (for duplicates) the merge, in one transaction.
   */
  async function applyChange(actor: ReviewActor, targets: readonly ReviewTarget[], change: ReviewChange): Promise<ReviewResult<{ changed: string[]; skipped: string[]; versionIds: string[] }>> {
    if (!canTriage(actor)) return fail('forbidden', 'Only staff can review annotations.');
    if (targets.length === 0) return fail('invalid', 'Select at least one item.');
    const ids = [...new Set(targets.map((t) => t.id))];
    let tag: string | null = null;
    if (change.type === 'addTag' || change.type === 'removeTag') {
      tag = normalizeTag(change.tag);
      if (!tag) return fail('invalid', TAG_RULE);
    }
    let owner: { id: string; name: string } | null = null;
    if (change.type === 'owner' && change.ownerId !== null) {
      const staff = await repo.getStaff(change.ownerId);
      if (!staff || staff.is_active !== 1) return fail('invalid', 'The owner must be an active staff member.');
      owner = { id: staff.id, name: staff.name };
    }
    const outcome = await db.transaction().execute(async (trx) => {
      const tx = createReviewRepository(trx as DB);
      const rows = new Map((await tx.getMany(ids)).map((r) => [r.id, r]));
      const duplicateOf = change.type === 'disposition' && change.to === 'duplicate' && change.duplicateOf ? ((await tx.get(change.duplicateOf)) ?? null) : null;
      if (duplicateOf && rows.has(duplicateOf.id)) {
        return { refusals: [{ id: duplicateOf.id, error: 'invalid' as const, message: 'The original cannot be among the items marked as its duplicates.' }] };
      }
      const ownerNames = new Map<string, string>();
      if (change.type === 'owner') {
        for (const ownerId of new Set([...rows.values()].map((r) => r.owner_id).filter((v): v is string => v !== null))) ownerNames.set(ownerId, (await tx.getStaff(ownerId))?.name ?? ownerId);
      }
      const tagged = tag ? await tx.listTagged(ids, tag) : new Set<string>();
      const refusals: Refusal[] = [];
      const skipped: string[] = [];
      const plans: { row: ReviewedAnnotationRow; plan: Plan }[] = [];
      for (const target of targets) {
        const row = rows.get(target.id);
        if (!row || row.is_withdrawn === 1) {
          refusals.push({ id: target.id, error: 'not_found', message: 'This item no longer exists.' });
          continue;
        }
        if (target.revision !== undefined && target.revision !== row.revision) {
          refusals.push({ id: target.id, error: 'conflict', message: CONFLICT_MESSAGE });
          continue;
        }
        if (change.type === 'addTag' || change.type === 'removeTag') {
          const has = tagged.has(row.id);
          if (change.type === 'addTag' && !has) plans.push({ row, plan: { changes: {}, history: [{ field: 'tag', from: null, to: tag, reason: null }], isTriage: false } });
          if (change.type === 'removeTag' && has) plans.push({ row, plan: { changes: {}, history: [{ field: 'tag', from: tag, to: null, reason: null }], isTriage: false } });
          continue;
        }
        // In a bulk change an item already as asked is left alone, not a reason to refuse the rest.
        if (targets.length > 1 && isAlreadySo(row, change)) {
          skipped.push(row.id);
          continue;
        }
        const plan = planChange(row, change, { owner, currentOwnerName: row.owner_id ? (ownerNames.get(row.owner_id) ?? null) : null, duplicateOf });
        if ('message' in plan) refusals.push({ id: target.id, error: 'invalid', message: plan.message });
        else plans.push({ row, plan });
      }
      if (refusals.length > 0) return { refusals };
      if (plans.length === 0) return { changed: [], skipped, versionIds: [] };

      const now = clock.now();
      const history: { annotationId: string; h: Plan['history'][number] }[] = [];
      const record = (annotationId: string, h: Plan['history'][number]) => history.push({ annotationId, h });

      if (tag && change.type === 'addTag') await tx.addTags(plans.map((p) => p.row.id), tag, now);
      else if (tag && change.type === 'removeTag') await tx.removeTags(plans.map((p) => p.row.id), tag);
      else {
        // Same change for every row (bulk changes are uniform), so one statement per chunk;
        // the revisions were checked above inside this transaction.
        const first = plans[0]!.plan;
        await tx.updateMany(plans.map((p) => p.row.id), first.changes);
        if (first.isTriage) await tx.markTriaged(plans.map((p) => p.row.id), now);
      }
      for (const { row, plan } of plans) for (const h of plan.history) record(row.id, h);

      if (duplicateOf) {
        for (const { row } of plans) {
          await tx.moveVotes(row.id, duplicateOf.id, duplicateOf.participant_id);
          await tx.moveReporters(row, duplicateOf.id, duplicateOf.participant_id, now);
          record(duplicateOf.id, { field: 'merged_duplicate', from: null, to: row.id, reason: null });
          // Duplicates of the duplicate now point at the original, keeping one level.
          for (const earlier of await tx.listDuplicatesOf(row.id)) {
            await tx.updateAtRevision(earlier.id, earlier.revision, { duplicate_of: duplicateOf.id });
            record(earlier.id, { field: 'duplicate_of', from: row.id, to: duplicateOf.id, reason: 'Its original was merged into another.' });
          }
        }
      }
      const sequences = await tx.lastHistorySequences([...new Set(history.map((e) => e.annotationId))]);
      const rowsToAppend: NewAnnotationHistoryRow[] = history.map(({ annotationId, h }) => {
        const sequence = (sequences.get(annotationId) ?? 0) + 1;
        sequences.set(annotationId, sequence);
        return { id: generateSecureRandomString(), annotation_id: annotationId, actor_id: actor.id, actor_name: actor.name, field: h.field, from_value: h.from, to_value: h.to, reason: h.reason, created_at: now, sequence };
      });
      await tx.appendHistory(rowsToAppend);
      const versionIds = new Set(plans.map((p) => p.row.version_id));
      if (duplicateOf) versionIds.add(duplicateOf.version_id);
      return { changed: plans.map((p) => p.row.id), skipped, versionIds: [...versionIds] };
    });
    if ('refusals' in outcome) {
      const refusals = outcome.refusals as Refusal[];
      const total = targets.length;
      const message = total === 1 ? refusals[0]!.message : `${refusals.length} of ${total} items could not be changed, so none was. ${refusals[0]!.message}`;
      return { ok: false, error: 'refused', message, refusals };
    }
    if (change.type === 'moderation' || change.type === 'disposition') for (const listener of changeListeners) listener({ versionIds: outcome.versionIds });
    return ok(outcome);
  }

  /** One item: a refusal becomes not_found, conflict (with the current state) or invalid. */
  async function changeOne(actor: ReviewActor, id: string, expectedRevision: number | undefined, change: ReviewChange): Promise<ReviewResult<QueueItem>> {
    const result = await applyChange(actor, [{ id, revision: expectedRevision }], change);
    if (!result.ok) {
      const refusal = result.refusals?.[0];
      if (!refusal) return result;
      if (refusal.error === 'conflict') return { ok: false, error: 'conflict', message: refusal.message, current: (await getQueueItem(id)) ?? undefined };
      return fail(refusal.error, refusal.message);
    }
    return ok((await getQueueItem(id))!);
  }

  return {
    /** Calls `listener` after moderation or disposition changes: customer pages of those versions show them. */
    onChanged(listener: (change: { versionIds: string[] }) => void): void {
      changeListeners.add(listener);
    },

    /** The filter checked and resolved to stored values (states, kinds and tags exist; a stage includes its cards). */
    resolveFilter: resolveQuery,

    listRankedItems,

    async listQueue(filter: QueueFilter, options: { sort?: 'newest' | 'priority'; page?: number; pageSize?: number } = {}): Promise<ReviewResult<QueuePage>> {
      const resolved = await resolveQuery(filter);
      if (!resolved.ok) return resolved;
      const query = resolved.value;
      const pageSize = Math.min(Math.max(1, Math.floor(options.pageSize ?? 50)), PAGE_SIZE_MAX);
      const page = Math.max(1, Math.floor(options.page ?? 1));
      const offset = (page - 1) * pageSize;
      const { total, counts } = await countQueue(query);
      const ids = options.sort === 'priority' ? await rankPage(query, total, offset, pageSize) : offset < total ? await repo.listNewestIds(query, offset, pageSize) : [];
      const items = await toItems(await repo.listRows(ids));
      return ok({ items, page, pageSize, total, counts });
    },

    async getItem(id: string): Promise<ItemDetail | null> {
      const item = await getQueueItem(id);
      const row = await repo.get(id);
      if (!item || !row) return null;
      const priority = (await prioritiesOf([row])).get(id)!;
      return {
        item,
        priority,
        notes: (await repo.listNotes(id)).map((n) => ({ id: n.id, authorId: n.author_id, authorName: n.author_name, text: n.text, createdAt: n.created_at })),
        history: (await repo.listHistory(id)).map((h) => ({ id: h.id, actorId: h.actor_id, actorName: h.actor_name, field: h.field, from: h.from_value, to: h.to_value, reason: h.reason, createdAt: h.created_at })),
        duplicateIds: (await repo.listDuplicatesOf(id)).map((r) => r.id),
      };
    },

    moderate: (actor: ReviewActor, id: string, expectedRevision: number, to: string, reason?: string | null) => changeOne(actor, id, expectedRevision, { type: 'moderation', to, reason }),

    decide: (actor: ReviewActor, id: string, expectedRevision: number, to: string, extra: { reason?: string | null; duplicateOf?: string | null } = {}) =>
      changeOne(actor, id, expectedRevision, { type: 'disposition', to, ...extra }),

    /** Marks `id` a duplicate of `originalId`: its +1s and reporters move to the original. */
    markDuplicate: (actor: ReviewActor, id: string, expectedRevision: number, originalId: string, reason?: string | null) =>
      changeOne(actor, id, expectedRevision, { type: 'disposition', to: 'duplicate', duplicateOf: originalId, reason }),

    assignOwner: (actor: ReviewActor, id: string, expectedRevision: number, ownerId: string | null) => changeOne(actor, id, expectedRevision, { type: 'owner', ownerId }),

    setImpact: (actor: ReviewActor, id: string, expectedRevision: number, impact: { businessImpact: number | null; effort: number | null }) =>
      changeOne(actor, id, expectedRevision, { type: 'impact', ...impact }),

    /** Tags commute: no revision check; adding one it has already is a no-op. */
    addTag: (actor: ReviewActor, id: string, tag: string) => changeOne(actor, id, undefined, { type: 'addTag', tag }),
    removeTag: (actor: ReviewActor, id: string, tag: string) => changeOne(actor, id, undefined, { type: 'removeTag', tag }),

    async addNote(actor: ReviewActor, id: string, text: string): Promise<ReviewResult<ItemDetail['notes'][number]>> {
      if (!canTriage(actor)) return fail('forbidden', 'Only staff can review annotations.');
      if (text.trim() === '') return fail('invalid', 'Write the note first.');
      if ([...text].length > NOTE_MAX) return fail('invalid', `Keep a note to ${NOTE_MAX.toLocaleString('en')} characters.`);
      const row = await repo.get(id);
      if (!row || row.is_withdrawn === 1) return fail('not_found', 'This item no longer exists.');
      const note = { id: generateSecureRandomString(), annotation_id: id, author_id: actor.id, author_name: actor.name, text, created_at: clock.now() };
      await repo.addNote(note);
      return ok({ id: note.id, authorId: note.author_id, authorName: note.author_name, text: note.text, createdAt: note.created_at });
    },

    /**
     * One change on many items (select, then state, owner or tag), all or nothing. Give each
     * item's revision as seen to refuse items changed since; refusals list every item refused.
     */
    /** `skipped`: items that were already as asked, left alone. */
    async bulkUpdate(actor: ReviewActor, targets: readonly (string | ReviewTarget)[], change: ReviewChange): Promise<ReviewResult<{ changed: number; skipped: number }>> {
      const result = await applyChange(
        actor,
        targets.map((t) => (typeof t === 'string' ? { id: t } : t)),
        change,
      );
      return result.ok ? ok({ changed: result.value.changed.length, skipped: result.value.skipped.length }) : result;
    },

    /**
     * Accepted items, highest priority first, one page at a time (the same ranking as the queue's
     * priority order), with the formula that ranks them.
     */
    async listPriorities(filter: QueueFilter = {}, options: { page?: number; pageSize?: number } = {}): Promise<ReviewResult<{ formula: string; items: RankedItem[]; total: number; page: number; pageSize: number }>> {
      const resolved = await resolveQuery({ ...filter, disposition: 'accepted' });
      if (!resolved.ok) return resolved;
      const query = resolved.value;
      const pageSize = Math.min(Math.max(1, Math.floor(options.pageSize ?? 50)), PAGE_SIZE_MAX);
      const page = Math.max(1, Math.floor(options.page ?? 1));
      const { total } = await countQueue(query);
      const items = await listRankedItems(await rankPage(query, total, (page - 1) * pageSize, pageSize));
      return ok({ formula: PRIORITY_FORMULA, total, page, pageSize, items });
    },
  };
}
export type ReviewService = ReturnType<typeof createReviewService>;

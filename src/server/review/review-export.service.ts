/**
 * Exports every annotation of a queue view (the queue's own filter) with its triage data, as CSV
 * or W3C Web Annotation JSON-LD (review-export.ts).
 *
 * Exports can hold 100,000 annotations, so nothing here pages through the queue (each queue page
 * also counts every axis and OFFSET rescans what it skips) or builds the file in memory. One
 * query reads the matching ids in export order, newest first; that fixes who is in the export
 * and its total, and costs one sort at most whatever index the filter leads SQLite to. Then the
 * rows are read by id a batch at a time, and each batch is turned into text and handed on
 * before the next is read, so the database is never held for long. The caller writes the
 * chunks to a file, standard output or an HTTP response as they come.
 */
import type { DB } from '../../../db/connection.ts';
import { anchorFromColumns, describeAnchor, isAnnotationKind, ANNOTATION_KIND_LABELS } from '../annotations/annotations.ts';
import type { Clock } from '../clock.ts';
import type { PortalService, PublishedVersion } from '../portal/portal.service.ts';
import { fail, ok, type Result } from '../result.ts';
import { queueViewQuery } from './queue-filter.ts';
import {
  annotationCsvHeaderLine,
  annotationCsvRow,
  EXPORT_CONTENT_TYPES,
  exportCollectionUrl,
  exportFileName,
  serializeWebAnnotation,
  WEB_ANNOTATION_COLLECTION_TAIL,
  WEB_ANNOTATION_SEPARATOR,
  webAnnotationCollectionHead,
  type ExportFormat,
  type ExportItem,
} from './review-export.ts';
import { createReviewRepository, type ExportRow, type QueueQuery } from './review.repository.ts';
import type { QueueFilter } from './review.service.ts';
import { accountKey, computePriority, isDisposition, isModerationState, normalizeTag, TAG_RULE, type Disposition } from './review.ts';

/**
 * Rows read per batch: big enough to amortise the look-ups, small enough that a batch (about
 * 25 ms on 100,000 annotations) never holds the server's one database connection for long.
 */
export const EXPORT_BATCH_SIZE = 500;

export type ExportError = 'invalid' | 'not_found';

export interface AnnotationExport {
  format: ExportFormat;
  contentType: string;
  fileName: string;
  /** Annotations matching when the export started (one withdrawn meanwhile is left out). */
  total: number;
  /** The file's text, in order. Read it once, while the database is open. */
  chunks: AsyncIterable<string>;
}

export function createReviewExportService(deps: { db: DB; clock: Clock; portal: PortalService; publicUrl: string; batchSize?: number }) {
  const { clock, portal, publicUrl } = deps;
  const batchSize = deps.batchSize ?? EXPORT_BATCH_SIZE;
  const repo = createReviewRepository(deps.db);

  /**
   * The same rules as the queue (review.service.ts, resolveQuery): states and kinds must exist,
   * a tag is normalised, and a stage includes the cards on it in the versions in view.
   */
  async function resolveQuery(filter: QueueFilter): Promise<Result<QueueQuery, ExportError>> {
    if (filter.moderation && !isModerationState(filter.moderation)) return fail('invalid', `“${filter.moderation}” is not a moderation state.`);
    if (filter.disposition && !isDisposition(filter.disposition)) return fail('invalid', `“${filter.disposition}” is not a disposition.`);
    if (filter.kind && !isAnnotationKind(filter.kind)) return fail('invalid', `“${filter.kind}” is not a kind of annotation.`);
    let tag: string | null = null;
    if (filter.tag) {
      tag = normalizeTag(filter.tag);
      if (!tag) return fail('invalid', TAG_RULE);
    }
    let cardKeys: string[] = [];
    if (filter.stageKey) {
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

  /** Tags, reporters, reach and priority of one batch, in a handful of queries. */
  async function toExportItems(rows: ExportRow[], versions: Map<string, PublishedVersion | null>): Promise<ExportItem[]> {
    const ids = rows.map((r) => r.id);
    const tags = new Map<string, string[]>();
    for (const t of await repo.listTags(ids)) tags.set(t.annotation_id, [...(tags.get(t.annotation_id) ?? []), t.tag]);
    const reporters = new Map<string, number>();
    for (const r of await repo.listReporters(ids)) reporters.set(r.annotation_id, (reporters.get(r.annotation_id) ?? 0) + 1);
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
    const importances = new Map<string, number[]>(rows.map((r) => [r.id, r.importance === null ? [] : [r.importance]]));
    for (const r of await repo.listReporterImportances(ids)) importances.get(r.annotation_id)?.push(r.importance);

    const items: ExportItem[] = [];
    for (const row of rows) {
      if (!versions.has(row.version_id)) versions.set(row.version_id, await portal.getPublishedVersion(row.version_id));
      const version = versions.get(row.version_id) ?? null;
      const anchor = anchorFromColumns(row);
      const reach = { participants: participants.get(row.id)?.size ?? 1, accounts: accounts.get(row.id)?.size ?? 1 };
      const priority = computePriority({ ...reach, importances: importances.get(row.id) ?? [], businessImpact: row.business_impact, effort: row.effort });
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
        triagedAt: row.triaged_at,
        updatedAt: row.updated_at,
        notes: Number(row.notes),
        participants: reach.participants,
        accounts: reach.accounts,
        priority: priority.score,
      });
    }
    return items;
  }

  /** The annotations with these ids, in this order, a batch at a time. */
  async function* readBatches(ids: readonly string[]): AsyncGenerator<ExportItem[]> {
    const versions = new Map<string, PublishedVersion | null>();
    for (let start = 0; start < ids.length; start += batchSize) {
      const rows = await repo.listExportRows(ids.slice(start, start + batchSize));
      if (rows.length > 0) yield await toExportItems(rows, versions);
    }
  }

  async function* csvChunks(ids: readonly string[]): AsyncGenerator<string> {
    yield annotationCsvHeaderLine();
    for await (const batch of readBatches(ids)) yield batch.map(annotationCsvRow).join('');
  }

  async function* w3cChunks(ids: readonly string[], head: string): AsyncGenerator<string> {
    yield head;
    let isFirst = true;
    for await (const batch of readBatches(ids)) {
      const text = batch.map((item) => serializeWebAnnotation(item, publicUrl)).join(WEB_ANNOTATION_SEPARATOR);
      yield isFirst ? text : WEB_ANNOTATION_SEPARATOR + text;
      isFirst = false;
    }
    yield WEB_ANNOTATION_COLLECTION_TAIL;
  }

  return {
    /**
     * Checks the filter (an unknown map is not_found, a bad state or tag invalid) and reads which
     * annotations match; their rows are read as the chunks are consumed.
     */
    async exportAnnotations(filter: QueueFilter, format: ExportFormat): Promise<Result<AnnotationExport, ExportError>> {
      const resolved = await resolveQuery(filter);
      if (!resolved.ok) return resolved;
      const query = resolved.value;
      let mapTitle: string | null = null;
      if (filter.mapId) {
        mapTitle = await repo.getMapTitle(filter.mapId);
        if (mapTitle === null) return fail('not_found', `No map with id ${filter.mapId}.`);
      }
      const ids = await repo.listExportIds(query);
      const total = ids.length;
      const label = mapTitle === null ? 'Annotations on every map' : `Annotations on “${mapTitle}”`;
      const head = format === 'w3c' ? webAnnotationCollectionHead({ id: exportCollectionUrl(publicUrl, 'w3c', queueViewQuery({ filter })), label, total }) : '';
      return ok({
        format,
        contentType: EXPORT_CONTENT_TYPES[format],
        fileName: exportFileName({ mapTitle, now: clock.now(), format }),
        total,
        chunks: format === 'csv' ? csvChunks(ids) : w3cChunks(ids, head),
      });
    },
  };
}
export type ReviewExportService = ReturnType<typeof createReviewExportService>;

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
import type { Clock } from '../clock.ts';
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
import { createReviewRepository } from './review.repository.ts';
import type { QueueFilter, ReviewService } from './review.service.ts';

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

export function createReviewExportService(deps: { db: DB; clock: Clock; review: ReviewService; publicUrl: string; batchSize?: number }) {
  const { clock, review, publicUrl } = deps;
  const batchSize = deps.batchSize ?? EXPORT_BATCH_SIZE;
  const repo = createReviewRepository(deps.db);

  /** One batch as the queue shows it (review.service.ts), with its reach and priority flattened for the file. */
  async function toExportItems(ids: readonly string[]): Promise<ExportItem[]> {
    return (await review.listRankedItems(ids)).map((item) => ({ ...item, participants: item.priority.participants, accounts: item.priority.accounts, priority: item.priority.score }));
  }

  /** The annotations with these ids, in this order, a batch at a time. */
  async function* readBatches(ids: readonly string[]): AsyncGenerator<ExportItem[]> {
    for (let start = 0; start < ids.length; start += batchSize) {
      const items = await toExportItems(ids.slice(start, start + batchSize));
      if (items.length > 0) yield items;
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
      const resolved = await review.resolveFilter(filter);
      if (!resolved.ok) return fail('invalid', resolved.message);
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

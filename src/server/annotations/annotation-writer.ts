/**
 * Group commit for new annotations.
 *
 * Every acknowledged annotation must survive a crash, so each commit waits for the disk
 * (synchronous = FULL: one fsync per transaction). An advisory board writing at once would
 * queue behind those fsyncs one by one. Instead, annotations that arrive while the database is
 * busy are gathered and written together in one transaction — one fsync for the lot — and each
 * caller is answered only after the transaction holding its row has committed. A failed batch
 * is retried row by row, so one bad row cannot take its neighbours down with it.
 */
import type { Insertable } from 'kysely';
import type { DB } from '../../../db/connection.ts';
import type { AnnotationsTable } from '../../../db/schema.ts';
import { createAnnotationsRepository } from './annotations.repository.ts';

interface Pending {
  row: Insertable<AnnotationsTable>;
  isFirstResponse: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Larger batches only lengthen the wait of the first row in them. */
const MAX_BATCH = 200;

export function createAnnotationWriter(db: DB) {
  let queue: Pending[] = [];
  let isScheduled = false;

  async function writeBatch(batch: Pending[]): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const repo = createAnnotationsRepository(trx);
      await repo.createMany(batch.map((p) => p.row));
      for (const p of batch) if (p.isFirstResponse) await repo.markResponded(p.row.invitation_id, p.row.created_at);
    });
  }

  async function flush(): Promise<void> {
    isScheduled = false;
    const batch = queue.slice(0, MAX_BATCH);
    queue = queue.slice(MAX_BATCH);
    if (queue.length > 0) schedule();
    try {
      await writeBatch(batch);
      for (const p of batch) p.resolve();
    } catch {
      for (const p of batch) {
        try {
          await writeBatch([p]);
          p.resolve();
        } catch (error) {
          p.reject(error);
        }
      }
    }
  }

  function schedule(): void {
    if (isScheduled) return;
    isScheduled = true;
    // After the I/O callbacks already waiting: requests that arrived together share a commit.
    setImmediate(() => void flush());
  }

  return {
    /** Resolves once the row is committed (durably), together with whatever came in with it. */
    write(row: Insertable<AnnotationsTable>, options: { isFirstResponse: boolean }): Promise<void> {
      return new Promise((resolve, reject) => {
        queue.push({ row, isFirstResponse: options.isFirstResponse, resolve, reject });
        schedule();
      });
    },
  };
}

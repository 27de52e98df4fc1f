/**
 * Runs `deliverDue` every `intervalMs`, and at once after an enqueue. Runs never overlap: a
 * request that arrives during a run is remembered and served by one more run right after it.
 *
 * An enqueue may notify before its transaction has committed. On SQLite the worker's queries
 * wait for the transaction (one connection), so the new row is seen; elsewhere it would be
 * picked up by the next periodic run. Either way nothing is missed, only delayed.
 */
import type { MailLogger } from './mail.ts';
import type { MailService } from './mail.service.ts';

export interface MailWorker {
  /** Run as soon as possible (after the current run, if one is going). */
  notify(): void;
  /** Stops the timer and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

export function startMailWorker(
  service: Pick<MailService, 'deliverDue' | 'onEnqueued'>,
  options: { intervalMs: number; batchSize?: number; logger?: MailLogger },
): MailWorker {
  const logger = options.logger ?? console;
  let current: Promise<void> | null = null;
  let isRunRequested = false;
  let isStopped = false;

  async function runUntilIdle(): Promise<void> {
    do {
      isRunRequested = false;
      try {
        const report = await service.deliverDue(options.batchSize ?? 20);
        // A full batch probably left more due rows behind: go again without waiting.
        if (report.claimed >= (options.batchSize ?? 20)) isRunRequested = true;
      } catch (error) {
        logger.error(`[mail] Delivery run failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    } while (isRunRequested && !isStopped);
  }

  function notify(): void {
    if (isStopped) return;
    isRunRequested = true;
    if (current) return;
    // Deferred, so that the caller's transaction gets on with its work first.
    current = new Promise<void>((resolve) => setTimeout(resolve, 0))
      .then(runUntilIdle)
      .finally(() => {
        current = null;
        // A notify between the end of the loop and this line found `current` still set.
        if (isRunRequested) notify();
      });
  }

  const timer = setInterval(notify, options.intervalMs);
  timer.unref?.();
  const unsubscribe = service.onEnqueued(notify);
  notify();

  return {
    notify,
    async stop() {
      isStopped = true;
      clearInterval(timer);
      unsubscribe();
      await current;
    },
  };
}

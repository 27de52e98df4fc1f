/**
 * Runs the digest's `sendDue` once a minute in the server process (started by
 * src/server/http/serve.ts next to the mail worker). Each tick only asks whether a slot is due;
 * sending once per period is the service's job (a unique row per period and person), so a tick
 * that overlaps another process's, or a restart, sends nothing twice. Ticks never overlap here.
 */
import type { MailLogger } from '../mail/mail.ts';
import type { DigestService } from './digest.service.ts';

export const DIGEST_CHECK_INTERVAL_MS = 60_000;

export interface DigestScheduler {
  /** Runs one check now (after the current one, if one is going); resolves when it is done. */
  check(): Promise<void>;
  /** Stops the timer and waits for a check in progress. */
  stop(): Promise<void>;
}

export function startDigestScheduler(service: Pick<DigestService, 'sendDue'>, options: { intervalMs?: number; logger?: MailLogger } = {}): DigestScheduler {
  const logger = options.logger ?? console;
  let current: Promise<void> = Promise.resolve();
  let isStopped = false;

  function check(): Promise<void> {
    if (isStopped) return current;
    current = current.then(async () => {
      if (isStopped) return;
      try {
        const run = await service.sendDue();
        if (run && run.sent > 0) logger.info(`[digest] ${run.sent} digest(s) for ${run.period} written to the outbox.`);
      } catch (error) {
        logger.error(`[digest] The digest check failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    return current;
  }

  const timer = setInterval(() => void check(), options.intervalMs ?? DIGEST_CHECK_INTERVAL_MS);
  timer.unref?.();
  void check();

  return {
    check,
    async stop() {
      isStopped = true;
      clearInterval(timer);
      await current;
    },
  };
}

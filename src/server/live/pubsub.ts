/**
 * The publish/subscribe seam between the process that stores a live event and the processes
 * that hold the screens' connections.
 *
 * A message is a small notice — "session S has events up to number N" — never the events
 * themselves: events are rows in live_events, and a subscriber reads the rows after the last
 * number it delivered. That keeps messages tiny and makes a lost or duplicated notice harmless
 * (the next one, or the next read, catches up), which is what lets the implementation change:
 *
 * - today, one server: `createInProcessPubSub`, a map of channels to listeners;
 * - several servers on PostgreSQL: a `LISTEN live` connection per process and
 *   `NOTIFY live, '<session>:<seq>'` (pg_notify) sent in the transaction that inserts the
 *   events, so the notice goes out exactly when they commit. The payload stays far below
 *   NOTIFY's 8,000-byte limit. The rest of the live code does not change.
 *
 * Listeners run after the publisher's commit and must not throw; a slow listener delays only
 * its own deliveries.
 */
export interface LiveNotice {
  sessionId: string;
  /** The newest event number committed for the session. */
  seq: number;
}

export interface LivePubSub {
  publish(notice: LiveNotice): void;
  /** Calls `listener` for every notice about the session; returns the unsubscribe function. */
  subscribe(sessionId: string, listener: (notice: LiveNotice) => void): () => void;
  /** Drops every subscription (shutdown). */
  close(): void;
}

export function createInProcessPubSub(): LivePubSub {
  const channels = new Map<string, Set<(notice: LiveNotice) => void>>();
  return {
    publish(notice) {
      const listeners = channels.get(notice.sessionId);
      if (!listeners) return;
      // A copy: a listener may unsubscribe while we go through them.
      for (const listener of [...listeners]) {
        try {
          listener(notice);
        } catch (error) {
          console.error('[live] a subscriber failed', error);
        }
      }
    },
    subscribe(sessionId, listener) {
      let listeners = channels.get(sessionId);
      if (!listeners) {
        listeners = new Set();
        channels.set(sessionId, listeners);
      }
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && channels.get(sessionId) === listeners) channels.delete(sessionId);
      };
    },
    close() {
      channels.clear();
    },
  };
}

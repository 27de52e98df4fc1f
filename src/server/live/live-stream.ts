/**
 * The screens' connections: Server-Sent Events streams fed from the stored events.
 *
 * One hub per process holds every open stream, grouped by session. For each session with at
 * least one stream here, the hub subscribes once to the pub/sub seam (pubsub.ts); a notice
 * makes it read the events after the last one it delivered — one query for all the streams of
 * the session, whatever their number — and write each event, encoded once, to every stream
 * whose audience may see it.
 *
 * Exactly once: every stream has a cursor, the number of the last event it has dealt with. A
 * new stream starts at its Last-Event-ID (or the number its page was rendered at) and first
 * catches up from the database; events the hub delivers meanwhile wait in the stream's queue
 * and are written afterwards, skipping those at or below the cursor. So a reconnecting screen
 * gets every event it missed, none twice — also after a restart, since the events are rows.
 *
 * Streams close when the session ends (after its last event), when the person's access ends
 * (the caller's check runs every few seconds, and revocation closes them at once through
 * `closeWhere`), when the client goes away, and when a client is so slow that events pile up
 * (it reconnects and catches up from the database). A comment line every 15 seconds keeps
 * proxies from timing the connection out.
 */
import { EVENT_PAGE, type LiveRepository } from './live.repository.ts';
import { formatSseEvent, isVisibleTo, SSE_HEARTBEAT, type LiveAudience, type LiveEventType } from './live.ts';
import type { LivePubSub } from './pubsub.ts';

export interface LiveStreamOptions {
  heartbeatMs: number;
  /** How often each stream's access is checked again. */
  recheckMs: number;
  /** Granularity of the heartbeat and recheck timer. */
  tickMs: number;
  /** Chunks queued for a client that does not read before its stream is dropped. */
  maxQueuedChunks: number;
}

export const DEFAULT_STREAM_OPTIONS: LiveStreamOptions = { heartbeatMs: 15_000, recheckMs: 2_000, tickMs: 1_000, maxQueuedChunks: 5_000 };

export const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  // no-transform: a proxy must not compress it (compression buffers), nor keep it.
  'cache-control': 'no-store, no-transform',
  // Proxies such as nginx buffer responses unless told not to.
  'x-accel-buffering': 'no',
};

interface EncodedEvent {
  seq: number;
  audience: LiveAudience;
  bytes: Uint8Array;
  /** The session ended with this event: streams close after writing it. */
  isEnd: boolean;
}

interface Connection {
  sessionId: string;
  audience: LiveAudience;
  /** For participants' streams: the invitation they came in with (revocation closes them). */
  invitationId: string | null;
  cursor: number;
  isCatchingUp: boolean;
  queued: EncodedEvent[];
  controller: ReadableStreamDefaultController<Uint8Array>;
  lastWriteAt: number;
  lastCheckAt: number;
  isChecking: boolean;
  isClosed: boolean;
  isStillAllowed: () => Promise<boolean>;
}

interface HubSession {
  connections: Set<Connection>;
  /** The last event the hub read and delivered for this session. */
  cursor: number;
  ready: Promise<void>;
  isReading: boolean;
  needsRead: boolean;
  unsubscribe: () => void;
}

const encoder = new TextEncoder();

function encode(row: { seq: number; type: string; audience: string; payload: string }): EncodedEvent {
  const isEnd = row.type === ('session' satisfies LiveEventType) && (JSON.parse(row.payload) as { state?: string }).state === 'ended';
  return { seq: row.seq, audience: row.audience as LiveAudience, bytes: encoder.encode(formatSseEvent({ seq: row.seq, type: row.type, data: row.payload })), isEnd };
}

export function createLiveHub(deps: { repo: LiveRepository; bus: LivePubSub; options?: Partial<LiveStreamOptions>; now?: () => number }) {
  const options = { ...DEFAULT_STREAM_OPTIONS, ...deps.options };
  const now = deps.now ?? (() => performance.now());
  const sessions = new Map<string, HubSession>();
  let ticker: ReturnType<typeof setInterval> | null = null;
  let connectionCount = 0;

  function write(conn: Connection, bytes: Uint8Array): void {
    if (conn.isClosed) return;
    if ((conn.controller.desiredSize ?? 0) < -options.maxQueuedChunks) {
      close(conn);
      return;
    }
    conn.controller.enqueue(bytes);
    conn.lastWriteAt = now();
  }

  function close(conn: Connection): void {
    if (conn.isClosed) return;
    conn.isClosed = true;
    try {
      conn.controller.close();
    } catch {
      // Already closed or errored by the client going away.
    }
    detach(conn);
  }

  function detach(conn: Connection): void {
    const hs = sessions.get(conn.sessionId);
    if (!hs || !hs.connections.delete(conn)) return;
    connectionCount--;
    if (hs.connections.size === 0) {
      hs.unsubscribe();
      sessions.delete(conn.sessionId);
    }
    if (connectionCount === 0 && ticker) {
      clearInterval(ticker);
      ticker = null;
    }
  }

  function deliver(conn: Connection, event: EncodedEvent): void {
    if (conn.isClosed) return;
    if (conn.isCatchingUp) {
      conn.queued.push(event);
      return;
    }
    if (event.seq <= conn.cursor) return;
    conn.cursor = event.seq;
    if (!isVisibleTo(conn.audience, event)) return;
    write(conn, event.bytes);
    if (event.isEnd) close(conn);
  }

  async function readNew(sessionId: string, hs: HubSession): Promise<void> {
    await hs.ready;
    if (hs.isReading) {
      hs.needsRead = true;
      return;
    }
    hs.isReading = true;
    try {
      let isFullPage = false;
      do {
        hs.needsRead = false;
        const rows = await deps.repo.listEventsAfter(sessionId, hs.cursor, 'staff');
        isFullPage = rows.length === EVENT_PAGE;
        for (const row of rows) {
          const event = encode(row);
          hs.cursor = event.seq;
          for (const conn of [...hs.connections]) deliver(conn, event);
        }
      } while ((hs.needsRead || isFullPage) && sessions.get(sessionId) === hs);
    } catch (error) {
      console.error('[live] reading events failed', error);
    } finally {
      hs.isReading = false;
    }
  }

  function hubSession(sessionId: string): HubSession {
    const existing = sessions.get(sessionId);
    if (existing) return existing;
    const hs: HubSession = { connections: new Set(), cursor: 0, ready: Promise.resolve(), isReading: false, needsRead: false, unsubscribe: () => {} };
    sessions.set(sessionId, hs);
    // Subscribe before reading where the session stands: a notice in between is not lost.
    hs.unsubscribe = deps.bus.subscribe(sessionId, () => void readNew(sessionId, hs));
    hs.ready = deps.repo.lastSeq(sessionId).then(
      (seq) => {
        hs.cursor = Math.max(hs.cursor, seq);
      },
      (error: unknown) => console.error('[live] reading the session failed', error),
    );
    return hs;
  }

  function tick(): void {
    const at = now();
    for (const hs of sessions.values()) {
      for (const conn of [...hs.connections]) {
        if (at - conn.lastWriteAt >= options.heartbeatMs) write(conn, encoder.encode(SSE_HEARTBEAT));
        if (!conn.isChecking && at - conn.lastCheckAt >= options.recheckMs) {
          conn.isChecking = true;
          conn.lastCheckAt = at;
          conn.isStillAllowed().then(
            (isAllowed) => {
              conn.isChecking = false;
              if (!isAllowed) close(conn);
            },
            () => {
              conn.isChecking = false;
            },
          );
        }
      }
    }
  }

  return {
    /**
     * A stream of the session's events after `afterSeq` (a Last-Event-ID, or where the page was
     * rendered; null: from now on). `isStillAllowed` is asked again every few seconds.
     */
    open(input: { sessionId: string; audience: LiveAudience; afterSeq: number | null; invitationId?: string | null; isStillAllowed: () => Promise<boolean> }): ReadableStream<Uint8Array> {
      let conn: Connection;
      return new ReadableStream<Uint8Array>({
        start: async (controller) => {
          const hs = hubSession(input.sessionId);
          conn = {
            sessionId: input.sessionId,
            audience: input.audience,
            invitationId: input.invitationId ?? null,
            cursor: 0,
            isCatchingUp: true,
            queued: [],
            controller,
            lastWriteAt: now(),
            lastCheckAt: now(),
            isChecking: false,
            isClosed: false,
            isStillAllowed: input.isStillAllowed,
          };
          hs.connections.add(conn);
          connectionCount++;
          ticker ??= setInterval(tick, options.tickMs);
          ticker.unref?.();
          // Not stored, so no id: tells the screen the server's time (for timers) and that it is connected.
          write(conn, encoder.encode(formatSseEvent({ seq: null, type: 'hello', data: JSON.stringify({ serverNow: Date.now() }) })));
          try {
            await hs.ready;
            conn.cursor = input.afterSeq ?? hs.cursor;
            let isEnded = false;
            for (;;) {
              const rows = await deps.repo.listEventsAfter(input.sessionId, conn.cursor, input.audience);
              for (const row of rows) {
                const event = encode(row);
                conn.cursor = event.seq;
                write(conn, event.bytes);
                isEnded ||= event.isEnd;
              }
              if (rows.length < EVENT_PAGE || conn.isClosed) break;
            }
            conn.isCatchingUp = false;
            if (isEnded) {
              close(conn);
              return;
            }
            for (const event of conn.queued.splice(0)) deliver(conn, event);
          } catch (error) {
            console.error('[live] catching up failed', error);
            close(conn);
          }
        },
        cancel: () => {
          if (!conn) return;
          conn.isClosed = true;
          detach(conn);
        },
      });
    },

    /** Closes the streams that match (an invitation revoked, say). */
    closeWhere(isAffected: (stream: { sessionId: string; invitationId: string | null; audience: LiveAudience }) => boolean): number {
      let closed = 0;
      for (const hs of [...sessions.values()]) {
        for (const conn of [...hs.connections]) {
          if (isAffected(conn)) {
            close(conn);
            closed++;
          }
        }
      }
      return closed;
    },

    /** Makes the hub read a session's new events now (its own writes, without waiting for the notice). */
    poke(sessionId: string): void {
      const hs = sessions.get(sessionId);
      if (hs) void readNew(sessionId, hs);
    },

    closeAll(): void {
      for (const hs of [...sessions.values()]) for (const conn of [...hs.connections]) close(conn);
    },

    /** Open streams in this process, per session. */
    countStreams(sessionId?: string): number {
      return sessionId ? (sessions.get(sessionId)?.connections.size ?? 0) : connectionCount;
    },
  };
}
export type LiveHub = ReturnType<typeof createLiveHub>;

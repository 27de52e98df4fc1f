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
 * `closeWhere`), when the client goes away, and when a client is so slow that more than
 * `maxQueuedBytes` wait for it (it reconnects and catches up from the database; the HTTP front
 * holds the socket to the same limit, `limitStreamBacklog`). A comment line every 15 seconds
 * keeps proxies from timing the connection out.
 *
 * Nobody holds many: a person's streams are capped (opening one more closes their oldest), and
 * so is the process's total (the caller refuses new ones when `hasRoom` says no).
 */
import type { ServerResponse } from 'node:http';
import { EVENT_PAGE, type LiveRepository } from './live.repository.ts';
import { formatSseEvent, isVisibleTo, SSE_HEARTBEAT, type LiveAudience, type LiveEventType } from './live.ts';
import type { LivePubSub } from './pubsub.ts';

export interface LiveStreamOptions {
  heartbeatMs: number;
  /** How often each stream's access is checked again. */
  recheckMs: number;
  /** Granularity of the heartbeat and recheck timer. */
  tickMs: number;
  /**
   * Bytes a stream may hold for a client that does not read before it is dropped (the client
   * reconnects and resumes from its Last-Event-ID). The HTTP front applies the same limit to
   * the socket (`limitStreamBacklog`), where bytes pile up when the writer does not wait.
   */
  maxQueuedBytes: number;
  /** Open streams per participant: opening one more closes their oldest (a tab left open, a dead connection). */
  maxStreamsPerParticipant: number;
  /** Open streams per staff member (the console and the screen, on a few devices). */
  maxStreamsPerStaffMember: number;
  /** Open streams in this process: beyond, new ones are refused until some close. */
  maxStreams: number;
  /** Streams a participant may open per minute (reconnects included); beyond, refused with 429. */
  opensPerMinutePerParticipant: number;
  opensPerMinutePerStaffMember: number;
}

export const DEFAULT_STREAM_OPTIONS: LiveStreamOptions = {
  heartbeatMs: 15_000,
  recheckMs: 2_000,
  tickMs: 1_000,
  maxQueuedBytes: 1024 * 1024,
  maxStreamsPerParticipant: 5,
  maxStreamsPerStaffMember: 10,
  maxStreams: 2_000,
  opensPerMinutePerParticipant: 30,
  opensPerMinutePerStaffMember: 120,
};

export const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  // no-transform: a proxy must not compress it (compression buffers), nor keep it.
  'cache-control': 'no-store, no-transform',
  // Proxies such as nginx buffer responses unless told not to.
  'x-accel-buffering': 'no',
};

/** Who holds a stream, for the per-person caps. */
export interface StreamOwner {
  kind: 'participant' | 'staff';
  id: string;
}

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
  ownerKey: string;
  cursor: number;
  isCatchingUp: boolean;
  queued: EncodedEvent[];
  controller: ReadableStreamDefaultController<Uint8Array>;
  /** Resolved when the client reads (catching up waits for it rather than piling up bytes). */
  drained: (() => void) | null;
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

const ownerKeyOf = (owner: StreamOwner) => `${owner.kind}:${owner.id}`;

/** Queued bytes, not chunks: `desiredSize` then says how many bytes the client has not taken. */
const BYTE_QUEUE: QueuingStrategy<Uint8Array> = { highWaterMark: 0, size: (chunk) => chunk.byteLength };

export function createLiveHub(deps: { repo: LiveRepository; bus: LivePubSub; options?: Partial<LiveStreamOptions>; now?: () => number }) {
  const options = { ...DEFAULT_STREAM_OPTIONS, ...deps.options };
  const now = deps.now ?? (() => performance.now());
  const sessions = new Map<string, HubSession>();
  /** Each person's open streams, oldest first. */
  const owners = new Map<string, Set<Connection>>();
  let ticker: ReturnType<typeof setInterval> | null = null;
  let connectionCount = 0;

  function backlogOf(conn: Connection): number {
    return -(conn.controller.desiredSize ?? 0);
  }

  function write(conn: Connection, bytes: Uint8Array): void {
    if (conn.isClosed) return;
    // A client that does not read: drop it rather than hold its events in memory; it
    // reconnects and catches up from the table.
    if (backlogOf(conn) + bytes.byteLength > options.maxQueuedBytes) {
      drop(conn);
      return;
    }
    conn.controller.enqueue(bytes);
    conn.lastWriteAt = now();
  }

  /** Catching up writes many events at once: past half the limit it waits for the client to read. */
  async function writePaced(conn: Connection, bytes: Uint8Array): Promise<void> {
    if (backlogOf(conn) > options.maxQueuedBytes / 2) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => drop(conn), options.heartbeatMs * 2);
        conn.drained = () => {
          clearTimeout(timer);
          resolve();
        };
        if (conn.isClosed) conn.drained();
      });
      conn.drained = null;
    }
    write(conn, bytes);
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

  /** Closes at once, discarding what the client has not read (error, not close: close would keep it queued). */
  function drop(conn: Connection): void {
    if (conn.isClosed) return;
    conn.isClosed = true;
    try {
      conn.controller.error(new Error('The client reads too slowly: dropped; it resumes from its Last-Event-ID.'));
    } catch {
      // Already closed.
    }
    detach(conn);
  }

  function detach(conn: Connection): void {
    conn.drained?.();
    const mine = owners.get(conn.ownerKey);
    if (mine?.delete(conn) && mine.size === 0) owners.delete(conn.ownerKey);
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

  function hello(): Uint8Array {
    // Not stored, so no id: tells the screen the server's time (for timers) and that it is connected.
    return encoder.encode(formatSseEvent({ seq: null, type: 'hello', data: JSON.stringify({ serverNow: Date.now() }) }));
  }

  return {
    /** Whether this process takes another stream (`maxStreams`). */
    hasRoom(): boolean {
      return connectionCount < options.maxStreams;
    },

    /**
     * A stream of the session's events after `afterSeq` (a Last-Event-ID, or where the page was
     * rendered; null: from now on). With `reset`, it first sends the whole board as it stands at
     * `reset.seq` and goes on from there. `isStillAllowed` is asked again every few seconds. The
     * owner's oldest stream closes when they hold more than their share.
     */
    open(input: {
      sessionId: string;
      audience: LiveAudience;
      afterSeq: number | null;
      reset?: { seq: number; data: string };
      owner: StreamOwner;
      invitationId?: string | null;
      isStillAllowed: () => Promise<boolean>;
    }): ReadableStream<Uint8Array> {
      let conn: Connection;
      return new ReadableStream<Uint8Array>(
        {
          start: async (controller) => {
            const hs = hubSession(input.sessionId);
            conn = {
              sessionId: input.sessionId,
              audience: input.audience,
              invitationId: input.invitationId ?? null,
              ownerKey: ownerKeyOf(input.owner),
              cursor: 0,
              isCatchingUp: true,
              queued: [],
              controller,
              drained: null,
              lastWriteAt: now(),
              // Spread: streams opened together (a room joining at once) are not all re-checked in the same tick.
              lastCheckAt: now() - Math.random() * options.recheckMs,
              isChecking: false,
              isClosed: false,
              isStillAllowed: input.isStillAllowed,
            };
            hs.connections.add(conn);
            connectionCount++;
            let mine = owners.get(conn.ownerKey);
            if (!mine) owners.set(conn.ownerKey, (mine = new Set()));
            mine.add(conn);
            const share = input.owner.kind === 'participant' ? options.maxStreamsPerParticipant : options.maxStreamsPerStaffMember;
            for (const oldest of [...mine].slice(0, Math.max(0, mine.size - share))) close(oldest);
            ticker ??= setInterval(tick, options.tickMs);
            ticker.unref?.();
            write(conn, hello());
            try {
              await hs.ready;
              if (input.reset) {
                write(conn, encoder.encode(formatSseEvent({ seq: input.reset.seq, type: 'reset', data: input.reset.data })));
                conn.cursor = input.reset.seq;
              } else {
                conn.cursor = input.afterSeq ?? hs.cursor;
              }
              let isEnded = false;
              while (!conn.isClosed) {
                const rows = await deps.repo.listEventsAfter(input.sessionId, conn.cursor, input.audience);
                for (const row of rows) {
                  if (conn.isClosed) break;
                  const event = encode(row);
                  conn.cursor = event.seq;
                  await writePaced(conn, event.bytes);
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
              // A client that went away meanwhile is no failure.
              if (!conn.isClosed) console.error('[live] catching up failed', error);
              close(conn);
            }
          },
          pull: () => {
            conn?.drained?.();
          },
          cancel: () => {
            if (!conn) return;
            conn.isClosed = true;
            detach(conn);
          },
        },
        BYTE_QUEUE,
      );
    },

    /** A stream that says one thing and ends: an ended session's board, for a screen that missed the end. */
    once(event: { seq: number; type: string; data: string }): ReadableStream<Uint8Array> {
      const frames = [hello(), encoder.encode(formatSseEvent(event))];
      return new ReadableStream<Uint8Array>({
        start(controller) {
          for (const frame of frames) controller.enqueue(frame);
          controller.close();
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

/** The paths of the live streams (participants', the console's, the screen's), for the HTTP front. */
const LIVE_STREAM_PATH = /^(?:\/m\/live\/[^/]+|\/app\/maps\/[^/]+\/live\/[^/]+(?:\/screen)?)\/events$/;
export function isLiveStreamPath(pathname: string): boolean {
  return LIVE_STREAM_PATH.test(pathname);
}

/**
 * Backpressure where the bytes really pile up. Astro's Node adapter writes each chunk of a
 * response as soon as the stream gives it, without waiting for the socket to drain, so for a
 * client that stops reading, the events wait in the response's buffer, not in the stream. The
 * HTTP front calls this for live streams: a write that leaves more than `maxBytes` unsent
 * destroys the connection, which cancels the stream; the browser reconnects and resumes.
 */
export function limitStreamBacklog(response: Pick<ServerResponse, 'write' | 'writableLength' | 'destroy'>, maxBytes = DEFAULT_STREAM_OPTIONS.maxQueuedBytes): void {
  const write = response.write.bind(response) as (...args: unknown[]) => boolean;
  response.write = ((...args: unknown[]) => {
    const isWritten = write(...args);
    if (response.writableLength > maxBytes) response.destroy();
    return isWritten;
  }) as ServerResponse['write'];
}

/** The answer when no stream is opened. 204 for an ended session tells the browser to stop reconnecting. */
export function refusedStreamResponse(error: string, message: string): Response {
  if (error === 'ended') return new Response(null, { status: 204 });
  const status = error === 'rate_limited' ? 429 : error === 'busy' ? 503 : error === 'not_found' ? 404 : 403;
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (status === 429 || status === 503) headers['retry-after'] = '60';
  return new Response(message, { status, headers });
}

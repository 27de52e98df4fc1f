/**
 * Reads a text/event-stream body the way a browser's EventSource does: frames separated by a
 * blank line, `id:`, `event:` and `data:` fields, comment lines starting with a colon.
 */
export interface SseEvent {
  id: number | null;
  type: string;
  data: unknown;
}

export interface SseReader {
  /** The next event (comments skipped), or null when the stream closed; throws after `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseEvent | null>;
  /** Events up to and including the first that matches. */
  until(isLast: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves when the stream closes; throws after `timeoutMs`. Returns the events still unread. */
  closed(timeoutMs?: number): Promise<SseEvent[]>;
  comments: string[];
  hellos: unknown[];
  cancel(): Promise<void>;
}

export function readSse(stream: ReadableStream<Uint8Array>): SseReader {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const comments: string[] = [];
  const hellos: unknown[] = [];
  const ready: SseEvent[] = [];
  let buffer = '';
  let isDone = false;
  let reading: Promise<void> | null = null;

  function parseFrames(): void {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end < 0) return;
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let id: number | null = null;
      let type = 'message';
      const data: string[] = [];
      let isEvent = false;
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) (id = Number(line.slice(4))), (isEvent = true);
        else if (line.startsWith('event: ')) (type = line.slice(7)), (isEvent = true);
        else if (line.startsWith('data: ')) data.push(line.slice(6)), (isEvent = true);
      }
      // `hello` (no id, not stored) only tells the screen the server's time: kept apart.
      if (isEvent && type === 'hello') hellos.push(JSON.parse(data.join('\n')) as unknown);
      else if (isEvent) ready.push({ id, type, data: JSON.parse(data.join('\n')) as unknown });
    }
  }

  function readMore(): Promise<void> {
    reading ??= reader.read().then(({ done, value }) => {
      reading = null;
      if (done) isDone = true;
      else {
        buffer += decoder.decode(value, { stream: true });
        parseFrames();
      }
    });
    return reading;
  }

  async function next(timeoutMs = 3000): Promise<SseEvent | null> {
    const deadline = Date.now() + timeoutMs;
    while (ready.length === 0 && !isDone) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no event in time');
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([readMore(), new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
    return ready.shift() ?? null;
  }

  return {
    next,
    comments,
    hellos,
    async until(isLast, timeoutMs = 3000) {
      const events: SseEvent[] = [];
      for (;;) {
        const event = await next(timeoutMs);
        if (!event) throw new Error(`stream closed before the expected event; got ${JSON.stringify(events)}`);
        events.push(event);
        if (isLast(event)) return events;
      }
    },
    async closed(timeoutMs = 3000) {
      const events: SseEvent[] = [];
      for (;;) {
        const event = await next(timeoutMs);
        if (!event) return events;
        events.push(event);
      }
    },
    async cancel() {
      await reader.cancel().catch(() => {});
    },
  };
}

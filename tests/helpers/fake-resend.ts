/**
 * A stand-in for Resend's API on loopback, for tests that run the real `resend` SDK (point the
 * SDK at it by setting RESEND_BASE_URL before constructing a client).
 *
 * It answers POST /emails like Resend does for what the tests need: `{ id }` on success, JSON
 * errors otherwise, and idempotency: a request whose Idempotency-Key was accepted before gets the
 * first answer again and sends nothing new. It records every request, and can be told to fail:
 * answer with an error status N times, accept a message but drop the connection before
 * answering (a lost response), reset every connection (an outage), or stop listening altogether.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The error `name` Resend gives with a status (only the ones the tests use). */
const ERROR_NAMES: Record<number, string> = {
  401: 'invalid_api_key',
  409: 'concurrent_idempotent_requests',
  422: 'validation_error',
  429: 'rate_limit_exceeded',
  500: 'internal_server_error',
  503: 'application_error',
};

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | null;
  idempotencyKey: string | null;
  body: Record<string, unknown> | null;
}

export interface StoredEmail {
  id: string;
  idempotencyKey: string | null;
  payload: Record<string, unknown>;
}

export class FakeResend {
  /** Every request that reached the handler, in order. */
  readonly requests: RecordedRequest[] = [];
  /** Emails Resend would have sent: one per accepted message, never two for one key. */
  readonly emails: StoredEmail[] = [];
  private readonly byKey = new Map<string, { id: string; body: string }>();
  private readonly sockets = new Set<Socket>();
  private failures: { count: number; status: number } = { count: 0, status: 500 };
  private lostResponses = 0;
  private isResetting = false;
  private server: http.Server | null = null;
  private port = 0;

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts on `port`, by default a random free port (or the same port again after `stop`). */
  async start(port = this.port): Promise<void> {
    this.port = port;
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      if (this.isResetting) {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening: connections are refused until `start` again. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `count` requests get `status` with a Resend-shaped error body, and send nothing. */
  failNext(count: number, status = 500): void {
    this.failures = { count, status };
  }

  /** The next `count` messages are accepted (and sent) but the connection drops before the answer. */
  loseNextResponses(count: number): void {
    this.lostResponses = count;
  }

  /** While on, every connection is reset as soon as it opens (the port stays taken). */
  setResetting(isResetting: boolean): void {
    this.isResetting = isResetting;
    // Kept-alive connections from before the outage go down with it.
    if (isResetting) for (const socket of this.sockets) socket.destroy();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> | null = null;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
    } catch {
      body = null;
    }
    const idempotencyKey = header(req, 'idempotency-key');
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', authorization: header(req, 'authorization'), idempotencyKey, body });

    const answer = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    // Not Resend's: lets an end-to-end test read what "was sent" to a person.
    if (req.method === 'GET' && req.url === '/__test/emails') return answer(200, this.emails);
    if (req.method !== 'POST' || req.url !== '/emails') return answer(404, { statusCode: 404, name: 'not_found', message: 'Not found' });
    if (!header(req, 'authorization')?.startsWith('Bearer re_')) {
      return answer(401, { statusCode: 401, name: 'missing_api_key', message: 'Missing API key' });
    }
    if (this.failures.count > 0) {
      this.failures.count -= 1;
      const status = this.failures.status;
      return answer(status, { statusCode: status, name: ERROR_NAMES[status] ?? 'internal_server_error', message: 'Something went wrong' });
    }
    if (!body || typeof body.to === 'undefined' || typeof body.from !== 'string' || typeof body.subject !== 'string') {
      return answer(422, { statusCode: 422, name: 'validation_error', message: 'Missing `to`, `from` or `subject`.' });
    }

    let id: string;
    const previous = idempotencyKey ? this.byKey.get(idempotencyKey) : undefined;
    if (previous) {
      // Resend: the same key with another payload is an error; with the same payload, the first answer.
      if (previous.body !== raw) {
        return answer(409, { statusCode: 409, name: 'invalid_idempotent_request', message: 'Same idempotency key, different payload.' });
      }
      id = previous.id;
    } else {
      id = randomUUID();
      this.emails.push({ id, idempotencyKey, payload: body });
      if (idempotencyKey) this.byKey.set(idempotencyKey, { id, body: raw });
    }
    if (this.lostResponses > 0) {
      this.lostResponses -= 1;
      req.socket.destroy();
      return;
    }
    answer(200, { id });
  }
}

function header(req: http.IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

/** A started fake, ready for `new Resend(...)` once RESEND_BASE_URL is set to its baseUrl. */
export async function startFakeResend(): Promise<FakeResend> {
  const fake = new FakeResend();
  await fake.start();
  return fake;
}

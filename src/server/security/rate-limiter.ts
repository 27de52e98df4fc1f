/**
 * A fixed-window-log rate limiter kept in memory.
 *
 * Each key (an account, a client address) keeps the times of its recent attempts; an attempt is
 * refused when `limit` attempts already fall inside the window. Memory is bounded: keys whose
 * attempts have all aged out are dropped as others are written, and the number of keys is capped
 * (the oldest go first), so a flood of distinct addresses cannot grow it without end.
 *
 * One process holds the truth; a deployment on several servers needs a shared store behind the
 * same interface.
 */
export interface RateLimitDecision {
  isAllowed: boolean;
  /** When refused: milliseconds until the oldest attempt leaves the window. */
  retryAfterMs: number;
}

export class RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly maxKeys: number;
  readonly #attempts = new Map<string, number[]>();

  constructor(options: { limit: number; windowMs: number; maxKeys?: number }) {
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.maxKeys = options.maxKeys ?? 50_000;
  }

  /** Looks without recording. */
  check(key: string, now: number): RateLimitDecision {
    const recent = this.#recent(key, now);
    if (recent.length < this.limit) return { isAllowed: true, retryAfterMs: 0 };
    return { isAllowed: false, retryAfterMs: recent[0]! + this.windowMs - now };
  }

  /** Records one attempt. */
  record(key: string, now: number): void {
    const recent = this.#recent(key, now);
    recent.push(now);
    this.#attempts.delete(key); // re-insert so Map order stays oldest-first
    this.#attempts.set(key, recent);
    if (this.#attempts.size > this.maxKeys) {
      const oldest = this.#attempts.keys().next().value;
      if (oldest !== undefined) this.#attempts.delete(oldest);
    }
  }

  /** Checks and, when allowed, records: for limits on every attempt rather than on failures. */
  consume(key: string, now: number): RateLimitDecision {
    const decision = this.check(key, now);
    if (decision.isAllowed) this.record(key, now);
    return decision;
  }

  /**
   * Takes back one attempt recorded at `at` (by consume or record): for limits that count an
   * attempt before its outcome is known, so that parallel attempts cannot all slip past the
   * check, and then forgive the ones that turned out fine.
   */
  release(key: string, at: number): void {
    const times = this.#attempts.get(key);
    const index = times?.lastIndexOf(at) ?? -1;
    if (index >= 0) times!.splice(index, 1);
  }

  reset(key: string): void {
    this.#attempts.delete(key);
  }

  #recent(key: string, now: number): number[] {
    const times = this.#attempts.get(key);
    if (!times) return [];
    const recent = times.filter((t) => t > now - this.windowMs);
    if (recent.length === 0) this.#attempts.delete(key);
    return recent;
  }
}

export function describeRetryAfter(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  return minutes <= 1 ? 'a minute' : `${minutes} minutes`;
}

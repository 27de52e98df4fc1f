/**
 * How many invitation emails one staff member may cause in an hour.
 *
 * Every invitation email a staff action writes (an invitation, a CSV row, a resend, a restore)
 * comes out of an hourly allowance of rows, large enough for the largest CSV file the upload
 * takes; those sent one at a time (invite, resend, restore) also come out of a small allowance
 * of their own, since nobody types a hundred addresses an hour by hand. An upload asks for all
 * its rows at once and is refused whole when they do not fit, so a refused upload writes nothing.
 *
 * Unlike the RateLimiter (one attempt per entry) an allowance spends amounts: a 10,000-row upload
 * is one entry, not 10,000. Kept in memory, like every rate limit here: one process holds the truth.
 */
import { INVITATION_CSV_MAX_ROWS } from './invitations.ts';

/** Invitations (CSV rows and single ones alike) per staff member per hour: a full CSV file fits. */
export const INVITATIONS_PER_HOUR_PER_STAFF = INVITATION_CSV_MAX_ROWS;
/** Invitation emails sent one at a time (invite, resend, restore) per staff member per hour. */
export const SINGLE_INVITATIONS_PER_HOUR_PER_STAFF = 100;

export type AllowanceDecision =
  | { isAllowed: true }
  /** `retryAfterMs`: until enough is free again; null when `amount` can never fit. */
  | { isAllowed: false; remaining: number; retryAfterMs: number | null };

export class HourlyAllowance {
  readonly limit: number;
  readonly windowMs: number;
  readonly #spent = new Map<string, { at: number; amount: number }[]>();

  constructor(options: { limit: number; windowMs: number }) {
    this.limit = options.limit;
    this.windowMs = options.windowMs;
  }

  /** Looks without spending. */
  check(key: string, amount: number, now: number): AllowanceDecision {
    const recent = this.#recent(key, now);
    const used = recent.reduce((sum, entry) => sum + entry.amount, 0);
    if (used + amount <= this.limit) return { isAllowed: true };
    const remaining = Math.max(0, this.limit - used);
    if (amount > this.limit) return { isAllowed: false, remaining, retryAfterMs: null };
    // The oldest spending leaves the window first: wait until enough of it has.
    let freed = 0;
    for (const entry of recent) {
      freed += entry.amount;
      if (used - freed + amount <= this.limit) return { isAllowed: false, remaining, retryAfterMs: entry.at + this.windowMs - now };
    }
    return { isAllowed: false, remaining, retryAfterMs: this.windowMs };
  }

  spend(key: string, amount: number, now: number): void {
    if (amount <= 0) return;
    const recent = this.#recent(key, now);
    recent.push({ at: now, amount });
    this.#spent.set(key, recent);
  }

  /** Gives back part of what was spent at `at`: the rows an upload did not invite after all. */
  refund(key: string, amount: number, at: number): void {
    const entry = this.#spent.get(key)?.findLast((e) => e.at === at && e.amount > 0);
    if (entry) entry.amount = Math.max(0, entry.amount - amount);
  }

  #recent(key: string, now: number): { at: number; amount: number }[] {
    const recent = (this.#spent.get(key) ?? []).filter((entry) => entry.at > now - this.windowMs);
    if (recent.length === 0) this.#spent.delete(key);
    else this.#spent.set(key, recent);
    return recent;
  }
}

/**
 * The owners' digest: when it is due and what counts as open. Pure: no I/O, no clock.
 *
 * An admin sets one schedule for everyone: off, daily at an hour, or weekly on a weekday at an
 * hour — all in UTC, so "09:00" means the same moment to every owner and server. The scheduler
 * asks every minute for the current SLOT: the latest scheduled moment that has passed. Each slot
 * has a period key (its UTC date), and a digest is sent at most once per staff member per period
 * (a unique row, see digest.service.ts), so checking every minute, running two processes or
 * restarting never sends twice. A slot that passed before the schedule was saved is not caught
 * up: switching the digest on at 15:00 for 09:00 does not send at once, it starts tomorrow.
 * A slot missed while the server was down is sent when it comes back, until the next slot.
 */
import type { DigestFrequency } from '../../../db/schema.ts';
import type { Disposition } from './review.ts';

export const DIGEST_FREQUENCIES = ['off', 'daily', 'weekly'] as const satisfies readonly DigestFrequency[];
export type { DigestFrequency };

/** ISO weekdays: 1 is Monday, 7 Sunday. */
export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/** What an owner still has to do something about. */
export const OPEN_DISPOSITIONS = ['new', 'accepted', 'needs_follow_up'] as const satisfies readonly Disposition[];

/** Items listed in one email; the rest are counted and linked to the queue. */
export const DIGEST_ITEMS_MAX = 50;

export interface DigestSchedule {
  frequency: DigestFrequency;
  /** 1 (Monday) … 7 (Sunday); used when weekly. */
  weekday: number;
  /** 0 … 23, UTC. */
  hour: number;
  /** When it was last saved (epoch ms); 0 when never. */
  updatedAt: number;
}

export const DEFAULT_SCHEDULE: DigestSchedule = { frequency: 'off', weekday: 1, hour: 8, updatedAt: 0 };

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

export function isDigestFrequency(value: unknown): value is DigestFrequency {
  return typeof value === 'string' && (DIGEST_FREQUENCIES as readonly string[]).includes(value);
}

/** Checks a schedule as a form sends it; the message says what to fix. */
export function validateSchedule(input: { frequency: unknown; weekday: unknown; hour: unknown }): { ok: true; value: Omit<DigestSchedule, 'updatedAt'> } | { ok: false; message: string } {
  if (!isDigestFrequency(input.frequency)) return { ok: false, message: 'Choose off, daily or weekly.' };
  const hour = Number(input.hour);
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) return { ok: false, message: 'The hour is a whole number from 0 to 23 (UTC).' };
  const weekday = Number(input.weekday);
  if (!Number.isInteger(weekday) || weekday < 1 || weekday > 7) return { ok: false, message: 'Choose a weekday.' };
  return { ok: true, value: { frequency: input.frequency, weekday, hour } };
}

function formatHour(hour: number): string {
  return `${String(hour).padStart(2, '0')}:00 UTC`;
}

/** "Every day at 08:00 UTC", "Every Monday at 09:00 UTC", "Off". */
export function describeSchedule(schedule: Pick<DigestSchedule, 'frequency' | 'weekday' | 'hour'>): string {
  if (schedule.frequency === 'daily') return `Every day at ${formatHour(schedule.hour)}`;
  if (schedule.frequency === 'weekly') return `Every ${WEEKDAY_NAMES[schedule.weekday - 1]} at ${formatHour(schedule.hour)}`;
  return 'Off';
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** ISO weekday (1 Monday … 7 Sunday) of a UTC moment. */
function isoWeekday(ms: number): number {
  return ((new Date(ms).getUTCDay() + 6) % 7) + 1;
}

/**
 * The latest scheduled moment at or before `now`, with its period key; null when the digest is
 * off or that moment came before the schedule was saved.
 */
export function findDueSlot(schedule: DigestSchedule, now: number): { period: string; at: number } | null {
  if (schedule.frequency === 'off') return null;
  const midnight = Math.floor(now / DAY_MS) * DAY_MS;
  let at = midnight + schedule.hour * HOUR_MS;
  if (at > now) at -= DAY_MS;
  if (schedule.frequency === 'weekly') {
    const back = (isoWeekday(at) - schedule.weekday + 7) % 7;
    at -= back * DAY_MS;
  }
  if (at < schedule.updatedAt) return null;
  return { period: isoDate(at), at };
}

/** The period key of a digest sent by hand: never the same as a scheduled one, nor as another run. */
export function manualPeriod(now: number, runId: string): string {
  return `manual:${new Date(now).toISOString()}:${runId}`;
}

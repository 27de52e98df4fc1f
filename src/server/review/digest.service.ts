/**
 * The owners' digest: each staff member who owns open review items gets one email listing them,
 * on the schedule an admin sets (digest.ts), or at once from `npm run cli -- digest:send`.
 *
 * Each person's digest is one transaction: it claims the (period, person) row of digest_sends
 * and writes the email to the outbox together, so the primary key of that row is what makes a
 * digest go out once per period — whichever process, timer tick or restart gets there first.
 * The mail worker sends it. Nobody without open items gets an (empty) digest.
 */
import type { DB } from '../../../db/connection.ts';
import { renderDigestEmail } from '../../../emails/digest.ts';
import { absoluteUrl } from '../../../emails/layout.ts';
import { ANNOTATION_KIND_LABELS, isAnnotationKind } from '../annotations/annotations.ts';
import { generateSecureRandomString, normalizeEmail } from '../auth/auth.ts';
import type { Clock } from '../clock.ts';
import type { MailService } from '../mail/mail.service.ts';
import { fail, ok, type Result } from '../result.ts';
import type { StaffRole } from '../staff/staff.ts';
import { createDigestRepository, type DigestOwnerRow } from './digest.repository.ts';
import { DEFAULT_SCHEDULE, describeSchedule, DIGEST_ITEMS_MAX, findDueSlot, manualPeriod, validateSchedule, type DigestSchedule } from './digest.ts';
import { queueViewQuery } from './queue-filter.ts';
import { DISPOSITION_LABELS, isDisposition } from './review.ts';

const ITEM_TEXT_MAX = 200;
const EMAIL_MAX = 320;

export interface DigestRun {
  /** The period key the digests were sent for. */
  period: string;
  /** Digests written to the outbox by this run. */
  sent: number;
  /** People whose digest for this period was already written (by another process or an earlier tick). */
  skipped: number;
}

function shorten(text: string): string {
  const characters = [...text.replace(/\s+/g, ' ').trim()];
  return characters.length <= ITEM_TEXT_MAX ? characters.join('') : characters.slice(0, ITEM_TEXT_MAX - 1).join('').trimEnd() + '…';
}

export function createDigestService(deps: { db: DB; clock: Clock; mail: MailService; publicUrl: string }) {
  const { db, clock, mail } = deps;
  const repo = createDigestRepository(db);

  async function getSchedule(): Promise<DigestSchedule> {
    const row = await repo.getSettings();
    return row ? { frequency: row.frequency, weekday: row.weekday, hour: row.hour, updatedAt: row.updated_at } : DEFAULT_SCHEDULE;
  }

  /** Writes one person's digest for `period`, unless it was written already; true when written. */
  async function sendTo(owner: DigestOwnerRow, period: string, schedule: string | null): Promise<boolean> {
    const items = await repo.listOpenItems(owner.id, DIGEST_ITEMS_MAX);
    if (items.length === 0) return false;
    const content = renderDigestEmail({
      recipientName: owner.name,
      total: Math.max(owner.open_count, items.length),
      items: items.map((item) => ({
        link: absoluteUrl(deps.publicUrl, `/app/review/${encodeURIComponent(item.id)}`),
        mapTitle: item.map_title,
        kindLabel: isAnnotationKind(item.kind) ? ANNOTATION_KIND_LABELS[item.kind] : item.kind,
        dispositionLabel: isDisposition(item.disposition) ? DISPOSITION_LABELS[item.disposition] : item.disposition,
        text: shorten(item.text),
      })),
      queueLink: absoluteUrl(deps.publicUrl, `/app/review?${queueViewQuery({ filter: { ownerId: owner.id, disposition: 'open' } })}`),
      schedule,
    });
    return db.transaction().execute(async (trx) => {
      const tx = createDigestRepository(trx);
      // Claimed first: when another process has it, nothing is written here.
      if (!(await tx.claimSend({ period, staff_id: owner.id, outbox_id: '', item_count: owner.open_count, created_at: clock.now() }))) return false;
      const outboxId = await mail.enqueue(trx, { kind: 'digest', to: owner.email, relatedId: owner.id, ...content });
      await tx.setSendOutbox(period, owner.id, outboxId);
      return true;
    });
  }

  async function sendForPeriod(period: string, schedule: string | null, staffId?: string): Promise<DigestRun> {
    const run: DigestRun = { period, sent: 0, skipped: 0 };
    for (const owner of await repo.listOwners(staffId)) {
      if (await sendTo(owner, period, schedule)) run.sent++;
      else run.skipped++;
    }
    return run;
  }

  return {
    getSchedule,

    /** Admins set the schedule; hours and weekdays are UTC. */
    async saveSchedule(
      actor: { id: string; role: StaffRole; isActive: boolean },
      input: { frequency: unknown; weekday: unknown; hour: unknown },
    ): Promise<Result<DigestSchedule & { description: string }, 'forbidden' | 'invalid'>> {
      if (!actor.isActive || actor.role !== 'admin') return fail('forbidden', 'Only admins set the digest schedule.');
      const checked = validateSchedule(input);
      if (!checked.ok) return fail('invalid', checked.message);
      const now = clock.now();
      await repo.saveSettings({ ...checked.value, updated_by: actor.id, updated_at: now });
      return ok({ ...checked.value, updatedAt: now, description: describeSchedule(checked.value) });
    },

    /**
     * The scheduler's tick: sends the current slot's digests when one is due and not yet sent.
     * Null when nothing is due (off, or no slot since the schedule was saved).
     */
    async sendDue(): Promise<DigestRun | null> {
      const schedule = await getSchedule();
      const slot = findDueSlot(schedule, clock.now());
      if (!slot) return null;
      return sendForPeriod(`scheduled:${slot.period}`, describeSchedule(schedule));
    },

    /** Sends now, outside the schedule: to everyone who owns open items, or to one person. */
    async sendNow(options: { staffEmail?: string | null } = {}): Promise<Result<DigestRun, 'not_found' | 'invalid'>> {
      let staffId: string | undefined;
      if (options.staffEmail !== undefined && options.staffEmail !== null) {
        if (options.staffEmail.length > EMAIL_MAX) return fail('invalid', 'That is not an email address.');
        const member = await repo.getActiveStaffByEmail(normalizeEmail(options.staffEmail));
        if (!member) return fail('not_found', `No active staff member has the email ${options.staffEmail.trim()}.`);
        staffId = member.id;
      }
      return ok(await sendForPeriod(manualPeriod(clock.now(), generateSecureRandomString()), null, staffId));
    },
  };
}
export type DigestService = ReturnType<typeof createDigestService>;

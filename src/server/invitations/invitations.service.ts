/**
 * Inviting customers (staff side): one at a time or from a CSV list, resending, revoking,
 * restoring, and new links. Each invitation and its email are written in one transaction (the
 * email through the mail outbox), so an invitation never exists without its email and no email
 * is lost. Emails carry a link placeholder; the token exists only in the sent email and in what
 * this service returns to the person who created the invitation (see invitations.ts).
 *
 * A person has one invitation per map. Revoking keeps it (their comments and remarks stay
 * theirs); restoring gives it back its access with a new token, so the link from before the
 * revocation stays dead, and invitation_history keeps both events. Staff actions that email
 * come out of the staff member's hourly allowance (invitation-budget.ts); the command line
 * (no actor) has none.
 */
import type { DB } from '../../../db/connection.ts';
import type { InvitationRow } from '../../../db/schema.ts';
import { renderInvitationEmail } from '../../../emails/invitation.ts';
import { renderNewLinkEmail } from '../../../emails/new-link.ts';
import { generateSecureRandomString } from '../auth/auth.ts';
import type { Clock } from '../clock.ts';
import type { MailService } from '../mail/mail.service.ts';
import type { PortalService } from '../portal/portal.service.ts';
import { fail, ok, type Result } from '../result.ts';
import { describeRetryAfter, RateLimiter } from '../security/rate-limiter.ts';
import { countOf } from './import-summary.ts';
import { HourlyAllowance, INVITATIONS_PER_HOUR_PER_STAFF, SINGLE_INVITATIONS_PER_HOUR_PER_STAFF } from './invitation-budget.ts';
import {
  buildInvitationLink,
  computeExpiry,
  deriveInvitationToken,
  describeInvitationState,
  hashInvitationToken,
  INVITATION_DEFAULT_DAYS,
  linkPlaceholder,
  parseInvitationCsv,
  validateInvitationInput,
  type CleanInvitationInput,
  type InvitationInput,
  type InvitationState,
} from './invitations.ts';
import { createInvitationsRepository } from './invitations.repository.ts';

export interface InvitationView {
  id: string;
  mapId: string;
  email: string;
  name: string | null;
  account: string | null;
  segment: string | null;
  role: string | null;
  versionNumber: number | null;
  state: InvitationState;
  createdAt: number;
  expiresAt: number;
  lastSentAt: number | null;
  sendCount: number;
  /** Each revoke and restore, oldest first. */
  accessChanges: { action: 'revoked' | 'restored'; at: number }[];
}

/** A participant's answer to "Anything else you want the team to know?" at the end of a review. */
export interface ClosingRemark {
  invitationId: string;
  email: string;
  name: string | null;
  account: string | null;
  /** The published version they reviewed. */
  versionNumber: number;
  text: string;
  finishedAt: number;
}

export interface ImportProgress {
  processed: number;
  total: number;
}

export interface ImportOutcome {
  created: number;
  /** Already invited to the map. */
  skipped: string[];
  /** Their invitation to the map was revoked: an upload does not give access back. */
  skippedRevoked: string[];
  problems: string[];
}

export type InvitationError = 'not_found' | 'not_published' | 'invalid' | 'already_invited' | 'revoked' | 'not_revoked' | 'rate_limited';

/** Rows per transaction in a CSV import: progress is reported after each batch. */
const IMPORT_BATCH = 250;
const HOUR = 60 * 60 * 1000;

export function createInvitationsService(deps: {
  db: DB;
  clock: Clock;
  mail: MailService;
  portal: PortalService;
  publicUrl: string;
  linkSecret: string;
  teamName: string;
}) {
  const { db, clock, mail } = deps;
  const repo = createInvitationsRepository(db);
  const resendLimiter = new RateLimiter({ limit: 5, windowMs: HOUR });
  const rowsPerStaff = new HourlyAllowance({ limit: INVITATIONS_PER_HOUR_PER_STAFF, windowMs: HOUR });
  const singlesPerStaff = new HourlyAllowance({ limit: SINGLE_INVITATIONS_PER_HOUR_PER_STAFF, windowMs: HOUR });
  const changeListeners = new Set<(invitationId: string) => void>();
  const announceChange = (invitationId: string) => changeListeners.forEach((listener) => listener(invitationId));

  // What happened to an invitation's latest email shows in the invitation list.
  mail.onDeliveryEvent(async (trx, event) => {
    if (!event.relatedId || (event.kind !== 'invitation' && event.kind !== 'new_link')) return;
    await createInvitationsRepository(trx).update(event.relatedId, { delivery_status: event.status === 'kept' ? 'kept_in_outbox' : event.status });
  });

  function linkFor(invitationId: string, tokenVersion: number): string {
    return buildInvitationLink(deps.publicUrl, deriveInvitationToken(deps.linkSecret, invitationId, tokenVersion));
  }

  /**
   * Takes one invitation email sent by hand (invite, resend, restore) from the staff member's
   * allowances, or says why not. Returns what to call when no email was written after all.
   */
  function spendSingle(actorId: string | null): Result<() => void, InvitationError> {
    if (actorId === null) return ok(() => {});
    const now = clock.now();
    for (const allowance of [singlesPerStaff, rowsPerStaff]) {
      const decision = allowance.check(actorId, 1, now);
      if (!decision.isAllowed) {
        const wait = decision.retryAfterMs === null ? '' : ` Try again in ${describeRetryAfter(decision.retryAfterMs)}.`;
        return fail(
          'rate_limited',
          allowance === singlesPerStaff
            ? `You sent ${countOf(allowance.limit, 'invitation email', 'invitation emails')} one at a time in the last hour, the most allowed.${wait} To invite many people, upload a CSV file.`
            : `You invited ${countOf(allowance.limit, 'person', 'people')} in the last hour, the most allowed.${wait}`,
        );
      }
    }
    singlesPerStaff.spend(actorId, 1, now);
    rowsPerStaff.spend(actorId, 1, now);
    return ok(() => {
      singlesPerStaff.refund(actorId, 1, now);
      rowsPerStaff.refund(actorId, 1, now);
    });
  }

  function toView(row: InvitationRow, now: number, accessChanges: InvitationView['accessChanges'] = []): InvitationView {
    return {
      id: row.id,
      mapId: row.map_id,
      email: row.email,
      name: row.name,
      account: row.account,
      segment: row.segment,
      role: row.role,
      versionNumber: row.version_number,
      state: describeInvitationState(row, now),
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      lastSentAt: row.last_sent_at,
      sendCount: row.send_count,
      accessChanges,
    };
  }

  /** Writes one invitation and its email with the given transaction; null when already invited. */
  async function insertInvitation(
    trx: DB,
    target: { mapId: string; versionNumber: number | null; mapTitle: string },
    input: CleanInvitationInput,
    actorId: string | null,
    now: number,
  ): Promise<{ id: string; link: string } | null> {
    const txRepo = createInvitationsRepository(trx);
    const participantId = await txRepo.getOrCreateParticipant(input.email, generateSecureRandomString(), now);
    const id = generateSecureRandomString();
    const expiresAt = computeExpiry(now, input.expiresDays);
    const isCreated = await txRepo.create({
      id,
      map_id: target.mapId,
      version_number: target.versionNumber,
      participant_id: participantId,
      email: input.email,
      name: input.name,
      account: input.account,
      segment: input.segment,
      role: input.role,
      token_hash: hashInvitationToken(deriveInvitationToken(deps.linkSecret, id, 1)),
      token_version: 1,
      created_by: actorId,
      created_at: now,
      expires_at: expiresAt,
      last_sent_at: now,
      send_count: 1,
    });
    if (!isCreated) return null;
    const email = renderInvitationEmail({
      recipientName: input.name,
      account: input.account,
      teamName: deps.teamName,
      mapTitle: target.mapTitle,
      link: linkPlaceholder(deps.publicUrl, id, 1),
      expiresAt,
    });
    await mail.enqueue(trx, { kind: 'invitation', to: input.email, ...email, relatedId: id });
    return { id, link: linkFor(id, 1) };
  }

  /** The version an invitation will show must exist: latest (null) needs at least one version. */
  async function resolveTarget(mapId: string, versionNumber: number | null) {
    const mapTitle = (await deps.portal.findPublishedVersion(mapId, versionNumber))?.snapshot.title ?? null;
    if (mapTitle === null) {
      if ((await repo.getMapTitle(mapId)) === null) return fail('not_found' as const, 'That map no longer exists.');
      return fail(
        'not_published' as const,
        versionNumber === null ? 'Publish a version of this map before inviting customers.' : `Version ${versionNumber} of this map does not exist.`,
      );
    }
    return ok({ mapId, versionNumber, mapTitle });
  }

  /** `next`: a page to open after Continue (src/server/portal/return-path.ts), carried in the link. */
  function linkInEmail(invitationId: string, tokenVersion: number, next: string | null): string {
    return linkPlaceholder(deps.publicUrl, invitationId, tokenVersion) + (next ? `?next=${encodeURIComponent(next)}` : '');
  }

  /**
   * Emails the invitation's link with the given token version. A version other than the
   * current one rotates the token (the previous link stops working); an expired invitation
   * gets a fresh expiry. `kind` picks the wording: the invitation again, "here is your new
   * link", or "here is your link again".
   */
  async function emailLink(row: InvitationRow, options: { version: number; email: 'invitation' | 'new_link' | 'same_link'; next: string | null }): Promise<string> {
    const now = clock.now();
    const { version, next } = options;
    const isRotated = version !== row.token_version;
    const expiresAt = row.expires_at > now ? row.expires_at : computeExpiry(now, INVITATION_DEFAULT_DAYS);
    const mapTitle = (await deps.portal.findPublishedVersion(row.map_id, row.version_number))?.snapshot.title ?? 'the journey map';
    await db.transaction().execute(async (trx) => {
      await createInvitationsRepository(trx).update(row.id, {
        ...(isRotated ? { token_hash: hashInvitationToken(deriveInvitationToken(deps.linkSecret, row.id, version)), token_version: version } : {}),
        expires_at: expiresAt,
        last_sent_at: now,
        send_count: row.send_count + 1,
        delivery_status: 'queued',
      });
      const link = linkInEmail(row.id, version, next);
      const email =
        options.email === 'invitation'
          ? renderInvitationEmail({ recipientName: row.name, account: row.account, teamName: deps.teamName, mapTitle, link, expiresAt })
          : renderNewLinkEmail({ recipientName: row.name, mapTitle, link, expiresAt, isSameLink: options.email === 'same_link' });
      await mail.enqueue(trx, { kind: options.email === 'invitation' ? 'invitation' : 'new_link', to: row.email, ...email, relatedId: row.id });
    });
    mail.notify();
    // Who may open what changed (a new token, or a new expiry): caches and live streams re-check.
    if (isRotated || expiresAt !== row.expires_at) announceChange(row.id);
    return linkFor(row.id, version);
  }

  /**
   * Gives a revoked invitation back its access: a new token (the link from before stays dead),
   * a fresh expiry, the invitation email again, and a `restored` line in its history. `details`
   * (from the invite form) replace what they set; without them the invitation is as it was.
   * Null when it is no longer revoked (someone restored it a moment ago).
   */
  async function restoreRevoked(
    row: InvitationRow,
    target: { mapId: string; versionNumber: number | null; mapTitle: string },
    details: CleanInvitationInput | null,
    actorId: string | null,
  ): Promise<{ id: string; link: string } | null> {
    const now = clock.now();
    const version = row.token_version + 1;
    const expiresAt = computeExpiry(now, details?.expiresDays ?? INVITATION_DEFAULT_DAYS);
    const person = {
      name: details?.name ?? row.name,
      account: details?.account ?? row.account,
      segment: details?.segment ?? row.segment,
      role: details?.role ?? row.role,
    };
    const isRestored = await db.transaction().execute(async (trx) => {
      const txRepo = createInvitationsRepository(trx);
      const changed = await txRepo.restore(row.id, {
        ...person,
        version_number: target.versionNumber,
        token_hash: hashInvitationToken(deriveInvitationToken(deps.linkSecret, row.id, version)),
        token_version: version,
        expires_at: expiresAt,
        last_sent_at: now,
        send_count: row.send_count + 1,
        delivery_status: 'queued',
      });
      if (!changed) return false;
      await txRepo.addHistory({ id: generateSecureRandomString(), invitation_id: row.id, action: 'restored', actor_id: actorId, created_at: now });
      const email = renderInvitationEmail({
        recipientName: person.name,
        account: person.account,
        teamName: deps.teamName,
        mapTitle: target.mapTitle,
        link: linkPlaceholder(deps.publicUrl, row.id, version),
        expiresAt,
      });
      await mail.enqueue(trx, { kind: 'invitation', to: row.email, ...email, relatedId: row.id });
      return true;
    });
    if (!isRestored) return null;
    mail.notify();
    // Caches and live checks remember the revocation: they must ask again.
    announceChange(row.id);
    return { id: row.id, link: linkFor(row.id, version) };
  }

  return {
    linkFor,

    /** Calls `listener` after an invitation is revoked or gets a new link (caches drop it). */
    onInvitationChanged(listener: (invitationId: string) => void): void {
      changeListeners.add(listener);
    },

    /**
     * Invites one person. A person whose invitation to the map was revoked is invited again:
     * their invitation is restored with the details given (`isRestored`).
     */
    async createInvitation(
      input: InvitationInput & { mapId: string; versionNumber: number | null },
      actorId: string | null,
    ): Promise<Result<{ id: string; link: string; isRestored: boolean }, InvitationError>> {
      const valid = validateInvitationInput(input);
      if (!valid.ok) return fail('invalid', valid.problems.map((p) => p[0]!.toUpperCase() + p.slice(1) + '.').join(' '));
      const target = await resolveTarget(input.mapId, input.versionNumber);
      if (!target.ok) return target;
      const existing = await repo.getForMapAndEmail(input.mapId, valid.value.email);
      if (existing && existing.revoked_at === null) return fail('already_invited', `${valid.value.email} is already invited to this map.`);
      const spent = spendSingle(actorId);
      if (!spent.ok) return spent;
      if (existing) {
        const restored = await restoreRevoked(existing, target.value, valid.value, actorId);
        if (!restored) {
          spent.value();
          return fail('already_invited', `${valid.value.email} is already invited to this map.`);
        }
        return ok({ ...restored, isRestored: true });
      }
      const now = clock.now();
      const created = await db.transaction().execute((trx) => insertInvitation(trx, target.value, valid.value, actorId, now));
      if (!created) {
        spent.value();
        return fail('already_invited', `${valid.value.email} is already invited to this map.`);
      }
      mail.notify();
      return ok({ ...created, isRestored: false });
    },

    /** Gives a revoked person access again, with a new link by email (the Restore access button). */
    async restoreInvitation(id: string, actorId: string | null = null): Promise<Result<{ link: string }, InvitationError>> {
      const row = await repo.get(id);
      if (!row) return fail('not_found', 'That invitation no longer exists.');
      if (row.revoked_at === null) return fail('not_revoked', `${row.email} has access already; nothing to restore.`);
      const target = await resolveTarget(row.map_id, row.version_number);
      if (!target.ok) return target;
      const spent = spendSingle(actorId);
      if (!spent.ok) return spent;
      const restored = await restoreRevoked(row, target.value, null, actorId);
      if (!restored) {
        spent.value();
        return fail('not_revoked', `${row.email} has access already; nothing to restore.`);
      }
      return ok({ link: restored.link });
    },

    /**
     * Invites everyone on a CSV list. Bad rows are reported with their line and skipped; people
     * already invited to the map are skipped, so uploading the same file twice invites nobody
     * twice. Good rows are written in batches, each batch one transaction.
     */
    async importInvitations(
      input: { mapId: string; versionNumber: number | null; csv: string },
      actorId: string | null,
      onProgress?: (progress: ImportProgress) => void | Promise<void>,
    ): Promise<Result<ImportOutcome, InvitationError>> {
      const target = await resolveTarget(input.mapId, input.versionNumber);
      if (!target.ok) return target;
      const { rows, problems } = parseInvitationCsv(input.csv);
      const invited = await repo.listInvitedEmails(input.mapId);
      const skipped = rows.filter((r) => invited.active.has(r.input.email)).map((r) => r.input.email);
      const skippedRevoked = rows.filter((r) => invited.revoked.has(r.input.email)).map((r) => r.input.email);
      const fresh = rows.filter((r) => !invited.active.has(r.input.email) && !invited.revoked.has(r.input.email));
      // The whole file fits the staff member's allowance, or nothing is written.
      const spentAt = clock.now();
      if (actorId !== null) {
        const decision = rowsPerStaff.check(actorId, fresh.length, spentAt);
        if (!decision.isAllowed) {
          const wait = decision.retryAfterMs === null ? '' : ` Try again in ${describeRetryAfter(decision.retryAfterMs)}, or upload a shorter file.`;
          return fail(
            'rate_limited',
            `Nobody was invited: this file would invite ${countOf(fresh.length, 'person', 'people')}, and you can invite ${countOf(decision.remaining, 'more person', 'more people')} this hour (at most ${INVITATIONS_PER_HOUR_PER_STAFF.toLocaleString('en')} an hour).${wait}`,
          );
        }
        rowsPerStaff.spend(actorId, fresh.length, spentAt);
      }
      let created = 0;
      try {
        await onProgress?.({ processed: 0, total: fresh.length });
        for (let start = 0; start < fresh.length; start += IMPORT_BATCH) {
          const batch = fresh.slice(start, start + IMPORT_BATCH);
          const now = clock.now();
          await db.transaction().execute(async (trx) => {
            let createdInBatch = 0;
            for (const row of batch) {
              // A concurrent upload may have invited the person since the list was read.
              if (await insertInvitation(trx, target.value, row.input, actorId, now)) createdInBatch++;
              else skipped.push(row.input.email);
            }
            created += createdInBatch;
          });
          mail.notify();
          await onProgress?.({ processed: Math.min(start + IMPORT_BATCH, fresh.length), total: fresh.length });
        }
      } finally {
        // Rows not invited after all (skipped, or the upload failed part-way) cost nothing.
        if (actorId !== null) rowsPerStaff.refund(actorId, fresh.length - created, spentAt);
      }
      return ok({ created, skipped, skippedRevoked, problems });
    },

    async listForMap(mapId: string): Promise<InvitationView[]> {
      const now = clock.now();
      const [rows, history] = await Promise.all([repo.listForMap(mapId), repo.listHistoryForMap(mapId)]);
      const changesOf = new Map<string, InvitationView['accessChanges']>();
      for (const change of history) {
        const list = changesOf.get(change.invitation_id) ?? [];
        list.push({ action: change.action, at: change.created_at });
        changesOf.set(change.invitation_id, list);
      }
      return rows.map((row) => toView(row, now, changesOf.get(row.id)));
    },

    /**
     * Every closing remark left on a map, newest first (staff only: the Invitations page). It
     * is participant text, shown to the team as text; other participants never see it.
     */
    async listClosingRemarks(mapId: string): Promise<ClosingRemark[]> {
      // Finishing without a remark stores one that is empty or only line breaks: not a remark.
      const rows = (await repo.listClosingRemarks(mapId)).filter((row) => row.text.trim() !== '');
      return rows.map((row) => ({
        invitationId: row.invitation_id,
        email: row.email,
        name: row.name,
        account: row.account,
        versionNumber: row.version_number,
        text: row.text,
        finishedAt: row.finished_at,
      }));
    },

    /** The current personal link of every invitation to a map that is not revoked (admin tooling). */
    async listLinks(mapId: string): Promise<{ id: string; email: string; link: string }[]> {
      return (await repo.listForMap(mapId)).filter((row) => row.revoked_at === null).map((row) => ({ id: row.id, email: row.email, link: linkFor(row.id, row.token_version) }));
    },

    async get(id: string): Promise<InvitationView | null> {
      const row = await repo.get(id);
      return row ? toView(row, clock.now()) : null;
    },

    /**
     * Staff send the invitation again, with a new link: at most five times an hour per
     * invitation, and out of the staff member's allowance of emails sent one at a time.
     */
    async resendInvitation(id: string, actorId: string | null = null): Promise<Result<{ link: string }, InvitationError>> {
      const row = await repo.get(id);
      if (!row) return fail('not_found', 'That invitation no longer exists.');
      if (row.revoked_at !== null) return fail('revoked', 'That invitation was revoked; restore access instead.');
      const limit = resendLimiter.check(id, clock.now());
      if (!limit.isAllowed) return fail('rate_limited', `This invitation was sent several times in the last hour. Try again in ${describeRetryAfter(limit.retryAfterMs)}.`);
      const spent = spendSingle(actorId);
      if (!spent.ok) return spent;
      resendLimiter.record(id, clock.now());
      return ok({ link: await emailLink(row, { version: row.token_version + 1, email: 'invitation', next: null }) });
    },

    /**
     * A participant asked for their link (rate limits are the caller's); revoked invitations get
     * none. Anyone who knows an address can ask, so asking must not take anything away: a link
     * that still works is sent again as it is, and stays valid. An expired one gets a new token
     * and a fresh expiry instead of a longer life: extending the old token would let whoever
     * holds an old copy of it (a forwarded email, a shared computer's history) revive it by
     * asking, without the mailbox. Only staff retire a working link (resendInvitation).
     */
    async sendNewLinkTo(row: InvitationRow, next: string | null = null): Promise<void> {
      if (row.revoked_at !== null) return;
      const isExpired = row.expires_at <= clock.now();
      await emailLink(row, isExpired ? { version: row.token_version + 1, email: 'new_link', next } : { version: row.token_version, email: 'same_link', next });
    },

    /**
     * Revoking ends the person's access to this map at once: its sessions are deleted. The
     * invitation stays, with what the person said, and can be restored (restoreInvitation).
     */
    async revokeInvitation(id: string, actorId: string | null = null): Promise<Result<true, InvitationError>> {
      const row = await repo.get(id);
      if (!row) return fail('not_found', 'That invitation no longer exists.');
      if (row.revoked_at !== null) return ok(true);
      const now = clock.now();
      await db.transaction().execute(async (trx) => {
        const txRepo = createInvitationsRepository(trx);
        if (!(await txRepo.revoke(id, now))) return;
        await txRepo.addHistory({ id: generateSecureRandomString(), invitation_id: id, action: 'revoked', actor_id: actorId, created_at: now });
        await txRepo.deleteSessionsOfInvitation(id);
      });
      announceChange(id);
      return ok(true);
    },
  };
}
export type InvitationsService = ReturnType<typeof createInvitationsService>;

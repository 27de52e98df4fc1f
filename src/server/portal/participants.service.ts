/**
 * How invited customers get in and what they may see.
 *
 * Opening an emailed link shows a confirm page and changes nothing (mail scanners prefetch
 * links with HEAD and GET). Pressing Continue (a POST) creates a participant session — its own
 * cookie, separate from staff sessions — without consuming the link: the person can come back
 * from the email until the invitation expires or is revoked. Every request re-checks the grant,
 * so revoking or expiring an invitation takes effect on the next request.
 */
import type { DB } from '../../../db/connection.ts';
import type { InvitationRow } from '../../../db/schema.ts';
import { createSessionToken, hashSecret, isEmailShaped, isSameHash, normalizeEmail, parseSessionToken, sessionLifetimeMs, shouldExtendSession } from '../auth/auth.ts';
import type { Clock } from '../clock.ts';
import { hashInvitationToken, isInvitationTokenShaped, isInvitationUsable } from '../invitations/invitations.ts';
import { fail, ok, type Result } from '../result.ts';
import { RateLimiter } from '../security/rate-limiter.ts';
import { createPageCache, customerPageKey } from './page-cache.ts';
import type { PortalService } from './portal.service.ts';
import { createParticipantsRepository } from './participants.repository.ts';
import { safeReturnPath } from './return-path.ts';

export type LinkStatus = 'valid' | 'expired' | 'revoked' | 'unknown';

export interface ParticipantIdentity {
  participantId: string;
  email: string;
  name: string | null;
  sessionId: string;
  invitationId: string;
  expiresAt: number;
  isExtended: boolean;
}

export interface Grant {
  invitationId: string;
  title: string;
  account: string | null;
  versionNumber: number | null;
  expiresAt: number;
}

const PARTICIPANT_SESSION_DAYS = 7;
const HOUR = 60 * 60 * 1000;
/** New-link emails an hour to one invited address: nobody's inbox can be flooded through us. */
export const NEW_LINKS_PER_ADDRESS_PER_HOUR = 3;
/**
 * New-link requests an hour from one client address. Generous on purpose: an advisory board in
 * one meeting room, or a customer's whole office, reaches us from one address, and everyone who
 * is not signed in on their device asks on the live join page at once. Each invited address
 * still gets at most NEW_LINKS_PER_ADDRESS_PER_HOUR, and unknown addresses get no email.
 */
export const NEW_LINK_REQUESTS_PER_CLIENT_PER_HOUR = 60;
/**
 * Sessions and grants are remembered in memory between requests, so a customer page can be
 * answered without a database round trip. Every change made through this process (revoking,
 * a new link, publishing, signing out) drops the affected entries at once; the short lifetime
 * only bounds how long a change made by another process (a second server) takes to be seen.
 */
const MEMO_TTL_MS = 30_000;
const MEMO_MAX_ENTRIES = 50_000;
const PAGE_CACHE_BYTES = 64 * 1024 * 1024;

interface SessionMemo {
  secretHash: Uint8Array;
  participantId: string;
  email: string;
  name: string | null;
  invitationId: string;
  expiresAt: number;
  cachedAt: number;
}

interface GrantMemo {
  participantId: string;
  mapId: string;
  expiresAt: number;
  isRevoked: boolean;
  versionId: string | null;
  cachedAt: number;
}

function remember<T>(map: Map<string, T>, key: string, value: T): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MEMO_MAX_ENTRIES) map.delete(map.keys().next().value!);
}

// "Its link": the link that still works, or a new one when it expired (sendNewLink decides).
export const NEW_LINK_ANSWER =
  'If that address was invited, its link is on its way to it. It can take a few minutes to arrive.';

export function createParticipantsService(deps: {
  db: DB;
  clock: Clock;
  /**
   * Emails the invitation's link to the invited address (the invitations service does): the
   * current link when it still works, a new one when it expired. `next`: where the link leads
   * after Continue (return-path.ts), or null for the map.
   */
  sendNewLink: (invitation: InvitationRow, next: string | null) => Promise<void>;
  /** Published versions, cached: the title and the version an invitation shows. */
  portal: PortalService;
  /** Who invites, as it reads mid-sentence (AppConfig.teamName): the invitation page names them. */
  teamName: string;
}) {
  const { db, clock } = deps;
  const repo = createParticipantsRepository(db);
  const lifetime = sessionLifetimeMs(PARTICIPANT_SESSION_DAYS);
  const newLinkPerAddress = new RateLimiter({ limit: NEW_LINKS_PER_ADDRESS_PER_HOUR, windowMs: HOUR });
  const newLinkPerClient = new RateLimiter({ limit: NEW_LINK_REQUESTS_PER_CLIENT_PER_HOUR, windowMs: HOUR });
  const sessions = new Map<string, SessionMemo>();
  const grants = new Map<string, GrantMemo>();
  const pages = createPageCache({ maxBytes: PAGE_CACHE_BYTES });

  async function loadGrant(invitationId: string, now: number): Promise<GrantMemo | null> {
    const memo = grants.get(invitationId);
    if (memo && now - memo.cachedAt < MEMO_TTL_MS) return memo;
    const row = await repo.getInvitation(invitationId);
    if (!row) return null;
    const versionId = (await deps.portal.findPublishedVersion(row.map_id, row.version_number))?.id ?? null;
    const fresh: GrantMemo = { participantId: row.participant_id, mapId: row.map_id, expiresAt: row.expires_at, isRevoked: row.revoked_at !== null, versionId, cachedAt: now };
    remember(grants, invitationId, fresh);
    return fresh;
  }

  function statusOf(row: InvitationRow | undefined, now: number): LinkStatus {
    if (!row) return 'unknown';
    if (row.revoked_at !== null) return 'revoked';
    if (row.expires_at <= now) return 'expired';
    return 'valid';
  }

  async function findByToken(token: string): Promise<InvitationRow | undefined> {
    return isInvitationTokenShaped(token) ? repo.getInvitationByTokenHash(hashInvitationToken(token)) : undefined;
  }

  return {
    /** For the confirm page: what the link is for, changing nothing. */
    async inspectLink(token: string): Promise<{ status: LinkStatus; title: string | null; account: string | null; name: string | null; teamName: string }> {
      const row = await findByToken(token);
      const status = statusOf(row, clock.now());
      if (!row || status === 'unknown') return { status: 'unknown', title: null, account: null, name: null, teamName: deps.teamName };
      const version = await deps.portal.findPublishedVersion(row.map_id, row.version_number);
      return { status, title: version?.snapshot.title ?? null, account: row.account, name: row.name, teamName: deps.teamName };
    },

    /** Continue: a participant session for a valid link; the link stays valid. */
    async continueWithLink(token: string): Promise<Result<{ sessionToken: string; expiresAt: number; invitationId: string }, LinkStatus>> {
      const row = await findByToken(token);
      const now = clock.now();
      const status = statusOf(row, now);
      if (!row || status !== 'valid') {
        return fail(status, status === 'expired' ? 'This link has expired.' : status === 'revoked' ? 'This invitation was withdrawn.' : 'This link is not valid.');
      }
      const session = createSessionToken();
      const expiresAt = now + lifetime;
      await db.transaction().execute(async (trx) => {
        const txRepo = createParticipantsRepository(trx);
        await txRepo.createSession({ id: session.id, secret_hash: hashSecret(session.secret), participant_id: row.participant_id, invitation_id: row.id, created_at: now, expires_at: expiresAt });
        await txRepo.markOpened(row.id, now);
      });
      return ok({ sessionToken: session.token, expiresAt, invitationId: row.id });
    },

    /**
     * Cookie value to participant; null for anything not valid. Renews a session used in the
     * second half of its life, unless `canRenew` is false (the HTTP front, which cannot send the
     * renewed cookie): then `isExtended` says a renewal is due and nothing is written.
     */
    async validateSession(token: string, options: { canRenew?: boolean } = {}): Promise<ParticipantIdentity | null> {
      const parsed = parseSessionToken(token);
      if (!parsed) return null;
      const now = clock.now();
      let memo = sessions.get(parsed.id);
      if (!memo || now - memo.cachedAt >= MEMO_TTL_MS) {
        const row = await repo.getSession(parsed.id);
        // A revoked invitation ends the sessions opened with it (revoking also deletes them).
        if (row && row.revoked_at !== null) await repo.deleteSession(row.id);
        if (!row || row.revoked_at !== null) {
          sessions.delete(parsed.id);
          return null;
        }
        memo = { secretHash: row.secret_hash, participantId: row.participant_id, email: row.email, name: row.name, invitationId: row.invitation_id, expiresAt: row.expires_at, cachedAt: now };
        remember(sessions, parsed.id, memo);
      }
      if (!isSameHash(hashSecret(parsed.secret), memo.secretHash)) return null;
      if (memo.expiresAt <= now) {
        sessions.delete(parsed.id);
        await repo.deleteSession(parsed.id);
        return null;
      }
      const isExtended = shouldExtendSession(memo.expiresAt, now, lifetime);
      if (isExtended && options.canRenew !== false) {
        memo.expiresAt = now + lifetime;
        await repo.extendSession(parsed.id, memo.expiresAt);
      }
      return { participantId: memo.participantId, email: memo.email, name: memo.name, sessionId: parsed.id, invitationId: memo.invitationId, expiresAt: memo.expiresAt, isExtended };
    },

    async endSession(sessionId: string): Promise<void> {
      sessions.delete(sessionId);
      await repo.deleteSession(sessionId);
    },

    /** Drops what is remembered about an invitation: call it when it is revoked or gets a new link. */
    forgetInvitation(invitationId: string): void {
      grants.delete(invitationId);
      for (const [id, memo] of sessions) if (memo.invitationId === invitationId) sessions.delete(id);
      pages.forget(customerPageKey(invitationId, ''));
    },

    /** The invitation's rendered pages are out of date (its participant annotated). */
    forgetInvitationPages(invitationId: string): void {
      pages.forget(customerPageKey(invitationId, ''));
    },

    /** Every rendered page of a version is out of date (a shared annotation changed). */
    forgetVersionPages(versionId: string): void {
      pages.forgetWhere((key) => key.endsWith(`:${versionId}`));
    },

    /** A new version of the map was published: grants to "the latest version" move on to it. */
    forgetMap(mapId: string): void {
      for (const [id, memo] of grants) if (memo.mapId === mapId) grants.delete(id);
    },

    /** Rendered customer pages (see page-cache.ts). */
    pages,

    /** The maps this participant may open now: usable invitations with a published version. */
    async listGrants(participantId: string): Promise<Grant[]> {
      const now = clock.now();
      const grants: Grant[] = [];
      for (const row of await repo.listGrants(participantId)) {
        if (!isInvitationUsable(row, now)) continue;
        const title = (await deps.portal.findPublishedVersion(row.map_id, row.version_number))?.snapshot.title ?? null;
        if (title !== null) grants.push({ invitationId: row.invitation_id, title, account: row.account, versionNumber: row.version_number, expiresAt: row.expires_at });
      }
      return grants;
    },

    /** The published version an invitation grants, when it belongs to this participant and is usable. */
    async getGrantedVersionId(participantId: string, invitationId: string): Promise<string | null> {
      const now = clock.now();
      const grant = await loadGrant(invitationId, now);
      if (!grant || grant.participantId !== participantId || grant.isRevoked || grant.expiresAt <= now) return null;
      return grant.versionId;
    },

    /**
     * The link again for a lost one, or a new one for an expired one, sent only to the invited
     * address. Anyone may ask for any address, so asking never retires a working link. The
     * answer is the same whether or not anything was sent, so it reveals nothing about who was
     * invited.
     */
    async requestNewLink(input: { token?: string | null; email?: string | null; next?: string | null; clientAddress: string }): Promise<Result<string, 'rate_limited'>> {
      const now = clock.now();
      if (!newLinkPerClient.consume(input.clientAddress, now).isAllowed) {
        return fail('rate_limited', 'Too many requests for new links from here. Try again in an hour.');
      }
      let rows: InvitationRow[] = [];
      if (input.token) {
        const row = await findByToken(input.token);
        if (row && row.revoked_at === null) rows = [row];
      } else if (input.email) {
        const email = normalizeEmail(input.email);
        if (isEmailShaped(email)) rows = await repo.listUnrevokedInvitationsForEmail(email);
      }
      const address = rows[0]?.email;
      if (address && newLinkPerAddress.consume(address, now).isAllowed) {
        for (const row of rows) await deps.sendNewLink(row, safeReturnPath(input.next));
      }
      return ok(NEW_LINK_ANSWER);
    },
  };
}
export type ParticipantsService = ReturnType<typeof createParticipantsService>;


import type { DB } from '../../../db/connection.ts';
import type { StaffUserRow } from '../../../db/schema.ts';
import type { Clock } from '../clock.ts';
import { fail, ok, type Result } from '../result.ts';
import { describeRetryAfter, type RateLimiter } from '../security/rate-limiter.ts';
import { createStaffRepository, toStaffMember } from '../staff/staff.repository.ts';
import type { StaffMember } from '../staff/staff.ts';
import {
  checkPasswordStrength,
  createSessionToken,
  hashSecret,
  isSameHash,
  normalizeEmail,
  parseSessionToken,
  PASSWORD_MAX_LENGTH,
  sessionLifetimeMs,
  shouldExtendSession,
} from './auth.ts';
import { createAuthRepository } from './auth.repository.ts';
import { getDummyPasswordHash, hashPassword, verifyPassword } from './passwords.ts';

export interface SignInLimiters {
  /** Failed attempts per account (keyed by the normalised email, whether or not it exists). */
  perAccount: RateLimiter;
  /** Failed attempts per client address. */
  perClient: RateLimiter;
  /** Wrong current passwords per account on password change: a stolen session cannot guess on. */
  passwordChange: RateLimiter;
}

export interface IssuedSession {
  token: string;
  expiresAt: number;
}

export interface ValidSession {
  sessionId: string;
  expiresAt: number;
  /** Set when the expiry moved, so the cookie can be re-sent with it. */
  isExtended: boolean;
  member: StaffMember;
}

const INVALID_CREDENTIALS = 'That email and password do not match an active account.';

export function createAuthService(deps: { db: DB; clock: Clock; sessionDays: number; limiters: SignInLimiters }) {
  const { db, clock, limiters } = deps;
  const auth = createAuthRepository(db);
  const staff = createStaffRepository(db);
  const lifetime = sessionLifetimeMs(deps.sessionDays);

  async function issueSession(userId: string): Promise<IssuedSession> {
    const now = clock.now();
    const { id, secret, token } = createSessionToken();
    const expiresAt = now + lifetime;
    await auth.createSession({ id, secret_hash: hashSecret(secret), user_id: userId, created_at: now, expires_at: expiresAt });
    return { token, expiresAt };
  }

  return {
    /**
     * Email and password to a new session. The failure message is the same whether the email
     * exists, the password is wrong or the account is deactivated, and takes as long.
     */
    async signIn(input: {
      email: string;
      password: string;
      clientAddress: string;
    }): Promise<Result<IssuedSession & { member: StaffMember }, 'invalid_credentials' | 'rate_limited'>> {
      const now = clock.now();
      const email = normalizeEmail(input.email);
      const accountKey = `account:${email}`;
      const clientKey = `client:${input.clientAddress}`;
      // Every attempt counts as failed until it has succeeded: checking first and recording
      // after the (slow, on purpose) password check would let parallel guesses all pass.
      const refusal = [limiters.perAccount.check(accountKey, now), limiters.perClient.check(clientKey, now)].find((d) => !d.isAllowed);
      if (refusal) {
        return fail('rate_limited', `Too many failed sign-in attempts. Wait ${describeRetryAfter(refusal.retryAfterMs)} and try again.`);
      }
      limiters.perAccount.record(accountKey, now);
      limiters.perClient.record(clientKey, now);

      const user = input.password.length <= PASSWORD_MAX_LENGTH ? await staff.getByEmail(email) : undefined;
      const passwordHash = user?.password_hash ?? (await getDummyPasswordHash());
      const isPasswordRight = await verifyPassword(passwordHash, input.password.slice(0, PASSWORD_MAX_LENGTH * 4));
      if (!user || !isPasswordRight || user.is_active !== 1) return fail('invalid_credentials', INVALID_CREDENTIALS);
      limiters.perAccount.reset(accountKey);
      limiters.perClient.release(clientKey, now);
      const session = await issueSession(user.id);
      return ok({ ...session, member: toStaffMember(user) });
    },

    /** Cookie value to session; null for anything not valid. Extends sliding sessions. */
    async validateSessionToken(token: string): Promise<ValidSession | null> {
      const parsed = parseSessionToken(token);
      if (!parsed) return null;
      const found = await auth.getSessionWithUser(parsed.id);
      if (!found) return null;
      const { session, user } = found;
      if (!isSameHash(hashSecret(parsed.secret), session.secret_hash)) return null;
      const now = clock.now();
      if (session.expires_at <= now || user.is_active !== 1) {
        await auth.deleteSession(session.id);
        return null;
      }
      let expiresAt = session.expires_at;
      const isExtended = shouldExtendSession(expiresAt, now, lifetime);
      if (isExtended) {
        expiresAt = now + lifetime;
        await auth.extendSession(session.id, expiresAt);
      }
      return { sessionId: session.id, expiresAt, isExtended, member: toStaffMember(user) };
    },

    async invalidateSession(sessionId: string): Promise<void> {
      await auth.deleteSession(sessionId);
    },

    async invalidateUserSessions(userId: string): Promise<void> {
      await auth.deleteSessionsOfUser(userId);
    },

    /**
     * Ends every session of the user (other devices included) and opens a new one for the
     * device that made the change, so the person stays signed in where they are.
     */
    async changePassword(input: {
      userId: string;
      currentPassword: string;
      newPassword: string;
    }): Promise<Result<IssuedSession, 'wrong_password' | 'weak_password' | 'not_found' | 'rate_limited'>> {
      const user: StaffUserRow | undefined = await staff.get(input.userId);
      if (!user || user.is_active !== 1) return fail('not_found', 'Your account is no longer active.');
      const now = clock.now();
      // Counted before the check, as on sign-in, and forgiven when the password was right.
      const limit = limiters.passwordChange.consume(user.id, now);
      if (!limit.isAllowed) return fail('rate_limited', `Too many wrong passwords. Wait ${describeRetryAfter(limit.retryAfterMs)} and try again.`);
      if (!(await verifyPassword(user.password_hash, input.currentPassword.slice(0, PASSWORD_MAX_LENGTH * 4)))) {
        return fail('wrong_password', 'The current password is not right.');
      }
      limiters.passwordChange.release(user.id, now);
      const weakness = checkPasswordStrength(input.newPassword);
      if (weakness) return fail('weak_password', weakness);
      const passwordHash = await hashPassword(input.newPassword);
      await db.transaction().execute(async (trx) => {
        await createStaffRepository(trx).update(user.id, { password_hash: passwordHash, updated_at: clock.now() });
        await createAuthRepository(trx).deleteSessionsOfUser(user.id);
      });
      return ok(await issueSession(user.id));
    },

    async deleteExpiredSessions(): Promise<void> {
      await auth.deleteExpiredSessions(clock.now());
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;

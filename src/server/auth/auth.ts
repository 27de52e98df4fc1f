/**
 * Session tokens and password rules, the Lucia way (lucia-auth.com, "Sessions").
 *
 * A token is `<id>.<secret>`: the id finds the row, and only a SHA-256 hash of the secret is
 * stored, so a copy of the database does not hold a usable token. Each half carries 120 bits of
 * randomness. Comparison of hashes is constant-time. Sessions slide: using one in the second
 * half of its life pushes its expiry out again.
 *
 * Pure functions only; the repository and service do the I/O.
 */
import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Base32 without look-alike characters; 24 characters carry 120 bits. */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

export function generateSecureRandomString(length = 24): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  let out = '';
  // 32 divides 256, so taking the low five bits keeps every character equally likely.
  for (const byte of bytes) out += ALPHABET[byte >> 3];
  return out;
}

export function hashSecret(secret: string): Uint8Array {
  return sha256(new TextEncoder().encode(secret));
}

export function isSameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && constantTimeEqual(a, b);
}

export interface SessionToken {
  id: string;
  secret: string;
  token: string;
}

export function createSessionToken(): SessionToken {
  const id = generateSecureRandomString();
  const secret = generateSecureRandomString();
  return { id, secret, token: `${id}.${secret}` };
}

const TOKEN_PART = /^[a-z2-9]{24}$/;

/** Splits a cookie value into id and secret; null when it is not shaped like a token. */
export function parseSessionToken(token: string): { id: string; secret: string } | null {
  const [id, secret, extra] = token.split('.');
  if (extra !== undefined || !id || !secret) return null;
  if (!TOKEN_PART.test(id) || !TOKEN_PART.test(secret)) return null;
  return { id, secret };
}

export function sessionLifetimeMs(days: number): number {
  return days * DAY_MS;
}

/** A session used in the second half of its life is extended to a full lifetime again. */
export function shouldExtendSession(expiresAt: number, now: number, lifetimeMs: number): boolean {
  return expiresAt - now < lifetimeMs / 2;
}

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** ASVS 2.1: length is what matters; no composition rules, and long passphrases are welcome. */
export function checkPasswordStrength(password: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  return null;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const EMAIL_MAX_LENGTH = 254;

export function isEmailShaped(email: string): boolean {
  return email.length <= EMAIL_MAX_LENGTH && EMAIL_SHAPE.test(email);
}

/** A generated password for new accounts: 20 characters of the token alphabet, 100 bits. */
export function generatePassword(): string {
  const raw = generateSecureRandomString(20);
  return `${raw.slice(0, 5)}-${raw.slice(5, 10)}-${raw.slice(10, 15)}-${raw.slice(15)}`;
}

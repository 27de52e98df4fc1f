/**
 * Invitations: personal, expiring, revocable links that let one customer see one map.
 *
 * The emailed token is derived, never stored: HMAC-SHA256 of the server's link secret over the
 * invitation id and its token version, cut to 26 characters of a 32-letter alphabet (130 bits).
 * The database keeps only a SHA-256 of the token for look-up, and emails in the outbox carry a
 * placeholder that the mail worker fills in at send time, so a copy of the database alone opens
 * nobody's map. A staff resend (and a new link for an expired one) bumps the version, which
 * retires the old token; a participant asking for their link gets the working one again.
 *
 * Pure rules only: tokens, validation, CSV rows, and the state a staff member sees in the list.
 */
import { hmac } from '@oslojs/crypto/hmac';
import { SHA256, sha256 } from '@oslojs/crypto/sha2';
import { encodeBase64urlNoPadding } from '@oslojs/encoding';
import { isEmailShaped, normalizeEmail } from '../auth/auth.ts';
import { restoreFormula, splitCsvRecords } from '../csv/csv.ts';

export const INVITATION_DEFAULT_DAYS = 30;
export const INVITATION_MAX_DAYS = 365;
export const INVITATION_CSV_MAX_BYTES = 5 * 1024 * 1024;
export const INVITATION_CSV_MAX_ROWS = 20_000;
export const FIELD_LIMITS = { name: 120, account: 120, segment: 100, role: 100 } as const;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface InvitationInput {
  email: string;
  name?: string | null;
  account?: string | null;
  segment?: string | null;
  role?: string | null;
  expiresDays?: number | null;
}

export interface CleanInvitationInput {
  email: string;
  name: string | null;
  account: string | null;
  segment: string | null;
  role: string | null;
  expiresDays: number;
}

const TOKEN_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const TOKEN_LENGTH = 26;

/** The token for one version of one invitation: 26 characters of the 32-letter alphabet, 130 bits. */
export function deriveInvitationToken(secret: string, invitationId: string, tokenVersion: number): string {
  const encoder = new TextEncoder();
  const mac = hmac(SHA256, encoder.encode(secret), encoder.encode(`invitation-link\u0000${invitationId}\u0000${tokenVersion}`));
  let token = '';
  // 32 divides 256: the top five bits of each byte are uniform.
  for (let i = 0; i < TOKEN_LENGTH; i++) token += TOKEN_ALPHABET[mac[i]! >> 3];
  return token;
}

/**
 * What an outbox row holds where the token goes: a stand-in of the same URL shape
 * (`…/m/i/gt-link-<invitation id>-<token version>`), so templates treat it as any link. The
 * mail worker swaps in the real token when it sends (and the Outbox page when it shows a
 * message). Real tokens never contain "-", so a stand-in cannot be mistaken for one.
 */
export function linkPlaceholder(publicUrl: string, invitationId: string, tokenVersion: number): string {
  return buildInvitationLink(publicUrl, `gt-link-${invitationId}-${tokenVersion}`);
}

const PLACEHOLDER = /gt-link-([a-z2-9]{1,64})-(\d{1,9})/g;

/** What staff see where a personal link's token would be when the link is not theirs to see. */
export const HIDDEN_LINK_TOKEN = 'personal-link-hidden';

/** Replaces every stand-in with the words that say a personal link was there. */
export function hideLinkPlaceholders(text: string): string {
  return text.replace(PLACEHOLDER, HIDDEN_LINK_TOKEN);
}

/** Replaces every stand-in with the real token; the token is computed, not looked up. */
export function fillLinkPlaceholders(text: string, tokenFor: (invitationId: string, tokenVersion: number) => string): string {
  return text.replace(PLACEHOLDER, (_match, id: string, version: string) => tokenFor(id, Number(version)));
}

export function hashInvitationToken(token: string): string {
  return encodeBase64urlNoPadding(sha256(new TextEncoder().encode(token)));
}

const TOKEN_SHAPE = /^[a-z2-9]{26}$/;
export function isInvitationTokenShaped(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

export function buildInvitationLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/m/i/${token}`;
}

export function computeExpiry(now: number, days: number): number {
  return now + days * DAY_MS;
}

function cleanOptional(value: string | null | undefined): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

/** Checks one invitation; the messages name the field so a CSV row can be reported too. */
export function validateInvitationInput(input: InvitationInput): { ok: true; value: CleanInvitationInput } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const email = normalizeEmail(input.email ?? '');
  if (!isEmailShaped(email)) problems.push(`email "${(input.email ?? '').slice(0, 80)}" is not an email address`);
  const clean = {
    name: cleanOptional(input.name),
    account: cleanOptional(input.account),
    segment: cleanOptional(input.segment),
    role: cleanOptional(input.role),
  };
  for (const [field, max] of Object.entries(FIELD_LIMITS) as [keyof typeof FIELD_LIMITS, number][]) {
    const value = clean[field];
    if (value !== null && [...value].length > max) problems.push(`${field} must be at most ${max} characters`);
  }
  const expiresDays = input.expiresDays ?? INVITATION_DEFAULT_DAYS;
  if (!Number.isInteger(expiresDays) || expiresDays < 1 || expiresDays > INVITATION_MAX_DAYS) {
    problems.push(`expiry must be a whole number of days from 1 to ${INVITATION_MAX_DAYS}`);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { email, ...clean, expiresDays } };
}

export const INVITATION_CSV_COLUMNS = ['email', 'name', 'account', 'segment', 'role', 'expires_days'] as const;

export interface InvitationCsvRow {
  line: number;
  input: CleanInvitationInput;
}

/**
 * Reads an invitation list. The header names the columns (email is required; name, account or
 * company, segment, role and expires_days are optional, in any order). Every bad row is
 * reported with its line; good rows are returned either way so the caller can decide.
 */
export function parseInvitationCsv(text: string): { rows: InvitationCsvRow[]; problems: string[] } {
  const { records, problems: syntax } = splitCsvRecords(text.replace(/^\uFEFF/, ''));
  const problems = [...syntax];
  const [header, ...body] = records;
  if (!header) return { rows: [], problems: ['the file is empty: it needs a header row with at least an email column'] };
  const names = header.cells.map((c) => c.trim().toLowerCase().replace(/\s+/g, '_'));
  const column = (...aliases: string[]) => names.findIndex((n) => aliases.includes(n));
  const at = {
    email: column('email', 'e-mail', 'email_address'),
    name: column('name', 'full_name'),
    account: column('account', 'company', 'company/account', 'organisation', 'organization'),
    segment: column('segment'),
    role: column('role'),
    expiresDays: column('expires_days', 'expiry_days', 'expires'),
  };
  if (at.email < 0) return { rows: [], problems: [`line ${header.line}: the header has no email column`] };
  if (body.length > INVITATION_CSV_MAX_ROWS) return { rows: [], problems: [`the file has ${body.length} rows; at most ${INVITATION_CSV_MAX_ROWS} at once`] };

  const rows: InvitationCsvRow[] = [];
  const seen = new Map<string, number>();
  for (const record of body) {
    const cell = (index: number) => (index >= 0 ? restoreFormula(record.cells[index]?.trim() ?? '') : '');
    const days = cell(at.expiresDays);
    const expiresDays = days === '' ? null : /^\d+$/.test(days) ? Number(days) : NaN;
    const result = validateInvitationInput({
      email: cell(at.email),
      name: cell(at.name),
      account: cell(at.account),
      segment: cell(at.segment),
      role: cell(at.role),
      expiresDays,
    });
    if (!result.ok) {
      problems.push(...result.problems.map((p) => `line ${record.line}: ${p}`));
      continue;
    }
    const earlier = seen.get(result.value.email);
    if (earlier !== undefined) {
      problems.push(`line ${record.line}: ${result.value.email} is already on line ${earlier}`);
      continue;
    }
    seen.set(result.value.email, record.line);
    rows.push({ line: record.line, input: result.value });
  }
  return { rows, problems };
}

export type InvitationState =
  | 'revoked'
  | 'expired'
  | 'responded'
  | 'opened'
  | 'bounced'
  | 'complained'
  | 'delivered'
  | 'sent'
  | 'kept_in_outbox'
  | 'failed'
  | 'queued';

/** The one state a person in the list cares about most, strongest first. */
export function describeInvitationState(
  invitation: { revoked_at: number | null; expires_at: number; responded_at: number | null; opened_at: number | null; delivery_status: string },
  now: number,
): InvitationState {
  if (invitation.revoked_at !== null) return 'revoked';
  if (invitation.expires_at <= now) return 'expired';
  if (invitation.responded_at !== null) return 'responded';
  if (invitation.opened_at !== null) return 'opened';
  const delivery = invitation.delivery_status;
  if (delivery === 'bounced' || delivery === 'complained' || delivery === 'delivered' || delivery === 'sent' || delivery === 'kept_in_outbox' || delivery === 'failed') return delivery;
  return 'queued';
}

export const INVITATION_STATE_LABELS: Record<InvitationState, string> = {
  revoked: 'Revoked',
  expired: 'Expired',
  responded: 'Responded',
  opened: 'Opened',
  bounced: 'Bounced',
  complained: 'Marked as spam',
  delivered: 'Delivered',
  sent: 'Sent',
  kept_in_outbox: 'In outbox (no email service)',
  failed: 'Could not be sent',
  queued: 'Queued',
};

export function isInvitationUsable(invitation: { revoked_at: number | null; expires_at: number }, now: number): boolean {
  return invitation.revoked_at === null && invitation.expires_at > now;
}

/**
 * The server's link secret: the key from which every emailed invitation token is derived
 * (HMAC of the invitation id and its token version). Because of it, no raw token is ever
 * stored — not in the invitations table, not in the email outbox — and a copy of the database
 * alone opens nobody's map.
 *
 * `LINK_SECRET` sets it (at least 32 characters). Otherwise it is generated on first use and
 * kept in `link-secret.key` beside the database file, readable by the owner only; back it up
 * with the database, or the links already sent stop working.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const LINK_SECRET_MIN_LENGTH = 32;

/** Where the generated secret is kept when LINK_SECRET is not set. */
export function linkSecretFile(databasePath: string): string {
  return path.join(path.dirname(path.resolve(databasePath)), 'link-secret.key');
}

export function loadLinkSecret(options: { configured: string | undefined | null; databasePath: string }): string {
  if (options.configured) {
    if (options.configured.length < LINK_SECRET_MIN_LENGTH) throw new Error(`LINK_SECRET must be at least ${LINK_SECRET_MIN_LENGTH} characters.`);
    return options.configured;
  }
  if (options.databasePath === ':memory:') return crypto.randomBytes(32).toString('base64url');
  const file = linkSecretFile(options.databasePath);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const secret = crypto.randomBytes(32).toString('base64url');
  try {
    // 'wx': if another process created it a moment ago, keep theirs.
    fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch {
    return fs.readFileSync(file, 'utf8').trim();
  }
}

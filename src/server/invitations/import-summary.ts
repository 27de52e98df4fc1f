/**
 * Words for counts in what the invitation pages and the upload island report. Pure: the upload
 * island imports it. (How many were invited and skipped: src/islands/invitations/upload-outcome.ts.)
 */

/** "1 person", "2 people", "10,000 people". */
export function countOf(count: number, one: string, many: string): string {
  return `${count.toLocaleString('en')} ${count === 1 ? one : many}`;
}

/**
 * An upload skips people whose invitation was revoked, since a file must not give anyone access
 * back by accident: says who, and how to restore them. Null when nobody was skipped for that.
 */
export function describeRevokedSkips(emails: readonly string[]): string | null {
  if (emails.length === 0) return null;
  const who = emails.length === 1 ? `${emails[0]} had their invitation revoked` : `${countOf(emails.length, 'person', 'people')} had their invitations revoked`;
  return `${who} earlier, so the upload skipped ${emails.length === 1 ? 'them' : 'them all'}. To give access again, use Restore access in the list below.`;
}

/**
 * The words that report a CSV invitation upload, singular or plural as the counts say. One
 * place for the upload island (JavaScript, with progress) and the plain form's page, so both say
 * the same thing; the service words its refusals with countOf too. Pure: the island imports it.
 */

/** "1 person", "2 people", "10,000 people". */
export function countOf(count: number, one: string, many: string): string {
  return `${count.toLocaleString('en')} ${count === 1 ? one : many}`;
}

export interface UploadOutcomeText {
  /** "Invited 3 people. 1 person was already invited and was skipped." */
  invited: string;
  /** Introduces the list of rows with problems; null when every row was fine. */
  problems: string | null;
  /** Who was skipped because their invitation was revoked, and how to restore them; or null. */
  revoked: string | null;
}

export function describeUploadOutcome(outcome: { created: number; skipped: readonly string[]; skippedRevoked: readonly string[]; problems: readonly string[] }): UploadOutcomeText {
  const { created, skipped, problems } = outcome;
  const invited = created === 0 ? 'Invited nobody new.' : `Invited ${countOf(created, 'person', 'people')}.`;
  const alreadyInvited =
    skipped.length === 0 ? '' : ` ${countOf(skipped.length, 'person was', 'people were')} already invited and ${skipped.length === 1 ? 'was' : 'were'} skipped.`;
  return {
    invited: invited + alreadyInvited,
    problems: problems.length === 0 ? null : `${countOf(problems.length, 'row', 'rows')} ${problems.length === 1 ? 'had a problem and was' : 'had problems and were'} not imported:`,
    revoked: describeRevokedSkips(outcome.skippedRevoked),
  };
}

/**
 * An upload skips people whose invitation was revoked, since a file must not give anyone access
 * back by accident: says who, and how to restore them. Null when nobody was skipped for that.
 */
function describeRevokedSkips(emails: readonly string[]): string | null {
  if (emails.length === 0) return null;
  const who = emails.length === 1 ? `${emails[0]} had their invitation revoked` : `${countOf(emails.length, 'person', 'people')} had their invitations revoked`;
  return `${who} earlier, so the upload skipped ${emails.length === 1 ? 'them' : 'them all'}. To give access again, use Restore access in the list below.`;
}

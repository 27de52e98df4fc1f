/**
 * Who invites customers, as they know them: TEAM_NAME, written the way it reads mid-sentence
 * ("the Acme customer experience team"); emails capitalise it where it starts a sentence.
 * Unset, the app's default applies (src/server/app.ts). A name that could not sit in a subject
 * line stops the server at start, with the reason.
 */
export const TEAM_NAME_MAX_LENGTH = 80;

export function teamNameFor(configured: string | undefined | null): string | undefined {
  const name = configured?.trim().replace(/\s+/g, ' ');
  if (!name) return undefined;
  if (name.length > TEAM_NAME_MAX_LENGTH) throw new Error(`TEAM_NAME must be at most ${TEAM_NAME_MAX_LENGTH} characters; got ${name.length}.`);
  return name;
}

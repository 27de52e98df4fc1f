/**
 * The words that report a CSV invitation upload, singular or plural as the counts say. One
 * place for the island (JavaScript upload with progress) and the plain form's page, so both
 * say the same thing. Pure: no I/O.
 */

const count = (n: number) => n.toLocaleString('en');

export interface UploadOutcomeText {
  /** "Invited 3 people. 1 person was already invited and was skipped." */
  invited: string;
  /** Introduces the list of rows with problems; null when every row was fine. */
  problems: string | null;
}

export function describeUploadOutcome(outcome: { created: number; skipped: number; problems: number }): UploadOutcomeText {
  const { created, skipped, problems } = outcome;
  const invited = created === 0 ? 'Invited nobody new.' : `Invited ${count(created)} ${created === 1 ? 'person' : 'people'}.`;
  const alreadyInvited =
    skipped === 0 ? '' : skipped === 1 ? ' 1 person was already invited and was skipped.' : ` ${count(skipped)} people were already invited and were skipped.`;
  return {
    invited: invited + alreadyInvited,
    problems:
      problems === 0 ? null : problems === 1 ? '1 row had a problem and was not imported:' : `${count(problems)} rows had problems and were not imported:`,
  };
}

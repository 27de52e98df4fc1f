import { describe, expect, it } from 'vitest';
import { describeUploadOutcome } from '../../src/server/invitations/import-summary.ts';

const emails = (n: number) => Array.from({ length: n }, (_, i) => `p${i}@example.com`);
const outcome = (created: number, skipped: number, problems: number, revoked = 0) => ({ created, skipped: emails(skipped), problems: emails(problems), skippedRevoked: emails(revoked) });

describe('the CSV upload result', () => {
  it('says person and was for one, people and were for more', () => {
    expect(describeUploadOutcome(outcome(1, 1, 1))).toEqual({
      invited: 'Invited 1 person. 1 person was already invited and was skipped.',
      problems: '1 row had a problem and was not imported:',
      revoked: null,
    });
    expect(describeUploadOutcome(outcome(2, 3, 4))).toEqual({
      invited: 'Invited 2 people. 3 people were already invited and were skipped.',
      problems: '4 rows had problems and were not imported:',
      revoked: null,
    });
  });

  it('leaves out what did not happen, and says when nobody new was invited', () => {
    expect(describeUploadOutcome(outcome(10_000, 0, 0))).toEqual({ invited: 'Invited 10,000 people.', problems: null, revoked: null });
    expect(describeUploadOutcome(outcome(0, 5, 0)).invited).toBe('Invited nobody new. 5 people were already invited and were skipped.');
  });

  it('names one person skipped because their invitation was revoked, counts several, and says how to restore them', () => {
    expect(describeUploadOutcome(outcome(0, 0, 0, 1)).revoked).toBe('p0@example.com had their invitation revoked earlier, so the upload skipped them. To give access again, use Restore access in the list below.');
    expect(describeUploadOutcome(outcome(0, 0, 0, 3)).revoked).toBe('3 people had their invitations revoked earlier, so the upload skipped them all. To give access again, use Restore access in the list below.');
  });
});

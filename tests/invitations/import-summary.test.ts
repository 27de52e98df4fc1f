import { describe, expect, it } from 'vitest';
import { describeUploadOutcome } from '../../src/islands/invitations/upload-outcome.ts';

describe('the CSV upload result', () => {
  it('says person and was for one, people and were for more', () => {
    expect(describeUploadOutcome({ created: 1, skipped: 1, problems: 1 })).toEqual({
      invited: 'Invited 1 person. 1 person was already invited and was skipped.',
      problems: '1 row had a problem and was not imported:',
    });
    expect(describeUploadOutcome({ created: 2, skipped: 3, problems: 4 })).toEqual({
      invited: 'Invited 2 people. 3 people were already invited and were skipped.',
      problems: '4 rows had problems and were not imported:',
    });
  });

  it('leaves out what did not happen, and says when nobody new was invited', () => {
    expect(describeUploadOutcome({ created: 10_000, skipped: 0, problems: 0 })).toEqual({ invited: 'Invited 10,000 people.', problems: null });
    expect(describeUploadOutcome({ created: 0, skipped: 5, problems: 0 }).invited).toBe('Invited nobody new. 5 people were already invited and were skipped.');
  });
});

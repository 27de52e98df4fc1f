import { describe, expect, it } from 'vitest';
import { followAction, isWriting } from '../../src/islands/live/follow.ts';

const idle = { isFormOpen: false, activeTag: null };

describe('following the facilitator', () => {
  it('scrolls to the stage in focus when the participant is not writing', () => {
    expect(followAction({ isFollowing: true, focusStageKey: 'sa', writing: idle })).toBe('scroll');
    // A link or the follow checkbox with keyboard focus is no one typing.
    expect(followAction({ isFollowing: true, focusStageKey: 'sa', writing: { isFormOpen: false, activeTag: 'A' } })).toBe('scroll');
    expect(followAction({ isFollowing: true, focusStageKey: 'sa', writing: { isFormOpen: false, activeTag: 'INPUT', activeType: 'checkbox' } })).toBe('scroll');
  });

  it('offers a button instead of scrolling while a comment form is open or a field has focus', () => {
    expect(followAction({ isFollowing: true, focusStageKey: 'sa', writing: { isFormOpen: true, activeTag: null } })).toBe('offer');
    for (const writing of [
      { isFormOpen: false, activeTag: 'TEXTAREA' },
      { isFormOpen: false, activeTag: 'SELECT' },
      { isFormOpen: false, activeTag: 'INPUT', activeType: 'email' },
      { isFormOpen: false, activeTag: 'INPUT', activeType: null },
      { isFormOpen: false, activeTag: 'DIV', isContentEditable: true },
    ]) {
      expect(isWriting(writing)).toBe(true);
      expect(followAction({ isFollowing: true, focusStageKey: 'sa', writing })).toBe('offer');
    }
  });

  it('does nothing for someone who stopped following, or when the focus is cleared', () => {
    expect(followAction({ isFollowing: false, focusStageKey: 'sa', writing: idle })).toBe('none');
    expect(followAction({ isFollowing: true, focusStageKey: null, writing: idle })).toBe('none');
  });
});

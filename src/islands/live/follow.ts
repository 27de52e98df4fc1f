/**
 * Following the facilitator on a participant's board: when the stage in focus changes, the board
 * scrolls there — unless the participant is writing. Scrolling away from an open comment form or
 * a field they are typing in would drag them off their own words, so then the board offers a
 * "go there" button instead and leaves the page where it is.
 */

/** What the page looks like when the focus moves. */
export interface WritingFacts {
  /** A comment form is on the page. */
  isFormOpen: boolean;
  /** The element with keyboard focus: its tag name (upper case, as the DOM gives it) and type. */
  activeTag: string | null;
  activeType?: string | null;
  isContentEditable?: boolean;
}

/** Input types that take text (a checkbox or a button with focus is no one typing). */
const TEXT_INPUT_TYPES = new Set(['text', 'email', 'number', 'search', 'tel', 'url', 'password', 'date', 'time', '']);

export function isWriting(facts: WritingFacts): boolean {
  if (facts.isFormOpen || facts.isContentEditable) return true;
  const tag = (facts.activeTag ?? '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  return tag === 'INPUT' && TEXT_INPUT_TYPES.has((facts.activeType ?? '').toLowerCase());
}

/** What the board does when the facilitator moves: scroll there, offer a button, or nothing. */
export function followAction(input: { isFollowing: boolean; focusStageKey: string | null; writing: WritingFacts }): 'scroll' | 'offer' | 'none' {
  if (!input.isFollowing || input.focusStageKey === null) return 'none';
  return isWriting(input.writing) ? 'offer' : 'scroll';
}

/** Reads the facts from a page. */
export function writingFactsOf(doc: Document): WritingFacts {
  const active = doc.activeElement as HTMLElement | null;
  const isBody = !active || active === doc.body || active === doc.documentElement;
  return {
    isFormOpen: doc.querySelector('form.annotate-form') !== null,
    activeTag: isBody ? null : active.tagName,
    activeType: isBody ? null : active.getAttribute('type'),
    isContentEditable: !isBody && active.isContentEditable,
  };
}

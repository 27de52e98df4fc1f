/**
 * What a review page says after a change. A change redirects (post, redirect, get), so reloading
 * never posts it again; the redirect carries a short code, never text, so nobody can make a
 * link that shows a staff member words of their choosing on our page.
 */
import { DISPOSITION_LABELS, MODERATION_LABELS, isDisposition, isModerationState } from '../../server/review/review.ts';

export type NoticeCode = string;

export const notice = {
  moderation: (state: string) => `moderation-${state}`,
  decision: (disposition: string) => `decision-${disposition}`,
  bulk: (changed: number, skipped: number) => `bulk-${changed}-${skipped}`,
  owner: 'owner',
  impact: 'impact',
  tagAdded: 'tag-added',
  tagRemoved: 'tag-removed',
  note: 'note',
  draftNew: 'draft-new',
  draftExisting: 'draft-existing',
} as const;

const FIXED: Record<string, string> = {
  owner: 'Saved the owner.',
  impact: 'Saved business impact and effort.',
  'tag-added': 'Tag added.',
  'tag-removed': 'Tag removed.',
  note: 'Note added.',
  'draft-new': 'Made a draft card on the internal map.',
  'draft-existing': 'This item already has its draft card.',
};

const plural = (n: number, word: string) => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;

/** The text for a code from the URL; null for anything else. */
export function noticeText(code: string | null): string | null {
  if (!code) return null;
  if (FIXED[code]) return FIXED[code];
  const moderation = /^moderation-([a-z_]+)$/.exec(code)?.[1];
  if (moderation && isModerationState(moderation)) return `Moderation: ${MODERATION_LABELS[moderation].toLowerCase()}.`;
  const decision = /^decision-([a-z_]+)$/.exec(code)?.[1];
  if (decision && isDisposition(decision)) return `Decision: ${DISPOSITION_LABELS[decision].toLowerCase()}.`;
  const bulk = /^bulk-(\d{1,4})-(\d{1,4})$/.exec(code);
  if (bulk) {
    const [changed, skipped] = [Number(bulk[1]), Number(bulk[2])];
    return `Changed ${plural(changed, 'item')}.${skipped > 0 ? ` ${plural(skipped, 'item')} already so, left as ${skipped === 1 ? 'it was' : 'they were'}.` : ''}`;
  }
  return null;
}

/**
 * "You said, we did": a participant is told that what they raised is now on the published map.
 *
 * Participant-facing, so it carries only two kinds of content: the participant's OWN words (their
 * comment, or their comment merged into another) and what the new published version shows (its
 * title, the stage name and the card text, all taken from the published snapshot). Never the
 * internal map, the review data, other participants' words or names, or staff names. Someone who
 * only +1'd gets no quotation of the comment they agreed with: those are another person's words.
 */
import type { EmailContent } from '../src/server/mail/mail.ts';
import { assertEmailLink, button, escapeHtml, escapeMultiline, heading, paragraph, quoteBlock, quoteText, renderLayout, toSingleLine } from './layout.ts';

export interface YouSaidWeDidEmailData {
  /** May be empty or null: the greeting then does without it. */
  recipientName: string | null;
  /**
   * Who they told, as the customer knows them and as it reads mid-sentence ("the customer
   * experience team"): it only ever appears mid-sentence here.
   */
  teamName: string;
  /** The published version's title. */
  mapTitle: string;
  /** What they wrote themselves; null when they +1'd someone else's comment. */
  ownWords: string | null;
  /** The stage of the new card, as published. */
  stageName: string;
  /** The card's text, as published. */
  cardText: string;
  /** Their personal link to the map (an invitation link or its outbox stand-in). */
  link: string;
}

export function renderYouSaidWeDidEmail(data: YouSaidWeDidEmailData): EmailContent {
  const link = assertEmailLink(data.link);
  const name = toSingleLine(data.recipientName ?? '');
  const team = toSingleLine(data.teamName);
  const title = toSingleLine(data.mapTitle);
  const stage = toSingleLine(data.stageName);
  const ownWords = data.ownWords?.trim() || null;

  const subject = `You said, we did: “${title}”`;
  const greeting = name ? `Hello ${name},` : 'Hello,';
  const said = ownWords
    ? `You told ${team} that something was missing from the journey “${title}”:`
    : `You agreed (+1) with a comment that something was missing from the journey “${title}”.`;
  const did = `They have added it to the map. In the step “${stage}” it now reads:`;
  const thanks = 'Thank you for taking the time to tell them. Have a look, and tell them if it is still not quite right.';
  const why = 'You receive this because you commented on this journey map. The link is personal: please do not forward it.';

  const html = renderLayout({
    title: subject,
    preheader: `What you told ${team} is now on “${title}”.`,
    body: [
      heading(escapeHtml('You said, we did')),
      paragraph(escapeHtml(greeting)),
      paragraph(escapeHtml(said)),
      ownWords ? quoteBlock(escapeMultiline(ownWords)) : '',
      paragraph(escapeHtml(did)),
      quoteBlock(escapeMultiline(data.cardText)),
      paragraph(escapeHtml(thanks)),
      button(link, 'See the journey map'),
    ].join('\n'),
    footer: paragraph(escapeHtml(why), { isMuted: true }),
  });

  const text = [
    greeting,
    '',
    said,
    ...(ownWords ? ['', quoteText(ownWords)] : []),
    '',
    did,
    '',
    quoteText(data.cardText),
    '',
    thanks,
    '',
    'See the journey map with your personal link:',
    link,
    '',
    why,
    '',
  ].join('\n');

  return { subject, html, text };
}

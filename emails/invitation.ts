/**
 * The invitation: a personal link to review a published journey map. Everything in `data`
 * except the link came from a person and is escaped; only customer-facing wording belongs here
 * (the map's customer title, never its internal title).
 */
import type { EmailContent } from '../src/server/mail/mail.ts';
import {
  button,
  escapeHtml,
  escapeMultiline,
  formatEmailDate,
  heading,
  paragraph,
  quoteBlock,
  quoteText,
  renderLayout,
  toSingleLine,
  assertEmailLink,
  capitalizeFirst,
} from './layout.ts';

export interface InvitationEmailData {
  /** May be empty or null: the greeting then does without it. */
  recipientName: string | null;
  /** The recipient's company or account, when known. */
  account: string | null;
  /**
   * Who invites, as the customer knows them and as it reads mid-sentence ("the Acme customer
   * experience team"); the email capitalises it where it starts a sentence.
   */
  teamName: string;
  /** The map's customer-facing title. */
  mapTitle: string;
  /** Absolute URL carrying the personal token (built from PUBLIC_URL). */
  link: string;
  expiresAt: Date | number;
  personalMessage?: string | null;
}

export function renderInvitationEmail(data: InvitationEmailData): EmailContent {
  const link = assertEmailLink(data.link);
  const name = toSingleLine(data.recipientName ?? '');
  const team = toSingleLine(data.teamName);
  const title = toSingleLine(data.mapTitle);
  const account = data.account ? toSingleLine(data.account) : '';
  const message = data.personalMessage?.trim() ?? '';
  const expires = formatEmailDate(data.expiresAt);

  const subject = `${capitalizeFirst(team)} invites you to review “${title}”`;
  const greeting = name ? `Hello ${name},` : 'Hello,';
  const intro = `${capitalizeFirst(team)} has invited you${account ? ` (${account})` : ''} to look at their customer journey “${title}” and tell them what works, what doesn’t, and above all what they missed.`;
  const how = 'You can comment on any step of the journey, or on a gap between two steps where something happens that the map leaves out. No account or password is needed.';
  const personal = `This link is personal: please do not forward it. It works until ${expires} (UTC).`;
  const unexpected = 'If you were not expecting this invitation, you can ignore this email.';

  const html = renderLayout({
    title: subject,
    preheader: `Your personal link to “${title}”, valid until ${expires}.`,
    body: [
      heading(escapeHtml(`You’re invited to review “${title}”`)),
      paragraph(escapeHtml(greeting)),
      paragraph(escapeHtml(intro)),
      message ? paragraph(escapeHtml(`A message from ${team}:`)) + quoteBlock(escapeMultiline(message)) : '',
      paragraph(escapeHtml(how)),
      button(link, 'Open the journey map'),
      paragraph(escapeHtml(personal), { isMuted: true }),
    ].join('\n'),
    footer: paragraph(escapeHtml(unexpected), { isMuted: true }),
  });

  const text = [
    greeting,
    '',
    intro,
    ...(message ? ['', `A message from ${team}:`, '', quoteText(message)] : []),
    '',
    how,
    '',
    'Open the journey map with your personal link:',
    link,
    '',
    personal,
    '',
    unexpected,
    '',
  ].join('\n');

  return { subject, html, text };
}

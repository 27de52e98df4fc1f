/**
 * A fresh personal link, sent when someone asks for one after theirs expired — or, with
 * `isSameLink`, the link that still works, sent again because someone asked for it. It goes
 * only to the invited address; the wording assumes nothing about who asked.
 */
import type { EmailContent } from '../src/server/mail/mail.ts';
import { assertEmailLink, button, escapeHtml, formatEmailDate, heading, paragraph, renderLayout, toSingleLine } from './layout.ts';

export interface NewLinkEmailData {
  /** May be empty or null: the greeting then does without it. */
  recipientName: string | null;
  /** The map's customer-facing title. */
  mapTitle: string;
  /** Absolute URL carrying the new personal token (built from PUBLIC_URL). */
  link: string;
  expiresAt: Date | number;
  /** The person's current link, sent again: it is not new, and the earlier one still works. */
  isSameLink?: boolean;
}

export function renderNewLinkEmail(data: NewLinkEmailData): EmailContent {
  const link = assertEmailLink(data.link);
  const name = toSingleLine(data.recipientName ?? '');
  const title = toSingleLine(data.mapTitle);
  const expires = formatEmailDate(data.expiresAt);

  const subject = data.isSameLink ? `Your link to “${title}”` : `Your new link to “${title}”`;
  const greeting = name ? `Hello ${name},` : 'Hello,';
  const intro = data.isSameLink
    ? `Here is your personal link to the customer journey “${title}” again. It is the same link as in your earlier emails, and it still works.`
    : `Here is a new personal link to the customer journey “${title}”. Your earlier link no longer works.`;
  const personal = `This link is personal: please do not forward it. It works until ${expires} (UTC).`;
  const unexpected = `If you did not ask for ${data.isSameLink ? 'your' : 'a new'} link, you can ignore this email: nobody else received it.`;

  const html = renderLayout({
    title: subject,
    preheader: `${data.isSameLink ? 'Your' : 'A new'} personal link to “${title}”, valid until ${expires}.`,
    body: [
      heading(escapeHtml(subject)),
      paragraph(escapeHtml(greeting)),
      paragraph(escapeHtml(intro)),
      button(link, 'Open the journey map'),
      paragraph(escapeHtml(personal), { isMuted: true }),
    ].join('\n'),
    footer: paragraph(escapeHtml(unexpected), { isMuted: true }),
  });

  const text = [greeting, '', intro, '', `Open the journey map with your ${data.isSameLink ? '' : 'new '}personal link:`, link, '', personal, '', unexpected, ''].join('\n');

  return { subject, html, text };
}

/**
 * A fresh personal link, sent when someone asks for one after theirs expired. It goes only to
 * the invited address; the wording assumes nothing about who asked.
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
}

export function renderNewLinkEmail(data: NewLinkEmailData): EmailContent {
  const link = assertEmailLink(data.link);
  const name = toSingleLine(data.recipientName ?? '');
  const title = toSingleLine(data.mapTitle);
  const expires = formatEmailDate(data.expiresAt);

  const subject = `Your new link to “${title}”`;
  const greeting = name ? `Hello ${name},` : 'Hello,';
  const intro = `Here is a new personal link to the customer journey “${title}”. Your earlier link no longer works.`;
  const personal = `This link is personal: please do not forward it. It works until ${expires} (UTC).`;
  const unexpected = 'If you did not ask for a new link, you can ignore this email: nobody else received it.';

  const html = renderLayout({
    title: subject,
    preheader: `A new personal link to “${title}”, valid until ${expires}.`,
    body: [
      heading(escapeHtml(`Your new link to “${title}”`)),
      paragraph(escapeHtml(greeting)),
      paragraph(escapeHtml(intro)),
      button(link, 'Open the journey map'),
      paragraph(escapeHtml(personal), { isMuted: true }),
    ].join('\n'),
    footer: paragraph(escapeHtml(unexpected), { isMuted: true }),
  });

  const text = [greeting, '', intro, '', 'Open the journey map with your new personal link:', link, '', personal, '', unexpected, ''].join('\n');

  return { subject, html, text };
}

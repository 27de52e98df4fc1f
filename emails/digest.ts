/**
 * The owners' digest: a staff member's open review items (new, accepted, needs follow-up), each
 * linked to its page in the review queue. Staff-only email (it names internal map titles and
 * triage states); it goes to staff accounts, never to participants. Customer text is quoted as
 * text, escaped like everything else that came from a person.
 */
import type { EmailContent } from '../src/server/mail/mail.ts';
import { assertEmailLink, button, escapeHtml, heading, paragraph, renderLayout, toSingleLine } from './layout.ts';

export interface DigestEmailItem {
  /** Absolute link to the item's page in the review queue. */
  link: string;
  mapTitle: string;
  kindLabel: string;
  dispositionLabel: string;
  /** The customer's words, already shortened. */
  text: string;
}

export interface DigestEmailData {
  recipientName: string;
  items: DigestEmailItem[];
  /** Every open item the person owns; more than `items.length` when the list was cut. */
  total: number;
  /** Absolute link to the queue filtered to their items. */
  queueLink: string;
  /** "Every Monday at 09:00 UTC", or null when someone sent it by hand. */
  schedule: string | null;
}

const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

function itemHtml(item: DigestEmailItem): string {
  const href = escapeHtml(assertEmailLink(item.link));
  const meta = escapeHtml(`${toSingleLine(item.mapTitle)} · ${item.kindLabel} · ${item.dispositionLabel}`);
  return `<li style="margin:0 0 14px 0;font-family:${FONT};font-size:15px;line-height:1.45;color:#1f2933;">
<a href="${href}" style="color:#1d4ed8;">${escapeHtml(toSingleLine(item.text))}</a><br>
<span style="font-size:13px;color:#52606d;">${meta}</span>
</li>`;
}

export function renderDigestEmail(data: DigestEmailData): EmailContent {
  const queueLink = assertEmailLink(data.queueLink);
  const name = toSingleLine(data.recipientName);
  const count = data.total === 1 ? '1 open review item' : `${data.total} open review items`;
  const subject = `Your digest: ${count}`;
  const greeting = name ? `Hello ${name},` : 'Hello,';
  const intro = `You own ${count}: new, accepted or waiting for follow-up.`;
  const more = data.total > data.items.length ? `Here are the newest ${data.items.length}; the queue shows all ${data.total}.` : '';
  const why = data.schedule
    ? `You receive this digest on the schedule an admin set: ${data.schedule}. Only people who own open items get one.`
    : 'Someone on your team sent this digest by hand.';

  const html = renderLayout({
    title: subject,
    preheader: intro,
    body: [
      heading(escapeHtml('Your open review items')),
      paragraph(escapeHtml(greeting)),
      paragraph(escapeHtml(intro)),
      more ? paragraph(escapeHtml(more)) : '',
      `<ul style="margin:0 0 16px 0;padding:0 0 0 20px;">\n${data.items.map(itemHtml).join('\n')}\n</ul>`,
      button(queueLink, 'Open your items in the queue'),
    ].join('\n'),
    footer: paragraph(escapeHtml(why), { isMuted: true }),
  });

  const text = [
    greeting,
    '',
    intro,
    ...(more ? ['', more] : []),
    '',
    ...data.items.flatMap((item) => [`- ${toSingleLine(item.text)}`, `  ${toSingleLine(item.mapTitle)} · ${item.kindLabel} · ${item.dispositionLabel}`, `  ${assertEmailLink(item.link)}`, '']),
    'Open your items in the queue:',
    queueLink,
    '',
    why,
    '',
  ].join('\n');

  return { subject, html, text };
}

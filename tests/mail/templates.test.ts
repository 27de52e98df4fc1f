import fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { renderInvitationEmail, type InvitationEmailData } from '../../emails/invitation.ts';
import { absoluteUrl, capitalizeFirst, escapeHtml } from '../../emails/layout.ts';
import { renderNewLinkEmail } from '../../emails/new-link.ts';
import { renderYouSaidWeDidEmail } from '../../emails/you-said-we-did.ts';
import { defaultAppConfig } from '../../src/server/app.ts';

const LINK = 'https://groundtruth.example.com/i/tok3n?from=mail&lang=en';
const EXPIRES = Date.UTC(2026, 11, 25, 12, 0, 0);

const invitation: InvitationEmailData = {
  recipientName: 'Ada Lovelace',
  account: 'Analytical Engines Ltd',
  teamName: 'the Acme customer experience team',
  mapTitle: 'Getting started with Acme',
  link: LINK,
  expiresAt: EXPIRES,
  personalMessage: 'Thank you for joining the advisory board.\nWe would love your view on onboarding.',
};

const blns: string[] = JSON.parse(fs.readFileSync(createRequire(import.meta.url).resolve('big-list-of-naughty-strings/blns.json'), 'utf8'));

/** Tags the layout itself writes; anything else in the HTML came from data and is a bug. */
function unexpectedTags(html: string): string[] {
  const allowed = new Set(['!doctype', 'html', 'head', 'meta', 'title', 'body', 'div', 'table', 'tr', 'td', 'a', 'p', 'h1', 'br']);
  return [...html.matchAll(/<\/?([a-z!][a-z0-9-]*)/gi)].map((m) => m[1]!.toLowerCase()).filter((tag) => !allowed.has(tag));
}

describe('the invitation email', () => {
  it('has a subject, an HTML part with the link as href, and a complete plain-text part', () => {
    const email = renderInvitationEmail(invitation);
    expect(email.subject).toBe('The Acme customer experience team invites you to review “Getting started with Acme”');
    expect(email.html).toContain(`href="${escapeHtml(LINK)}"`);
    expect(email.html).toContain('Hello Ada Lovelace,');
    expect(email.text).toContain(`\n${LINK}\n`);
    expect(email.text).toContain('Hello Ada Lovelace,');
    expect(email.text).toContain('(Analytical Engines Ltd)');
    expect(email.text).toContain('> Thank you for joining the advisory board.\n> We would love your view on onboarding.');
    expect(email.text).toContain('25 December 2026 (UTC)');
    expect(email.html).toContain('25 December 2026 (UTC)');
    expect(email.text).not.toMatch(/<[a-z]/i);
  });

  it('escapes everything a person wrote', () => {
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&';
    const email = renderInvitationEmail({
      ...invitation,
      recipientName: evil,
      account: evil,
      teamName: evil,
      mapTitle: evil,
      personalMessage: `${evil}\n${evil}`,
    });
    expect(email.html).not.toContain('<script');
    expect(email.html).not.toContain('<img');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;&amp;');
    expect(unexpectedTags(email.html)).toEqual([]);
    // The plain-text part is text: it keeps what the person wrote, readably.
    expect(email.text).toContain('Hello <script>alert(1)</script>');
  });

  it('keeps every naughty string out of the markup (big-list-of-naughty-strings)', () => {
    for (const naughty of blns) {
      const email = renderInvitationEmail({ ...invitation, recipientName: naughty, teamName: naughty, mapTitle: naughty, account: naughty, personalMessage: naughty });
      expect(unexpectedTags(email.html), naughty).toEqual([]);
      expect(email.subject, naughty).not.toMatch(/[\r\n]/);
      expect(email.text, naughty).toContain(LINK);
    }
  });

  it('does without the optional parts', () => {
    const email = renderInvitationEmail({ ...invitation, recipientName: '  ', account: null, personalMessage: null });
    expect(email.text.startsWith('Hello,\n')).toBe(true);
    expect(email.text).not.toContain('A message from');
    expect(email.text).not.toContain('()');
    expect(email.html).not.toContain('border-left:4px');
  });

  it('takes the expiry as a Date or epoch milliseconds, and a missing name', () => {
    const email = renderInvitationEmail({ ...invitation, recipientName: null, expiresAt: new Date(EXPIRES) });
    expect(email.text).toContain('25 December 2026 (UTC)');
    expect(email.text.startsWith('Hello,\n')).toBe(true);
  });

  it('keeps the subject on one line', () => {
    expect(renderInvitationEmail({ ...invitation, mapTitle: 'Line one\r\nBcc: victim@example.com' }).subject).not.toMatch(/[\r\n]/);
  });

  it('refuses a link that is not absolute http(s)', () => {
    expect(() => renderInvitationEmail({ ...invitation, link: 'javascript:alert(1)' })).toThrow();
    expect(() => renderInvitationEmail({ ...invitation, link: '/i/relative' })).toThrow();
  });
});

describe('the team name in a sentence', () => {
  // Team names are configured as they read mid-sentence; only a sentence start capitalises them.
  const team = defaultAppConfig.teamName;

  it('is configured as it reads mid-sentence', () => {
    expect(team).toBe('the customer experience team');
  });

  it('starts the invitation’s subject and first sentence with a capital, and stays lowercase mid-sentence', () => {
    const email = renderInvitationEmail({ ...invitation, teamName: team });
    expect(email.subject).toBe('The customer experience team invites you to review “Getting started with Acme”');
    expect(email.text).toContain('\nThe customer experience team has invited you (Analytical Engines Ltd) to look at');
    expect(email.text).toContain('A message from the customer experience team:');
    expect(email.html).toContain('A message from the customer experience team:');
  });

  it('reads “You told the customer experience team that…” in “You said, we did”', () => {
    const email = renderYouSaidWeDidEmail({ recipientName: 'Dana', teamName: team, mapTitle: 'Getting started', ownWords: 'IT approval', stageName: 'Sign up', cardText: 'Your IT team approves', link: LINK });
    for (const part of [email.text, email.html]) {
      expect(part).toContain('You told the customer experience team that something was missing');
      expect(part).not.toContain('The customer experience team');
    }
  });

  it('capitalises only the first letter, never lowercasing a name', () => {
    expect(capitalizeFirst('the Acme CX team')).toBe('The Acme CX team');
    expect(capitalizeFirst('Acme')).toBe('Acme');
    expect(capitalizeFirst('émile’s team')).toBe('Émile’s team');
    expect(capitalizeFirst('😀 team')).toBe('😀 team');
    expect(capitalizeFirst('')).toBe('');
  });
});

describe('the new-link email', () => {
  it('carries the new link in both parts and the expiry', () => {
    const email = renderNewLinkEmail({ recipientName: 'Ada', mapTitle: 'Getting started', link: LINK, expiresAt: EXPIRES });
    expect(email.subject).toBe('Your new link to “Getting started”');
    expect(email.html).toContain(`href="${escapeHtml(LINK)}"`);
    expect(email.text).toContain(`\n${LINK}\n`);
    expect(email.text).toContain('25 December 2026 (UTC)');
  });

  it('escapes the name and the title', () => {
    const email = renderNewLinkEmail({ recipientName: '<script>x</script>', mapTitle: '<b onmouseover=alert(1)>t</b>', link: LINK, expiresAt: EXPIRES });
    expect(unexpectedTags(email.html)).toEqual([]);
    expect(email.html).toContain('&lt;script&gt;x&lt;/script&gt;');
  });
});

describe('absolute links', () => {
  it('joins PUBLIC_URL and a path, with or without a base path', () => {
    expect(absoluteUrl('https://gt.example.com', '/i/abc')).toBe('https://gt.example.com/i/abc');
    expect(absoluteUrl('https://gt.example.com/', 'i/abc')).toBe('https://gt.example.com/i/abc');
    expect(absoluteUrl('https://example.com/groundtruth', '/i/abc')).toBe('https://example.com/groundtruth/i/abc');
  });
});

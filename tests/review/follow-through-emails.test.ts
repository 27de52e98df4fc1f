import fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { renderDigestEmail } from '../../emails/digest.ts';
import { renderYouSaidWeDidEmail } from '../../emails/you-said-we-did.ts';

const blns: string[] = JSON.parse(fs.readFileSync(createRequire(import.meta.url).resolve('big-list-of-naughty-strings/blns.json'), 'utf8'));
const LINK = 'https://groundtruth.example.com/m/i/gt-link-abc-1';

/** Tags the templates write themselves; any other tag came from data and is a bug. */
function unexpectedTags(html: string): string[] {
  const allowed = new Set(['!doctype', 'html', 'head', 'meta', 'title', 'body', 'div', 'table', 'tr', 'td', 'a', 'p', 'h1', 'br', 'ul', 'li', 'span']);
  return [...html.matchAll(/<\/?([a-z!][a-z0-9-]*)/gi)].map((m) => m[1]!.toLowerCase()).filter((tag) => !allowed.has(tag));
}

describe('the “you said, we did” email', () => {
  it('quotes their words and the published card, with their link, in both parts', () => {
    const email = renderYouSaidWeDidEmail({ recipientName: 'Dana', teamName: 'The CX team', mapTitle: 'Getting started', ownWords: 'IT approval\nis missing', stageName: 'Sign up', cardText: 'Your IT team approves the account', link: LINK });
    expect(email.subject).toBe('You said, we did: “Getting started”');
    expect(email.text).toContain('> IT approval\n> is missing');
    expect(email.text).toContain('> Your IT team approves the account');
    expect(email.text).toContain(`\n${LINK}\n`);
    expect(email.html).toContain(`href="${LINK}"`);
    expect(email.html).toContain('IT approval<br>');
  });

  it('keeps every naughty string as text, and the subject on one line', () => {
    for (const value of blns) {
      const email = renderYouSaidWeDidEmail({ recipientName: value, teamName: 'Team', mapTitle: value, ownWords: value, stageName: value, cardText: value || 'x', link: LINK });
      expect(unexpectedTags(email.html), value).toEqual([]);
      expect(email.subject).not.toMatch(/[\r\n]/);
    }
  });
});

describe('the digest email', () => {
  it('keeps every naughty string as text', () => {
    for (const value of blns) {
      const email = renderDigestEmail({
        recipientName: value,
        total: 2,
        items: [{ link: 'https://groundtruth.example.com/app/review/a1', mapTitle: value, kindLabel: 'Idea', dispositionLabel: 'New', text: value }],
        queueLink: 'https://groundtruth.example.com/app/review?owner=s1',
        schedule: 'Every day at 09:00 UTC',
      });
      expect(unexpectedTags(email.html), value).toEqual([]);
      expect(email.text).toContain('Here are the newest 1; the queue shows all 2.');
    }
  });
});

/**
 * The staff side of the customer's review: what a participant says appears on the internal map
 * (a count on the card and on the gap, the text on hover and on keyboard focus, a total in the
 * toolbar), and editors choose how customers give feedback, with a form that works without
 * JavaScript. axe checks the editor with the comments on it and the invitations page.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { runCli } from './cli.ts';
import { ACCOUNTS, signIn } from './fixtures.ts';
import { continueFromLink, expectNoAxeViolations, importAndPublish, inviteWithCli, SAME_ORIGIN, uniqueId, type PublishedMap } from './portal-helpers.ts';

/** The participant's side: open the link, Continue, then one comment through a "Comment" link. */
async function commentAsParticipant(browser: Browser, published: PublishedMap, comments: { link: RegExp; text: string }[]) {
  const invitation = await inviteWithCli({ mapId: published.mapId, email: `pat-${uniqueId()}@example.com`, name: 'Pat Participant' });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const mapPath = await continueFromLink(page, invitation.path, published.texts.customerTitle);
    for (const comment of comments) {
      await page.goto(mapPath);
      await page.getByRole('link', { name: comment.link }).click();
      // A free Comment form chooses no kind: say what it is ("Missing after this?" has it chosen already).
      await page.getByLabel('Something is missing').check();
      await page.getByLabel('Your comment').fill(comment.text);
      await page.getByRole('button', { name: 'Send comment' }).click();
      await expect(page.getByRole('status').filter({ hasText: 'your comment is saved' })).toBeVisible();
    }
  } finally {
    await context.close();
  }
}

async function openEditor(page: Page, mapId: string) {
  await page.goto(`/app/maps/${mapId}`);
  await expect(page.getByRole('status').filter({ hasText: /^(All changes saved|Read only)$/ })).toBeVisible({ timeout: 10_000 });
}

test('a participant’s comments show on the internal map, with their text on hover and on focus', async ({ page, browser }) => {
  test.setTimeout(60_000); // the command line, a participant's visit and axe twice
  const prefix = `ann${uniqueId()}`;
  const published = await importAndPublish(prefix);
  const cardComment = `The form asked for our tax number twice <b>${prefix}</b>`;
  const gapComment = `Nobody told us about the security review ${prefix}`;
  await commentAsParticipant(browser, published, [
    { link: new RegExp(`^Comment on “${published.texts.customerCard}”`), text: cardComment },
    { link: /^Missing after this\? Something between Getting started and Using it/, text: gapComment },
  ]);

  await signIn(page, ACCOUNTS.editor);
  await openEditor(page, published.mapId);
  await expect(page.getByText('2 customer comments', { exact: true })).toBeVisible();

  // The card: its badge follows it in the tab order; focus shows the text, as text.
  const card = page.getByRole('button', { name: new RegExp(`^${prefix}-internal-card-text`) });
  const cardBadge = page.getByRole('button', { name: `1 customer comment on “${prefix}-internal-card-text”` });
  await card.focus();
  await page.keyboard.press('Tab');
  await expect(cardBadge).toBeFocused();
  const tooltip = page.getByRole('tooltip');
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toContainText(cardComment);
  await expect(tooltip).toContainText('Something is missing');
  await expect(tooltip.locator('b')).toHaveCount(0);
  await expect(cardBadge).toHaveAccessibleDescription(new RegExp(cardComment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  await expectNoAxeViolations(page, 'the editor with a comment tooltip open');

  // Escape hides it and leaves focus where it was (WCAG 1.4.13).
  await page.keyboard.press('Escape');
  await expect(tooltip).toBeHidden();
  await expect(cardBadge).toBeFocused();
  await cardBadge.blur();

  // The gap after the first stage, at the right edge of its header: on hover.
  const gapBadge = page.getByRole('button', { name: `1 customer comment between ${prefix}-internal-stage-name and Using it` });
  await gapBadge.hover();
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toContainText(gapComment);
  // The pointer can move onto the tooltip without it going away.
  await tooltip.hover();
  await page.waitForTimeout(500);
  await expect(tooltip).toBeVisible();
  await page.getByRole('heading', { level: 1 }).hover();
  await expect(tooltip).toBeHidden();

  await expectNoAxeViolations(page, 'the editor with customer comments');
});

test('editors choose how customers give feedback, without JavaScript; the editor then shows what waits for approval', async ({ browser }) => {
  test.setTimeout(60_000);
  const prefix = `fb${uniqueId()}`;
  const published = await importAndPublish(prefix);
  await commentAsParticipant(browser, published, [{ link: new RegExp(`^Comment on “${published.texts.customerCard}”`), text: `Too slow ${prefix}` }]);

  const context = await browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await signIn(page, ACCOUNTS.editor);
    await page.goto(`/app/maps/${published.mapId}/invitations`);
    const section = page.getByRole('region', { name: 'How customers give feedback' });
    await expect(section.getByRole('radio', { name: 'Private' })).toBeChecked();
    await expect(section.getByRole('radio', { name: 'Shared' })).not.toBeChecked();
    await expect(section.getByRole('checkbox', { name: 'Comments wait for approval before others see them' })).toBeChecked();
    await expect(section.getByRole('checkbox', { name: "Show participants' names to each other" })).not.toBeChecked();

    await section.getByRole('radio', { name: 'Shared' }).check();
    await section.getByRole('checkbox', { name: "Show participants' names to each other" }).check();
    await section.getByRole('button', { name: 'Save feedback settings' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Saved how customers give feedback' })).toBeVisible();
    await page.goto(`/app/maps/${published.mapId}/invitations`);
    await expect(section.getByRole('radio', { name: 'Shared' })).toBeChecked();
    await expect(section.getByRole('checkbox', { name: 'Comments wait for approval before others see them' })).toBeChecked();
    await expect(section.getByRole('checkbox', { name: "Show participants' names to each other" })).toBeChecked();
  } finally {
    await context.close();
  }

  // axe needs JavaScript: the same pages in an ordinary browser.
  const staff = await browser.newContext();
  try {
    const page = await staff.newPage();
    await signIn(page, ACCOUNTS.editor);
    await page.goto(`/app/maps/${published.mapId}/invitations`);
    await expect(page.getByRole('radio', { name: 'Shared' })).toBeChecked();
    await expectNoAxeViolations(page, 'the invitations page with the feedback form');
    await openEditor(page, published.mapId);
    await expect(page.getByText(/^1 customer comment · 1 waiting for approval$/)).toBeVisible();
    await page.getByRole('button', { name: `1 customer comment on “${prefix}-internal-card-text”` }).focus();
    await expect(page.getByRole('tooltip')).toContainText('Waiting for approval');
  } finally {
    await staff.close();
  }
});

test('reviewers see the feedback settings but cannot change them', async ({ page }) => {
  const published = await importAndPublish(`rv${uniqueId()}`);
  const reviewer = { email: `e2e-feedback-reviewer-${uniqueId()}@example.com`, password: 'e2e reviewer passphrase six' };
  await runCli(['user:create', '--email', reviewer.email, '--name', 'Rory Reviewer', '--role', 'reviewer', '--password', reviewer.password]);
  await signIn(page, reviewer);
  await page.goto(`/app/maps/${published.mapId}/invitations`);
  const section = page.getByRole('region', { name: 'How customers give feedback' });
  await expect(section).toContainText('Private: each participant sees only their own comments.');
  await expect(section.getByRole('button', { name: 'Save feedback settings' })).toHaveCount(0);

  const response = await page.request.post('/_actions/feedback.saveSettings', {
    headers: SAME_ORIGIN,
    form: { mapId: published.mapId, mode: 'shared', requiresApproval: 'on' },
  });
  expect(response.status()).toBe(403);
  await page.reload();
  await expect(section).toContainText('Private: each participant sees only their own comments.');
});

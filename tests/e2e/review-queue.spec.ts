/**
 * The review queue in Chromium, as reviewers use it: keyboard triage, bulk changes that are all
 * or nothing, the conflict a colleague's earlier change causes, notes and history, priorities,
 * and axe on every queue page.
 */
import fs from 'node:fs';
import { runCli } from './cli.ts';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { ACCOUNTS, E2E_BASE_URL, signIn } from './fixtures.ts';
import { continueFromLink, expectNoAxeViolations, expectNoSidewaysPageScroll, importAndPublish, inviteWithCli, uniqueId } from './portal-helpers.ts';

/** A customer of `mapId` writes each text as an annotation (oldest first); returns the map's queue URL. */
async function customerSays(browser: Browser, prefix: string, texts: string[], options: { kind?: string } = {}): Promise<{ mapId: string; queue: string }> {
  const published = await importAndPublish(prefix);
  const invitation = await inviteWithCli({ mapId: published.mapId, email: `${prefix}@example.com`, name: `Customer ${prefix}`, account: 'Harbour Dental' });
  const context = await browser.newContext({ baseURL: E2E_BASE_URL });
  const customer = await context.newPage();
  const mapPath = await continueFromLink(customer, invitation.path, published.texts.customerTitle);
  for (const text of texts) {
    const response = await customer.request.post(`${mapPath}/annotations`, { data: { anchor: 'map', kind: options.kind ?? 'missing', text, importance: 4 }, headers: { origin: E2E_BASE_URL } });
    expect(response.status(), text).toBe(201);
  }
  await context.close();
  return { mapId: published.mapId, queue: `/app/review?map=${encodeURIComponent(published.mapId)}` };
}

// Each test sets up a map, a customer and several posts: more than the default 30 s when the machine is busy.
test.describe.configure({ timeout: 90_000 });

const status = (page: Page) => page.getByRole('status');

test('a reviewer triages from the keyboard: next, previous, accept, approve, decline, assign, help, open', async ({ browser, page }) => {
  const id = uniqueId();
  const { queue } = await customerSays(browser, `kbd-${id}`, ['Oldest: payroll preview', 'Third: tax codes', 'Second: pension setup', 'Newest: bank details']);
  await signIn(page, ACCOUNTS.reviewer);
  await page.goto(queue);
  const items = page.locator('.queue-item');
  await expect(items).toHaveCount(4);
  await expect(items.nth(0)).toContainText('Newest: bank details');

  await page.keyboard.press('j');
  await expect(items.nth(0)).toBeFocused();
  await page.keyboard.press('a');
  await expect(status(page)).toContainText('Decision: accepted');
  // The page reloaded; the focus came back to the item that changed.
  await expect(items.nth(0)).toBeFocused();
  await expect(items.nth(0).locator('.badge.disposition-accepted')).toBeVisible();

  await page.keyboard.press('j');
  await expect(items.nth(1)).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(items.nth(2)).toBeFocused();
  await page.keyboard.press('k');
  await expect(items.nth(1)).toBeFocused();
  await page.keyboard.press('p');
  await expect(status(page)).toContainText('Moderation: approved');
  await expect(items.nth(1)).toBeFocused();
  await expect(items.nth(1).locator('.badge.moderation-approved')).toBeVisible();

  await page.keyboard.press('j');
  await page.keyboard.press('d');
  const reason = items.nth(2).getByLabel('Why is it declined?');
  await expect(reason).toBeFocused();
  await page.keyboard.type('Already on the roadmap for Q1');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(status(page)).toContainText('Decision: declined');
  await expect(items.nth(2)).toBeFocused();
  await expect(items.nth(2)).toContainText('Declined because: Already on the roadmap for Q1');

  await page.keyboard.press('j');
  await page.keyboard.press('o');
  const owner = items.nth(3).getByLabel('Owner');
  await expect(owner).toBeFocused();
  await owner.selectOption({ label: ACCOUNTS.reviewer.name });
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(status(page)).toContainText('Saved the owner.');
  await expect(items.nth(3)).toContainText(`Owner: ${ACCOUNTS.reviewer.name}`);

  // A shortcut that does not apply says so instead of doing something else.
  await expect(items.nth(3)).toBeFocused();
  await page.keyboard.press('k');
  await page.keyboard.press('k');
  await page.keyboard.press('k');
  await expect(items.nth(0)).toBeFocused();
  await page.keyboard.press('a'); // already accepted
  await expect(page.locator('#queue-announcer')).toContainText('Accept is not possible for this item.');

  // Shortcuts work from an item's checkbox too (it is not a text field): x selects, p approves.
  await items.nth(3).getByRole('checkbox').focus();
  await page.keyboard.press('p');
  await expect(status(page)).toContainText('Moderation: approved.');
  await expect(items.nth(3).locator('.badge.moderation-approved')).toBeVisible();
  // A reload shows the page again; it does not post the change again.
  const reloaded = await page.reload();
  expect(reloaded?.status()).toBe(200);
  await expect(page.getByRole('alert')).toHaveCount(0);

  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toBeVisible();
  await expectNoAxeViolations(page, 'the queue with the shortcuts help open');
  // Single-key shortcuts can be turned off (WCAG 2.1.4), and on again.
  await help.getByLabel('Use single-key shortcuts').uncheck();
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
  await items.nth(0).focus();
  await page.keyboard.press('j');
  await expect(items.nth(0)).toBeFocused();
  await page.getByRole('button', { name: 'Keyboard shortcuts (?)' }).click();
  await help.getByLabel('Use single-key shortcuts').check();
  await page.keyboard.press('Escape');
  await items.nth(0).focus();
  await page.keyboard.press('j');
  await expect(items.nth(1)).toBeFocused();

  await items.nth(2).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/app\/review\/[^/?]+$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Review item' })).toBeVisible();
  const history = page.getByRole('table');
  await expect(history).toContainText(ACCOUNTS.reviewer.name);
  await expect(history).toContainText('Already on the roadmap for Q1');
});

test('bulk changes are all or nothing, and filters and counts follow them', async ({ browser, page }) => {
  const id = uniqueId();
  const { queue } = await customerSays(browser, `bulk-${id}`, ['One thing', 'Another thing', 'A third thing']);
  await signIn(page, ACCOUNTS.editor);
  await page.goto(queue);
  await expect(page.getByText('Items 1–3 of 3')).toBeVisible();
  await expectNoAxeViolations(page, 'the review queue');

  await page.getByRole('link', { name: 'Select all on this page' }).click();
  await expect(page.locator('.queue-item input[type="checkbox"]:checked')).toHaveCount(3);
  await page.getByLabel('With the selected items').selectOption({ label: 'Add the tag below' });
  await page.getByLabel('Tag', { exact: true }).last().fill(`bulk ${id}`);
  await page.getByRole('button', { name: 'Apply to selected' }).click();
  await expect(status(page)).toContainText('Changed 3 items.');
  await expect(page.locator('.badge.tag', { hasText: `#bulk ${id}` })).toHaveCount(3);

  // Decline one, then ask for a move only the others allow: nothing changes, and it says why.
  const declined = page.locator('.queue-item').first();
  await declined.getByText('Decline…').click();
  await declined.getByLabel('Why is it declined?').fill('Not for this map');
  await declined.getByRole('button', { name: 'Decline', exact: true }).click();
  await expect(status(page)).toContainText('Decision: declined');
  await page.getByRole('link', { name: 'Select all on this page' }).click();
  await page.getByLabel('With the selected items').selectOption({ label: 'Accept' });
  await page.getByRole('button', { name: 'Apply to selected' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('1 of 3 items could not be changed, so none was.');
  // It names the refused item and why, and keeps the selection to fix and try again.
  await expect(alert.getByRole('listitem')).toHaveCount(1);
  await expect(alert.getByRole('listitem')).toContainText('Declined cannot become accepted');
  await expect(page.locator('.queue-item input[type="checkbox"]:checked')).toHaveCount(3);
  await expect(page.locator('.item-refusal')).toHaveCount(1);
  await page.goto(queue);
  await expect(page.locator('.badge.disposition-accepted')).toHaveCount(0);

  // Items already as asked are left alone: approving all twice changes nothing the second time.
  for (const expected of ['Changed 3 items.', 'Changed 0 items. 3 items already so, left as they were.']) {
    await page.getByRole('link', { name: 'Select all on this page' }).click();
    await page.getByLabel('With the selected items').selectOption({ label: 'Approve' });
    await page.getByRole('button', { name: 'Apply to selected' }).click();
    await expect(status(page)).toHaveText(expected);
  }

  // Counts say what each choice would show; choosing one filters.
  await expect(page.getByRole('navigation', { name: 'Decision counts' }).getByRole('link', { name: 'Declined 1' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Decision counts' }).getByRole('link', { name: 'New 2' }).click();
  await expect(page.getByText('Items 1–2 of 2')).toBeVisible();
  await page.getByLabel('Tag', { exact: true }).first().fill(`bulk ${id}`);
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.getByText('Items 1–2 of 2')).toBeVisible();
  await page.getByLabel('Tag', { exact: true }).first().fill('no-such-tag');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.getByText('No items match.')).toBeVisible();

  // The download links export the view as it is filtered: here, the two new items.
  await page.goto(`${queue}&disposition=new`);
  await expect(page.getByText('Items 1–2 of 2')).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
  const csv = fs.readFileSync((await download.path())!, 'utf8');
  expect(csv.trim().split(/\r?\n/)).toHaveLength(3); // the header and two rows (texts have no line breaks)
  expect(csv).toContain('Another thing');
  const [w3c] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'W3C Web Annotation (JSON-LD)' }).click()]);
  const collection = JSON.parse(fs.readFileSync((await w3c.path())!, 'utf8')) as { type: string; first: { items: { type: string }[] } };
  expect(collection.type).toBe('AnnotationCollection');
  expect(collection.first.items.map((a) => a.type)).toEqual(['Annotation', 'Annotation']);

  // Marking a duplicate asks to confirm that it is final; the history names the original by its words.
  // (A colleague with a long name makes every owner list wide: the page must still fit a phone.)
  await runCli(['user:create', '--email', `long-name-${id}@example.com`, '--name', `Maximiliana Konstantinopoulou-Vanderbilt-Oyelaran ${id}`, '--role', 'reviewer']);
  await page.goto(queue);
  await page.locator('.queue-item', { hasText: 'Another thing' }).locator('.item-title a').click();
  const original = await page.locator('#duplicate-of option', { hasText: 'A third thing' }).getAttribute('value');
  await page.getByLabel('Duplicate of').selectOption(original!);
  await page.getByRole('button', { name: 'Mark as duplicate' }).click();
  await expect(page.getByRole('heading', { name: 'Decision: New' })).toBeVisible(); // not yet: the box is unchecked
  await page.getByLabel('I understand this is final').check();
  await page.getByRole('button', { name: 'Mark as duplicate' }).click();
  await expect(status(page)).toContainText('Decision: duplicate.');
  await expect(page.getByRole('table').getByRole('link', { name: /A third thing/ })).toBeVisible();
  await expectNoSidewaysPageScroll(page, 'a review item with its history');

  // Only staff reach the queue.
  const anonymous = await browser.newContext({ baseURL: E2E_BASE_URL });
  const stranger = await anonymous.newPage();
  await stranger.goto(queue);
  await expect(stranger).toHaveURL(/\/sign-in/);
  await anonymous.close();
});

test('a stale change is a conflict, not an overwrite; notes, history and priorities', async ({ browser, page }) => {
  const id = uniqueId();
  const { queue } = await customerSays(browser, `conflict-${id}`, ['We needed a way to invite the accountant'], { kind: 'missing' });
  await signIn(page, ACCOUNTS.editor);
  await page.goto(queue);
  await page.locator('.queue-item .item-title a').first().click();
  const itemUrl = page.url();
  await expectNoAxeViolations(page, 'a review item');

  const colleagueContext = await browser.newContext({ baseURL: E2E_BASE_URL });
  const colleague = await colleagueContext.newPage();
  await signIn(colleague, ACCOUNTS.reviewer);
  await colleague.goto(itemUrl);

  await page.getByRole('button', { name: 'Accept' }).click();
  await expect(status(page)).toContainText('Decision: accepted');
  // The colleague still sees "New" and decides otherwise: refused, with what happened.
  await colleague.getByRole('button', { name: 'Needs follow-up' }).click();
  await expect(colleague.getByRole('alert')).toContainText('Someone changed this item while you were looking at it.');
  await expect(colleague.getByRole('heading', { name: 'Decision: Accepted' })).toBeVisible();
  await colleagueContext.close();

  // An accepted "missing" item becomes a draft card on the internal map, linked back.
  await page.reload();
  await page.getByRole('button', { name: 'Make a draft card' }).click();
  await expect(status(page)).toContainText('Made a draft card on the internal map.');
  const draft = page.getByRole('region', { name: 'On the internal map' });
  await expect(draft).toContainText('We needed a way to invite the accountant');
  await expect(page.getByRole('button', { name: 'Make a draft card' })).toHaveCount(0);
  await expect(page.getByRole('table')).toContainText('Draft card made');

  await page.getByLabel('Add a note').fill(`Ask finance about this ${id}`);
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByRole('region', { name: 'Internal notes' })).toContainText(`Ask finance about this ${id}`);
  await page.getByLabel('Business impact').selectOption('5');
  await page.getByLabel('Effort').selectOption('1');
  await page.getByRole('button', { name: 'Save impact and effort' }).click();
  await expect(status(page)).toContainText('Saved business impact and effort.');
  const history = page.getByRole('table');
  await expect(history).toContainText('Business impact');
  await expect(history).toContainText(ACCOUNTS.editor.name);

  await page.goto('/app/review/priorities');
  await expect(page.getByText(/Priority = \(participants \+ accounts\)/)).toBeVisible();
  const ranked = page.locator('.queue-item', { hasText: 'We needed a way to invite the accountant' });
  await expect(ranked).toBeVisible();
  // (1 participant + 1 account) × 4 × 5 ÷ 1
  await expect(ranked.locator('.rank strong')).toHaveText('40');
  await expectNoAxeViolations(page, 'the priorities view');
});

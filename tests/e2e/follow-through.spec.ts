/**
 * Closing the loop, in Chromium: an accepted "missing" item becomes a draft card on the internal
 * map, the editor shows where it came from, publishing it applies the item and writes one "you
 * said, we did" email; and an admin sets the owners' digest.
 */
import { expect, test } from '@playwright/test';
import { runCli } from './cli.ts';
import { ACCOUNTS, E2E_BASE_URL, signIn } from './fixtures.ts';
import { continueFromLink, expectNoAxeViolations, importAndPublish, inviteWithCli, uniqueId, withDatabase } from './portal-helpers.ts';

test.describe.configure({ timeout: 120_000 });

test('an admin sets the owners’ digest schedule and sends it now', async ({ page }) => {
  await signIn(page, ACCOUNTS.admin);
  await page.goto('/app');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Digest' }).click();
  await expect(page.getByRole('heading', { name: 'Owners’ digest' })).toBeVisible();
  await expectNoAxeViolations(page, '/app/admin/digest');
  await page.getByRole('radio', { name: 'Weekly' }).check();
  await page.getByLabel('Weekday').selectOption({ label: 'Friday' });
  await page.getByLabel('Hour (UTC)').selectOption({ label: '10:00 UTC' });
  await page.getByRole('button', { name: 'Save schedule' }).click();
  await expect(page.getByRole('status')).toContainText('Saved: Every Friday at 10:00 UTC.');
  await expect(page.getByText('Now: Every Friday at 10:00 UTC.')).toBeVisible();
  await page.getByRole('button', { name: 'Send the digest now' }).click();
  await expect(page.getByRole('status')).toContainText('written to the outbox');
});

test('an accepted missing item becomes a draft card; publishing it applies the item and tells the customer', async ({ browser, page }) => {
  const id = uniqueId();
  const published = await importAndPublish(`ft-${id}`);
  const email = `ft-${id}@example.com`;
  const invitation = await inviteWithCli({ mapId: published.mapId, email, name: 'Dana' });
  const context = await browser.newContext({ baseURL: E2E_BASE_URL });
  const customer = await context.newPage();
  const mapPath = await continueFromLink(customer, invitation.path, published.texts.customerTitle);
  const response = await customer.request.post(`${mapPath}/annotations`, { data: { anchor: 'map', kind: 'missing', text: `Approval step ${id}` }, headers: { origin: E2E_BASE_URL } });
  expect(response.status()).toBe(201);
  await context.close();

  await signIn(page, ACCOUNTS.editor);
  await page.goto(`/app/review?map=${encodeURIComponent(published.mapId)}`);
  await page.getByRole('link', { name: 'Something is missing' }).click();
  const itemUrl = page.url();
  // Nobody rated how much it matters: the page says so rather than showing the neutral 3 as a rating.
  await expect(page.getByRole('definition').filter({ hasText: 'not rated (counts as 3)' })).toBeVisible();
  await page.getByRole('button', { name: 'Accept' }).click();
  await expect(page.getByRole('status')).toContainText('Decision: accepted');
  await page.getByRole('button', { name: 'Make a draft card' }).click();
  await expect(page.getByRole('status')).toContainText('Made a draft card');
  await expectNoAxeViolations(page, 'a review item with its draft card');

  await page.getByRole('link', { name: 'open the map', exact: true }).click();
  const card = page.getByRole('button', { name: new RegExp(`Approval step ${id}`) });
  await expect(card).toContainText('From feedback');
  await card.click();
  await expect(page.getByRole('link', { name: 'Open the review item' })).toHaveAttribute('href', new URL(itemUrl).pathname);
  await page.getByLabel('Internal: never published to customers').uncheck();
  const cardVisibility = () => withDatabase((db) => (db.prepare('select visibility from map_cards where source_annotation_id is not null and map_id = ?').get(published.mapId) as { visibility: string }).visibility);
  await expect.poll(cardVisibility).toBe('public');

  await runCli(['map:publish', published.mapId, '--acknowledge-warnings', '--json']);
  const rows = withDatabase((db) => db.prepare("select subject, text from email_outbox where kind = 'you_said_we_did' and to_email = ?").all(email)) as { subject: string; text: string }[];
  expect(rows).toHaveLength(1);
  expect(rows[0]!.text).toContain(`Approval step ${id}`);
  await page.goto(itemUrl);
  await expect(page.getByRole('heading', { name: 'Decision: Applied' })).toBeVisible();
  await expect(page.getByRole('table')).toContainText('Published in version 2.');
  // The draft card's sentence follows the state: applied by version 2, not "the next version applies it".
  const draftSection = page.getByRole('region', { name: 'On the internal map' });
  await expect(draftSection).toContainText('Version 2 applied this item');
  await expect(draftSection).toContainText('were emailed to say so');
  await expect(draftSection).not.toContainText('next published version');
});

/**
 * Staff pages after a usability review: pages that find nothing are real pages with a way back
 * (still 404), wide tables scroll inside their own box on a phone, version 1 says it is the
 * first, a failed sign-in keeps the email, and a reviewer on the publish page is told who can
 * publish.
 */
import { expect, test, type Page } from '@playwright/test';
import { ACCOUNTS, signIn } from './fixtures.ts';
import { continueFromLink, expectNoSidewaysPageScroll, importAndPublish, inviteWithCli, uniqueId } from './portal-helpers.ts';

async function expectNotFoundPage(page: Page, path: string, heading: string, back: { name: string; href: string }) {
  const response = await page.goto(path);
  expect(response?.status(), `${path} answers 404`).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  await expect(page.getByRole('link', { name: back.name })).toHaveAttribute('href', back.href);
}

test('a map, queue item, email or version that does not exist is a staff page with a way back, still 404', async ({ page }) => {
  const published = await importAndPublish(`nf-${uniqueId()}`);
  await signIn(page, ACCOUNTS.editor);
  await expectNotFoundPage(page, '/app/maps/no-such-map', 'No such map', { name: 'Go to Maps', href: '/app/maps' });
  await expect(page.getByRole('navigation', { name: 'Main' }), 'in the staff layout').toBeVisible();
  await expectNotFoundPage(page, '/app/maps/no-such-map/publish', 'No such map', { name: 'Go to Maps', href: '/app/maps' });
  await expectNotFoundPage(page, '/app/maps/no-such-map/versions', 'No such map', { name: 'Go to Maps', href: '/app/maps' });
  await expectNotFoundPage(page, `/app/maps/${published.mapId}/versions/99`, 'No such version', { name: 'Go to Maps', href: '/app/maps' });
  await expectNotFoundPage(page, `/app/maps/${published.mapId}/live/no-such-session`, 'No such live session', { name: 'Go to the live sessions of this map', href: `/app/maps/${published.mapId}/live` });
  await expectNotFoundPage(page, `/app/maps/${published.mapId}/live/no-such-session/screen`, 'No such live session', { name: 'Go to the live sessions of this map', href: `/app/maps/${published.mapId}/live` });
  await expectNotFoundPage(page, '/app/maps/no-such-map/live', 'No such map', { name: 'Go to Maps', href: '/app/maps' });
  await expectNotFoundPage(page, '/app/maps/no-such-map/invitations', 'No such map', { name: 'Go to Maps', href: '/app/maps' });
  await expectNotFoundPage(page, '/app/review/no-such-item', 'No such item in the review queue', { name: 'Go to the review queue', href: '/app/review' });
  await expectNotFoundPage(page, '/app/outbox/no-such-email', 'No such email', { name: 'Go to the Outbox', href: '/app/outbox' });
  await expectNotFoundPage(page, '/app/no-such-page', 'Page not found', { name: 'Go to the staff home page', href: '/app' });

  await page.getByRole('link', { name: 'Go to the staff home page' }).click();
  await expect(page).toHaveURL(/\/app$/);
});

test('a customer opening a map that is not theirs gets a portal page with a way back, still 404', async ({ page }) => {
  const id = uniqueId();
  const [mine, theirs] = await Promise.all([importAndPublish(`nf-mine-${id}`), importAndPublish(`nf-theirs-${id}`)]);
  const myInvitation = await inviteWithCli({ mapId: mine.mapId, email: `nf-mine-${id}@example.com` });
  const theirInvitation = await inviteWithCli({ mapId: theirs.mapId, email: `nf-theirs-${id}@example.com` });
  await continueFromLink(page, myInvitation.path, mine.texts.customerTitle);

  for (const path of [`/m/maps/${theirInvitation.id}`, `/m/maps/${theirInvitation.id}/summary`, `/m/versions/${theirs.versionId}`, '/m/versions/x']) {
    await expectNotFoundPage(page, path, 'Not found', { name: 'Go to your reviews', href: '/m' });
    await expect(page.getByRole('navigation', { name: 'Main' }), 'no staff navigation').toHaveCount(0);
    await expect(page.locator('body')).not.toContainText(theirs.texts.customerTitle);
  }
  await page.getByRole('link', { name: 'Go to your reviews' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your reviews' })).toBeVisible();
});

test('at 390 px, staff tables scroll inside their own named box, never the page', async ({ page }) => {
  const id = uniqueId();
  const published = await importAndPublish(`wide-${id}`);
  // A long address makes the Invitations and Outbox rows wide.
  await inviteWithCli({ mapId: published.mapId, email: `a-rather-long-address-for-a-wide-table-${id}@customer-with-a-long-domain.example.com`, name: 'Wide Row' });
  await signIn(page, ACCOUNTS.admin);
  await page.setViewportSize({ width: 390, height: 800 });

  const pages = [
    { path: '/app/admin/staff', table: 'Staff accounts' },
    { path: '/app/outbox', table: 'Emails' },
    { path: `/app/maps/${published.mapId}/versions`, table: 'Published versions' },
    { path: '/app/maps', table: 'Maps' },
    // Its table is not wrapped in a named box yet; the shared style still keeps it off the page width.
    { path: `/app/maps/${published.mapId}/invitations`, table: null },
  ];
  for (const { path, table } of pages) {
    await page.goto(path);
    await expectNoSidewaysPageScroll(page, path);
    await page.setViewportSize({ width: 390, height: 800 });
    const widths = await page.evaluate(() => ({ content: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth }));
    expect(widths.content, `${path} scrolls sideways at 390 px`).toBeLessThanOrEqual(widths.viewport);
    if (table) {
      const region = page.getByRole('region', { name: table });
      await expect(region.getByRole('table')).toBeVisible();
      await expect(region, 'the box takes the keyboard focus, to scroll with the arrow keys').toHaveAttribute('tabindex', '0');
    }
  }
});

test('version 1 says it is the first version, in the list and on its page', async ({ page }) => {
  const published = await importAndPublish(`first-${uniqueId()}`);
  await signIn(page, ACCOUNTS.editor);
  await page.goto(`/app/maps/${published.mapId}/versions`);
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Version 1' }) });
  await expect(row).toContainText('First version: everything is new');
  await expect(row).not.toContainText('reworded');

  await row.getByRole('link', { name: 'What changed in version 1' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Version 1: the first version' })).toBeVisible();
  await expect(page.getByText('The first version: there is no earlier one to compare with')).toBeVisible();
  await expect(page.locator('main')).not.toContainText('version none');
});

test('a failed sign-in keeps the email typed, never the password', async ({ page }) => {
  const email = `nobody-${uniqueId()}@example.com`;
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('That email and password do not match an active account.');
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await expect(page.getByLabel('Password')).toHaveValue('');
  expect(await page.content()).not.toContain('not the password at all');
});

test('a reviewer on the publish page is told that editors and admins publish, instead of a page without a button', async ({ page }) => {
  const published = await importAndPublish(`rev-${uniqueId()}`);
  await signIn(page, ACCOUNTS.reviewer);
  await page.goto(`/app/maps/${published.mapId}/publish`);
  await expect(page.getByRole('heading', { level: 1, name: 'Preview of version 2' })).toBeVisible();
  await expect(page.getByText('Only editors and admins can publish.')).toBeVisible();
  await expect(page.getByRole('button', { name: /Publish/ })).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Changes since version 1' })).toBeVisible();
});

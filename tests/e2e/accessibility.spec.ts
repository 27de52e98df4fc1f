import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { ACCOUNTS, signIn } from './fixtures.ts';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Runs axe on the page as it is and fails with a readable list of what it found. */
async function expectNoViolations(page: Page, label: string) {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const report = violations
    .map((v) => {
      const nodes = v.nodes.map((n) => `      ${n.target.join(' ')}\n        ${n.failureSummary?.replace(/\n/g, '\n        ')}`);
      return `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes.join('\n')}`;
    })
    .join('\n');
  if (violations.length > 0) console.log(`Accessibility violations on ${label}:\n${report}`);
  expect(violations, `accessibility violations on ${label}:\n${report}`).toEqual([]);
}

test('the sign-in page, empty and with an error, has no WCAG violations', async ({ page }) => {
  await page.goto('/sign-in');
  await expectNoViolations(page, '/sign-in');

  await page.getByLabel('Email').fill('nobody@example.com');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expectNoViolations(page, '/sign-in with an error');
});

test('the not-found page has no WCAG violations', async ({ page }) => {
  await page.goto('/no-such-page');
  await expectNoViolations(page, '/no-such-page');
});

test('every staff page has no WCAG violations', async ({ page }) => {
  // Nine pages, each loaded and scanned by axe: more than the default 30 s on a busy machine.
  test.setTimeout(90_000);
  await signIn(page, ACCOUNTS.admin);
  for (const path of ['/app', '/app/account', '/app/admin/staff', '/app/admin/digest', '/app/admin/leak-terms', '/app/maps', '/app/outbox', '/app/review', '/app/review/priorities']) {
    await test.step(path, async () => {
      await page.goto(path);
      await expectNoViolations(page, path);
    });
  }
});

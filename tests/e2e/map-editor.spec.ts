/**
 * The map editor island, driven as people drive it: a keyboard-only build of a small map that
 * survives a reload, two editors changing the same card, a reviewer who may only read, axe on
 * the editor, and a map at the size limits.
 *
 * In the keyboard test, `locator.focus()` stands in for tabbing to a control some way off (the
 * Tab order itself is checked where it matters: the add forms, the new-card field, the panel);
 * everything else is keys and typing, no clicks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { runCli } from './cli.ts';
import { ACCOUNTS, signIn, type TestAccount } from './fixtures.ts';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

function saveStatus(page: Page) {
  return page.getByRole('status').filter({ hasText: /^(All changes saved|Saving…|Unsaved changes|Not saved: a change needs your choice|Loading the editor…|Read only)$/ });
}

/** The island has hydrated (its status leaves "Loading the editor…") and nothing is unsaved. */
async function expectSaved(page: Page, timeout = 10_000) {
  await expect(saveStatus(page)).toHaveText('All changes saved', { timeout });
}

/** A card in the grid, by the start of its text (its name goes on with badges such as "Internal"). */
function findCard(page: Page, text: string) {
  return page.getByRole('button', { name: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) });
}

/** Creates a map through the "New map" form and returns the editor's URL path. */
async function createMap(page: Page, title: string): Promise<string> {
  await page.goto('/app/maps');
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByRole('button', { name: 'Create map' }).click();
  await expect(page).toHaveURL(/\/app\/maps\/[^/]+$/);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expectSaved(page);
  return new URL(page.url()).pathname;
}

async function expectNoViolations(page: Page, label: string) {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const report = violations
    .map((v) => `  [${v.impact}] ${v.id}: ${v.help}\n${v.nodes.map((n) => `      ${n.target.join(' ')}\n        ${n.failureSummary?.replace(/\n/g, '\n        ')}`).join('\n')}`)
    .join('\n');
  expect(violations, `accessibility violations on ${label}:\n${report}`).toEqual([]);
}

async function newSignedInPage(browser: Browser, account: Pick<TestAccount, 'email' | 'password'>) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, account);
  return { context, page };
}

test('an editor builds a small map with the keyboard alone, and it is all there after a reload', async ({ page }) => {
  await signIn(page, ACCOUNTS.editor);
  await page.goto('/app/maps');
  const title = `Keyboard map ${Date.now()}`;
  await page.getByLabel('Title', { exact: true }).focus();
  await page.keyboard.type(title);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/app\/maps\/[^/]+$/);
  await expectSaved(page);

  // A stage: the field opens focused, Enter adds, Escape closes and returns to the button.
  const addStage = page.getByRole('button', { name: 'Add stage' });
  await addStage.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('New stage name')).toBeFocused();
  await page.keyboard.type('Sign-up');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('columnheader', { name: /^Sign-up/ })).toBeVisible();
  await expect(page.getByLabel('New stage name')).toHaveValue('');
  await page.keyboard.press('Escape');
  await expect(addStage).toBeFocused();

  // A lane of kind Emotions, reached with Tab.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Add lane' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('New lane name')).toBeFocused();
  await page.keyboard.type('Feelings');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Lane kind')).toBeFocused();
  await page.keyboard.type('Emotions');
  await expect(page.getByLabel('Lane kind')).toHaveValue('emotions');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Add', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('rowheader', { name: /^Feelings Emotions/ })).toBeVisible();
  await page.keyboard.press('Escape');

  // Two cards in one cell: Enter saves and keeps the field open for the next.
  const addCard = page.getByRole('button', { name: 'Add card to Sign-up, Feelings' });
  await addCard.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('New card in Sign-up, Feelings')).toBeFocused();
  await page.keyboard.type('Relieved it worked');
  await page.keyboard.press('Enter');
  await page.keyboard.type('Unsure what happens next');
  await page.keyboard.press('Enter');
  await expect(findCard(page, 'Relieved it worked')).toBeVisible();
  await expect(findCard(page, 'Unsure what happens next')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(addCard).toBeFocused();
  await expectSaved(page);

  // The first card: customer wording beside the internal text, then an emotion.
  await findCard(page, 'Relieved it worked').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Card in Sign-up · Feelings' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: /^Close/ })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Internal text')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Customer wording')).toBeFocused();
  await page.keyboard.type('Glad it worked');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('checkbox', { name: /^Internal/ })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('radio', { name: 'Not set' })).toBeFocused();
  for (let step = 0; step < 5; step++) await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('radio', { name: /^\+2/ })).toBeChecked();
  await expectSaved(page);
  await page.keyboard.press('Escape');
  await expect(findCard(page, 'Relieved it worked')).toBeFocused();
  await expect(findCard(page, 'Relieved it worked')).toHaveAccessibleName(/Emotion \+2/);

  // The second card: internal.
  await findCard(page, 'Unsure what happens next').focus();
  await page.keyboard.press('Enter');
  await page.getByRole('checkbox', { name: /^Internal/ }).focus();
  await page.keyboard.press('Space');
  await expect(page.getByRole('checkbox', { name: /^Internal/ })).toBeChecked();
  await expectSaved(page);
  await page.keyboard.press('Escape');
  await expect(findCard(page, 'Unsure what happens next')).toHaveAccessibleName(/Internal/);

  await page.reload();
  await expectSaved(page);
  await expect(page.getByRole('columnheader', { name: /^Sign-up/ })).toBeVisible();
  await expect(page.getByRole('rowheader', { name: /^Feelings Emotions/ })).toBeVisible();
  await expect(findCard(page, 'Relieved it worked')).toHaveAccessibleName(/Emotion \+2/);
  await expect(findCard(page, 'Relieved it worked')).not.toHaveAccessibleName(/Internal/);
  await expect(findCard(page, 'Unsure what happens next')).toHaveAccessibleName(/Internal/);
  await expect(page.getByRole('list', { name: 'Emotional curve by stage' })).toContainText('Sign-up: +2 (1 score)');
  await findCard(page, 'Relieved it worked').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Customer wording')).toHaveValue('Glad it worked');
  await expect(page.getByLabel('Internal text')).toHaveValue('Relieved it worked');
});

test('when two editors change the same card, the later one is told, keeps their text and chooses', async ({ browser }) => {
  const alice = await newSignedInPage(browser, ACCOUNTS.admin);
  const bob = await newSignedInPage(browser, ACCOUNTS.editor);
  try {
    const url = await createMap(alice.page, `Conflict map ${Date.now()}`);
    await alice.page.getByRole('button', { name: 'Add card to Stage 1, Customer actions' }).click();
    await alice.page.getByLabel('New card in Stage 1, Customer actions').fill('Original wording');
    await alice.page.keyboard.press('Enter');
    await expect(findCard(alice.page, 'Original wording')).toBeVisible();
    await expectSaved(alice.page);

    // Both open the card.
    await bob.page.goto(url);
    await expectSaved(bob.page);
    await findCard(alice.page, 'Original wording').click();
    await findCard(bob.page, 'Original wording').click();

    // Alice saves first.
    await alice.page.getByLabel('Internal text').fill('Alice’s wording');
    await alice.page.getByLabel('Internal text').press('Tab');
    await expectSaved(alice.page);

    // Bob saves on top of the revision he opened: he is told, and his text stays in the field.
    await bob.page.getByLabel('Internal text').fill('Bob’s wording');
    await bob.page.getByLabel('Internal text').press('Tab');
    await expect(bob.page.getByRole('alert')).toContainText('Someone else changed this card since you opened it.');
    await expect(saveStatus(bob.page)).toHaveText('Not saved: a change needs your choice');
    await expect(bob.page.getByLabel('Internal text')).toHaveValue('Bob’s wording');
    await expect(bob.page.getByText('Their version: Alice’s wording')).toBeVisible();

    await bob.page.getByRole('button', { name: 'Keep mine' }).click();
    await expectSaved(bob.page);
    await expect(bob.page.getByRole('alert')).toBeEmpty();
    await alice.page.reload();
    await expect(findCard(alice.page, 'Bob’s wording')).toBeVisible();

    // Now the other way round: Bob is stale again and takes Alice's customer wording.
    await findCard(alice.page, 'Bob’s wording').click();
    await alice.page.getByLabel('Customer wording').fill('What Alice wrote for customers');
    await alice.page.getByLabel('Customer wording').press('Tab');
    await expectSaved(alice.page);
    await bob.page.getByLabel('Customer wording').fill('What Bob wrote for customers');
    await bob.page.getByLabel('Customer wording').press('Tab');
    await expect(bob.page.getByText('Their version: What Alice wrote for customers')).toBeVisible();
    await expect(bob.page.getByLabel('Customer wording')).toHaveValue('What Bob wrote for customers');
    await bob.page.getByRole('button', { name: 'Use theirs' }).click();
    await expect(bob.page.getByLabel('Customer wording')).toHaveValue('What Alice wrote for customers');
    await expectSaved(bob.page);
    // Bob's own earlier change is still his, and nothing of Alice's was overwritten.
    await expect(bob.page.getByLabel('Internal text')).toHaveValue('Bob’s wording');
  } finally {
    await alice.context.close();
    await bob.context.close();
  }
});

test('a reviewer reads a map and gets no control that changes it', async ({ page }) => {
  const reviewer = { email: `e2e-map-reviewer-${Date.now()}@example.com`, password: 'e2e reviewer passphrase five' };
  await runCli(['user:create', '--email', reviewer.email, '--name', 'Rita Reviewer', '--role', 'reviewer', '--password', reviewer.password]);

  await signIn(page, ACCOUNTS.editor);
  const url = await createMap(page, `Reviewed map ${Date.now()}`);
  await page.getByRole('button', { name: 'Add card to Stage 1, Customer actions' }).click();
  await page.getByLabel('New card in Stage 1, Customer actions').fill('Reads the welcome email');
  await page.keyboard.press('Enter');
  await expectSaved(page);
  await page.context().clearCookies();

  await signIn(page, reviewer);
  await page.goto(url);
  await expect(saveStatus(page)).toHaveText('Read only');
  await expect(page.getByRole('button', { name: 'Add stage' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Add lane' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Add card/ })).toHaveCount(0);
  await findCard(page, 'Reads the welcome email').click();
  await expect(page.getByRole('complementary', { name: /^Card in/ })).toContainText('Reads the welcome email');
  await expect(page.getByRole('textbox')).toHaveCount(0);
  await expect(page.getByRole('checkbox')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Delete card/ })).toHaveCount(0);
  await expectNoViolations(page, 'the editor, read only');
});

test('the editor has no WCAG violations, with a card open and zoomed out', async ({ page }) => {
  await signIn(page, ACCOUNTS.editor);
  await createMap(page, `Accessible map ${Date.now()}`);
  await page.getByRole('button', { name: 'Add lane' }).click();
  await page.getByLabel('New lane name').fill('Feelings');
  await page.getByLabel('Lane kind').selectOption('emotions');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByLabel('New lane name').fill('Systems');
  await page.getByLabel('Lane kind').selectOption('backstage');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByRole('rowheader', { name: /^Systems/ })).toContainText('Always internal');
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('button', { name: 'Add card to Stage 1, Feelings' }).click();
  await page.keyboard.type('Curious');
  await page.keyboard.press('Enter');
  await page.keyboard.type('A secret worry');
  await page.keyboard.press('Escape');
  await expectSaved(page);
  await expectNoViolations(page, 'the editor');

  await findCard(page, 'A secret worry').click();
  await page.getByRole('checkbox', { name: /^Internal/ }).check();
  await page.getByRole('radio', { name: /^−1/ }).check();
  await expectSaved(page);
  await expectNoViolations(page, 'the editor with a card open');

  await page.getByRole('button', { name: 'Delete card…' }).click();
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await expectNoViolations(page, 'the editor asking to delete a card');
  await page.keyboard.press('Enter');

  await page.getByRole('button', { name: 'Zoom out' }).click();
  await page.getByRole('button', { name: 'Zoom out' }).click();
  await page.getByRole('button', { name: 'Zoom out' }).click();
  await expect(page.getByRole('group', { name: 'Zoom' })).toContainText('20%');
  await expectNoViolations(page, 'the editor at the smallest zoom');
});

test.describe('a map at the limits', () => {
  // Times are taken inside the page: Playwright's trace snapshots the whole page (5,000 cards)
  // at every step, and timing around its actions would time the tracer.
  test('60 stages, 30 lanes and 5,000 cards open, zoom out to 30 stages on a screen, and save', async ({ page }) => {
    test.setTimeout(120_000);
    const stages = Array.from({ length: 60 }, (_, i) => ({ key: `s${i}`, name: `Stage ${i + 1}`, ...(i % 7 === 3 && { visibility: 'internal' }), ...(i % 10 === 0 && { momentOfTruth: true }) }));
    const kinds = ['actions', 'touchpoints', 'thoughts', 'emotions', 'pain_points', 'opportunities', 'backstage', 'channels', 'owners', 'metrics'];
    const lanes = Array.from({ length: 30 }, (_, i) => ({ key: `l${i}`, name: `Lane ${i + 1}`, kind: kinds[i % kinds.length] }));
    const cards = Array.from({ length: 5000 }, (_, i) => {
      const lane = lanes[i % 30]!;
      return {
        key: `c${i}`,
        stage: `s${Math.floor(i / 30) % 60}`,
        lane: lane.key,
        text: `Card ${i + 1}: something the customer does, thinks or feels at this point`,
        ...(i % 9 === 0 && { visibility: 'internal' }),
        ...(lane.kind === 'emotions' && { emotion: (i % 5) - 2 }),
      };
    });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gt-limits-')), 'limits.map.json');
    fs.writeFileSync(file, JSON.stringify({ format: 'journey-map/v1', title: `Limits map ${Date.now()}`, stages, lanes, cards }));
    const { id } = JSON.parse(await runCli(['map:import', file, '--json'])) as { id: string };

    await signIn(page, ACCOUNTS.editor);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`/app/maps/${id}`);
    await expectSaved(page, 30_000);
    // From the start of navigation to the island's mark after hydration.
    const openedIn = await page.evaluate(() => performance.getEntriesByName('map-editor:ready')[0]?.startTime ?? Infinity);
    await expect(page.getByRole('columnheader')).toHaveCount(61);
    await expect(findCard(page, 'Card 5000:')).toHaveCount(1);
    // Counting 5,000 buttons through the accessibility tree takes longer than the page does.
    await expect(page.locator('[data-focus-key^="card:"]')).toHaveCount(5000);
    console.log(`The limits map was ready in ${Math.round(openedIn)} ms.`);
    // 2-3 s in the project container when nothing else runs; the bound leaves room for a loaded CI.
    expect(openedIn, 'opening the largest map').toBeLessThan(20_000);

    // Zooming is one class change: quick, and at the smallest level 30 stages fit 1280 px.
    const zoomOut = page.getByRole('button', { name: 'Zoom out' });
    for (let step = 0; step < 3; step++) {
      const took = await zoomOut.evaluate(async (button: HTMLButtonElement) => {
        const start = performance.now();
        button.click();
        await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
        return performance.now() - start;
      });
      expect(took, `zoom step ${step + 1}, up to the next painted frame`).toBeLessThan(1_500);
    }
    await expect(page.getByRole('group', { name: 'Zoom' })).toContainText('20%');
    const thirtyStagesWide = await page.getByRole('columnheader', { name: /^Stage 30\b/ }).evaluate((th) => {
      const first = th.closest('tr')!.cells[1]!.getBoundingClientRect();
      const last = th.getBoundingClientRect();
      const lanes = th.closest('tr')!.cells[0]!.getBoundingClientRect();
      return lanes.width + last.right - first.left;
    });
    expect(thirtyStagesWide).toBeLessThanOrEqual(1280);

    // An edit still saves promptly.
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await findCard(page, 'Card 1:').click();
    await page.getByLabel('Owner').fill('Onboarding team');
    const saveStarted = Date.now();
    await page.getByLabel('Owner').press('Tab');
    await expectSaved(page);
    expect(Date.now() - saveStarted, 'saving an edit on the largest map').toBeLessThan(5_000);
  });
});

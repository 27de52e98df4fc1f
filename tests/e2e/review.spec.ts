/**
 * The customer's review, end to end: the emailed link (as the fake Resend server received it),
 * the guided walk, a gap annotation, editing and withdrawing, a reload, the summary and Finish;
 * the same without JavaScript; shared feedback with a +1; naughty strings rendered as text on
 * the customer side and the staff side; axe on every customer page.
 */
import { createRequire } from 'node:module';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { runCli } from './cli.ts';
import { ACCOUNTS, E2E_BASE_URL, signIn } from './fixtures.ts';
import { emailTo, expectNoAxeViolations, expectNoSidewaysPageScroll, importAndPublish, inviteWithCli, uniqueId, withDatabase } from './portal-helpers.ts';

const naughtyStrings = createRequire(import.meta.url)('big-list-of-naughty-strings/blns.json') as string[];


async function openFromEmail(browser: Browser, address: string, options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
  const email = await emailTo(address);
  const link = /http:\/\/[^\s]+\/m\/i\/[a-z2-9]{26}/.exec(email.text)?.[0];
  expect(link, 'the email carries a personal link').toBeTruthy();
  expect(email.html).toContain(`href="${link}"`);
  const context = await browser.newContext({ baseURL: E2E_BASE_URL, javaScriptEnabled: options.javaScriptEnabled ?? true });
  const page = await context.newPage();
  await page.goto(new URL(link!).pathname);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/m\/maps\/[a-z2-9]+$/);
  return page;
}

async function setFeedback(mapId: string, settings: { mode: 'private' | 'shared'; requiresApproval: boolean }): Promise<void> {
  withDatabase((db) =>
    db
      .prepare('INSERT INTO map_feedback_settings (map_id, mode, requires_approval, shows_names) VALUES (?, ?, ?, 0) ON CONFLICT (map_id) DO UPDATE SET mode = excluded.mode, requires_approval = excluded.requires_approval')
      .run(mapId, settings.mode, settings.requiresApproval ? 1 : 0),
  );
}

/** An annotation's text where it is shown (not the same words inside a link's hidden label). */
function shownText(page: Page, text: string) {
  return page.locator('p.annotation-text').filter({ hasText: text });
}

for (const javaScriptEnabled of [true, false]) {
  test(`a customer reviews the map from the emailed link ${javaScriptEnabled ? 'with' : 'without'} JavaScript`, async ({ browser }) => {
    test.setTimeout(120_000);
    // axe runs as a script in the page: it checks the pages in the run with JavaScript.
    const checkAccessibility = javaScriptEnabled ? expectNoAxeViolations : async () => {};
    const id = uniqueId();
    const published = await importAndPublish(`review-${id}`);
    const address = `review-${id}@example.com`;
    await inviteWithCli({ mapId: published.mapId, email: address, name: 'Rita Reviewer', account: 'Acme' });
    const page = await openFromEmail(browser, address, { javaScriptEnabled });
    const mapPath = new URL(page.url()).pathname;
    await checkAccessibility(page, 'customer map');

    // The guided walk asks "Is anything missing here?": that kind is chosen already.
    await page.getByRole('link', { name: 'Go through it stage by stage' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await checkAccessibility(page, 'guided walk');
    const walkPath = new URL(page.url()).pathname;
    const stageForm = page.locator('#stage-comment');
    await expect(stageForm.getByLabel('Something is missing')).toBeChecked();

    // Only spaces: refused, the message tied to the box, and the focus on it.
    await stageForm.getByRole('textbox', { name: 'Your comment' }).fill('   \n  ');
    await stageForm.getByRole('button', { name: 'Send comment' }).click();
    const refusedText = page.locator('#stage-comment').getByRole('textbox', { name: 'Your comment' });
    await expect(refusedText).toHaveAttribute('aria-invalid', 'true');
    await expect(refusedText).toHaveAccessibleDescription(/^Write what you want to tell the team\./);
    await expect(refusedText).toBeFocused();
    await expect(page.locator('#stage-comment').getByRole('alert')).toHaveText('Write what you want to tell the team.');
    await checkAccessibility(page, 'a refused comment');

    await refusedText.fill('We also need a security review here.\nIt takes two weeks.');
    if (javaScriptEnabled) {
      // A draft survives a reload.
      await page.goto(walkPath);
      await expect(page.locator('#stage-comment').getByRole('textbox', { name: 'Your comment' })).toHaveValue('We also need a security review here.\nIt takes two weeks.');
    }
    await page.locator('#stage-comment').getByLabel('How much does it matter? (optional)').selectOption('5');
    await page.locator('#stage-comment').getByRole('button', { name: 'Send comment' }).click();
    await expect(page.getByRole('status')).toContainText('Thank you');
    await expect(shownText(page, 'We also need a security review here.')).toBeVisible();
    const gapForm = page.locator('#gap-comment');
    await gapForm.getByLabel('Not how it works for me').check();
    await gapForm.getByRole('textbox', { name: 'Your comment' }).fill('Procurement signs off between these two steps.');
    await gapForm.getByRole('button', { name: 'Send comment' }).click();
    await expect(shownText(page, 'Procurement signs off between these two steps.')).toBeVisible();

    // A card's Comment link in the walk keeps the person in the walk, and a free comment has no kind chosen.
    await page.getByRole('link', { name: new RegExp(`Comment on “${published.texts.customerCard}`) }).click();
    await expect(page).toHaveURL(new RegExp(`${walkPath}\\?on=card`));
    const cardForm = page.locator('#card-comment');
    await expect(cardForm.getByRole('heading', { name: 'Tell the team about this' })).toBeVisible();
    await expect(cardForm.getByRole('radio', { checked: true })).toHaveCount(0);
    await cardForm.getByRole('textbox', { name: 'Your comment' }).fill('The sign-up asks for our VAT number.');
    await cardForm.getByRole('button', { name: 'Send comment' }).click();
    await expect(page.locator('#card-comment').getByRole('alert')).toHaveText('Choose what kind of comment this is.');
    await expect(page.locator('#card-comment').getByRole('group', { name: 'What kind of comment is it?' })).toHaveAccessibleDescription('Choose what kind of comment this is.');
    await expect(page.locator('#card-comment').getByRole('radio').first()).toBeFocused();
    await expect(page.locator('#card-comment').getByRole('textbox', { name: 'Your comment' })).toHaveValue('The sign-up asks for our VAT number.');
    await checkAccessibility(page, 'a comment without a kind');
    await page.locator('#card-comment').getByLabel('Pain point').check();
    await page.locator('#card-comment').getByRole('button', { name: 'Send comment' }).click();
    await expect(page).toHaveURL(new RegExp(`${walkPath}\\?saved=`));
    await expect(page.getByRole('status')).toContainText('Thank you');
    await expect(shownText(page, 'The sign-up asks for our VAT number.')).toBeVisible();

    // Free annotation on a card, from the map: no kind chosen until the person chooses one.
    await page.goto(mapPath);
    await page.getByRole('link', { name: new RegExp(`Comment on “${published.texts.customerCard}`) }).click();
    await checkAccessibility(page, 'annotation form');
    await expect(page.locator('#annotate').getByRole('radio', { checked: true })).toHaveCount(0);
    await page.getByLabel('Works well').check();
    await page.getByRole('textbox', { name: 'Your comment' }).fill('Signing up was quick.');
    await page.getByRole('button', { name: 'Send comment' }).click();
    await expect(page.getByRole('status')).toContainText('Thank you');

    // "Missing after this?" asks whether something is missing: that kind is chosen already.
    await page.getByRole('link', { name: /^Missing after this\?/ }).first().click();
    await expect(page.locator('#annotate').getByLabel('Something is missing')).toBeChecked();
    await page.goto(mapPath);

    // Cancel leads back to the place on the map the comment was for, not the top of the page.
    await page.getByRole('link', { name: new RegExp(`Comment on “${published.texts.customerCard}`) }).click();
    await page.locator('#annotate').getByRole('link', { name: 'Cancel' }).click();
    await expect(page).toHaveURL(new RegExp(`${mapPath}#card-[a-z0-9]+$`));
    await expect(page.locator(new URL(page.url()).hash)).toContainText(published.texts.customerCard);

    // Edit one from the map: back on the map.
    await page.getByRole('link', { name: /Edit or withdraw your comment “Signing up was quick/ }).click();
    await checkAccessibility(page, 'edit page');
    await page.getByRole('textbox', { name: 'Your comment' }).fill('Signing up was quick and clear.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page).toHaveURL(new RegExp(`${mapPath}\\?saved=`));
    await expect(shownText(page, 'Signing up was quick and clear.')).toBeVisible();

    // Withdraw another from the summary: it asks first, and the person lands back on the summary.
    await page.getByRole('link', { name: 'Finish: see everything you said' }).click();
    await page.getByRole('link', { name: /Edit or withdraw your comment “Procurement signs off/ }).click();
    await page.getByRole('button', { name: 'Withdraw this comment' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Withdraw this comment?' })).toBeVisible();
    await expect(page.getByRole('blockquote')).toContainText('Procurement signs off between these two steps.');
    await checkAccessibility(page, 'the withdraw confirmation');
    const isWithdrawn = () => withDatabase((db) => (db.prepare("SELECT is_withdrawn FROM annotations WHERE text LIKE 'Procurement signs off%' AND version_id = ?").get(published.versionId) as { is_withdrawn: number }).is_withdrawn);
    expect(isWithdrawn(), 'asking changes nothing').toBe(0);
    await page.getByRole('link', { name: 'No, keep it' }).click();
    await expect(page.getByRole('heading', { name: 'Edit your comment' })).toBeVisible();
    await page.getByRole('button', { name: 'Withdraw this comment' }).click();
    await page.getByRole('button', { name: 'Yes, withdraw it' }).click();
    await expect(page).toHaveURL(new RegExp(`${mapPath}/summary\\?withdrawn=1$`));
    await expect(page.getByRole('heading', { level: 1, name: 'Everything you said' })).toBeVisible();
    await expect(page.getByRole('status')).toContainText('withdrawn');
    expect(isWithdrawn()).toBe(1);
    await expect(shownText(page, 'Procurement signs off between these two steps.')).toHaveCount(0);

    await page.goto(mapPath);
    await expect(shownText(page, 'Procurement signs off between these two steps.')).toHaveCount(0);
    await expect(shownText(page, 'Signing up was quick and clear.')).toBeVisible();

    await page.getByRole('link', { name: 'Finish: see everything you said' }).click();
    await checkAccessibility(page, 'summary');
    await expect(page.getByRole('listitem').filter({ hasText: 'We also need a security review here.' })).toBeVisible();
    await expect(page.getByRole('listitem').filter({ hasText: 'Signing up was quick and clear.' })).toBeVisible();
    await page.getByLabel('Anything else you want the team to know (optional)').fill('Thanks for asking us.');
    await page.getByRole('button', { name: 'Finish' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Thank you' })).toBeVisible();
    await expect(page.getByText('You told the team 3 things.')).toBeVisible();
    await checkAccessibility(page, 'thank-you page');

    const stored = withDatabase((db) => db.prepare('SELECT kind, text, is_withdrawn FROM annotations WHERE version_id = ? ORDER BY created_at').all(published.versionId)) as { kind: string; text: string; is_withdrawn: number }[];
    expect(stored).toEqual([
      { kind: 'missing', text: 'We also need a security review here.\nIt takes two weeks.', is_withdrawn: 0 },
      { kind: 'inaccurate', text: 'Procurement signs off between these two steps.', is_withdrawn: 1 },
      { kind: 'pain_point', text: 'The sign-up asks for our VAT number.', is_withdrawn: 0 },
      { kind: 'works_well', text: 'Signing up was quick and clear.', is_withdrawn: 0 },
    ]);
    await page.context().close();
  });
}

test('shared feedback: a second participant sees the first one’s comment without a name and adds +1 once', async ({ browser }) => {
  const id = uniqueId();
  const published = await importAndPublish(`shared-${id}`);
  await setFeedback(published.mapId, { mode: 'shared', requiresApproval: false });
  await inviteWithCli({ mapId: published.mapId, email: `first-${id}@example.com`, name: 'Fiona First' });
  await inviteWithCli({ mapId: published.mapId, email: `second-${id}@example.com`, name: 'Sam Second' });
  const first = await openFromEmail(browser, `first-${id}@example.com`);
  await first.getByRole('link', { name: 'Comment on the journey as a whole' }).click();
  await first.getByLabel('Pain point').check();
  await first.getByRole('textbox', { name: 'Your comment' }).fill('Onboarding took us twice as long as promised.');
  await first.getByRole('button', { name: 'Send comment' }).click();
  await expect(first.getByRole('status')).toContainText('Thank you');

  const second = await openFromEmail(browser, `second-${id}@example.com`);
  const shared = second.getByRole('listitem').filter({ hasText: 'Onboarding took us twice as long as promised.' });
  await expect(shared).toBeVisible();
  await expect(shared).not.toContainText('Fiona');
  await expectNoAxeViolations(second, 'shared map');
  await expectNoSidewaysPageScroll(second, 'the customer’s map');
  const plusOne = shared.getByRole('button', { name: /^\+1/ });
  await expect(plusOne).toHaveAttribute('aria-pressed', 'false');
  const before = await plusOne.evaluate((button) => getComputedStyle(button).backgroundColor);
  await plusOne.click();
  const item = second.getByRole('listitem').filter({ hasText: 'Onboarding took us twice' });
  await expect(item).toContainText('1 person agrees');
  // The +1 given shows as such, and stays reachable by keyboard: pressed, not disabled.
  const agreed = item.getByRole('button', { name: /^You agree “Onboarding took us twice/ });
  await expect(agreed).toHaveText(/^✓ You agree/);
  await expect(agreed).toHaveAttribute('aria-pressed', 'true');
  await expect(agreed).toHaveAttribute('aria-disabled', 'true');
  await expect(agreed, 'aria-disabled, not disabled: it stays in the tab order').not.toHaveAttribute('disabled');
  expect(await agreed.evaluate((button) => getComputedStyle(button).backgroundColor), 'looks different once given').not.toBe(before);
  await agreed.focus();
  await expect(agreed).toBeFocused();
  // Pressing it again does nothing (Playwright's click would wait for an "enabled" button: the keyboard it is).
  await second.keyboard.press('Enter');
  await second.waitForTimeout(300);
  await expect(item).toContainText('1 person agrees');
  await expect(agreed).toBeFocused();
  await expectNoAxeViolations(second, 'shared map after a +1');

  await first.reload();
  await expect(first.getByRole('listitem').filter({ hasText: 'Onboarding took us twice' })).toContainText('1 person agrees');
  await first.context().close();
  await second.context().close();
});

test('every naughty string is stored as sent and shown as text: no script runs for the customer or the staff', async ({ browser, page }) => {
  test.setTimeout(180_000);
  const id = uniqueId();
  const published = await importAndPublish(`naughty-${id}`);
  const strings = naughtyStrings.filter((s) => s.trim() !== '');
  // 30 annotations a minute per participant: spread the list over enough people.
  const perPerson = 29;
  const people = Array.from({ length: Math.ceil(strings.length / perPerson) }, (_, person) => `naughty-${id}-${person}@example.com`);
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });

  // Everyone invited in one CSV upload and their links read in one command: a process per
  // person would spend this test's time starting Node.
  await signIn(page, ACCOUNTS.editor);
  const upload = await page.request.post(`/app/maps/${published.mapId}/invitations/import`, {
    multipart: { file: { name: 'naughty.csv', mimeType: 'text/csv', buffer: Buffer.from(['email', ...people].join('\n') + '\n') }, version: 'latest' },
    headers: { origin: E2E_BASE_URL },
  });
  expect(upload.status()).toBe(200);
  expect(await upload.text()).toContain(`"created":${people.length}`);
  const links = new Map((JSON.parse(await runCli(['invite:links', '--map', published.mapId, '--json'])) as { email: string; link: string }[]).map((l) => [l.email, l.link]));

  for (const [person, address] of people.entries()) {
    const context = await browser.newContext({ baseURL: E2E_BASE_URL });
    const customer = await context.newPage();
    customer.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await customer.goto(new URL(links.get(address)!).pathname);
    await customer.getByRole('button', { name: 'Continue' }).click();
    await expect(customer).toHaveURL(/\/m\/maps\/[a-z2-9]+$/);
    const apiPath = new URL(customer.url()).pathname + '/annotations';
    await Promise.all(
      strings.slice(person * perPerson, (person + 1) * perPerson).map(async (text) => {
        const response = await customer.request.post(apiPath, { data: { anchor: 'map', kind: 'idea', text }, headers: { origin: E2E_BASE_URL } });
        expect(response.status(), text).toBe(201);
      }),
    );
    await customer.reload();
    await expect(customer.getByRole('heading', { level: 2, name: 'About the whole journey' })).toBeVisible();
    expect(await customer.evaluate(() => (window as unknown as { __naughty?: unknown }).__naughty ?? null)).toBeNull();
    await context.close();
  }
  const stored = withDatabase((db) => db.prepare('SELECT text FROM annotations WHERE version_id = ?').all(published.versionId)) as { text: string }[];
  expect(stored.map((r) => r.text).sort()).toEqual([...strings].sort());

  // The staff side shows them too (the editor's customer-comment overlay).
  await page.goto(`/app/maps/${published.mapId}`);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await page.waitForTimeout(500);
  expect(dialogs).toEqual([]);
});

test('a closing remark reaches the team on the Invitations page, as text, and no other participant', async ({ browser, page }) => {
  test.setTimeout(60_000);
  const id = uniqueId();
  const published = await importAndPublish(`closing-${id}`);
  await setFeedback(published.mapId, { mode: 'shared', requiresApproval: false });
  const first = `closer-${id}@example.com`;
  const second = `other-${id}@example.com`;
  await inviteWithCli({ mapId: published.mapId, email: first, name: 'Cleo Closer' });
  await inviteWithCli({ mapId: published.mapId, email: second, name: 'Otto Other' });
  const marker = `said${uniqueId()}`; // not in the map's own texts
  const remark = `Call us before the go-live <i>${marker}</i>.\nWe can help.`;

  const closer = await openFromEmail(browser, first);
  await closer.getByRole('link', { name: 'Finish: see everything you said' }).click();
  await closer.getByLabel('Anything else you want the team to know (optional)').fill(remark);
  await closer.getByRole('button', { name: 'Finish' }).click();
  await expect(closer.getByRole('heading', { level: 1, name: 'Thank you' })).toBeVisible();
  await closer.context().close();

  // Another participant of the same shared map sees nothing of it, anywhere they can go.
  const other = await openFromEmail(browser, second);
  const mapPath = new URL(other.url()).pathname;
  for (const path of [mapPath, `${mapPath}/summary`, `${mapPath}/walk/1`, `${mapPath}/walk/2`, '/m']) {
    const body = await (await other.request.get(path)).text();
    expect(body, path).not.toContain(marker);
  }
  await other.context().close();

  await signIn(page, ACCOUNTS.editor);
  await page.goto(`/app/maps/${published.mapId}/invitations`);
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(first.replace(/[.+]/g, '\\$&')) }) });
  await expect(row).toContainText(`Said at the end: Call us before the go-live <i>${marker}</i>.`);
  const list = page.getByRole('region', { name: /^Closing remarks/ });
  await expect(list.getByRole('heading', { level: 2 })).toHaveText('Closing remarks (1)');
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(list.getByRole('listitem')).toContainText('Cleo Closer');
  expect(await list.locator('p.closing-text').textContent()).toBe(remark);
  await expect(page.locator('i', { hasText: marker })).toHaveCount(0);
  await expectNoAxeViolations(page, 'the Invitations page with closing remarks');
});

test('at 320 px a card scrolled to in the map table is seen whole, not under the sticky row headers (WCAG 1.4.10)', async ({ browser }) => {
  const id = uniqueId();
  const published = await importAndPublish(`narrow-${id}`);
  const address = `narrow-${id}@example.com`;
  await inviteWithCli({ mapId: published.mapId, email: address });
  const page = await openFromEmail(browser, address);
  await page.setViewportSize({ width: 320, height: 720 });
  await page.reload();
  const box = page.getByRole('region', { name: /journey table$/ });
  const rowHeader = box.getByRole('rowheader').first();
  const boxRect = (await box.boundingBox())!;
  const headerRect = (await rowHeader.boundingBox())!;
  expect(headerRect.width / boxRect.width, 'the sticky row header takes at most about a third of the box').toBeLessThanOrEqual(0.36);

  // Each card of the second stage, reached as a keyboard user does (its Comment link) and by scrolling.
  for (const card of ['Invites the team', published.texts.customerCard]) {
    const cell = box.getByRole('cell').filter({ hasText: card });
    const link = cell.getByRole('link', { name: `Comment on “${card}”` });
    await box.evaluate((element) => (element.scrollLeft = 0));
    const seen = async (target = cell) => {
      const [rect, header, scrollBox] = await Promise.all([target.boundingBox(), rowHeader.boundingBox(), box.boundingBox()]);
      return { cellLeft: rect!.x, cellRight: rect!.x + rect!.width, headerRight: header!.x + header!.width, boxRight: scrollBox!.x + scrollBox!.width };
    };
    // Focus scrolls just enough to show the link: not under the row header (WCAG 2.4.11).
    await link.focus();
    let where = await seen(link);
    expect(where.cellLeft, `${card}: the focused link starts right of the row header`).toBeGreaterThanOrEqual(where.headerRight - 1.5);
    expect(where.cellRight, `${card}: the focused link ends inside the box`).toBeLessThanOrEqual(where.boxRight + 1.5);
    await box.evaluate((element) => (element.scrollLeft = element.scrollWidth));
    await cell.evaluate((element) => element.scrollIntoView({ inline: 'start', block: 'nearest' }));
    where = await seen();
    expect(where.cellLeft, `${card} scrolled into view: starts right of the row header`).toBeGreaterThanOrEqual(where.headerRight - 1.5);
    expect(where.cellRight, `${card} scrolled into view: ends inside the box`).toBeLessThanOrEqual(where.boxRight + 1.5);
  }
  await expectNoSidewaysPageScroll(page, 'the customer’s map at 320 px');
  await expectNoAxeViolations(page, 'the customer’s map at 320 px');
  await page.context().close();
});

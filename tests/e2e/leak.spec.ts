/**
 * The leak test: the product's core promise, checked end to end.
 *
 * A map holds a unique canary string in every internal place. After publishing, the test
 * crawls everything the customer view can reach — the page, every script, style sheet, image
 * and link on it that is not a staff page — and asserts that no canary appears in any body or
 * header, raw or HTML-escaped, URL-encoded, JSON-escaped or base64-encoded. Later channels
 * (emails, annotations, live stream, exports) add themselves to `collectCustomerResponses`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { collectCustomerResponses, createCanaries } from './canaries.ts';
import { runCli } from './cli.ts';
import { ACCOUNTS, E2E_BASE_URL, signIn } from './fixtures.ts';
import { emailTo } from './portal-helpers.ts';

const { run, canary, plainCanary, findCanaries } = createCanaries('Cnry');

function buildCanaryMap() {
  return {
    format: 'journey-map/v1',
    title: canary('map title replaced by customerTitle'),
    customerTitle: 'Your journey with us',
    description: canary('map description'),
    segment: canary('segment'),
    persona: canary('persona'),
    lifecycle: canary('lifecycle'),
    internalNotes: canary('internal notes'),
    stages: [
      { key: 'public-stage', name: canary('stage name replaced by customerName'), customerName: 'Getting started', description: canary('public stage description'), momentOfTruth: true },
      { key: 'plain-stage', name: 'Using it' },
      { key: 'cnry-internal-stage', name: canary('internal stage name'), customerName: canary('internal stage customer name'), description: canary('internal stage description'), visibility: 'internal' },
    ],
    lanes: [
      { key: 'actions', name: canary('lane name replaced by customerName'), customerName: 'What you do', kind: 'actions' },
      { key: 'feelings', name: 'How it feels', kind: 'emotions' },
      { key: 'internal-lane', name: canary('internal lane name'), customerName: canary('internal lane customer name'), kind: 'thoughts', visibility: 'internal' },
      ...(['backstage', 'owners', 'metrics', 'notes'] as const).map((kind) => ({ key: `lane-${kind}`, name: canary(`${kind} lane name`), customerName: canary(`${kind} lane customer name`), kind })),
    ],
    cards: [
      { key: 'cnry-public-card', stage: 'public-stage', lane: 'actions', text: canary('card text replaced by customerText'), customerText: 'Signs up', owner: canary('card owner'), notes: canary('card notes') },
      { key: 'plain-card', stage: 'plain-stage', lane: 'actions', text: 'Invites the team' },
      { key: 'feeling', stage: 'public-stage', lane: 'feelings', text: 'Hopeful', emotion: 1, owner: canary('emotion card owner') },
      { key: 'internal-card', stage: 'plain-stage', lane: 'actions', text: canary('internal card text'), customerText: canary('internal card customer text'), visibility: 'internal' },
      { key: 'card-in-internal-stage', stage: 'cnry-internal-stage', lane: 'actions', text: canary('card in internal stage') },
      { key: 'card-in-internal-lane', stage: 'public-stage', lane: 'internal-lane', text: canary('card in internal lane') },
      ...(['backstage', 'owners', 'metrics', 'notes'] as const).map((kind) => ({ key: `card-${kind}`, stage: 'public-stage', lane: `lane-${kind}`, text: canary(`card in ${kind} lane`), customerText: canary(`customer text in ${kind} lane`) })),
    ],
  };
}

/**
 * What the review queue knows and participants must not: internal notes, owners, tags, the
 * decision and its reason, and who decided. Done through the queue's own pages, as a reviewer
 * does it.
 */
async function triageWithCanaries(browser: Browser, mapId: string): Promise<void> {
  const reviewer = { email: `leak-reviewer-${run}@example.com`, password: `leak reviewer ${run} passphrase` };
  const reviewerName = canary('reviewer name');
  await runCli(['user:create', '--email', reviewer.email, '--name', reviewerName, '--role', 'editor', '--password', reviewer.password]);
  // Tags are lower-case words: a bare canary is one.
  const tag = plainCanary('review tag');
  const context = await browser.newContext({ baseURL: E2E_BASE_URL });
  const staff = await context.newPage();
  await signIn(staff, reviewer);
  const queue = `/app/review?map=${encodeURIComponent(mapId)}`;
  await staff.goto(queue);
  const bulk = async (change: string, fill: (page: Page) => Promise<void>) => {
    await staff.goto(`${queue}&select=all`);
    await staff.getByLabel('With the selected items').selectOption({ label: change });
    await fill(staff);
    await staff.getByRole('button', { name: 'Apply to selected' }).click();
    await expect(staff.getByRole('status')).toContainText(/Changed \d+ items?\./);
  };
  await bulk('Add the tag below', (p) => p.locator('#bulk-tag').fill(tag));
  await bulk('Assign to the owner below', async (p) => {
    await p.locator('#bulk-owner').selectOption({ label: reviewerName });
  });
  await bulk('Approve', async () => {});
  const items = await staff.locator('.queue-item .item-title a').evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).pathname));
  expect(items.length).toBeGreaterThan(1);
  for (const [index, item] of items.entries()) {
    await staff.goto(item);
    await staff.getByLabel('Add a note').fill(canary(`internal note ${index}`));
    await staff.getByRole('button', { name: 'Add note' }).click();
    await expect(staff.getByRole('status')).toContainText('Note added.');
    if (index === 0) {
      await staff.getByLabel('Decline, because…').fill(canary('decline reason'));
      await staff.getByRole('button', { name: 'Decline', exact: true }).click();
      await expect(staff.getByRole('status')).toContainText('Decision: declined');
    } else {
      await staff.getByRole('button', { name: 'Accept' }).click();
      await expect(staff.getByRole('status')).toContainText('Decision: accepted');
    }
  }
  // The test can fail: the reviewer's own pages show what they wrote.
  await staff.goto(items[0]!);
  expect(findCanaries(await staff.content()).length).toBeGreaterThan(0);
  await context.close();
}

test('nothing internal reaches any response the customer view can reach', async ({ page }) => {
  // Publishing, a participant's comments and a reviewer's triage through the pages: longer than the default under load.
  test.setTimeout(120_000);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gt-leak-')), 'canary.map.json');
  fs.writeFileSync(file, JSON.stringify(buildCanaryMap()));
  const { id: mapId } = JSON.parse(await runCli(['map:import', file, '--json'])) as { id: string };
  const { versionId, version } = JSON.parse(await runCli(['map:publish', mapId, '--acknowledge-warnings', '--json'])) as { versionId: string; version: number };
  expect(version).toBe(1);

  await signIn(page, ACCOUNTS.editor);
  const customerView = `/m/versions/${versionId}`;
  await page.goto(customerView);
  await expect(page.getByRole('heading', { level: 1, name: 'Your journey with us' })).toBeVisible();
  await expect(page.getByRole('columnheader', { name: /Getting started/ })).toBeVisible();
  await expect(page.getByRole('rowheader', { name: 'What you do' })).toBeVisible();
  await expect(page.getByText('Signs up')).toBeVisible();

  const responses = await collectCustomerResponses(page.request, customerView);
  expect(responses.size).toBeGreaterThan(1);
  const leaks = [...responses].flatMap(([url, text]) => findCanaries(text).map((c) => `${url}: ${c}`));
  expect(leaks).toEqual([]);

  // Email: invite a participant, then read the email exactly as Resend received it to send.
  const address = `leak-${run}@example.com`;
  const { link } = JSON.parse(await runCli(['invite:create', '--map', mapId, '--email', address, '--name', 'Leak Test', '--json'])) as { link: string };
  const sent = await emailTo(address);
  expect(sent.text).toContain(link); // the email really carries the person's link
  expect(sent.html).toContain(link);
  expect(`${sent.subject}\n${sent.text}\n${sent.html}`.length).toBeGreaterThan(200);
  expect([sent.subject, sent.text, sent.html].flatMap(findCanaries)).toEqual([]);
  // Staff read the same email on the Outbox page without the personal link (it opens the map as them).
  const token = new URL(link).pathname.split('/').pop()!;
  await page.goto(`/app/outbox?to=${encodeURIComponent(address)}`);
  await page.getByRole('link', { name: /invites you to review/ }).first().click();
  await expect(page.getByText('The personal link in this email is hidden')).toBeVisible();
  expect(await page.content()).not.toContain(token);

  // The participant's own pages after following the link.
  const participant = await page.context().browser()!.newContext();
  const customer = await participant.newPage();
  await customer.goto(link);
  await customer.getByRole('button', { name: 'Continue' }).click();
  await expect(customer.getByRole('heading', { level: 1, name: 'Your journey with us' })).toBeVisible();
  const mapPath = new URL(customer.url()).pathname;
  // Annotations: every answer to writing one (the JSON API and the plain form), then every page
  // that shows them (the map, the walk, the summary, the edit page).
  const answers: string[] = [];
  const snapshotKeys = await customer.evaluate(() => [...document.querySelectorAll('[id^="card-"], th[id^="stage-"]')].map((e) => e.id));
  const cardKey = snapshotKeys.find((k) => k.startsWith('card-'))!.slice('card-'.length);
  const stageKeys = snapshotKeys.filter((k) => k.startsWith('stage-')).map((k) => k.slice('stage-'.length));
  for (const anchor of [`card:${cardKey}`, `stage:${stageKeys[0]}`, `gap:${stageKeys[0]}:${stageKeys[1]}`, 'map']) {
    const api = await customer.request.post(`${mapPath}/annotations`, { data: { anchor, kind: 'missing', text: `A comment on ${anchor}` } });
    expect(api.status()).toBe(201);
    answers.push(JSON.stringify(Object.fromEntries(Object.entries(api.headers()))) + (await api.text()));
  }
  const refused = await customer.request.post(`${mapPath}/annotations`, { data: { anchor: 'card:nosuchcard', kind: 'missing', text: 'x' } });
  answers.push(await refused.text());
  const form = await customer.request.post(`${mapPath}?on=map`, { form: { anchor: 'map', kind: 'idea', text: 'From the plain form' }, maxRedirects: 0 });
  answers.push(JSON.stringify(form.headers()) + (await form.text()));
  const badForm = await customer.request.post(`${mapPath}?on=map`, { form: { anchor: 'map', kind: 'idea', text: '' } });
  answers.push(await badForm.text());
  expect(answers.flatMap(findCanaries)).toEqual([]);

  // Triage: a reviewer whose name is a canary owns, tags, notes, declines with a canary reason
  // and accepts. None of it may reach the participant (their pages are crawled below).
  await triageWithCanaries(page.context().browser()!, mapId);

  for (const start of [mapPath, `${mapPath}/walk/1`, `${mapPath}/summary`, '/m']) {
    const reached = await collectCustomerResponses(customer.request, start);
    expect([...reached].flatMap(([url, text]) => findCanaries(text).map((c) => `${url}: ${c}`))).toEqual([]);
  }
  await participant.close();

  // The test can fail: the staff editor of the same map shows the canaries.
  const editor = await page.request.get(`/app/maps/${mapId}`);
  expect(findCanaries(await editor.text()).length).toBeGreaterThan(0);
});

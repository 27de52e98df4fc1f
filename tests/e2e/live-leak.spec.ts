/**
 * The leak test for live sessions: a map with a canary in every internal place, a facilitator
 * whose staff name is a canary too (the session row keeps it), a live session in which an
 * invited participant speaks; then everything the participant can reach — the join page and
 * what it links to, and the live stream read from its first event — and the present view's
 * stream must hold no canary, raw or escaped or encoded. The present view's page itself shows
 * the facilitator's name: that proves the check can see a canary when there is one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { runCli } from './cli.ts';
import { E2E_BASE_URL, signIn } from './fixtures.ts';
import { continueFromLink, withDatabase } from './portal-helpers.ts';

const run = Math.random().toString(36).slice(2, 10);
const canaries = new Map<string, string>();
function canary(place: string): string {
  const value = `Lcnry${canaries.size}x${run}`;
  canaries.set(value, place);
  return `<&"' ${value} '"&>`;
}

function buildCanaryMap() {
  return {
    format: 'journey-map/v1',
    title: canary('map title'),
    customerTitle: 'Your live journey',
    description: canary('map description'),
    segment: canary('segment'),
    persona: canary('persona'),
    lifecycle: canary('lifecycle'),
    internalNotes: canary('internal notes'),
    stages: [
      { key: 'public-stage', name: canary('stage name replaced by customerName'), customerName: 'Getting started', description: canary('stage description') },
      { key: 'plain-stage', name: 'Using it' },
      { key: 'internal-stage', name: canary('internal stage'), visibility: 'internal' },
    ],
    lanes: [
      { key: 'actions', name: canary('lane name'), customerName: 'What you do', kind: 'actions' },
      { key: 'backstage', name: canary('backstage lane'), kind: 'backstage' },
    ],
    cards: [
      { key: 'public-card', stage: 'public-stage', lane: 'actions', text: canary('card text'), customerText: 'Signs up', owner: canary('owner'), notes: canary('card notes') },
      { key: 'internal-card', stage: 'plain-stage', lane: 'actions', text: canary('internal card'), visibility: 'internal' },
      { key: 'backstage-card', stage: 'public-stage', lane: 'backstage', text: canary('backstage card') },
      { key: 'card-in-internal-stage', stage: 'internal-stage', lane: 'actions', text: canary('card in internal stage') },
    ],
  };
}

function encodingsOf(value: string): string[] {
  const html = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  const forms = [value, html, encodeURIComponent(value), JSON.stringify(value).slice(1, -1), value.toLowerCase()];
  for (let shift = 0; shift < 3; shift++) {
    const bytes = Buffer.from('x'.repeat(shift) + value);
    const start = shift === 0 ? 0 : 4;
    forms.push(bytes.toString('base64').slice(start, -4), bytes.toString('base64url').slice(start, -4));
  }
  return forms.filter((f) => f.length >= 8);
}

function findCanaries(text: string): string[] {
  const found: string[] = [];
  for (const [value, place] of canaries) for (const form of encodingsOf(value)) if (text.includes(form)) found.push(`${place} (as ${form})`);
  return found;
}

/** Every same-origin page and resource the participant's live page reaches, staff pages aside. */
async function crawl(request: APIRequestContext, start: string): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0 && seen.size < 100) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    const response = await request.get(url, { maxRedirects: 0 });
    const body = (await response.text()).slice(0, 2_000_000);
    seen.set(url, `${Object.entries(response.headers()).map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${body}`);
    for (const match of body.matchAll(/(?:href|src|action|component-url|renderer-url)="([^"]+)"|url\(([^)]+)\)|(?:import|from)\s*["']([^"']+)["']/g)) {
      const raw = (match[1] ?? match[2] ?? match[3] ?? '').replace(/&amp;/g, '&').replace(/^['"]|['"]$/g, '');
      if (!raw || raw.startsWith('#') || raw.startsWith('data:') || raw.startsWith('mailto:')) continue;
      const target = new URL(raw, new URL(url, E2E_BASE_URL));
      // Signing out would end the participant's session: the crawl only reads.
      if (target.origin !== E2E_BASE_URL || target.pathname.startsWith('/app') || target.pathname === '/m/signed-out') continue;
      queue.push(target.pathname + target.search);
    }
  }
  return seen;
}

/** Reads a stream in the page for `ms` and returns all of it, as text. */
async function readStreamText(page: Page, url: string, ms: number): Promise<string> {
  return page.evaluate(
    async ({ url, ms }) => {
      const controller = new AbortController();
      const response = await fetch(url, { signal: controller.signal });
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = [...response.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n') + '\n\n';
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const chunk = await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(0, deadline - Date.now())))]);
        if (!chunk || chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
      }
      controller.abort();
      return text;
    },
    { url, ms },
  );
}

test('nothing internal travels on a live session’s pages and streams', async ({ browser, page }) => {
  test.setTimeout(90_000);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gt-live-leak-')), 'canary.map.json');
  fs.writeFileSync(file, JSON.stringify(buildCanaryMap()));
  const { id: mapId } = JSON.parse(await runCli(['map:import', file, '--json'])) as { id: string };
  await runCli(['map:publish', mapId, '--acknowledge-warnings', '--json']);
  withDatabase((db) => db.prepare("INSERT INTO map_feedback_settings (map_id, mode, requires_approval, shows_names) VALUES (?, 'shared', 0, 1)").run(mapId));

  const facilitator = { email: `live-leak-${run}@example.com`, password: `live leak ${run} passphrase` };
  await runCli(['user:create', '--email', facilitator.email, '--name', canary('facilitator name').trim().replace(/[<>&"']/g, '').trim(), '--role', 'editor', '--password', facilitator.password]);
  const { link } = JSON.parse(await runCli(['invite:create', '--map', mapId, '--email', `live-leak-person-${run}@example.com`, '--name', 'Pia Person', '--json'])) as { link: string };

  await signIn(page, facilitator);
  await page.goto(`/app/maps/${mapId}/live`);
  await page.getByRole('button', { name: 'Open the live session' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Live: Your live journey' })).toBeVisible();
  const joinPath = new URL((await page.locator('.present-join-url a').textContent())!).pathname;
  const presentPath = new URL(page.url()).pathname;

  const participant = await (await browser.newContext({ baseURL: E2E_BASE_URL })).newPage();
  await continueFromLink(participant, new URL(link).pathname, 'Your live journey');
  await participant.goto(joinPath);
  await participant.getByRole('link', { name: 'Comment on “Signs up”' }).click();
  await participant.getByLabel('Something is missing').check();
  await participant.getByLabel('Your comment').fill('We check with the accountant first');
  await participant.getByRole('button', { name: 'Send comment' }).click();
  await expect(participant.getByRole('status').filter({ hasText: 'your comment is saved' })).toBeVisible();
  await page.getByRole('button', { name: 'Bring everyone here to Getting started' }).click();
  await expect(page.locator('#focus-stage')).not.toHaveValue('');
  await page.getByLabel('Timer for the stage in focus (minutes)').fill('3');
  await page.getByRole('button', { name: 'Start the timer' }).click();
  await expect(page.getByRole('button', { name: 'Stop the timer' })).toBeVisible();

  const responses = await crawl(participant.request, joinPath);
  expect(responses.size).toBeGreaterThan(1);
  responses.set(`${joinPath}/events?since=0`, await readStreamText(participant, `${joinPath}/events?since=0`, 1_500));
  responses.set(`${presentPath}/events?since=0`, await readStreamText(page, `${presentPath}/events?since=0`, 1_500));
  expect(responses.get(`${joinPath}/events?since=0`)).toContain('We check with the accountant first');
  const leaks = [...responses].flatMap(([url, text]) => findCanaries(text).map((c) => `${url}: ${c}`));
  expect(leaks).toEqual([]);

  // The check sees a canary where one is meant to be: the staff page names the facilitator.
  expect(findCanaries(await page.content()).length).toBeGreaterThan(0);
  await participant.close();
});

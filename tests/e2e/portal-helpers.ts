/**
 * What the invitation and access-control tests share: maps made and published with the real
 * command line, invitations created with it, a direct look into the end-to-end database (for
 * what no page shows, such as "no email was written", and to expire an invitation, since the
 * server's clock cannot be moved), the Outbox page read as staff read it, and axe.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import Database from 'better-sqlite3';
import { expect, type Page } from '@playwright/test';
import { runCli } from './cli.ts';
import { E2E_BASE_URL, E2E_DATABASE_PATH, FAKE_RESEND_URL } from './fixtures.ts';

/** A short random part that makes every name of one test run unique. */
export function uniqueId(): string {
  return Math.random().toString(36).slice(2, 10);
}

export interface MapTexts {
  /** The customer-facing title (what participants see as the heading). */
  customerTitle: string;
  /** A public card's customer wording. */
  customerCard: string;
  /** Internal strings: must never reach a participant. */
  internal: string[];
}

/**
 * A small journey map (JSON v1) whose every internal place holds a string starting with
 * `prefix`, and whose customer wording is unique too. Returns the map and the strings.
 */
export function buildMap(prefix: string): { map: object; texts: MapTexts } {
  const internal = (place: string) => `${prefix}-internal-${place}`;
  const texts: MapTexts = {
    customerTitle: `${prefix} customer journey`,
    customerCard: `${prefix} signs up`,
    internal: [],
  };
  const map = {
    format: 'journey-map/v1',
    title: internal('title'),
    customerTitle: texts.customerTitle,
    description: internal('description'),
    internalNotes: internal('notes'),
    stages: [
      { key: 'start', name: internal('stage-name'), customerName: 'Getting started' },
      { key: 'use', name: 'Using it' },
      { key: 'secret-stage', name: internal('hidden-stage'), visibility: 'internal' },
    ],
    lanes: [
      { key: 'actions', name: internal('lane-name'), customerName: 'What you do', kind: 'actions' },
      { key: 'backstage', name: internal('backstage-lane'), kind: 'backstage' },
    ],
    cards: [
      { key: 'signup', stage: 'start', lane: 'actions', text: internal('card-text'), customerText: texts.customerCard, owner: internal('owner'), notes: internal('card-notes') },
      { key: 'invite', stage: 'use', lane: 'actions', text: 'Invites the team' },
      { key: 'hidden', stage: 'use', lane: 'actions', text: internal('hidden-card'), visibility: 'internal' },
      { key: 'backstage-card', stage: 'start', lane: 'backstage', text: internal('backstage-card') },
    ],
  };
  texts.internal = [
    'title',
    'description',
    'notes',
    'stage-name',
    'hidden-stage',
    'lane-name',
    'backstage-lane',
    'card-text',
    'owner',
    'card-notes',
    'hidden-card',
    'backstage-card',
  ].map(internal);
  return { map, texts };
}

export interface PublishedMap {
  mapId: string;
  versionId: string;
  texts: MapTexts;
}

/** Imports a map built by `buildMap` with the CLI and publishes its first version. */
export async function importAndPublish(prefix: string): Promise<PublishedMap> {
  const { map, texts } = buildMap(prefix);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gt-invite-')), `${prefix}.map.json`);
  fs.writeFileSync(file, JSON.stringify(map));
  const { id: mapId } = JSON.parse(await runCli(['map:import', file, '--json'])) as { id: string };
  const published = JSON.parse(await runCli(['map:publish', mapId, '--acknowledge-warnings', '--json'])) as { version: number; versionId: string };
  expect(published.version).toBe(1);
  return { mapId, versionId: published.versionId, texts };
}

export interface CliInvitation {
  id: string;
  /** The personal link as the CLI prints it (its origin is the CLI's PUBLIC_URL). */
  link: string;
  /** The link's path on the server under test: /m/i/<token>. */
  path: string;
  token: string;
}

export async function inviteWithCli(options: { mapId: string; email: string; name?: string; account?: string; expiresDays?: number }): Promise<CliInvitation> {
  const args = ['invite:create', '--map', options.mapId, '--email', options.email, '--json'];
  if (options.name) args.push('--name', options.name);
  if (options.account) args.push('--account', options.account);
  if (options.expiresDays) args.push('--expires-days', String(options.expiresDays));
  const { id, link } = JSON.parse(await runCli(args)) as { id: string; link: string };
  const linkPath = new URL(link).pathname;
  const token = linkPath.split('/').pop()!;
  expect(token).toMatch(/^[a-z2-9]{26}$/);
  return { id, link, path: linkPath, token };
}

/** Runs `work` on a short-lived connection to the server's database (WAL: safe beside it). */
export function withDatabase<T>(work: (db: Database.Database) => T): T {
  const db = new Database(E2E_DATABASE_PATH, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return work(db);
  } finally {
    db.close();
  }
}

/** The server's clock cannot be moved: expire an invitation by moving its expiry into the past. */
export function expireInvitation(invitationId: string): void {
  const changes = withDatabase((db) => db.prepare('UPDATE invitations SET expires_at = ? WHERE id = ?').run(Date.now() - 60_000, invitationId).changes);
  expect(changes, `invitation ${invitationId} exists`).toBe(1);
}

export interface OutboxRow {
  id: string;
  kind: string;
  subject: string;
  status: string;
  related_id: string | null;
}

/** Every email written to one address, newest first. */
export function outboxRowsTo(address: string): OutboxRow[] {
  return withDatabase((db) =>
    db.prepare('SELECT id, kind, subject, status, related_id FROM email_outbox WHERE to_email = ? ORDER BY created_at DESC, rowid DESC').all(address.toLowerCase()) as OutboxRow[],
  );
}

/** Waits until the server's mail worker has dealt with every email to the address. */
export async function waitForMailProcessed(address: string, count: number): Promise<OutboxRow[]> {
  let rows: OutboxRow[] = [];
  await expect
    .poll(
      () => {
        rows = outboxRowsTo(address);
        return rows.length === count && rows.every((r) => r.status === 'sent');
      },
      { timeout: 20_000, message: `${count} email(s) to ${address} sent (to the fake Resend server)` },
    )
    .toBe(true);
  return rows;
}

/** A personal link as the server under test writes it (its PUBLIC_URL is the e2e base URL). */
export const LINK_PATTERN = new RegExp(`${E2E_BASE_URL.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/m/i/([a-z2-9]{26})`);

/**
 * Finds the newest email to `address` on the Outbox page, filtered to that address as staff
 * would (other tests write many emails meanwhile), opens it, and returns its plain-text part.
 */
export async function openEmailOnOutbox(page: Page, address: string, subject: RegExp | string): Promise<string> {
  await page.goto('/app/outbox');
  await expect(page.getByRole('heading', { level: 1, name: 'Outbox' })).toBeVisible();
  await page.getByLabel('To', { exact: true }).fill(address);
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/[?&]to=/);
  for (let pageNumber = 1; pageNumber <= 40; pageNumber++) {
    const row = page.getByRole('row').filter({ hasText: address }).filter({ has: page.getByRole('link', { name: subject }) });
    if ((await row.count()) > 0) {
      await row.first().getByRole('link', { name: subject }).click();
      await expect(page.getByRole('heading', { level: 1, name: subject })).toBeVisible();
      await expect(page.getByRole('definition').filter({ hasText: address })).toBeVisible();
      const text = page.getByRole('region', { name: 'Plain text' }).locator('pre');
      return (await text.textContent()) ?? '';
    }
    const older = page.getByRole('link', { name: 'Older' });
    if ((await older.count()) === 0) break;
    await older.click();
    await expect(page.getByText(`Page ${pageNumber + 1} of`)).toBeVisible();
  }
  throw new Error(`No email to ${address} with subject ${subject} on the Outbox page`);
}

export interface SentEmail {
  to: string | string[];
  subject: string;
  text: string;
  html: string;
}

/** The newest email the fake Resend server received for an address (and matching `where`). */
export async function emailTo(address: string, where: (email: SentEmail) => boolean = () => true): Promise<SentEmail> {
  let found: SentEmail | undefined;
  await expect
    .poll(
      async () => {
        const emails = (await (await fetch(`${FAKE_RESEND_URL}/__test/emails`)).json()) as { payload: SentEmail }[];
        found = emails.map((e) => e.payload).filter((p) => [p.to].flat().includes(address) && where(p)).at(-1);
        return found !== undefined;
      },
      { timeout: 20_000, message: `an email to ${address} reached the fake Resend server` },
    )
    .toBe(true);
  return found!;
}

/** The personal link in an email's text, as a path on the server under test. */
export function linkPathIn(emailText: string): { path: string; token: string } {
  const match = LINK_PATTERN.exec(emailText);
  expect(match, `a personal link in the email:\n${emailText}`).not.toBeNull();
  return { path: new URL(match![0]).pathname, token: match![1]! };
}

/** Opens a link page and presses Continue, as the invited person does; waits for the map. */
export async function continueFromLink(page: Page, linkPath: string, customerTitle: string): Promise<string> {
  await page.goto(linkPath);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/m\/maps\/[^/?#]+$/);
  await expect(page.getByRole('heading', { level: 1, name: customerTitle })).toBeVisible();
  return new URL(page.url()).pathname;
}

/** A same-origin header for requests made outside a page, as the app's browsers send. */
export const SAME_ORIGIN = { origin: E2E_BASE_URL };

/**
 * WCAG 1.4.10 (reflow): at 320 CSS pixels the page itself does not scroll sideways. A wide map
 * may scroll inside its own box (two-dimensional content), never the page.
 */
export async function expectNoSidewaysPageScroll(page: Page, label: string): Promise<void> {
  const size = page.viewportSize();
  // Measured with the style sheets applied: on a busy machine they can arrive after the text.
  await page.waitForLoadState('load');
  await page.setViewportSize({ width: 320, height: 720 });
  const widths = await page.evaluate(() => ({ content: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth }));
  expect(widths.content, `${label} scrolls sideways at 320 px`).toBeLessThanOrEqual(widths.viewport);
  if (size) await page.setViewportSize(size);
}

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Runs axe on the page as it is and fails with a readable list of what it found. */
export async function expectNoAxeViolations(page: Page, label: string, options: { exclude?: string[] } = {}): Promise<void> {
  let builder = new AxeBuilder({ page }).withTags(WCAG_TAGS);
  for (const selector of options.exclude ?? []) builder = builder.exclude(selector);
  const { violations } = await builder.analyze();
  const report = violations
    .map((v) => {
      const nodes = v.nodes.map((n) => `      ${n.target.join(' ')}\n        ${n.failureSummary?.replace(/\n/g, '\n        ')}`);
      return `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes.join('\n')}`;
    })
    .join('\n');
  expect(violations, `accessibility violations on ${label}:\n${report}`).toEqual([]);
}

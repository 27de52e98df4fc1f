/**
 * Invitations and participant access, end to end: an editor invites a person, the email waits
 * in the outbox (no Resend key in these tests), the person opens the personal link in their
 * own browser, confirms, and sees the map — and the edges of that path: mail scanners that
 * prefetch the link, two devices pressing Continue at once, expired links, revocation, CSV
 * lists with progress, tokens kept out of the database, and accessibility.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { ACCOUNTS, E2E_DATABASE_PATH, signIn } from './fixtures.ts';
import {
  continueFromLink,
  emailTo,
  expectNoAxeViolations,
  expireInvitation,
  importAndPublish,
  inviteWithCli,
  linkPathIn,
  openEmailOnOutbox,
  outboxRowsTo,
  uniqueId,
  waitForMailProcessed,
  withDatabase,
} from './portal-helpers.ts';

const NEUTRAL_ANSWER = 'If that address was invited, its link is on its way to it. It can take a few minutes to arrive.';
const INVITATION_SUBJECT = (title: string) => `The customer experience team invites you to review “${title}”`;
const NEW_LINK_SUBJECT = (title: string) => `Your new link to “${title}”`;
const SAME_LINK_SUBJECT = (title: string) => `Your link to “${title}”`;

/** The editor's form on a map's Invitations page. */
async function inviteOnPage(page: Page, mapId: string, person: { email: string; name: string; account: string; role?: string }) {
  await page.goto(`/app/maps/${mapId}/invitations`);
  await page.getByLabel('Email', { exact: true }).fill(person.email);
  await page.getByLabel('Name', { exact: true }).fill(person.name);
  await page.getByLabel('Company or account').fill(person.account);
  if (person.role) await page.getByLabel('Role', { exact: true }).fill(person.role);
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByRole('status')).toHaveText(`Invited ${person.email}. The email is on its way.`);
}

/** The row of one invited person in the Invitations table. */
function invitationRow(page: Page, email: string) {
  return page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(email.replace(/[.+]/g, '\\$&')) }) });
}

test('an editor invites a person, who opens the emailed link, continues, and sees the map', async ({ page, browser }) => {
  const run = uniqueId();
  const { mapId, texts } = await importAndPublish(`invite-${run}`);
  const person = { email: `pia-${run}@example.com`, name: 'Pia Participant', account: `Acme ${run}`, role: 'advisory board' };

  await signIn(page, ACCOUNTS.editor);
  await inviteOnPage(page, mapId, person);
  const row = invitationRow(page, person.email);
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(person.account);
  await expect(row).toContainText('advisory board');
  await expect(row.getByRole('cell').nth(3)).toHaveText(/^(Sent|Queued)$/);

  // The email as Resend received it carries the personal link; the Outbox page shows the same
  // email to staff with the link hidden (it opens the person's map as them).
  const emailText = (await emailTo(person.email, (e) => e.subject === INVITATION_SUBJECT(texts.customerTitle))).text;
  expect(emailText).toContain('Hello Pia Participant,');
  expect(emailText).toContain(`(${person.account})`);
  const { path: linkPath, token } = linkPathIn(emailText);
  const shownToStaff = await openEmailOnOutbox(page, person.email, INVITATION_SUBJECT(texts.customerTitle));
  expect(shownToStaff).toContain('Hello Pia Participant,');
  expect(shownToStaff).toContain('/m/i/personal-link-hidden');
  expect(shownToStaff).not.toContain(token);
  expect(await page.locator('iframe.email-html').getAttribute('srcdoc')).not.toContain(token);
  await expect(page.getByText('The personal link in this email is hidden')).toBeVisible();

  // Once the worker has sent it (to the fake Resend server), the list says so.
  await expect(async () => {
    await page.goto(`/app/maps/${mapId}/invitations`);
    await expect(invitationRow(page, person.email).getByRole('cell').nth(3)).toHaveText('Sent', { timeout: 500 });
  }).toPass({ timeout: 15_000 });

  // The person, in their own browser.
  const theirs = await browser.newContext();
  try {
    const participant = await theirs.newPage();
    const response = await participant.goto(linkPath);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['referrer-policy']).toBe('no-referrer');
    await expect(participant.getByRole('heading', { level: 1, name: 'You are invited to review a customer journey' })).toBeVisible();
    await expect(participant.getByText('Hello Pia Participant,')).toBeVisible();
    // The team is who asks; the person's own company is who the invitation is for.
    await expect(participant.getByText(`You are invited by the customer experience team to review “${texts.customerTitle}”`)).toBeVisible();
    await expect(participant.getByText(`The invitation is for you at ${person.account}.`)).toBeVisible();
    await expect(participant.getByText(person.account, { exact: true })).toBeVisible();
    await expect(participant.getByText(/on behalf of/i)).toHaveCount(0);
    await expect(participant.getByText(`“${texts.customerTitle}”`)).toBeVisible();
    expect(await theirs.cookies(), 'opening the link alone gives no session').toEqual([]);

    await participant.getByRole('button', { name: 'Continue' }).click();
    await expect(participant).toHaveURL(/\/m\/maps\/[^/?#]+$/);
    expect(participant.url()).not.toContain(token);
    await expect(participant.getByRole('heading', { level: 1, name: texts.customerTitle })).toBeVisible();
    await expect(participant.getByText(texts.customerCard, { exact: true })).toBeVisible();
    const cookies = await theirs.cookies();
    expect(cookies.map((c) => c.name)).toEqual(['gt_participant']);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    await participant.getByRole('navigation', { name: 'Your reviews' }).getByRole('link', { name: 'Your reviews' }).click();
    await expect(participant).toHaveURL(/\/m$/);
    await expect(participant.getByRole('heading', { level: 1, name: 'Your reviews' })).toBeVisible();
    await expect(participant.getByRole('link', { name: texts.customerTitle })).toBeVisible();
    await expect(participant.getByText(`For ${person.account}`)).toBeVisible();
    await participant.getByRole('link', { name: texts.customerTitle }).click();
    await expect(participant.getByRole('heading', { level: 1, name: texts.customerTitle })).toBeVisible();
  } finally {
    await theirs.close();
  }

  // Staff see that the link was used.
  await page.goto(`/app/maps/${mapId}/invitations`);
  await expect(invitationRow(page, person.email).getByRole('cell').nth(3)).toHaveText('Opened');
});

test('a mail scanner that prefetches the link (HEAD, GET) gets no session and does not use it up', async ({ request, page }) => {
  const run = uniqueId();
  const { mapId, texts } = await importAndPublish(`scanner-${run}`);
  const invitation = await inviteWithCli({ mapId, email: `scanned-${run}@example.com`, name: 'Sam Scanned' });

  const head = await request.head(invitation.path, { maxRedirects: 0 });
  expect(head.status()).toBe(200);
  expect(head.headers()['set-cookie']).toBeUndefined();
  expect(head.headers()['referrer-policy']).toBe('no-referrer');

  const get = await request.get(invitation.path, { maxRedirects: 0 });
  expect(get.status()).toBe(200);
  expect(get.headers()['set-cookie']).toBeUndefined();
  const body = await get.text();
  expect(body).toMatch(/<button[^>]*type="submit"[^>]*>Continue<\/button>/);
  expect(body).toContain(texts.customerTitle);
  expect((await request.storageState()).cookies).toEqual([]);

  // Nothing changed: the invitation was not even marked as opened, and no session exists.
  const row = withDatabase((db) => db.prepare('SELECT opened_at FROM invitations WHERE id = ?').get(invitation.id) as { opened_at: number | null });
  expect(row.opened_at).toBeNull();
  const sessions = withDatabase((db) => (db.prepare('SELECT count(*) AS n FROM participant_sessions WHERE invitation_id = ?').get(invitation.id) as { n: number }).n);
  expect(sessions).toBe(0);

  // The person still gets in with the same link.
  await continueFromLink(page, invitation.path, texts.customerTitle);
});

test('two devices pressing Continue on the same link at once both get in', async ({ browser }) => {
  const run = uniqueId();
  const { mapId, texts } = await importAndPublish(`twice-${run}`);
  const invitation = await inviteWithCli({ mapId, email: `twice-${run}@example.com` });

  const contexts = await Promise.all([browser.newContext(), browser.newContext()]);
  try {
    const pages = await Promise.all(contexts.map((c) => c.newPage()));
    await Promise.all(pages.map((p) => p.goto(invitation.path)));
    await Promise.all(pages.map((p) => expect(p.getByRole('button', { name: 'Continue' })).toBeVisible()));
    await Promise.all(pages.map((p) => p.getByRole('button', { name: 'Continue' }).click()));
    for (const p of pages) {
      await expect(p).toHaveURL(new RegExp(`/m/maps/${invitation.id}$`));
      await expect(p.getByRole('heading', { level: 1, name: texts.customerTitle })).toBeVisible();
    }
    const [first, second] = await Promise.all(contexts.map(async (c) => (await c.cookies()).find((k) => k.name === 'gt_participant')?.value));
    expect(first).toBeTruthy();
    expect(second).toBeTruthy();
    expect(first, 'each device has its own session').not.toBe(second);
    // Both sessions stay valid: each reloads its map.
    for (const p of pages) {
      await p.reload();
      await expect(p.getByRole('heading', { level: 1, name: texts.customerTitle })).toBeVisible();
    }
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
  }
});

test('an expired link offers a new one, sent only to the invited address; unknown addresses get the same answer and no email', async ({ browser, page }) => {
  const run = uniqueId();
  const { mapId, texts } = await importAndPublish(`expired-${run}`);
  const address = `late-${run}@example.com`;
  const invitation = await inviteWithCli({ mapId, email: address, name: 'Lee Late', expiresDays: 1 });
  await waitForMailProcessed(address, 1);
  expireInvitation(invitation.id);

  const theirs = await browser.newContext();
  try {
    const participant = await theirs.newPage();
    const response = await participant.goto(invitation.path);
    expect(response?.status()).toBe(410);
    await expect(participant.getByRole('heading', { level: 1, name: 'This invitation link has expired' })).toBeVisible();
    await expect(participant.getByRole('button', { name: 'Continue' })).toHaveCount(0);
    await participant.getByRole('button', { name: 'Email me a new link' }).click();
    await expect(participant.getByRole('status')).toHaveText(NEUTRAL_ANSWER);
    expect(await theirs.cookies(), 'asking for a new link gives no session').toEqual([]);

    // The new email went to the invited address, and its link works; the expired one stays
    // expired (extending it would let anyone holding an old copy revive it by asking).
    const rows = await waitForMailProcessed(address, 2);
    expect(rows[0]).toMatchObject({ kind: 'new_link', related_id: invitation.id });
    const emailText = (await emailTo(address, (e) => e.subject === NEW_LINK_SUBJECT(texts.customerTitle))).text;
    const fresh = linkPathIn(emailText);
    expect(fresh.token).not.toBe(invitation.token);
    await continueFromLink(participant, fresh.path, texts.customerTitle);
    await participant.goto(invitation.path);
    await expect(participant.getByRole('heading', { level: 1, name: 'This link does not work' })).toBeVisible();

    // Someone never invited gets the very same answer on /m/link, and no email is written.
    const stranger = `stranger-${run}@example.com`;
    const other = await browser.newContext();
    try {
      const strangerPage = await other.newPage();
      await strangerPage.goto('/m/link');
      await expect(strangerPage.getByRole('heading', { level: 1, name: 'Get your link' })).toBeVisible();
      await strangerPage.getByLabel('Email address').fill(stranger);
      await strangerPage.getByRole('button', { name: 'Send me my link' }).click();
      await expect(strangerPage.getByRole('status')).toHaveText(NEUTRAL_ANSWER);
    } finally {
      await other.close();
    }
    // Give a wrongly queued email time to show, then check none was written.
    await page.waitForTimeout(500);
    expect(outboxRowsTo(stranger)).toEqual([]);
    expect(outboxRowsTo(address)).toHaveLength(2);
  } finally {
    await theirs.close();
  }
});

test('asking for a lost link on /m/link sends the same link again: the original keeps working, whoever asked', async ({ browser, page }) => {
  const run = uniqueId();
  const { mapId, texts } = await importAndPublish(`lost-${run}`);
  const address = `lost-${run}@example.com`;
  const invitation = await inviteWithCli({ mapId, email: address, name: 'Lou Lost' });
  await waitForMailProcessed(address, 1);

  // The invited person is reading the map on one device...
  const theirs = await browser.newContext();
  // ...while someone else, who only knows the address, asks for "their" link.
  const other = await browser.newContext();
  try {
    const participant = await theirs.newPage();
    await continueFromLink(participant, invitation.path, texts.customerTitle);
    const asker = await other.newPage();
    await asker.goto('/m/link');
    await asker.getByLabel('Email address').fill(address);
    await asker.getByRole('button', { name: 'Send me my link' }).click();
    await expect(asker.getByRole('status')).toHaveText(NEUTRAL_ANSWER);
    expect(await other.cookies(), 'asking gives no session').toEqual([]);

    const rows = await waitForMailProcessed(address, 2);
    expect(rows[0]).toMatchObject({ kind: 'new_link', related_id: invitation.id, subject: SAME_LINK_SUBJECT(texts.customerTitle) });
    const emailText = (await emailTo(address, (e) => e.subject === SAME_LINK_SUBJECT(texts.customerTitle))).text;
    expect(emailText).toContain('it still works');
    expect(linkPathIn(emailText).token, 'the email carries the link the person already has').toBe(invitation.token);

    // Nothing was taken away: the open session goes on, and the original link still opens the map.
    await participant.reload();
    await expect(participant.getByRole('heading', { level: 1, name: texts.customerTitle })).toBeVisible();
    const fresh = await browser.newContext();
    try {
      await continueFromLink(await fresh.newPage(), invitation.path, texts.customerTitle);
    } finally {
      await fresh.close();
    }

    // Staff Resend is what retires a working link.
    await signIn(page, ACCOUNTS.editor);
    await page.goto(`/app/maps/${mapId}/invitations`);
    await invitationRow(page, address).getByRole('button', { name: `Resend to ${address}` }).click();
    await expect(page.getByRole('status')).toHaveText('Sent the invitation again with a new link.');
    await asker.goto(invitation.path);
    await expect(asker.getByRole('heading', { level: 1, name: 'This link does not work' })).toBeVisible();
  } finally {
    await theirs.close();
    await other.close();
  }
});

test('revoking asks first (without JavaScript too), ends the open session at once, and an editor can restore access with a new link', async ({ browser }) => {
  test.setTimeout(90_000);
  const run = uniqueId();
  const { mapId, texts } = await importAndPublish(`revoke-${run}`);
  const address = `revoked-${run}@example.com`;
  const invitation = await inviteWithCli({ mapId, email: address, name: 'Rae Revoked' });

  const theirs = await browser.newContext();
  // The editor's browser runs no JavaScript: the confirm step is plain links and forms.
  const staffContext = await browser.newContext({ javaScriptEnabled: false });
  try {
    const participant = await theirs.newPage();
    const mapPath = await continueFromLink(participant, invitation.path, texts.customerTitle);

    const page = await staffContext.newPage();
    await signIn(page, ACCOUNTS.editor);
    await page.goto(`/app/maps/${mapId}/invitations`);
    const row = () => invitationRow(page, address);
    await expect(row().getByRole('button', { name: `Revoke ${address}` }), 'Revoke is not one click').toHaveCount(0);

    // Revoke asks first; saying no changes nothing.
    await row().getByRole('link', { name: `Revoke… ${address}` }).click();
    await expect(page).toHaveURL(/\?revoke=[^#]+#confirm-revoke$/);
    await expect(page.getByRole('heading', { name: 'Revoke the invitation of Rae Revoked?' })).toBeVisible();
    await page.getByRole('link', { name: 'No, keep their access' }).click();
    await expect(page.getByRole('heading', { name: 'Revoke the invitation of Rae Revoked?' })).toHaveCount(0);
    await expect(row().getByRole('cell').nth(3)).not.toHaveText(/Revoked/);
    await participant.reload();
    await expect(participant.getByRole('heading', { level: 1, name: texts.customerTitle })).toBeVisible();

    await row().getByRole('link', { name: `Revoke… ${address}` }).click();
    await page.getByRole('button', { name: `Yes, revoke access for ${address}` }).click();
    await expect(page.getByRole('status')).toHaveText(`Revoked the invitation of ${address}. Their access ended now. You can restore it from the list below.`);
    await expect(row().getByRole('cell').nth(3)).toHaveText(/^Revoked/);

    await participant.reload();
    await expect(participant).toHaveURL(/\/m\/link$/);
    await expect(participant.getByText(texts.customerTitle)).toHaveCount(0);
    expect((await theirs.cookies()).find((c) => c.name === 'gt_participant'), 'the session cookie is cleared').toBeUndefined();

    // Nor does the old cookie or the link bring the map back; the link's page says the
    // invitation was withdrawn and promises no new link, which could not help.
    const again = await participant.request.get(mapPath, { maxRedirects: 0 });
    expect(again.status()).toBe(303);
    expect(await again.text()).not.toContain(texts.customerTitle);
    const withdrawn = await participant.goto(invitation.path);
    expect(withdrawn?.status()).toBe(410);
    await expect(participant.getByRole('heading', { level: 1, name: 'This invitation was withdrawn' })).toBeVisible();
    await expect(participant.getByText('If you think this is a mistake, contact the customer experience team who invited you')).toBeVisible();
    await expect(participant.locator('a[href="/m/link"]')).toHaveCount(0);
    await expect(participant.getByRole('button', { name: 'Continue' })).toHaveCount(0);

    // The editor restores access: a new invitation email with a new link.
    await row().getByRole('button', { name: `Restore access for ${address}` }).click();
    await expect(page.getByRole('status')).toHaveText(`Restored access for ${address}. An email with a new link is on its way; their old link stays withdrawn.`);
    await expect(row().getByRole('cell').nth(3)).toContainText(/revoked \d.+, restored \d/);
    const [newest] = await waitForMailProcessed(address, 2);
    expect(newest).toMatchObject({ kind: 'invitation', related_id: invitation.id });
    const fresh = linkPathIn((await emailTo(address, (e) => !e.text.includes(invitation.token) && e.subject === INVITATION_SUBJECT(texts.customerTitle))).text);
    expect(fresh.token).not.toBe(invitation.token);
    await participant.goto(invitation.path);
    await expect(participant.getByRole('heading', { level: 1, name: 'This link does not work' })).toBeVisible();
    await continueFromLink(participant, fresh.path, texts.customerTitle);
  } finally {
    await theirs.close();
    await staffContext.close();
  }
});

test('inviting a revoked person again from the form restores their access', async ({ page }) => {
  const run = uniqueId();
  const { mapId, texts } = await importAndPublish(`reinvite-${run}`);
  const address = `reinvited-${run}@example.com`;
  const invitation = await inviteWithCli({ mapId, email: address, name: 'Rex Reinvited' });
  withDatabase((db) => db.prepare('UPDATE invitations SET revoked_at = ? WHERE id = ?').run(Date.now(), invitation.id));

  await signIn(page, ACCOUNTS.editor);
  await page.goto(`/app/maps/${mapId}/invitations`);
  await page.getByLabel('Email', { exact: true }).fill(address);
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByRole('status')).toHaveText(`Invited ${address} again: their access is restored, and an email with a new link is on its way. Their old link stays withdrawn.`);
  await expect(invitationRow(page, address)).toHaveCount(1);
  await expect(invitationRow(page, address).getByRole('cell').nth(3)).not.toHaveText(/^Revoked/);
  await waitForMailProcessed(address, 2);
  const fresh = linkPathIn((await emailTo(address, (e) => !e.text.includes(invitation.token))).text);
  await continueFromLink(page, fresh.path, texts.customerTitle);
});

test('a CSV list of 600 rows uploads with progress, reports bad rows by line, and a second upload invites nobody twice', async ({ page }) => {
  test.setTimeout(120_000);
  const run = uniqueId();
  const { mapId } = await importAndPublish(`csv-${run}`);

  const bad = new Map<number, string>([
    [100, 'not-an-email'], // line 102
    [250, ''], // line 252
    [400, `csv-${run}-0@example.com`], // line 402: the same person as line 2
  ]);
  const lines = ['email,name,account,role,expires_days'];
  for (let i = 0; i < 600; i++) {
    const email = bad.get(i) ?? `csv-${run}-${i}@example.com`;
    lines.push(`${email},Person ${i},Account ${i % 7},advisory board,${i === 599 ? 'soon' : ''}`); // line 601: bad expiry
  }
  const file = { name: 'invitations.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n') + '\n') };
  const good = 600 - 4;

  await signIn(page, ACCOUNTS.editor);
  await page.goto(`/app/maps/${mapId}/invitations`);
  // The island is hydrated (Astro drops the ssr attribute), so the upload streams progress.
  await expect(page.locator('astro-island[ssr]')).toHaveCount(0);
  await page.getByLabel('CSV file', { exact: true }).setInputFiles(file);
  await page.getByRole('button', { name: 'Upload and invite' }).click();

  const progress = page.getByRole('progressbar', { name: 'Invitations written' });
  await expect(progress).toBeVisible();
  await expect(page.getByText(`${good} of ${good} (100%)`)).toBeVisible({ timeout: 60_000 });
  await expect(progress).toHaveAttribute('value', String(good));
  await expect(progress).toHaveAttribute('max', String(good));
  await expect(page).toHaveURL(new RegExp(`/app/maps/${mapId}/invitations$`)); // no page load: the island did it

  const outcome = page.getByRole('status').filter({ hasText: 'Invited' });
  await expect(outcome).toContainText(`Invited ${good} people.`);
  await expect(outcome).toContainText('4 rows had problems and were not imported:');
  const problems = outcome.getByRole('listitem');
  await expect(problems).toHaveText([
    'line 102: email "not-an-email" is not an email address',
    'line 252: email "" is not an email address',
    `line 402: csv-${run}-0@example.com is already on line 2`,
    /^line 601: expiry must be a whole number of days/,
  ]);

  // The list under the upload shows the new rows without a page load.
  await expect(page.getByRole('heading', { name: `Invited (${good})` })).toBeVisible({ timeout: 20_000 });
  await expect(invitationRow(page, `csv-${run}-599@example.com`)).toHaveCount(0); // line 601 had a bad expiry
  await expect(invitationRow(page, `csv-${run}-598@example.com`)).toHaveCount(1);
  await expect(page).toHaveURL(new RegExp(`/app/maps/${mapId}/invitations$`));

  // The same file again: everybody is skipped, nobody is invited twice.
  await expect(page.locator('astro-island[ssr]')).toHaveCount(0);
  await page.getByLabel('CSV file', { exact: true }).setInputFiles(file);
  await page.getByRole('button', { name: 'Upload and invite' }).click();
  const second = page.getByRole('status').filter({ hasText: 'Invited' });
  await expect(second).toContainText(`Invited nobody new. ${good} people were already invited and were skipped.`, { timeout: 60_000 });
  await expect(second.getByRole('listitem')).toHaveCount(4);
  const count = withDatabase((db) => (db.prepare('SELECT count(*) AS n FROM invitations WHERE map_id = ?').get(mapId) as { n: number }).n);
  expect(count).toBe(good);
});

test('the raw token of an invitation is never written to the database file or its WAL', async ({ page }) => {
  const run = uniqueId();
  const { mapId, texts } = await importAndPublish(`token-${run}`);
  const address = `tokenless-${run}@example.com`;
  await signIn(page, ACCOUNTS.editor);
  await inviteOnPage(page, mapId, { email: address, name: 'Tia Token', account: `Token Co ${run}` });
  await waitForMailProcessed(address, 1);
  const { token } = linkPathIn((await emailTo(address, (e) => e.subject === INVITATION_SUBJECT(texts.customerTitle))).text);
  // Using the link writes a session too: that must not store the token either.
  await page.context().clearCookies();
  await continueFromLink(page, `/m/i/${token}`, texts.customerTitle);

  const files = [E2E_DATABASE_PATH, `${E2E_DATABASE_PATH}-wal`].filter((f) => fs.existsSync(f));
  const bytes = Buffer.concat(files.map((f) => fs.readFileSync(f)));
  expect(bytes.length).toBeGreaterThan(0);
  // The search can find things: the invitation's address and the token's SHA-256 are there.
  const hash = createHash('sha256').update(token).digest('base64url');
  expect(bytes.includes(Buffer.from(address)), 'the invitation is in the bytes read').toBe(true);
  expect(bytes.includes(Buffer.from(hash)), 'the token hash is stored').toBe(true);
  for (const form of [token, token.toUpperCase(), Buffer.from(token).toString('base64')]) {
    expect(bytes.includes(Buffer.from(form)), `the token (as ${form}) is in the database files`).toBe(false);
    expect(bytes.includes(Buffer.from(form, 'utf16le')), `the token (as UTF-16 ${form}) is in the database files`).toBe(false);
  }
});

test('the invitation and participant pages have no WCAG violations', async ({ browser, page }) => {
  test.setTimeout(60_000);
  const run = uniqueId();
  const { mapId, texts } = await importAndPublish(`a11y-${run}`);
  const valid = await inviteWithCli({ mapId, email: `a11y-${run}@example.com`, name: 'Alex Axe', account: `Axe Ltd ${run}` });
  const expired = await inviteWithCli({ mapId, email: `a11y-expired-${run}@example.com` });
  expireInvitation(expired.id);

  const theirs = await browser.newContext();
  try {
    const participant = await theirs.newPage();
    await test.step('the confirm page', async () => {
      await participant.goto(valid.path);
      await expect(participant.getByRole('button', { name: 'Continue' })).toBeVisible();
      await expectNoAxeViolations(participant, 'the confirm page');
    });
    await test.step('the expired page', async () => {
      await participant.goto(expired.path);
      await expect(participant.getByRole('heading', { name: 'This invitation link has expired' })).toBeVisible();
      await expectNoAxeViolations(participant, 'the expired page');
    });
    await test.step('/m/link', async () => {
      await participant.goto('/m/link');
      await expectNoAxeViolations(participant, '/m/link');
    });
    await test.step('/m/maps/[id]', async () => {
      await continueFromLink(participant, valid.path, texts.customerTitle);
      await expectNoAxeViolations(participant, '/m/maps/[id]');
    });
    await test.step('/m', async () => {
      await participant.goto('/m');
      await expect(participant.getByRole('heading', { level: 1, name: 'Your reviews' })).toBeVisible();
      await expectNoAxeViolations(participant, '/m');
    });
  } finally {
    await theirs.close();
  }

  await signIn(page, ACCOUNTS.editor);
  await test.step('the staff Invitations page', async () => {
    await page.goto(`/app/maps/${mapId}/invitations`);
    await expect(page.getByRole('heading', { level: 1, name: /^Invitations to / })).toBeVisible();
    await expect(page.locator('astro-island[ssr]')).toHaveCount(0);
    await expectNoAxeViolations(page, 'the Invitations page');
  });
  await test.step('the Outbox and an email on it', async () => {
    await page.goto('/app/outbox');
    await expectNoAxeViolations(page, 'the Outbox page');
    await openEmailOnOutbox(page, `a11y-${run}@example.com`, INVITATION_SUBJECT(texts.customerTitle));
    // axe cannot run inside the sandboxed frame (no scripts there, by design): the page is
    // checked around it, the frame has its title, and the email's HTML is checked on its own.
    const frame = page.locator('iframe.email-html');
    await expect(frame).toHaveAttribute('title', `HTML version of “${INVITATION_SUBJECT(texts.customerTitle)}”`);
    await expectNoAxeViolations(page, 'an email on the Outbox page', { exclude: ['iframe.email-html'] });
    const html = (await frame.getAttribute('srcdoc')) ?? '';
    expect(html).toContain('<html');
    const emailPage = await page.context().newPage();
    try {
      await emailPage.setContent(html);
      await expectNoAxeViolations(emailPage, "the invitation email's HTML");
    } finally {
      await emailPage.close();
    }
  });
});

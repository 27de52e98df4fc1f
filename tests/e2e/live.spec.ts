/**
 * Live sessions end to end: a facilitator (the console), the screen for the room and a
 * participant in separate pages see each other's actions without reloading (a comment flies
 * in, focus moves, a hidden comment goes, a pause refuses, the end arrives after a confirm step
 * and a comment sent after it lands in the participant's own review); the screen shows only what
 * participants may see; following the facilitator never drags away someone who is typing; a
 * dropped stream resumes with Last-Event-ID and loses or repeats nothing; revoking an invitation
 * closes its stream within 5 seconds; a person not signed in asks for their link on the join
 * page; opening the join link records nothing until Join is pressed; a change of the map's
 * feedback settings reaches every board at once; axe and reflow on the console, the screen and
 * the board.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { CHANGES_PER_MINUTE } from '../../src/server/annotations/annotations.ts';
import { ACCOUNTS, E2E_BASE_URL, signIn } from './fixtures.ts';
import { continueFromLink, emailTo, expectNoAxeViolations, expectNoSidewaysPageScroll, importAndPublish, inviteWithCli, uniqueId, withDatabase, type PublishedMap } from './portal-helpers.ts';

function setFeedback(mapId: string, mode: 'shared' | 'private', requiresApproval = false): void {
  withDatabase((db) =>
    db
      .prepare('INSERT INTO map_feedback_settings (map_id, mode, requires_approval, shows_names) VALUES (?, ?, ?, 1) ON CONFLICT (map_id) DO UPDATE SET mode = excluded.mode, requires_approval = excluded.requires_approval, shows_names = 1')
      .run(mapId, mode, requiresApproval ? 1 : 0),
  );
}

interface LiveWorld {
  published: PublishedMap;
  /** The facilitator's console. */
  facilitator: Page;
  participant: Page;
  /** The console's path; the screen for the room is at `${consolePath}/screen`. */
  consolePath: string;
  joinPath: string;
  address: string;
  invitationId: string;
}

/** A map (shared feedback unless told otherwise), its facilitator on the console and an invited participant on the board. */
async function openLiveSession(browser: Browser, page: Page, prefix: string, feedback: { mode: 'shared' | 'private'; requiresApproval?: boolean } = { mode: 'shared' }): Promise<LiveWorld> {
  const id = uniqueId();
  const published = await importAndPublish(`${prefix}-${id}`);
  setFeedback(published.mapId, feedback.mode, feedback.requiresApproval);
  const address = `${prefix}-${id}@example.com`;
  const invitation = await inviteWithCli({ mapId: published.mapId, email: address, name: 'Lena Live' });

  await signIn(page, ACCOUNTS.editor);
  await page.goto(`/app/maps/${published.mapId}`);
  await page.getByRole('link', { name: 'Live sessions' }).click();
  await page.getByRole('button', { name: 'Open the live session' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Live: ${published.texts.customerTitle}` })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Open the screen for the room' })).toBeVisible();
  const joinUrl = (await page.locator('.console-join-url a').textContent())!;
  const joinPath = new URL(joinUrl).pathname;
  expect(joinPath).toMatch(/^\/m\/live\/[a-z2-9]{10}$/);

  const participant = await (await browser.newContext({ baseURL: E2E_BASE_URL })).newPage();
  await continueFromLink(participant, invitation.path, published.texts.customerTitle);
  await joinSession(participant, joinPath, invitation.id);
  await expect(participant.getByRole('heading', { level: 1, name: published.texts.customerTitle })).toBeVisible();
  await expect(participant.locator('.live-board[data-connected="true"]')).toBeVisible();
  await page.reload();
  await expect(page.locator('.live-board[data-connected="true"]')).toBeVisible();
  return { published, facilitator: page, participant, consolePath: new URL(page.url()).pathname, joinPath, address, invitationId: invitation.id };
}

/**
 * Opens the join link and presses Join. Opening the link records nothing (a link from another
 * site must not make someone a member): only the button, a POST, does.
 */
async function joinSession(page: Page, joinPath: string, invitationId: string, options: { checkAxe?: boolean } = {}): Promise<void> {
  const members = () => withDatabase((db) => (db.prepare('SELECT COUNT(*) AS n FROM live_members WHERE invitation_id = ?').get(invitationId) as { n: number }).n);
  await page.goto(joinPath);
  await expect(page.getByRole('button', { name: 'Join the session' })).toBeVisible();
  await expect(page.locator('.live-board')).toHaveCount(0);
  expect(members()).toBe(0);
  if (options.checkAxe) await expectNoAxeViolations(page, 'the join page with its Join button');
  await page.getByRole('button', { name: 'Join the session' }).click();
  await expect(page.locator('.live-board')).toBeVisible();
  expect(members()).toBe(1);
}

/** Opens the screen for the room (staff: the facilitator's browser) from the console's link. */
async function openScreen(world: LiveWorld): Promise<Page> {
  const screen = await world.facilitator.context().newPage();
  await screen.goto(world.consolePath);
  await screen.getByRole('link', { name: 'Open the screen for the room' }).click();
  await expect(screen).toHaveURL(new RegExp(`${world.consolePath}/screen$`));
  await expect(screen.getByRole('img', { name: /QR code of the join link/ })).toBeVisible();
  await expect(screen.locator('.live-board[data-connected="true"]')).toBeVisible();
  return screen;
}

/** Ends the session from the console: End the session…, then the confirm step. */
async function endSession(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'End the session…' }).click();
  await expect(page.getByRole('heading', { name: 'End the session for everyone?' })).toBeVisible();
  await control(page, 'Yes, end the session');
}

/** Presses a console control (a form posting to the page) and waits for the page it comes back to. */
async function control(page: Page, button: string): Promise<void> {
  const path = new URL(page.url()).pathname;
  const back = page.waitForResponse((r) => new URL(r.url()).pathname === path && r.request().method() === 'GET' && r.status() === 200);
  await page.getByRole('button', { name: button, exact: true }).click();
  await back;
  await page.waitForLoadState('domcontentloaded');
}

/** Marks the page, so a test can tell that what it sees came without a reload. */
async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { liveMarker: boolean }).liveMarker = true));
}
async function expectNotReloaded(page: Page): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { liveMarker?: boolean }).liveMarker)).toBe(true);
}

test('facilitator, screen and participant see each other’s actions live', async ({ browser, page }) => {
  test.setTimeout(120_000);
  const world = await openLiveSession(browser, page, 'live-both');
  const { facilitator, participant } = world;
  const screen = await openScreen(world);
  await markPage(facilitator);
  await markPage(screen);

  // The participant says something: it flies in on the console and the screen, counted on its stage.
  await participant.getByRole('link', { name: 'Comment on the stage Getting started' }).click();
  await participant.getByLabel('Something is missing').check();
  await participant.getByLabel('Your comment').fill('We also phone the bank first');
  await participant.getByRole('button', { name: 'Send comment' }).click();
  await expect(participant.getByRole('status').filter({ hasText: 'your comment is saved' })).toBeVisible();
  const firstStage = facilitator.getByRole('region', { name: /Getting started/ }).first();
  await expect(firstStage.locator('p.annotation-text', { hasText: 'We also phone the bank first' })).toBeVisible();
  await expect(firstStage.getByText('1 comment', { exact: true })).toBeVisible();
  await expectNotReloaded(facilitator);
  const screenFirstStage = screen.getByRole('region', { name: /Getting started/ }).first();
  await expect(screenFirstStage.locator('p.annotation-text', { hasText: 'We also phone the bank first' })).toBeVisible();
  await expect(screenFirstStage.getByText('1 comment', { exact: true })).toBeVisible();
  await expectNotReloaded(screen);

  // The facilitator brings everyone to the next stage: the participant's board follows.
  await markPage(participant);
  await control(facilitator, 'Bring everyone here to Using it');
  await expect(participant.getByText('Now talking about: Using it')).toBeVisible();
  await expect(participant.locator('#live-stage-' + (await stageKey(participant, 'Using it')) + '.is-focus')).toBeVisible();
  await expectNotReloaded(participant);
  await expect(screen.getByText('Now talking about: Using it')).toBeVisible();

  // A timer for the stage in focus counts down on the participant's screen.
  await facilitator.getByLabel('Timer for the stage in focus (minutes)').fill('2');
  await control(facilitator, 'Start the timer');
  await expect(participant.locator('.live-timer')).toContainText(/Time left for Using it: 1:5\d|2:00/);

  // Hiding removes it from every screen, and the console says so.
  await control(facilitator, 'Hide “We also phone the bank first”');
  await expect(facilitator.getByRole('status').filter({ hasText: 'The comment is hidden from every screen.' })).toBeVisible();
  await expect(participant.locator('.live-board p.annotation-text', { hasText: 'We also phone the bank first' })).toHaveCount(0);
  await expect(screen.locator('.live-board p.annotation-text', { hasText: 'We also phone the bank first' })).toHaveCount(0);
  await expect(facilitator.locator('.live-stages p.annotation-text', { hasText: 'We also phone the bank first' })).toHaveCount(0);

  // Paused: the status says comments cannot be sent; a new comment is refused with a clear message, and the words stay in the form.
  await control(facilitator, 'Pause: stop taking comments');
  await expect(participant.getByText('The session is paused: new comments cannot be sent until the facilitator resumes it. Anything you have written is kept.')).toBeVisible();
  await expect(screen.getByText('The session is paused: new comments cannot be sent until the facilitator resumes it.')).toBeVisible();
  await expectNotReloaded(participant);
  // The timer stands still while paused, at the same time on every screen.
  const timerValue = (p: Page) => p.locator('.live-timer-value').textContent();
  await expect(participant.locator('.live-timer')).toContainText('(stopped while paused)');
  const stoppedAt = await timerValue(participant);
  expect(stoppedAt).toMatch(/^[12]:\d\d$/);
  await participant.waitForTimeout(2_200);
  for (const board of [participant, screen, facilitator]) expect(await timerValue(board)).toBe(stoppedAt);
  await participant.getByRole('link', { name: 'Comment on the journey as a whole' }).click();
  await participant.getByLabel('Idea').check();
  await participant.getByLabel('Your comment').fill('Said while paused');
  await participant.getByRole('button', { name: 'Send comment' }).click();
  await expect(participant.getByRole('alert')).toContainText('The facilitator has paused the live session');
  await expect(participant.getByLabel('Your comment')).toHaveValue('Said while paused');
  await control(facilitator, 'Resume: take comments again');
  // Resumed, it counts down again from where it stood.
  await expect(participant.locator('.live-timer')).not.toContainText('stopped while paused');
  await expect(participant.locator('.live-timer-value')).not.toHaveText(stoppedAt!, { timeout: 5_000 });
  await participant.getByRole('button', { name: 'Send comment' }).click();
  await expect(participant.getByRole('status').filter({ hasText: 'your comment is saved' })).toBeVisible();
  await expect(facilitator.getByRole('region', { name: 'About the whole journey and its rows' }).locator('p.annotation-text', { hasText: 'Said while paused' })).toBeVisible();

  // Everything said is in the review queue under the session's tag.
  const tag = (await facilitator.getByRole('link', { name: /In the review queue/ }).textContent())!.match(/“(.+)”/)![1]!;
  const tagged = withDatabase((db) => db.prepare('SELECT a.text FROM annotation_tags t JOIN annotations a ON a.id = t.annotation_id WHERE t.tag = ? ORDER BY a.created_at').all(tag) as { text: string }[]);
  expect(tagged.map((r) => r.text)).toEqual(['We also phone the bank first', 'Said while paused']);

  // Ending takes a confirm step: a bare post is refused and changes nothing.
  const bare = await facilitator.evaluate(async (path) => (await fetch(path, { method: 'POST', body: new URLSearchParams({ intent: 'end' }) })).status, world.consolePath);
  expect(bare).toBe(400);
  await facilitator.getByRole('link', { name: 'End the session…' }).click();
  await facilitator.getByRole('link', { name: 'No, keep it running' }).click();
  await expect(facilitator.getByRole('button', { name: 'Pause: stop taking comments' })).toBeVisible();

  // The participant is writing when the session ends: the board says it ended, its Comment
  // links go, and what they send is saved in their own review of the map.
  await participant.getByRole('link', { name: 'Comment on the stage Using it' }).click();
  await participant.getByLabel('Idea').check();
  await participant.getByLabel('Your comment').fill('Written as the session ended');
  await markPage(participant);
  await markPage(screen);
  await endSession(facilitator);
  await expect(facilitator.getByRole('status').filter({ hasText: 'The session has ended on every screen.' })).toBeVisible();
  await expect(participant.getByText('This live session has ended. Thank you for taking part.')).toBeVisible();
  await expectNotReloaded(participant);
  await expect(participant.locator('.live-board').getByRole('link', { name: 'your review of the map' })).toHaveAttribute('href', `/m/maps/${world.invitationId}`);
  await expect(participant.locator('.live-board').getByRole('link', { name: /^Comment/ })).toHaveCount(0);
  await expect(participant.getByText('Now talking about')).toHaveCount(0);
  // The console and the screen say it ended, in their own words; the screen stops inviting people to join.
  await expect(screen.locator('.live-status')).toHaveText('The live session has ended.');
  await expect(screen.getByRole('heading', { name: 'Join with your invitation' })).toHaveCount(0);
  await expect(screen.getByRole('img', { name: /QR code of the join link/ })).toHaveCount(0);
  await expect(screen.locator(`a[href$="${world.joinPath}"]`)).toHaveCount(0);
  await expectNotReloaded(screen);
  for (const staffPage of [facilitator, screen]) {
    await expect(staffPage.getByText(/Thank you for taking part/)).toHaveCount(0);
    await expect(staffPage.getByText(/Now talking about/)).toHaveCount(0);
  }

  await participant.getByRole('button', { name: 'Send comment' }).click();
  const kept = participant.getByRole('status').filter({ hasText: 'it is saved in your own review of the map instead' });
  await expect(kept).toBeVisible();
  await kept.getByRole('link', { name: 'See it in your review' }).click();
  await expect(participant).toHaveURL(new RegExp(`/m/maps/${world.invitationId}`));
  await expect(participant.locator('p.annotation-text', { hasText: 'Written as the session ended' }).first()).toBeVisible();
  await participant.close();
  await screen.close();
});

test('the screen for the room shows what participants may see; waiting and private words stay on the console', async ({ browser, page }) => {
  test.setTimeout(90_000);
  const world = await openLiveSession(browser, page, 'live-private', { mode: 'private' });
  const { facilitator, participant } = world;
  const screen = await openScreen(world);
  await expect(participant.getByText('only as counts')).toBeVisible();

  await participant.getByRole('link', { name: 'Comment on the stage Getting started' }).click();
  await participant.getByLabel('Pain point').check();
  await participant.getByLabel('Your comment').fill('Private: my manager never replies');
  await participant.getByRole('button', { name: 'Send comment' }).click();
  await expect(participant.getByRole('status').filter({ hasText: 'your comment is saved' })).toBeVisible();

  // The console lists it as private, with Hide and nothing to show it to others.
  const privateList = facilitator.getByRole('region', { name: /Private comments/ });
  await expect(privateList.locator('p.annotation-text', { hasText: 'Private: my manager never replies' })).toBeVisible();
  await expect(privateList.getByRole('button', { name: /Show to everyone/ })).toHaveCount(0);
  await expect(facilitator.getByText('Waiting for approval')).toHaveCount(0);

  // The screen counts it, without its words, without staff navigation or any control.
  await expect(screen.getByRole('region', { name: /Getting started/ }).first().getByText('1 comment', { exact: true })).toBeVisible();
  await expect(screen.getByText('Private: my manager never replies')).toHaveCount(0);
  await expect(screen.getByText(/Waiting for approval|Private comments/)).toHaveCount(0);
  await expect(screen.getByRole('navigation')).toHaveCount(0);
  await expect(screen.getByRole('button')).toHaveCount(0);
  await expect(screen.getByRole('link', { name: /review queue|All live sessions/ })).toHaveCount(0);
  await screen.reload();
  await expect(screen.getByText('Private: my manager never replies')).toHaveCount(0);
  expect(await screen.content()).not.toContain('Private: my manager never replies');
  await expectNoAxeViolations(screen, 'the screen for the room');
  await expectNoSidewaysPageScroll(screen, 'the screen for the room');
  await participant.close();
  await screen.close();
});

test('with approval first, Show to everyone puts a comment on the screen and it stays shown after a reload', async ({ browser, page }) => {
  test.setTimeout(90_000);
  const world = await openLiveSession(browser, page, 'live-approve', { mode: 'shared', requiresApproval: true });
  const { facilitator, participant } = world;
  const screen = await openScreen(world);
  await participant.getByRole('link', { name: 'Comment on the stage Using it' }).click();
  await participant.getByLabel('Idea').check();
  await participant.getByLabel('Your comment').fill('Needs the team’s nod first');
  await participant.getByRole('button', { name: 'Send comment' }).click();
  await expect(participant.getByRole('status').filter({ hasText: 'your comment is saved' })).toBeVisible();

  const waiting = facilitator.getByRole('region', { name: /Waiting for approval/ });
  await expect(waiting.locator('p.annotation-text', { hasText: 'Needs the team’s nod first' })).toBeVisible();
  await expect(screen.getByRole('region', { name: /Using it/ }).first().getByText('1 comment', { exact: true })).toBeVisible();
  await expect(screen.getByText('Needs the team’s nod first')).toHaveCount(0);

  await control(facilitator, 'Show to everyone “Needs the team’s nod first”');
  await expect(facilitator.getByRole('status').filter({ hasText: 'The comment is shown to everyone.' })).toBeVisible();
  await expect(screen.locator('p.annotation-text', { hasText: 'Needs the team’s nod first' })).toBeVisible();
  await facilitator.reload();
  await expect(facilitator.getByRole('heading', { name: 'Waiting for approval (0)' })).toBeVisible();
  await expect(facilitator.locator('.live-stages p.annotation-text', { hasText: 'Needs the team’s nod first' })).toBeVisible();
  await participant.close();
  await screen.close();
});

test('changing the map’s feedback settings during a session reaches every board at once', async ({ browser, page }) => {
  test.setTimeout(90_000);
  const world = await openLiveSession(browser, page, 'live-settings');
  const { facilitator, participant } = world;
  const screen = await openScreen(world);
  await participant.getByRole('link', { name: 'Comment on the stage Getting started' }).click();
  await participant.getByLabel('Idea').check();
  await participant.getByLabel('Your comment').fill('Said with my name on it');
  await participant.getByRole('button', { name: 'Send comment' }).click();
  await expect(participant.getByRole('status').filter({ hasText: 'your comment is saved' })).toBeVisible();
  const onScreen = screen.locator('.live-annotation', { hasText: 'Said with my name on it' });
  await expect(onScreen).toContainText('Lena Live');
  // Shared without approval: every board says so.
  const participantNote = participant.locator('.live-feedback-note');
  await expect(participantNote).toHaveText(/appears here as they say it\. Use the Comment links/);
  await expect(participant.getByText(/only as counts/)).toHaveCount(0);
  await expect(screen.getByText(/Comments stay private/)).toHaveCount(0);
  await expect(facilitator.getByRole('heading', { name: 'Waiting for approval (0)' })).toBeVisible();
  await markPage(screen);
  await markPage(participant);
  await markPage(facilitator);

  const settings = await facilitator.context().newPage();
  await settings.goto(`/app/maps/${world.published.mapId}/invitations`);
  await settings.getByLabel('Show participants’ names to each other').or(settings.getByLabel("Show participants' names to each other")).uncheck();
  await settings.getByRole('button', { name: 'Save feedback settings' }).click();
  await expect(onScreen).toBeVisible();
  await expect(onScreen).not.toContainText('Lena Live');
  await expectNotReloaded(screen);

  await settings.getByLabel('Private', { exact: true }).check();
  await settings.getByRole('button', { name: 'Save feedback settings' }).click();
  await expect(onScreen).toHaveCount(0);
  await expect(participant.locator('.live-board p.annotation-text', { hasText: 'Said with my name on it' })).toHaveCount(0);
  // Every text that depends on the settings follows them: private now.
  await expect(participantNote).toContainText('(only as counts: the team keeps comments private on this map)');
  await expect(screen.getByText('Comments stay private on this map: the board shows how many were said about each stage.')).toBeVisible();
  const privateList = facilitator.getByRole('region', { name: 'Private comments (1)' });
  await expect(privateList.locator('p.annotation-text', { hasText: 'Said with my name on it' })).toBeVisible();
  await expect(privateList).toContainText('On this map comments stay private');
  await expect(facilitator.getByRole('button', { name: /Show to everyone/ })).toHaveCount(0);
  await expectNotReloaded(screen);
  await expectNotReloaded(participant);
  await expectNotReloaded(facilitator);

  // Said while private: it waits. Back to shared with approval first, the console offers to show it.
  await participant.getByRole('link', { name: 'Comment on the stage Using it' }).click();
  await participant.getByLabel('Question').check();
  await participant.getByLabel('Your comment').fill('Said while it was private');
  await participant.getByRole('button', { name: 'Send comment' }).click();
  await expect(participant.getByRole('status').filter({ hasText: 'your comment is saved' })).toBeVisible();
  await markPage(participant);
  await expect(facilitator.getByRole('region', { name: 'Private comments (2)' })).toBeVisible();
  await settings.getByLabel('Shared', { exact: true }).check();
  await settings.getByLabel('Comments wait for approval before others see them').check();
  await settings.getByRole('button', { name: 'Save feedback settings' }).click();
  const waitingList = facilitator.getByRole('region', { name: 'Waiting for approval (1)' });
  await expect(waitingList.locator('p.annotation-text', { hasText: 'Said while it was private' })).toBeVisible();
  await expect(facilitator.getByRole('heading', { name: /Private comments/ })).toHaveCount(0);
  await expect(facilitator.getByText(/comments stay private/i)).toHaveCount(0);
  await expect(participantNote).toHaveText(/appears here once the team approves it/);
  await expect(participant.getByText(/only as counts/)).toHaveCount(0);
  await expect(screen.getByText(/Comments stay private/)).toHaveCount(0);
  await expect(screen.getByText('Comments appear here once the team approves them.')).toBeVisible();
  await expect(onScreen).toBeVisible(); // approved when it was written, shared again
  await expectNotReloaded(screen);
  await expectNotReloaded(participant);
  await expectNotReloaded(facilitator);
  await control(facilitator, 'Show to everyone “Said while it was private”');
  await expect(screen.locator('p.annotation-text', { hasText: 'Said while it was private' })).toBeVisible();
  await expect(participant.locator('.live-board p.annotation-text', { hasText: 'Said while it was private' })).toBeVisible();
  await settings.close();
  await participant.close();
  await screen.close();
});

test('the console counts people as they join; the screen for the room and other participants never learn who', async ({ browser, page }) => {
  test.setTimeout(90_000);
  const world = await openLiveSession(browser, page, 'live-joins');
  const { facilitator, participant } = world;
  const screen = await openScreen(world);
  await expect(facilitator.locator('.live-members')).toHaveText('1 person has joined');
  await markPage(facilitator);

  const id = uniqueId();
  const second = await inviteWithCli({ mapId: world.published.mapId, email: `live-joins-second-${id}@example.com`, name: `Second Joiner ${id}` });
  const other = await (await browser.newContext({ baseURL: E2E_BASE_URL })).newPage();
  await continueFromLink(other, second.path, world.published.texts.customerTitle);
  await joinSession(other, world.joinPath, second.id);
  await expect(facilitator.locator('.live-members')).toHaveText('2 people have joined');
  await expectNotReloaded(facilitator);

  // Neither the room nor the participants are told who joined, nor how many.
  for (const board of [screen, participant, other]) await expect(board.getByText(/joined/)).toHaveCount(0);
  for (const board of [screen, participant]) {
    expect(await board.content()).not.toContain(`Second Joiner ${id}`);
    expect(await board.content()).not.toContain(`live-joins-second-${id}`);
  }
  await other.close();
  await participant.close();
  await screen.close();
});

test('following the facilitator does not drag away someone who is typing', async ({ browser, page }) => {
  test.setTimeout(90_000);
  const world = await openLiveSession(browser, page, 'live-typing');
  const { facilitator, participant } = world;
  await participant.setViewportSize({ width: 390, height: 700 });
  await participant.getByRole('link', { name: 'Comment on the stage Getting started' }).click();
  await participant.getByLabel('Question').check();
  const text = participant.getByLabel('Your comment');
  await text.fill('Halfway through a thought');
  await expect(text).toBeFocused();
  const before = await participant.evaluate(() => ({ y: window.scrollY, x: document.querySelector('.live-stages')!.scrollLeft }));

  await control(facilitator, 'Bring everyone here to Using it');
  const goThere = participant.getByRole('button', { name: 'Now on: Using it — go there' });
  await expect(goThere).toBeVisible();
  await expect(participant.locator('[aria-live="polite"]')).toContainText('The facilitator moved to Using it.');
  // Nothing moved: the words and the focus are where they were.
  await participant.waitForTimeout(800);
  expect(await participant.evaluate(() => ({ y: window.scrollY, x: document.querySelector('.live-stages')!.scrollLeft }))).toEqual(before);
  await expect(text).toBeFocused();
  await expect(text).toHaveValue('Halfway through a thought');

  // When they are ready, the button takes them there.
  await goThere.click();
  const usingIt = participant.locator(`#live-stage-${await stageKey(participant, 'Using it')}`);
  await expect(usingIt).toBeInViewport();
  await expect(goThere).toHaveCount(0);
  await participant.close();
});

async function stageKey(page: Page, name: string): Promise<string> {
  const id = await page.locator('section.live-stage').filter({ has: page.getByRole('heading', { name }) }).getAttribute('id');
  return id!.replace('live-stage-', '');
}

/** Reads the session's stream in the page (the participant's cookies) until `count` events or `ms` pass. */
async function readStream(page: Page, url: string, options: { lastEventId?: number; count: number; ms: number }) {
  return page.evaluate(
    async ({ url, lastEventId, count, ms }) => {
      const controller = new AbortController();
      const response = await fetch(url, { headers: lastEventId === undefined ? {} : { 'Last-Event-ID': String(lastEventId) }, signal: controller.signal });
      const headers = Object.fromEntries(response.headers.entries());
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const events: { id: number; type: string; data: unknown }[] = [];
      const deadline = Date.now() + ms;
      while (events.length < count && Date.now() < deadline) {
        const chunk = await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(0, deadline - Date.now())))]);
        if (!chunk || chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const frame = text.slice(0, end);
          text = text.slice(end + 2);
          const id = /^id: (\d+)$/m.exec(frame);
          const type = /^event: (.+)$/m.exec(frame);
          const data = /^data: (.+)$/m.exec(frame);
          if (id && type) events.push({ id: Number(id[1]), type: type[1]!, data: JSON.parse(data?.[1] ?? 'null') as unknown });
        }
      }
      controller.abort(); // the connection drops
      return { status: response.status, headers, events };
    },
    { url, lastEventId: options.lastEventId, count: options.count, ms: options.ms },
  );
}

async function sayThroughApi(participant: Page, invitationId: string, text: string): Promise<void> {
  const status = await participant.evaluate(
    async ({ invitationId, text }) => (await fetch(`/m/maps/${invitationId}/annotations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ anchor: 'map', kind: 'idea', text }) })).status,
    { invitationId, text },
  );
  expect(status).toBe(201);
}

test('a dropped stream resumes with Last-Event-ID: no event lost, none repeated', async ({ browser, page }) => {
  test.setTimeout(90_000);
  const world = await openLiveSession(browser, page, 'live-resume');
  const { participant } = world;
  const invitationId = withDatabase((db) => (db.prepare('SELECT id FROM invitations WHERE email = ?').get(world.address) as { id: string }).id);
  const eventsUrl = `${world.joinPath}/events`;

  // The events participants may see, as stored: the staff's (how many joined) are not theirs.
  const joinCode = world.joinPath.split('/').pop()!;
  const everyonesAfter = (seq: number) =>
    withDatabase((db) => (db.prepare("SELECT e.seq FROM live_events e JOIN live_sessions s ON s.id = e.session_id WHERE s.join_code = ? AND e.audience = 'everyone' AND e.seq > ? ORDER BY e.seq").all(joinCode, seq) as { seq: number }[]).map((r) => r.seq));

  const first = await readStream(participant, `${eventsUrl}?since=0`, { count: 3, ms: 5_000 });
  expect(first.status).toBe(200);
  expect(first.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  expect(first.headers['cache-control']).toContain('no-store');
  expect(first.headers['x-accel-buffering']).toBe('no');
  expect(first.headers['content-encoding']).toBeUndefined();
  // The opening events: the session, the counts, the map's feedback settings.
  expect(first.events.map((e) => `${e.id} ${e.type}`)).toEqual(['1 session', '2 counts', '3 feedback']);

  // While the connection is down, three comments are made.
  for (const text of ['one', 'two', 'three']) await sayThroughApi(participant, invitationId, text);
  await expect.poll(() => withDatabase((db) => (db.prepare('SELECT COUNT(*) AS n FROM live_annotations l JOIN annotations a ON a.id = l.annotation_id WHERE a.invitation_id = ?').get(invitationId) as { n: number }).n)).toBe(3);
  const resumed = await readStream(participant, eventsUrl, { lastEventId: 3, count: 100, ms: 2_000 });
  const ids = resumed.events.map((e) => e.id);
  // Every event after 3 that participants may see, in order, each once (bursts may share one counts event).
  expect(ids.length).toBeGreaterThan(3);
  expect(ids).toEqual(everyonesAfter(3));
  expect(resumed.events.filter((e) => e.type === 'annotation').map((e) => (e.data as { text: string }).text)).toEqual(['one', 'two', 'three']);
  expect(resumed.events.at(-1)).toMatchObject({ type: 'counts', data: { total: 3 } });

  // And again from the middle: exactly the rest.
  const again = await readStream(participant, eventsUrl, { lastEventId: ids[1]!, count: 100, ms: 1_500 });
  expect(again.events.map((e) => e.id)).toEqual(ids.slice(2));
  await participant.close();
});

test('revoking the invitation closes the participant’s stream within 5 seconds', async ({ browser, page }) => {
  test.setTimeout(90_000);
  const world = await openLiveSession(browser, page, 'live-revoke');
  const { participant, facilitator } = world;
  const closed = participant.evaluate(async (url) => {
    const response = await fetch(url);
    const reader = response.body!.getReader();
    await reader.read(); // the hello
    (window as unknown as { streamOpen: boolean }).streamOpen = true;
    for (;;) {
      const { done } = await reader.read();
      if (done) return Date.now();
    }
  }, `${world.joinPath}/events`);
  await participant.waitForFunction(() => (window as unknown as { streamOpen?: boolean }).streamOpen === true);

  await facilitator.goto(`/app/maps/${world.published.mapId}/invitations`);
  const row = facilitator.getByRole('row').filter({ has: facilitator.getByRole('rowheader', { name: new RegExp(world.address.replace(/[.+]/g, '\\$&')) }) });
  await row.getByRole('link', { name: `Revoke… ${world.address}` }).click();
  const revokedAt = Date.now();
  await facilitator.getByRole('button', { name: `Yes, revoke access for ${world.address}` }).click();
  const closedAt = await closed;
  expect(closedAt - revokedAt).toBeLessThan(5_000);
  // The board says so, and a new connection is refused.
  await expect(participant.getByText('Live updates stopped. Reload the page to see the latest.')).toBeVisible({ timeout: 10_000 });
  const status = await participant.evaluate(async (url) => (await fetch(url, { redirect: 'manual' })).status, `${world.joinPath}/events`);
  expect([0, 303, 403]).toContain(status); // 0: an opaque redirect to the new-link page
  await participant.close();
});

test('someone not signed in asks for their link on the join page, which reveals nothing', async ({ browser, page }) => {
  test.setTimeout(60_000);
  const world = await openLiveSession(browser, page, 'live-join');
  const stranger = await (await browser.newContext({ baseURL: E2E_BASE_URL })).newPage();
  await stranger.goto(world.joinPath);
  await expect(stranger.getByRole('heading', { level: 1, name: 'Join the live session' })).toBeVisible();
  await expect(stranger.getByText(world.published.texts.customerTitle)).toHaveCount(0);
  await expectNoAxeViolations(stranger, 'the join page');
  for (const email of [world.address, `nobody-${uniqueId()}@example.com`]) {
    await stranger.getByLabel('Email address').fill(email);
    await stranger.getByRole('button', { name: 'Send me my link' }).click();
    await expect(stranger.getByRole('status')).toHaveText('If that address was invited, its link is on its way to it. It can take a few minutes to arrive.');
  }
  // The invited person's email leads back into the session after Continue, not to the map.
  const email = await emailTo(world.address, (e) => e.text.includes('?next='));
  const link = /http:\/\/\S+\/m\/i\/[a-z2-9]{26}\?next=\S+/.exec(email.text)?.[0];
  expect(link, email.text).toBeTruthy();
  await stranger.goto(new URL(link!).pathname + new URL(link!).search);
  await stranger.getByRole('button', { name: 'Continue' }).click();
  await expect(stranger).toHaveURL(new RegExp(`${world.joinPath}$`));
  await expect(stranger.getByRole('heading', { level: 1, name: world.published.texts.customerTitle })).toBeVisible();
  // The same invited person joined on their other device: this one shows the board straight away.
  await expect(stranger.locator('.live-board[data-connected="true"]')).toBeVisible();
  await stranger.close();
  await world.participant.close();
});

test('the console, the screen and the participant’s board pass axe and reflow', async ({ browser, page }) => {
  test.setTimeout(90_000);
  const world = await openLiveSession(browser, page, 'live-axe');
  const screen = await openScreen(world);
  await world.participant.getByRole('link', { name: 'Comment on the stage Getting started' }).click();
  await world.participant.getByLabel('Pain point').check();
  await world.participant.getByLabel('Your comment').fill('Hard to find the payroll date');
  await world.participant.getByRole('button', { name: 'Send comment' }).click();
  await expect(world.facilitator.locator('p.annotation-text', { hasText: 'Hard to find the payroll date' })).toBeVisible();
  await expect(screen.locator('p.annotation-text', { hasText: 'Hard to find the payroll date' })).toBeVisible();
  await expectNoAxeViolations(world.facilitator, 'the console');
  await expectNoAxeViolations(screen, 'the screen for the room');
  await expectNoAxeViolations(world.participant, 'the participant’s live board');
  await expectNoSidewaysPageScroll(world.participant, 'the participant’s live board');
  await expectNoSidewaysPageScroll(screen, 'the screen for the room');
  // The console's controls fit a phone.
  await world.facilitator.setViewportSize({ width: 390, height: 800 });
  const widths = await world.facilitator.evaluate(() => ({ content: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth }));
  expect(widths.content, 'the console scrolls sideways at 390 px').toBeLessThanOrEqual(widths.viewport);
  await world.facilitator.getByRole('link', { name: 'End the session…' }).click();
  await expectNoAxeViolations(world.facilitator, 'the console asking to confirm the end');
  // The join page of someone invited who has not joined yet: the Join button.
  const invitation = await inviteWithCli({ mapId: world.published.mapId, email: `late-${uniqueId()}@example.com`, name: 'Lou Late' });
  const late = await (await browser.newContext({ baseURL: E2E_BASE_URL })).newPage();
  await continueFromLink(late, invitation.path, world.published.texts.customerTitle);
  await joinSession(late, world.joinPath, invitation.id, { checkAxe: true });
  await late.close();
  await world.participant.close();
  await screen.close();
});

test('without JavaScript a participant reads the board, comments and +1s on the join page', async ({ browser, page }) => {
  test.setTimeout(60_000);
  const world = await openLiveSession(browser, page, 'live-nojs');
  const invitation = await inviteWithCli({ mapId: world.published.mapId, email: `nojs-${uniqueId()}@example.com`, name: 'Noah No-Script' });
  const plain = await (await browser.newContext({ baseURL: E2E_BASE_URL, javaScriptEnabled: false })).newPage();
  await continueFromLink(plain, invitation.path, world.published.texts.customerTitle);
  await joinSession(plain, world.joinPath, invitation.id);
  await expect(plain.getByRole('heading', { level: 1, name: world.published.texts.customerTitle })).toBeVisible();
  await expect(plain.getByText('The session is live.')).toBeVisible();

  // The other participant said something (shared feedback): the plain page shows it on load.
  await world.participant.getByRole('link', { name: 'Comment on the stage Using it' }).click();
  await world.participant.getByLabel('Works well').check();
  await world.participant.getByLabel('Your comment').fill('Inviting the team was easy');
  await world.participant.getByRole('button', { name: 'Send comment' }).click();
  await expect(world.participant.getByRole('status').filter({ hasText: 'your comment is saved' })).toBeVisible();
  await plain.reload();
  const plusOne = plain.getByRole('button', { name: '+1 “Inviting the team was easy”' });
  await expect(plusOne).toHaveAttribute('aria-pressed', 'false');
  const look = (button: typeof plusOne) => button.evaluate((b) => getComputedStyle(b).backgroundColor + ' ' + getComputedStyle(b).color);
  const lookBefore = await look(plusOne);
  await plusOne.click();
  // Voted: it says so and looks pressed, and stays reachable by keyboard (aria-disabled, not disabled).
  const agreed = plain.getByRole('button', { name: 'You agree “Inviting the team was easy”' });
  await expect(agreed).toHaveText(/✓ You agree/);
  await expect(agreed).toHaveAttribute('aria-pressed', 'true');
  await expect(agreed).toHaveAttribute('aria-disabled', 'true');
  await expect(agreed).not.toHaveAttribute('disabled');
  await agreed.focus();
  await expect(agreed).toBeFocused();
  expect(await look(agreed)).not.toBe(lookBefore);
  await expect(plain.locator('.live-annotation', { hasText: 'Inviting the team was easy' }).getByText('1 person agrees')).toBeVisible();

  await plain.getByRole('link', { name: 'Comment on the stage Getting started' }).click();
  await plain.getByLabel('Question').check();
  await plain.getByLabel('Your comment').fill('Does it work on a phone?');
  await plain.getByRole('button', { name: 'Send comment' }).click();
  await expect(plain.getByRole('status').filter({ hasText: 'your comment is saved' })).toBeVisible();
  await expect(plain.getByRole('region', { name: /What you said in this session/ }).locator('p.annotation-text', { hasText: 'Does it work on a phone?' })).toBeVisible();
  await expect(world.facilitator.locator('p.annotation-text', { hasText: 'Does it work on a phone?' })).toBeVisible();

  // Pressing +1 over and over runs out of the changes budget: the join page answers 429, as
  // every other participant page does, and says why.
  const annotationId = await plain.locator('.live-annotation', { hasText: 'Inviting the team was easy' }).locator('input[name="annotationId"]').first().inputValue();
  const pressPlusOne = () => plain.context().request.post(world.joinPath, { form: { intent: 'vote', annotationId }, headers: { origin: E2E_BASE_URL }, maxRedirects: 0 });
  const statuses: number[] = [];
  let refused = null;
  while (statuses.length < CHANGES_PER_MINUTE + 1) {
    const response = await pressPlusOne();
    statuses.push(response.status());
    if (response.status() !== 303) {
      refused = response;
      break;
    }
  }
  expect(statuses.filter((status) => status === 303).length).toBeLessThan(CHANGES_PER_MINUTE);
  expect(refused?.status()).toBe(429);
  expect(await refused!.text()).toContain('+1 it again');
  await plain.close();
  await world.participant.close();
});

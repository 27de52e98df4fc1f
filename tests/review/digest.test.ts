import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/connection.ts';
import { createApp, type App } from '../../src/server/app.ts';
import { startDigestScheduler } from '../../src/server/review/digest-scheduler.ts';
import { DEFAULT_SCHEDULE, describeSchedule, findDueSlot, validateSchedule, type DigestSchedule } from '../../src/server/review/digest.ts';
import type { ReviewActor } from '../../src/server/review/review.service.ts';
import { CLI_TIMEOUT, runCli } from '../helpers/cli.ts';
import { createTestApp, TestClock } from '../helpers/database.ts';
import { publishSmallMap } from '../helpers/maps.ts';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
/** Wednesday 25 November 2026, 00:00 UTC. */
const WEDNESDAY = Date.UTC(2026, 10, 25);

describe('when a digest is due', () => {
  const daily: DigestSchedule = { frequency: 'daily', weekday: 1, hour: 9, updatedAt: 0 };
  const weekly: DigestSchedule = { frequency: 'weekly', weekday: 1, hour: 9, updatedAt: 0 };

  it('never when off', () => {
    expect(findDueSlot(DEFAULT_SCHEDULE, WEDNESDAY + 12 * HOUR)).toBeNull();
  });
  it('daily: today’s hour once it has passed, else yesterday’s', () => {
    expect(findDueSlot(daily, WEDNESDAY + 9 * HOUR)).toEqual({ period: '2026-11-25', at: WEDNESDAY + 9 * HOUR });
    expect(findDueSlot(daily, WEDNESDAY + 23 * HOUR)).toEqual({ period: '2026-11-25', at: WEDNESDAY + 9 * HOUR });
    expect(findDueSlot(daily, WEDNESDAY + 9 * HOUR - 1)).toEqual({ period: '2026-11-24', at: WEDNESDAY - DAY + 9 * HOUR });
  });
  it('weekly: the latest chosen weekday at the hour', () => {
    const monday = WEDNESDAY - 2 * DAY;
    expect(findDueSlot(weekly, WEDNESDAY + 12 * HOUR)).toEqual({ period: '2026-11-23', at: monday + 9 * HOUR });
    expect(findDueSlot(weekly, monday + 8 * HOUR)).toEqual({ period: '2026-11-16', at: monday - 7 * DAY + 9 * HOUR });
    expect(findDueSlot({ ...weekly, weekday: 3 }, WEDNESDAY + 10 * HOUR)?.period).toBe('2026-11-25');
    expect(findDueSlot({ ...weekly, weekday: 7 }, WEDNESDAY + 10 * HOUR)?.period).toBe('2026-11-22');
  });
  it('not for a slot that passed before the schedule was saved', () => {
    expect(findDueSlot({ ...daily, updatedAt: WEDNESDAY + 10 * HOUR }, WEDNESDAY + 11 * HOUR)).toBeNull();
    expect(findDueSlot({ ...daily, updatedAt: WEDNESDAY + 8 * HOUR }, WEDNESDAY + 11 * HOUR)?.period).toBe('2026-11-25');
  });
  it('checks and describes the schedule', () => {
    expect(validateSchedule({ frequency: 'weekly', weekday: '2', hour: '7' })).toEqual({ ok: true, value: { frequency: 'weekly', weekday: 2, hour: 7 } });
    expect(validateSchedule({ frequency: 'hourly', weekday: 1, hour: 7 })).toMatchObject({ ok: false });
    expect(validateSchedule({ frequency: 'daily', weekday: 1, hour: 24 })).toMatchObject({ ok: false });
    expect(validateSchedule({ frequency: 'daily', weekday: 1, hour: '9.5' })).toMatchObject({ ok: false });
    expect(validateSchedule({ frequency: 'weekly', weekday: 0, hour: 7 })).toMatchObject({ ok: false });
    expect(describeSchedule({ frequency: 'weekly', weekday: 1, hour: 9 })).toBe('Every Monday at 09:00 UTC');
    expect(describeSchedule({ frequency: 'daily', weekday: 1, hour: 17 })).toBe('Every day at 17:00 UTC');
  });
});

describe('sending digests', () => {
  let app: App;
  let clock: TestClock;
  let file: string;
  let cleanup: () => Promise<void>;
  let admin: ReviewActor;
  let rita: ReviewActor;
  let omar: ReviewActor;
  let nobody: ReviewActor;
  let ritaItems: string[];

  async function staff(email: string, role: string): Promise<ReviewActor> {
    const created = await app.staff.create({ email, name: email.split('@')[0]!, role, password: 'correct horse battery staple' });
    if (!created.ok) throw new Error(created.message);
    return created.value.member;
  }

  async function digests(to?: string) {
    let query = app.db.selectFrom('email_outbox').selectAll().where('kind', '=', 'digest');
    if (to) query = query.where('to_email', '=', to);
    return query.orderBy('created_at').execute();
  }

  beforeEach(async () => {
    ({ app, clock, file, cleanup } = await createTestApp(new TestClock(WEDNESDAY + 8 * HOUR)));
    admin = await staff('ada@example.com', 'admin');
    rita = await staff('rita@example.com', 'reviewer');
    omar = await staff('omar@example.com', 'editor');
    nobody = await staff('nobody@example.com', 'reviewer');
    const { mapId } = await publishSmallMap(app, { customerTitle: 'Journey' });
    const invitation = await app.invitations.createInvitation({ mapId, versionNumber: null, email: 'dana@example.com', name: 'Dana' }, null);
    if (!invitation.ok) throw new Error(invitation.message);
    const session = await app.participants.continueWithLink(invitation.value.link.split('/m/i/')[1]!);
    if (!session.ok) throw new Error(session.message);
    const who = (await app.participants.validateSession(session.value.sessionToken))!;
    const ids: string[] = [];
    for (const text of ['Open new <b>one</b>', 'Accepted one', 'Follow-up one', 'Declined one', 'Omar’s one', 'Withdrawn one']) {
      clock.advance(1000);
      const created = await app.annotations.createAnnotation(who.participantId, invitation.value.id, { anchor: { kind: 'map' }, kind: 'missing', text });
      if (!created.ok) throw new Error(created.message);
      ids.push(created.value.id);
    }
    const [fresh, accepted, followUp, declined, omars, withdrawn] = ids as [string, string, string, string, string, string];
    for (const id of [fresh, accepted, followUp, declined, withdrawn]) await app.review.assignOwner(admin, id, 1, rita.id);
    await app.review.assignOwner(admin, omars, 1, omar.id);
    await app.review.decide(admin, accepted, 2, 'accepted');
    await app.review.decide(admin, followUp, 2, 'needs_follow_up');
    await app.review.decide(admin, declined, 2, 'declined', { reason: 'No' });
    await app.db.updateTable('annotations').set({ is_withdrawn: 1 }).where('id', '=', withdrawn).execute();
    ritaItems = [fresh, accepted, followUp];
    clock.current = WEDNESDAY + 8 * HOUR;
  });
  afterEach(() => cleanup());

  it('lets only admins set the schedule, refusing bad input without a change', async () => {
    expect(await app.digest.saveSchedule(rita, { frequency: 'daily', weekday: 1, hour: 9 })).toMatchObject({ ok: false, error: 'forbidden' });
    expect(await app.digest.saveSchedule(admin, { frequency: 'daily', weekday: 1, hour: 99 })).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.digest.getSchedule()).toEqual(DEFAULT_SCHEDULE);
    expect(await app.digest.saveSchedule(admin, { frequency: 'weekly', weekday: '3', hour: '9' })).toMatchObject({ ok: true, value: { description: 'Every Wednesday at 09:00 UTC' } });
    expect(await app.digest.getSchedule()).toEqual({ frequency: 'weekly', weekday: 3, hour: 9, updatedAt: WEDNESDAY + 8 * HOUR });
  });

  it('sends each owner of open items one digest per day, at the hour, and nobody else anything', async () => {
    expect(await app.digest.sendDue()).toBeNull(); // off
    await app.digest.saveSchedule(admin, { frequency: 'daily', weekday: 1, hour: 9 });
    clock.current = WEDNESDAY + 9 * HOUR - 1;
    expect(await app.digest.sendDue()).toBeNull(); // yesterday's slot came before the schedule
    clock.current = WEDNESDAY + 9 * HOUR;
    expect(await app.digest.sendDue()).toEqual({ period: 'scheduled:2026-11-25', sent: 2, skipped: 0 });
    expect((await digests()).map((d) => d.to_email).sort()).toEqual(['omar@example.com', 'rita@example.com']);

    const [toRita] = await digests('rita@example.com');
    expect(toRita!.subject).toBe('Your digest: 3 open review items');
    for (const id of ritaItems) expect(toRita!.text).toContain(`http://localhost:4321/app/review/${id}`);
    // The link opens exactly the open items the email counts.
    expect(toRita!.text).toContain(`http://localhost:4321/app/review?disposition=open&owner=${rita.id}`);
    expect(toRita!.text).toContain('Every day at 09:00 UTC');
    expect(toRita!.html).toContain('Open new &lt;b&gt;one&lt;/b&gt;');
    for (const other of ['Declined one', 'Omar’s one', 'Withdrawn one']) expect(toRita!.text).not.toContain(other);

    // Every later check that day finds it sent.
    clock.advance(60_000);
    expect(await app.digest.sendDue()).toEqual({ period: 'scheduled:2026-11-25', sent: 0, skipped: 2 });
    clock.current = WEDNESDAY + 23 * HOUR;
    expect(await app.digest.sendDue()).toMatchObject({ sent: 0 });
    expect(await digests()).toHaveLength(2);
    // The next day, again; Omar's item is closed by then.
    const queue = await app.review.listQueue({ ownerId: omar.id });
    const omars = queue.ok ? queue.value.items[0]! : null;
    await app.review.decide(admin, omars!.id, omars!.revision, 'declined', { reason: 'Done elsewhere' });
    clock.current = WEDNESDAY + DAY + 9 * HOUR + 5 * 60_000;
    expect(await app.digest.sendDue()).toEqual({ period: 'scheduled:2026-11-26', sent: 1, skipped: 0 });
    expect(await digests('rita@example.com')).toHaveLength(2);
    expect(await digests('omar@example.com')).toHaveLength(1);
    expect(await digests('nobody@example.com')).toHaveLength(0);
    expect(nobody).toBeDefined();
  });

  it('sends weekly only on the weekday', async () => {
    await app.digest.saveSchedule(admin, { frequency: 'weekly', weekday: 4, hour: 9 }); // Thursday
    clock.current = WEDNESDAY + 12 * HOUR;
    expect(await app.digest.sendDue()).toBeNull();
    clock.current = WEDNESDAY + DAY + 9 * HOUR;
    expect(await app.digest.sendDue()).toMatchObject({ period: 'scheduled:2026-11-26', sent: 2 });
    clock.current = WEDNESDAY + 6 * DAY + 9 * HOUR;
    expect(await app.digest.sendDue()).toMatchObject({ period: 'scheduled:2026-11-26', sent: 0 });
    clock.current = WEDNESDAY + 8 * DAY + 9 * HOUR;
    expect(await app.digest.sendDue()).toMatchObject({ period: 'scheduled:2026-12-03', sent: 2 });
  });

  it('sends once per period whichever process or overlapping check gets there first', async () => {
    await app.digest.saveSchedule(admin, { frequency: 'daily', weekday: 1, hour: 9 });
    clock.current = WEDNESDAY + 9 * HOUR;
    // Another server process on the same database file checks first.
    const otherDb = openDatabase({ path: file });
    try {
      const other = createApp({ db: otherDb, clock });
      expect(await other.digest.sendDue()).toMatchObject({ sent: 2 });
    } finally {
      await otherDb.destroy();
    }
    // This process's checks, overlapping each other, find the period taken.
    const runs = await Promise.all([app.digest.sendDue(), app.digest.sendDue()]);
    expect(runs.map((run) => run!.sent)).toEqual([0, 0]);
    expect(await digests()).toHaveLength(2);
    const sends = await app.db.selectFrom('digest_sends').selectAll().execute();
    expect(sends.map((s) => [s.period, s.item_count]).sort()).toEqual([
      ['scheduled:2026-11-25', 1],
      ['scheduled:2026-11-25', 3],
    ]);
    expect(new Set(sends.map((s) => s.outbox_id))).toEqual(new Set((await digests()).map((d) => d.id)));
  });

  it('sends now, to everyone or one person, outside the schedule', async () => {
    expect(await app.digest.sendNow()).toMatchObject({ ok: true, value: { sent: 2 } });
    expect(await app.digest.sendNow({ staffEmail: ' RITA@example.com ' })).toMatchObject({ ok: true, value: { sent: 1 } });
    expect(await app.digest.sendNow({ staffEmail: 'nobody@example.com' })).toMatchObject({ ok: true, value: { sent: 0 } });
    expect(await app.digest.sendNow({ staffEmail: 'ghost@example.com' })).toMatchObject({ ok: false, error: 'not_found' });
    expect(await digests('rita@example.com')).toHaveLength(2);
    expect((await digests('rita@example.com'))[1]!.text).toContain('sent this digest by hand');
  });

  it('leaves out deactivated owners', async () => {
    await app.staff.setActive({ actorId: admin.id, userId: omar.id, isActive: false });
    expect(await app.digest.sendNow()).toMatchObject({ ok: true, value: { sent: 1 } });
    expect(await digests('omar@example.com')).toHaveLength(0);
  });

  it('runs on a timer in the server process', async () => {
    await app.digest.saveSchedule(admin, { frequency: 'daily', weekday: 1, hour: 9 });
    clock.current = WEDNESDAY + 9 * HOUR + 30_000;
    const logged: string[] = [];
    const scheduler = startDigestScheduler(app.digest, { intervalMs: 3_600_000, logger: { info: (m) => logged.push(m), warn: () => {}, error: (m) => logged.push(m) } });
    await scheduler.check();
    await scheduler.check();
    await scheduler.stop();
    expect(await digests()).toHaveLength(2);
    expect(logged).toEqual(['[digest] 2 digest(s) for scheduled:2026-11-25 written to the outbox.']);
  });

  it('digest:send on the command line writes to the outbox and says how many', async () => {
    const run = await runCli(['digest:send', '--staff', 'rita@example.com', '--json'], { DATABASE_PATH: file, LINK_SECRET: 'a-test-link-secret-of-at-least-32-characters' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const output = run.stdout;
    expect(JSON.parse(output)).toEqual({ sent: 1 });
    expect(await digests('rita@example.com')).toHaveLength(1);
  }, CLI_TIMEOUT);
});

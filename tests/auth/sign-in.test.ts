import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/app.ts';
import { createTestApp, type TestClock } from '../helpers/database.ts';

let app: App;
let clock: TestClock;
let cleanup: () => Promise<void>;
const password = 'correct horse battery staple';

beforeEach(async () => {
  ({ app, clock, cleanup } = await createTestApp());
  const created = await app.staff.create({ email: 'Dana@Example.com', name: 'Dana', role: 'editor', password });
  expect(created.ok).toBe(true);
});
afterEach(() => cleanup());

describe('signing in', () => {
  it('opens a session for the right password, with the email matched case-insensitively', async () => {
    const result = await app.auth.signIn({ email: ' dana@EXAMPLE.com ', password, clientAddress: '10.0.0.1' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.member.email).toBe('dana@example.com');
    const session = await app.auth.validateSessionToken(result.value.token);
    expect(session?.member.name).toBe('Dana');
  });

  it('gives one message for a wrong password and for an unknown email', async () => {
    const wrong = await app.auth.signIn({ email: 'dana@example.com', password: 'wrong password here', clientAddress: '1' });
    const unknown = await app.auth.signIn({ email: 'nobody@example.com', password, clientAddress: '1' });
    expect(wrong.ok || unknown.ok).toBe(false);
    if (wrong.ok || unknown.ok) return;
    expect(wrong.message).toBe(unknown.message);
    expect(wrong.error).toBe('invalid_credentials');
  });

  it('stores only a hash of the session secret', async () => {
    const result = await app.auth.signIn({ email: 'dana@example.com', password, clientAddress: '1' });
    if (!result.ok) throw new Error(result.message);
    const secret = result.value.token.split('.')[1]!;
    const rows = await app.db.selectFrom('staff_sessions').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(rows[0]!.secret_hash.byteLength).toBe(32);
  });

  it('creates a new session on every sign-in', async () => {
    const first = await app.auth.signIn({ email: 'dana@example.com', password, clientAddress: '1' });
    const second = await app.auth.signIn({ email: 'dana@example.com', password, clientAddress: '1' });
    if (!first.ok || !second.ok) throw new Error('sign-in failed');
    expect(first.value.token).not.toBe(second.value.token);
  });

  it('refuses a deactivated account with the same message as a wrong password', async () => {
    const admin = await app.staff.create({ email: 'admin@example.com', name: 'Ada', role: 'admin', password });
    if (!admin.ok) throw new Error(admin.message);
    const dana = (await app.staff.list()).find((m) => m.name === 'Dana')!;
    await app.staff.setActive({ actorId: admin.value.member.id, userId: dana.id, isActive: false });
    const result = await app.auth.signIn({ email: 'dana@example.com', password, clientAddress: '1' });
    expect(result).toMatchObject({ ok: false, error: 'invalid_credentials' });
  });
});

describe('sign-in rate limits', () => {
  it('locks an account after five failures, for every client, with a clear message', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await app.auth.signIn({ email: 'dana@example.com', password: 'not the password', clientAddress: `10.0.0.${i}` });
      expect(r).toMatchObject({ ok: false, error: 'invalid_credentials' });
    }
    const blocked = await app.auth.signIn({ email: 'dana@example.com', password, clientAddress: '10.9.9.9' });
    expect(blocked).toMatchObject({ ok: false, error: 'rate_limited' });
    if (!blocked.ok) expect(blocked.message).toMatch(/Too many failed sign-in attempts\. Wait \d+ minutes/);
    clock.advance(15 * 60 * 1000 + 1);
    const later = await app.auth.signIn({ email: 'dana@example.com', password, clientAddress: '10.9.9.9' });
    expect(later.ok).toBe(true);
  });

  it('limits an unknown email exactly like a known one, so the limit reveals nothing', async () => {
    for (let i = 0; i < 5; i++) await app.auth.signIn({ email: 'ghost@example.com', password: 'x', clientAddress: `10.1.0.${i}` });
    const blocked = await app.auth.signIn({ email: 'ghost@example.com', password: 'x', clientAddress: '10.1.1.1' });
    expect(blocked).toMatchObject({ ok: false, error: 'rate_limited' });
  });

  it('checks at most five passwords of an account even when the guesses arrive all at once', async () => {
    const guesses = await Promise.all(
      Array.from({ length: 25 }, (_, i) => app.auth.signIn({ email: 'dana@example.com', password: `guess ${i}`, clientAddress: `10.2.0.${i}` })),
    );
    expect(guesses.filter((r) => !r.ok && r.error === 'invalid_credentials')).toHaveLength(5);
    expect(guesses.filter((r) => !r.ok && r.error === 'rate_limited')).toHaveLength(20);
  });

  it('does not count successful sign-ins against the client address', async () => {
    for (let i = 0; i < 40; i++) expect((await app.auth.signIn({ email: 'dana@example.com', password, clientAddress: '198.51.100.1' })).ok).toBe(true);
  });

  it('limits one client address across many accounts', async () => {
    for (let i = 0; i < 30; i++) await app.auth.signIn({ email: `user${i}@example.com`, password: 'x', clientAddress: '203.0.113.7' });
    const blocked = await app.auth.signIn({ email: 'dana@example.com', password, clientAddress: '203.0.113.7' });
    expect(blocked).toMatchObject({ ok: false, error: 'rate_limited' });
    const elsewhere = await app.auth.signIn({ email: 'dana@example.com', password, clientAddress: '203.0.113.8' });
    expect(elsewhere.ok).toBe(true);
  });
});

describe('sessions', () => {
  async function signIn(): Promise<string> {
    const r = await app.auth.signIn({ email: 'dana@example.com', password, clientAddress: '1' });
    if (!r.ok) throw new Error(r.message);
    return r.value.token;
  }

  it('expire after the configured lifetime of inactivity', async () => {
    const token = await signIn();
    clock.advance(14 * 24 * 60 * 60 * 1000 + 1);
    expect(await app.auth.validateSessionToken(token)).toBeNull();
  });

  it('slide: use in the second half of the lifetime extends them', async () => {
    const token = await signIn();
    clock.advance(8 * 24 * 60 * 60 * 1000);
    const used = await app.auth.validateSessionToken(token);
    expect(used?.isExtended).toBe(true);
    clock.advance(10 * 24 * 60 * 60 * 1000);
    expect(await app.auth.validateSessionToken(token)).not.toBeNull();
  });

  it('refuse a token whose secret was tampered with', async () => {
    const token = await signIn();
    const [id] = token.split('.');
    expect(await app.auth.validateSessionToken(`${id}.${'a'.repeat(24)}`)).toBeNull();
    expect(await app.auth.validateSessionToken('garbage')).toBeNull();
    expect(await app.auth.validateSessionToken(`${token}.extra`)).toBeNull();
  });

  it('all end when the password changes, and the changing device gets a new one', async () => {
    const elsewhere = await signIn();
    const here = await signIn();
    const dana = (await app.auth.validateSessionToken(here))!.member;
    const changed = await app.auth.changePassword({ userId: dana.id, currentPassword: password, newPassword: 'a brand new passphrase' });
    expect(changed.ok).toBe(true);
    expect(await app.auth.validateSessionToken(elsewhere)).toBeNull();
    expect(await app.auth.validateSessionToken(here)).toBeNull();
    if (changed.ok) expect(await app.auth.validateSessionToken(changed.value.token)).not.toBeNull();
    const old = await app.auth.signIn({ email: 'dana@example.com', password, clientAddress: '2' });
    expect(old.ok).toBe(false);
  });

  it('refuse a password change with a wrong current password or a short new one, changing nothing', async () => {
    const token = await signIn();
    const dana = (await app.auth.validateSessionToken(token))!.member;
    const wrong = await app.auth.changePassword({ userId: dana.id, currentPassword: 'nope', newPassword: 'a brand new passphrase' });
    expect(wrong).toMatchObject({ ok: false, error: 'wrong_password' });
    const short = await app.auth.changePassword({ userId: dana.id, currentPassword: password, newPassword: 'short' });
    expect(short).toMatchObject({ ok: false, error: 'weak_password' });
    expect(await app.auth.validateSessionToken(token)).not.toBeNull();
  });

  it('all end when the account is deactivated', async () => {
    const token = await signIn();
    const dana = (await app.auth.validateSessionToken(token))!.member;
    const admin = await app.staff.create({ email: 'admin@example.com', name: 'Ada', role: 'admin', password });
    if (!admin.ok) throw new Error(admin.message);
    await app.staff.setActive({ actorId: admin.value.member.id, userId: dana.id, isActive: false });
    expect(await app.auth.validateSessionToken(token)).toBeNull();
    expect(await app.db.selectFrom('staff_sessions').selectAll().where('user_id', '=', dana.id).execute()).toHaveLength(0);
  });
});

describe('password change limits', () => {
  it('stops guessing the current password after five wrong tries', async () => {
    const r = await app.auth.signIn({ email: 'dana@example.com', password, clientAddress: '1' });
    if (!r.ok) throw new Error(r.message);
    for (let i = 0; i < 5; i++) {
      expect(await app.auth.changePassword({ userId: r.value.member.id, currentPassword: `guess ${i}`, newPassword: 'a brand new passphrase' })).toMatchObject({ error: 'wrong_password' });
    }
    expect(await app.auth.changePassword({ userId: r.value.member.id, currentPassword: password, newPassword: 'a brand new passphrase' })).toMatchObject({ ok: false, error: 'rate_limited' });
  });

  it('checks at most five current passwords even when the guesses arrive all at once', async () => {
    const r = await app.auth.signIn({ email: 'dana@example.com', password, clientAddress: '1' });
    if (!r.ok) throw new Error(r.message);
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => app.auth.changePassword({ userId: r.value.member.id, currentPassword: `guess ${i}`, newPassword: 'a brand new passphrase' })),
    );
    expect(guesses.filter((g) => !g.ok && g.error === 'wrong_password')).toHaveLength(5);
  });
});

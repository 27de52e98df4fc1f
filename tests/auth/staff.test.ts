import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/app.ts';
import { createTestApp } from '../helpers/database.ts';

let app: App;
let cleanup: () => Promise<void>;
let adminId: string;

beforeEach(async () => {
  ({ app, cleanup } = await createTestApp());
  const admin = await app.staff.create({ email: 'admin@example.com', name: 'Ada', role: 'admin' });
  if (!admin.ok) throw new Error(admin.message);
  adminId = admin.value.member.id;
});
afterEach(() => cleanup());

describe('staff accounts', () => {
  it('generate a password when none is given, and store it only as an Argon2id hash', async () => {
    const created = await app.staff.create({ email: 'ed@example.com', name: 'Ed', role: 'editor' });
    if (!created.ok) throw new Error(created.message);
    expect(created.value.generatedPassword).toMatch(/^[a-z2-9-]{23}$/);
    const row = await app.db.selectFrom('staff_users').selectAll().where('email', '=', 'ed@example.com').executeTakeFirstOrThrow();
    expect(row.password_hash.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    const signIn = await app.auth.signIn({ email: 'ed@example.com', password: created.value.generatedPassword!, clientAddress: '1' });
    expect(signIn.ok).toBe(true);
  });

  it.each([
    [{ email: 'not-an-email', name: 'X', role: 'editor' }, 'invalid_email'],
    [{ email: 'x@example.com', name: '   ', role: 'editor' }, 'invalid_name'],
    [{ email: 'x@example.com', name: 'X', role: 'owner' }, 'invalid_role'],
    [{ email: 'x@example.com', name: 'X', role: 'editor', password: 'short' }, 'weak_password'],
    [{ email: 'ADMIN@example.com', name: 'X', role: 'editor' }, 'email_taken'],
  ])('refuse bad input %j with %s, creating nothing', async (input, error) => {
    const before = (await app.staff.list()).length;
    const result = await app.staff.create(input);
    expect(result).toMatchObject({ ok: false, error });
    expect((await app.staff.list()).length).toBe(before);
  });

  it('change role, but never demote or deactivate the last active admin', async () => {
    expect(await app.staff.changeRole({ actorId: adminId, userId: adminId, role: 'editor' })).toMatchObject({ ok: false, error: 'last_admin' });
    const other = await app.staff.create({ email: 'bo@example.com', name: 'Bo', role: 'reviewer' });
    if (!other.ok) throw new Error(other.message);
    expect(await app.staff.changeRole({ actorId: adminId, userId: other.value.member.id, role: 'admin' })).toMatchObject({ ok: true });
    expect(await app.staff.changeRole({ actorId: adminId, userId: adminId, role: 'editor' })).toMatchObject({ ok: true });
    expect((await app.staff.getMember(adminId))?.role).toBe('editor');
  });

  it('refuse deactivating yourself', async () => {
    expect(await app.staff.setActive({ actorId: adminId, userId: adminId, isActive: false })).toMatchObject({ ok: false, error: 'self' });
  });

  it('deactivate and reactivate', async () => {
    const ed = await app.staff.create({ email: 'ed@example.com', name: 'Ed', role: 'editor' });
    if (!ed.ok) throw new Error(ed.message);
    const id = ed.value.member.id;
    expect(await app.staff.setActive({ actorId: adminId, userId: id, isActive: false })).toMatchObject({ ok: true });
    expect((await app.staff.getMember(id))?.isActive).toBe(false);
    expect(await app.staff.setActive({ actorId: adminId, userId: id, isActive: true })).toMatchObject({ ok: true });
    expect((await app.staff.getMember(id))?.isActive).toBe(true);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/server/app.ts';
import { createTestApp } from './helpers/database.ts';

let app: App;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ app, cleanup } = await createTestApp()));
afterEach(() => cleanup());

describe('the first-run demo workspace', () => {
  it('creates an admin who can sign in, a realistic map and its first published version, once', async () => {
    const demo = await app.demo.createDemoWorkspaceOnce();
    expect(demo).not.toBeNull();
    const signIn = await app.auth.signIn({ email: demo!.adminEmail, password: demo!.adminPassword, clientAddress: '1' });
    expect(signIn.ok).toBe(true);
    const map = (await app.maps.getMapContent(demo!.mapId))!;
    expect(map.stages.length).toBeGreaterThanOrEqual(5);
    expect(map.cards.some((c) => c.visibility === 'internal')).toBe(true);
    const versions = await app.publishing.listVersions(demo!.mapId);
    expect(versions).toHaveLength(1);
    expect(versions[0]!.summary.counts.cards.published).toBeLessThan(map.cards.length);
    expect(await app.demo.createDemoWorkspaceOnce()).toBeNull();
  });
});

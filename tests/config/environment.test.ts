import { describe, expect, it } from 'vitest';
import { readEnvironment } from '../../src/cli/environment.ts';

describe('reading the environment', () => {
  it('lets PUBLIC_URL follow PORT when it is not set, so printed and emailed links work on this machine', () => {
    expect(readEnvironment({}).publicUrl).toBe('http://localhost:4321');
    expect(readEnvironment({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(readEnvironment({ PORT: '8080', PUBLIC_URL: 'https://portal.example.com/' }).publicUrl).toBe('https://portal.example.com');
  });

  it('reads TRUST_PROXY as a number of proxies from 0 to 5, refusing anything else with a clear error', () => {
    expect(readEnvironment({}).trustedProxies).toBe(0);
    expect(readEnvironment({ TRUST_PROXY: '1' }).trustedProxies).toBe(1);
    expect(() => readEnvironment({ TRUST_PROXY: '6' })).toThrow(/TRUST_PROXY must be a number \(whole\) from 0 to 5/);
    expect(() => readEnvironment({ TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY/);
  });

  it('reads TEAM_NAME as written, spaces tidied, and leaves the default to the app when it is unset', () => {
    expect(readEnvironment({}).teamName).toBeUndefined();
    expect(readEnvironment({ TEAM_NAME: '  the Acme   customer team ' }).teamName).toBe('the Acme customer team');
    expect(() => readEnvironment({ TEAM_NAME: 'x'.repeat(81) })).toThrow(/TEAM_NAME must be at most 80 characters/);
  });
});

describe('TEAM_NAME on the command line', () => {
  it('names the inviting team in the invitation email', async () => {
    const { createTestApp } = await import('../helpers/database.ts');
    const { publishSmallMap } = await import('../helpers/maps.ts');
    const { runCli } = await import('../helpers/cli.ts');
    const { app, file, cleanup } = await createTestApp();
    try {
      const { mapId } = await publishSmallMap(app, { customerTitle: 'Onboarding' });
      const run = await runCli(['invite:create', '--map', mapId, '--email', 'dana@example.com', '--json'], { DATABASE_PATH: file, TEAM_NAME: 'the Acme onboarding team' });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const email = await app.db.selectFrom('email_outbox').select(['subject', 'text']).where('to_email', '=', 'dana@example.com').executeTakeFirstOrThrow();
      expect(email.subject).toContain('The Acme onboarding team');
      expect(email.text).toContain('Acme onboarding team');
    } finally {
      await cleanup();
    }
  }, 60_000);
});

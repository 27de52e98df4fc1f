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
});

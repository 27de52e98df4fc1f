import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/server/security/rate-limiter.ts';
import { safeNextPath } from '../../src/server/security/redirects.ts';
import { isCrossSiteWrite } from '../../src/server/security/headers.ts';

describe('the rate limiter', () => {
  it('allows the limit within a window, refuses the next, and says when to retry', () => {
    const limiter = new RateLimiter({ limit: 3, windowMs: 1000 });
    for (let t = 0; t < 3; t++) expect(limiter.consume('k', t).isAllowed).toBe(true);
    const refused = limiter.consume('k', 10);
    expect(refused).toEqual({ isAllowed: false, retryAfterMs: 990 });
    expect(limiter.consume('k', 1001).isAllowed).toBe(true);
    expect(limiter.consume('other', 10).isAllowed).toBe(true);
  });

  it('keeps at most maxKeys keys, so a flood of addresses cannot grow memory', () => {
    const limiter = new RateLimiter({ limit: 1, windowMs: 60_000, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) limiter.record(`ip-${i}`, 0);
    expect(limiter.check('ip-999', 1).isAllowed).toBe(false);
    expect(limiter.check('ip-0', 1).isAllowed).toBe(true); // evicted, oldest first
  });
});

describe('redirect targets after sign-in', () => {
  it.each([
    ['/app/maps', '/app/maps'],
    ['//evil.example/x', '/app'],
    ['/\\evil.example', '/app'],
    ['https://evil.example', '/app'],
    ['javascript:alert(1)', '/app'],
    [null, '/app'],
  ])('%s goes to %s', (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });
});

describe('cross-site writes', () => {
  const url = new URL('http://localhost:4321/api/x');
  const request = (method: string, headers: Record<string, string>) => new Request(url, { method, headers });
  it('refuses a JSON post from another site', () => {
    expect(isCrossSiteWrite(request('POST', { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }), url)).toBe(true);
    expect(isCrossSiteWrite(request('POST', { origin: 'https://evil.example' }), url)).toBe(true);
    expect(isCrossSiteWrite(request('POST', { 'sec-fetch-site': 'same-site' }), url)).toBe(true);
  });
  it('refuses an opaque origin unless the browser vouches the post is same-origin', () => {
    expect(isCrossSiteWrite(request('POST', { origin: 'null' }), url)).toBe(true);
    expect(isCrossSiteWrite(request('POST', { origin: 'null', 'sec-fetch-site': 'same-origin' }), url)).toBe(false);
    expect(isCrossSiteWrite(request('POST', { origin: 'null', 'sec-fetch-site': 'cross-site' }), url)).toBe(true);
  });

  it('allows same-origin posts and every read', () => {
    expect(isCrossSiteWrite(request('POST', { 'sec-fetch-site': 'same-origin', origin: 'http://localhost:4321' }), url)).toBe(false);
    expect(isCrossSiteWrite(request('GET', { 'sec-fetch-site': 'cross-site' }), url)).toBe(false);
    expect(isCrossSiteWrite(request('POST', {}), url)).toBe(false);
  });
});

describe('HTTPS behind a proxy', () => {
  it('treats the site as secure when the request or the public address is HTTPS', async () => {
    const { isSecureSite } = await import('../../src/server/auth/session-cookie.ts');
    const { applySecurityHeaders } = await import('../../src/server/security/headers.ts');
    expect(isSecureSite(new URL('http://10.0.0.5:4321/app'), 'https://portal.example.com')).toBe(true);
    expect(isSecureSite(new URL('https://portal.example.com/app'), 'http://localhost:4321')).toBe(true);
    expect(isSecureSite(new URL('http://localhost:4321/app'), 'http://localhost:4321')).toBe(false);
    const secure = new Headers();
    applySecurityHeaders(secure, true);
    expect(secure.get('strict-transport-security')).toMatch(/max-age=\d+/);
    const plain = new Headers();
    applySecurityHeaders(plain, false);
    expect(plain.get('strict-transport-security')).toBeNull();
  });
});

describe('releasing an attempt', () => {
  it('takes back exactly the one attempt recorded at that time, and nothing when there is none', () => {
    const limiter = new RateLimiter({ limit: 2, windowMs: 1000 });
    limiter.record('k', 10);
    limiter.record('k', 20);
    expect(limiter.check('k', 30).isAllowed).toBe(false);
    limiter.release('k', 20);
    expect(limiter.check('k', 30).isAllowed).toBe(true);
    limiter.release('k', 99);
    limiter.release('other', 10);
    limiter.record('k', 40);
    expect(limiter.check('k', 50).isAllowed).toBe(false);
  });
});

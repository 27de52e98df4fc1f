import { expect, test, type APIResponse, type Response } from '@playwright/test';
import { ACCOUNTS, signIn } from './fixtures.ts';

/** Directive name to its values, from a Content-Security-Policy header. */
function parseCsp(header: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of header.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), values);
  }
  return directives;
}

function expectSecurityHeaders(response: Response | APIResponse, options: { isPrivate: boolean }) {
  const headers = response.headers();
  const csp = headers['content-security-policy'];
  expect(csp, 'a Content-Security-Policy header').toBeTruthy();
  const directives = parseCsp(csp!);
  // script-src falls back to default-src when absent.
  const scriptSources = directives.get('script-src') ?? directives.get('default-src');
  expect(scriptSources, `script-src or default-src in ${csp}`).toBeDefined();
  expect(scriptSources).not.toContain("'unsafe-inline'");
  expect(scriptSources).not.toContain('*');
  expect(directives.get('frame-ancestors'), csp).toEqual(["'none'"]);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toMatch(/^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/);
  if (options.isPrivate) expect(headers['cache-control']).toContain('no-store');
}

const PUBLIC_PAGES = ['/sign-in', '/healthz', '/no-such-page'];
const STAFF_PAGES = ['/app', '/app/account', '/app/admin/staff', '/app/no-such-page'];

for (const path of PUBLIC_PAGES) {
  test(`${path} carries the security headers`, async ({ page }) => {
    const response = await page.goto(path);
    expect(response, path).not.toBeNull();
    expect(response!.status()).toBe(path.startsWith('/no-such') ? 404 : 200);
    expectSecurityHeaders(response!, { isPrivate: false });
  });
}

test('every staff page carries the security headers and is never cached', async ({ page }) => {
  await signIn(page, ACCOUNTS.admin);
  for (const path of STAFF_PAGES) {
    await test.step(path, async () => {
      const response = await page.goto(path);
      expect(response, path).not.toBeNull();
      expect(response!.status()).toBe(path.includes('no-such') ? 404 : 200);
      expectSecurityHeaders(response!, { isPrivate: true });
    });
  }
});

test('the sign-in redirect for visitors carries the security headers too', async ({ request }) => {
  const response = await request.get('/app', { maxRedirects: 0 });
  expect(response.status()).toBe(303);
  expectSecurityHeaders(response, { isPrivate: true });
});

test.describe('cross-site writes are refused', () => {
  const forged: { name: string; headers: Record<string, string> }[] = [
    { name: 'Origin and Sec-Fetch-Site', headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } },
    { name: 'Origin alone', headers: { origin: 'https://evil.example' } },
    { name: 'Sec-Fetch-Site alone', headers: { 'sec-fetch-site': 'cross-site' } },
  ];
  for (const { name, headers } of forged) {
    test(`a JSON post to an action with ${name} of another site gets 403`, async ({ request }) => {
      const response = await request.post('/_actions/auth.signIn', {
        headers: { ...headers, 'content-type': 'application/json' },
        data: JSON.stringify({ email: ACCOUNTS.admin.email, password: ACCOUNTS.admin.password }),
      });
      expect(response.status()).toBe(403);
      expect(response.headers()['set-cookie'], 'no session is issued').toBeUndefined();
    });
  }
});

test('a request body over 6 MB gets 413', async ({ request, baseURL }) => {
  const response = await request.post('/_actions/auth.signIn', {
    headers: { origin: baseURL!, 'content-type': 'application/x-www-form-urlencoded' },
    data: Buffer.alloc(6 * 1024 * 1024 + 1024, 'a'),
  });
  expect(response.status()).toBe(413);
});

import http from 'node:http';
import { expect, test, type APIResponse, type Response } from '@playwright/test';
import { ACCOUNTS, E2E_BASE_URL, signIn } from './fixtures.ts';
import { continueFromLink, importAndPublish, inviteWithCli, uniqueId } from './portal-helpers.ts';

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

test('built assets and public files carry the security headers too', async ({ page, request }) => {
  await page.goto('/sign-in');
  const script = await page.locator('script[src^="/_astro/"], link[rel="stylesheet"][href^="/_astro/"]').first();
  const assetPath = (await script.getAttribute('src')) ?? (await script.getAttribute('href'))!;
  for (const path of ['/favicon.svg', assetPath]) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    expectSecurityHeaders(response, { isPrivate: false });
  }
});

/** A POST whose body comes in chunks, without Content-Length, as a client may send it. */
function postChunked(path: string, headers: Record<string, string>, totalBytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, E2E_BASE_URL), { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    // The server may answer and close before the whole body is written.
    request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let written = 0;
    const writeMore = () => {
      while (written < totalBytes) {
        written += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', writeMore);
      }
      request.end();
    };
    writeMore();
  });
}

test('a chunked body over 6 MB, which announces no length, is refused with 413 and the headers; a form page posted as text gets 415', async ({ browser }) => {
  const id = uniqueId();
  const published = await importAndPublish(`limits-${id}`);
  const invitation = await inviteWithCli({ mapId: published.mapId, email: `limits-${id}@example.com` });
  const context = await browser.newContext({ baseURL: E2E_BASE_URL });
  try {
    const participant = await context.newPage();
    const mapPath = new URL(await continueFromLink(participant, invitation.path, published.texts.customerTitle), E2E_BASE_URL).pathname;
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const headers = { cookie, origin: E2E_BASE_URL, 'sec-fetch-site': 'same-origin' };

    const tooLarge = await postChunked(`${mapPath}/summary`, { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, 7 * 1024 * 1024);
    expect(tooLarge).toEqual({ status: 413, body: 'The request is too large.' });

    const notAForm = await context.request.post(`${mapPath}/summary`, { headers: { ...headers, 'content-type': 'text/plain' }, data: 'text=hello' });
    expect(notAForm.status()).toBe(415);
    expectSecurityHeaders(notAForm, { isPrivate: true });
    // Nothing was saved from either.
    await participant.goto(`${mapPath}/summary`);
    await expect(participant.getByRole('textbox')).toHaveValue('');
  } finally {
    await context.close();
  }
});

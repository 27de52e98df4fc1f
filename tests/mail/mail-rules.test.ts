import { describe, expect, it } from 'vitest';
import {
  findLinks,
  IDEMPOTENCY_WINDOW_MS,
  MAX_ATTEMPTS,
  RETRY_DELAYS_MS,
  retryDelayMs,
  SEND_TIMEOUT_MS,
  shouldReplaceDeliveryStatus,
  styleAttributeHashes,
} from '../../src/server/mail/mail.ts';
import { isPermanentResendError } from '../../src/server/mail/senders.ts';
import { createHash } from 'node:crypto';

describe('the retry schedule', () => {
  it('waits longer after every failure: 30 s, 2 min, 10 min, 30 min, 1 h, then hours', () => {
    expect([1, 2, 3, 4, 5].map(retryDelayMs)).toEqual([30_000, 120_000, 600_000, 1_800_000, 3_600_000]);
    for (let n = 2; n < MAX_ATTEMPTS; n += 1) expect(retryDelayMs(n)).toBeGreaterThan(retryDelayMs(n - 1));
  });

  it('gives up after ten attempts', () => {
    expect(MAX_ATTEMPTS).toBe(10);
    expect(RETRY_DELAYS_MS).toHaveLength(MAX_ATTEMPTS - 1);
  });

  it('keeps the last delay for counts past the end and the first for nonsense', () => {
    expect(retryDelayMs(50)).toBe(RETRY_DELAYS_MS.at(-1));
    expect(retryDelayMs(0)).toBe(RETRY_DELAYS_MS[0]);
  });

  it('fits every retry inside the window in which Resend remembers the idempotency key', () => {
    const total = RETRY_DELAYS_MS.reduce((sum, ms) => sum + ms, 0);
    expect(total).toBeLessThan(IDEMPOTENCY_WINDOW_MS);
  });

  it('lets a send time out before its claim runs out, so no second worker takes it over', () => {
    expect(SEND_TIMEOUT_MS).toBeLessThan(Math.min(...RETRY_DELAYS_MS));
  });
});

describe('delivery status from webhooks', () => {
  it('never lets a weaker event hide a stronger one', () => {
    expect(shouldReplaceDeliveryStatus(null, 'delivered')).toBe(true);
    expect(shouldReplaceDeliveryStatus('delivered', 'complained')).toBe(true);
    expect(shouldReplaceDeliveryStatus('delivered', 'bounced')).toBe(true);
    expect(shouldReplaceDeliveryStatus('complained', 'delivered')).toBe(false);
    expect(shouldReplaceDeliveryStatus('bounced', 'delivered')).toBe(false);
  });
});

describe('Resend errors', () => {
  it('retries outages, rate limits and key problems but not a refused payload', () => {
    for (const name of ['internal_server_error', 'application_error', 'rate_limit_exceeded', 'daily_quota_exceeded', 'invalid_api_key', 'concurrent_idempotent_requests']) {
      expect(isPermanentResendError(name), name).toBe(false);
    }
    for (const name of ['validation_error', 'invalid_idempotent_request', 'missing_required_field']) {
      expect(isPermanentResendError(name), name).toBe(true);
    }
  });
});

describe('links for the server log', () => {
  it('finds every absolute link once', () => {
    const text = 'Open https://gt.example/i/abc?x=1&y=2 now.\nAgain: https://gt.example/i/abc?x=1&y=2\n(see http://localhost:4321/m)';
    expect(findLinks(text)).toEqual(['https://gt.example/i/abc?x=1&y=2', 'http://localhost:4321/m']);
  });
});

describe('CSP hashes of an email’s inline styles', () => {
  it('hashes each distinct style attribute value as the browser sees it', () => {
    const html = `<td style="color:red;font-family:'Segoe UI'">a</td><p style="color:red;font-family:'Segoe UI'">b</p><a style='x:&quot;y&quot;'>c</a>`;
    const expected = ["color:red;font-family:'Segoe UI'", 'x:"y"'].map((v) => `sha256-${createHash('sha256').update(v).digest('base64')}`);
    expect(styleAttributeHashes(html)).toEqual(expected);
  });
});

/**
 * What the leak tests share: unique canary strings planted in every internal place, a search for
 * them in any encoding a response could carry, and a crawl of everything a customer page reaches.
 */
import type { APIRequestContext } from '@playwright/test';
import { E2E_BASE_URL } from './fixtures.ts';

/** Every way a string can appear in a response: raw, escaped for HTML, URLs and JSON, base64. */
export function encodingsOf(value: string): string[] {
  const html = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  const forms = [value, html, encodeURIComponent(value), JSON.stringify(value).slice(1, -1), value.toLowerCase()];
  // base64 of the value at each of the three byte alignments: only whole 3-byte groups made
  // of the value's own bytes encode the same way whatever surrounds them, so the first group
  // (mixed with the prefix) and the last four characters (maybe padded) are dropped.
  for (let shift = 0; shift < 3; shift++) {
    const bytes = Buffer.from('x'.repeat(shift) + value);
    const start = shift === 0 ? 0 : 4;
    forms.push(bytes.toString('base64').slice(start, -4), bytes.toString('base64url').slice(start, -4));
  }
  return forms.filter((f) => f.length >= 8);
}

/** A set of canaries for one test run; `prefix` keeps two leak tests' canaries apart. */
export function createCanaries(prefix: string) {
  const run = Math.random().toString(36).slice(2, 10);
  const places = new Map<string, string>();
  return {
    run,
    /** A canary for one internal place; the characters around it make every encoding differ. */
    canary(place: string): string {
      const value = `${prefix}${places.size}x${run}`;
      places.set(value, place);
      return `<&"' ${value} '"&>`;
    },
    /** A bare canary, for fields that take only words (tags). */
    plainCanary(place: string): string {
      const value = `${prefix.toLowerCase()}${places.size}x${run}`;
      places.set(value, place);
      return value;
    },
    /** Every canary in the text, with the place it came from and the form it was found in. */
    findCanaries(text: string): string[] {
      const found: string[] = [];
      for (const [value, place] of places) for (const form of encodingsOf(value)) if (text.includes(form)) found.push(`${place} (as ${form})`);
      return found;
    },
  };
}

/**
 * Follows every same-origin link and resource a customer page points at — except staff pages,
 * and signing out, which would end the session the crawl reads with — and returns each
 * response's headers and body.
 */
export async function collectCustomerResponses(request: APIRequestContext, start: string, limit = 200): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0 && seen.size < limit) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    const response = await request.get(url);
    const headers = Object.entries(response.headers()).map(([k, v]) => `${k}: ${v}`).join('\n');
    const body = await response.text();
    seen.set(url, `${headers}\n\n${body}`);
    for (const match of body.matchAll(/(?:href|src|action|component-url|renderer-url)="([^"]+)"|url\(([^)]+)\)|(?:import|from)\s*["']([^"']+)["']/g)) {
      const raw = (match[1] ?? match[2] ?? match[3] ?? '').replace(/&amp;/g, '&').replace(/^['"]|['"]$/g, '');
      if (!raw || raw.startsWith('#') || raw.startsWith('data:') || raw.startsWith('mailto:')) continue;
      const target = new URL(raw, new URL(url, E2E_BASE_URL));
      if (target.origin !== E2E_BASE_URL || target.pathname.startsWith('/app') || target.pathname === '/m/signed-out') continue;
      queue.push(target.pathname + target.search);
    }
  }
  return seen;
}

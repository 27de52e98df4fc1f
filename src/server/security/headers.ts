/**
 * Security headers every response carries (ASVS 14.4). Astro adds its own hash-based CSP to
 * rendered pages; responses that are not pages (endpoints, redirects, errors) get the strictest
 * policy, since they never need to run anything.
 */
export const FALLBACK_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export const MAX_REQUEST_BODY_BYTES = 6 * 1024 * 1024;

export function applySecurityHeaders(headers: Headers, isSecure: boolean): void {
  if (!headers.has('content-security-policy')) headers.set('content-security-policy', FALLBACK_CSP);
  headers.set('x-content-type-options', 'nosniff');
  headers.set('x-frame-options', 'DENY');
  if (!headers.has('referrer-policy')) headers.set('referrer-policy', 'strict-origin-when-cross-origin');
  headers.set('cross-origin-opener-policy', 'same-origin');
  headers.set('cross-origin-resource-policy', 'same-origin');
  headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  if (isSecure) headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
  // Every dynamic response may carry someone's data; built assets are served before middleware
  // with their own long-lived caching.
  if (!headers.has('cache-control')) headers.set('cache-control', 'no-store');
}

/**
 * The headers every response starts with, before Astro or the customer-page front answers:
 * built assets and public files (served by the adapter before any middleware runs) get them
 * this way, and every other response replaces or keeps them in applySecurityHeaders. An SVG
 * opened on its own, for one, runs no script under `default-src 'none'`.
 */
export function baselineSecurityHeaders(isSecure: boolean): [string, string][] {
  const headers: [string, string][] = [
    ['content-security-policy', FALLBACK_CSP],
    ['x-content-type-options', 'nosniff'],
    ['x-frame-options', 'DENY'],
    ['referrer-policy', 'strict-origin-when-cross-origin'],
    ['cross-origin-resource-policy', 'same-origin'],
  ];
  if (isSecure) headers.push(['strict-transport-security', 'max-age=31536000; includeSubDomains']);
  return headers;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses cross-site state-changing requests of every kind (forms, JSON, fetch), in place of
 * Astro's checkOrigin, which covers forms only. Browsers send Sec-Fetch-Site on every request:
 * anything but same-origin (or none: typed into the address bar) is refused. Without it, an
 * Origin naming another site — or the opaque `null` — is refused. A page with
 * `Referrer-Policy: no-referrer` makes the browser send `Origin: null` on its own same-origin
 * form posts, which Sec-Fetch-Site then vouches for. Server-to-server webhooks carry neither
 * header and are authenticated by signature instead.
 */
export function isCrossSiteWrite(request: Request, url: URL): boolean {
  return isCrossSite(request.method, (name) => request.headers.get(name), url.origin);
}

/** The same rule over plain header values (the HTTP front reads node's IncomingMessage). */
export function isCrossSite(method: string, header: (name: string) => string | null | undefined, ownOrigin: string): boolean {
  if (SAFE_METHODS.has(method)) return false;
  const fetchSite = header('sec-fetch-site');
  if (fetchSite) return fetchSite !== 'same-origin' && fetchSite !== 'none';
  const origin = header('origin');
  return origin != null && origin !== ownOrigin;
}

export function isBodyTooLarge(request: Request): boolean {
  const length = Number(request.headers.get('content-length') ?? '0');
  return Number.isFinite(length) && length > MAX_REQUEST_BODY_BYTES;
}

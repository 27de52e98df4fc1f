/**
 * Security headers every response carries (ASVS 14.4). Astro adds its own hash-based CSP to
 * rendered pages; responses that are not pages (endpoints, redirects, errors) get the strictest
 * policy, since they never need to run anything.
 */
export const FALLBACK_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export const MAX_REQUEST_BODY_BYTES = 6 * 1024 * 1024;

export function applySecurityHeaders(headers: Headers, url: URL): void {
  if (!headers.has('content-security-policy')) headers.set('content-security-policy', FALLBACK_CSP);
  headers.set('x-content-type-options', 'nosniff');
  headers.set('x-frame-options', 'DENY');
  if (!headers.has('referrer-policy')) headers.set('referrer-policy', 'strict-origin-when-cross-origin');
  headers.set('cross-origin-opener-policy', 'same-origin');
  headers.set('cross-origin-resource-policy', 'same-origin');
  headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  if (url.protocol === 'https:') headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
  // Every dynamic response may carry someone's data; built assets are served before middleware
  // with their own long-lived caching.
  if (!headers.has('cache-control')) headers.set('cache-control', 'no-store');
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Astro's checkOrigin refuses cross-site *form* posts; this refuses every other cross-site
 * state-changing request too (JSON, fetch with other content types). Browsers send
 * Sec-Fetch-Site on every request and Origin on every non-GET; either one naming another site
 * is enough to refuse. Server-to-server webhooks carry neither and are authenticated by
 * signature instead.
 */
export function isCrossSiteWrite(request: Request, url: URL): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  const fetchSite = request.headers.get('sec-fetch-site');
  if (fetchSite && fetchSite !== 'same-origin' && fetchSite !== 'none') return true;
  const origin = request.headers.get('origin');
  if (origin && origin !== url.origin) return true;
  return false;
}

export function isBodyTooLarge(request: Request): boolean {
  const length = Number(request.headers.get('content-length') ?? '0');
  return Number.isFinite(length) && length > MAX_REQUEST_BODY_BYTES;
}

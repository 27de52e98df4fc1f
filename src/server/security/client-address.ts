/**
 * The address a request came from, for the rate limits that count per client (sign-in, new-link
 * requests).
 *
 * Behind a proxy that terminates TLS, every request reaches the app from the proxy's address:
 * counted by that, one person's failed sign-ins would lock everybody out. TRUST_PROXY says how
 * many proxies of our own stand in front. Each appends the address it saw to X-Forwarded-For, so
 * the client is that many entries from the right; whatever stands further left was written by
 * the client and is never believed. Without TRUST_PROXY the header is ignored, since anyone can
 * send it.
 */
export const MAX_TRUSTED_PROXIES = 5;

export function resolveClientAddress(socketAddress: string, forwardedFor: string | null | undefined, trustedProxies: number): string {
  if (trustedProxies <= 0 || !forwardedFor) return socketAddress;
  const hops = forwardedFor
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  if (hops.length === 0) return socketAddress;
  // Fewer entries than proxies: the request skipped one of them; the oldest entry is the best left.
  return hops[Math.max(0, hops.length - trustedProxies)]!;
}

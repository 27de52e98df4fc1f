import type { AstroCookies } from 'astro';

/** Staff and participants have separate cookies: one never stands in for the other. */
export const STAFF_SESSION_COOKIE = 'gt_staff';
export const PARTICIPANT_SESSION_COOKIE = 'gt_participant';

/**
 * Whether cookies must be Secure and responses carry HSTS: the request came over HTTPS, or the
 * site's public address is HTTPS (behind a proxy that terminates TLS, the request Astro sees is
 * plain HTTP).
 */
export function isSecureSite(url: URL, publicUrl: string): boolean {
  return url.protocol === 'https:' || publicUrl.startsWith('https://');
}

/** HttpOnly, SameSite=Lax, Path=/, Secure on an HTTPS site. */
export function setSessionCookie(cookies: AstroCookies, name: string, isSecure: boolean, token: string, expiresAt: number): void {
  cookies.set(name, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: isSecure,
    path: '/',
    expires: new Date(expiresAt),
  });
}

export function deleteSessionCookie(cookies: AstroCookies, name: string, isSecure: boolean): void {
  cookies.set(name, '', { httpOnly: true, sameSite: 'lax', secure: isSecure, path: '/', maxAge: 0 });
}

export function setStaffSessionCookie(cookies: AstroCookies, isSecure: boolean, token: string, expiresAt: number): void {
  setSessionCookie(cookies, STAFF_SESSION_COOKIE, isSecure, token, expiresAt);
}

export function deleteStaffSessionCookie(cookies: AstroCookies, isSecure: boolean): void {
  deleteSessionCookie(cookies, STAFF_SESSION_COOKIE, isSecure);
}

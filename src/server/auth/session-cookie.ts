import type { AstroCookies } from 'astro';

/** Staff and participants have separate cookies: one never stands in for the other. */
export const STAFF_SESSION_COOKIE = 'gt_staff';
export const PARTICIPANT_SESSION_COOKIE = 'gt_participant';

/** HttpOnly, SameSite=Lax, Path=/, Secure whenever the request came over HTTPS. */
export function setSessionCookie(cookies: AstroCookies, name: string, url: URL, token: string, expiresAt: number): void {
  cookies.set(name, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: url.protocol === 'https:',
    path: '/',
    expires: new Date(expiresAt),
  });
}

export function deleteSessionCookie(cookies: AstroCookies, name: string, url: URL): void {
  cookies.set(name, '', { httpOnly: true, sameSite: 'lax', secure: url.protocol === 'https:', path: '/', maxAge: 0 });
}

export function setStaffSessionCookie(cookies: AstroCookies, url: URL, token: string, expiresAt: number): void {
  setSessionCookie(cookies, STAFF_SESSION_COOKIE, url, token, expiresAt);
}

export function deleteStaffSessionCookie(cookies: AstroCookies, url: URL): void {
  deleteSessionCookie(cookies, STAFF_SESSION_COOKIE, url);
}

import type { AstroCookies } from 'astro';

export const STAFF_SESSION_COOKIE = 'gt_staff';

/** HttpOnly, SameSite=Lax, Path=/, Secure whenever the request came over HTTPS. */
export function setStaffSessionCookie(cookies: AstroCookies, url: URL, token: string, expiresAt: number): void {
  cookies.set(STAFF_SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: url.protocol === 'https:',
    path: '/',
    expires: new Date(expiresAt),
  });
}

export function deleteStaffSessionCookie(cookies: AstroCookies, url: URL): void {
  cookies.set(STAFF_SESSION_COOKIE, '', {
    httpOnly: true,
    sameSite: 'lax',
    secure: url.protocol === 'https:',
    path: '/',
    maxAge: 0,
  });
}

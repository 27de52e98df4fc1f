/**
 * Every request passes these steps in order: security headers around everything, request
 * guards (size, cross-site writes), the staff session, then the guard on staff pages.
 */
import { defineMiddleware, sequence } from 'astro:middleware';
import {
  deleteSessionCookie,
  deleteStaffSessionCookie,
  isSecureSite,
  PARTICIPANT_SESSION_COOKIE,
  setSessionCookie,
  setStaffSessionCookie,
  STAFF_SESSION_COOKIE,
} from './server/auth/session-cookie.ts';
import { getApp } from './server/runtime.ts';
import { CUSTOMER_PAGE_PATH } from './server/portal/customer-page-front.ts';
import { customerPageKey } from './server/portal/page-cache.ts';
import { applySecurityHeaders, isBodyTooLarge, isCrossSiteWrite } from './server/security/headers.ts';
import { plain, responseForFailure, tooLarge } from './server/security/request-failures.ts';

const securityHeaders = defineMiddleware(async (context, next) => {
  let response: Response;
  try {
    response = await next();
  } catch (error) {
    response = responseForFailure(error);
  }
  // The App is set by the session step inside; /healthz and failures before it go without.
  const isSecure = isSecureSite(context.url, context.locals.app?.config.publicUrl ?? '');
  try {
    applySecurityHeaders(response.headers, isSecure);
    return response;
  } catch {
    // Some responses (redirects from fetch, for one) have immutable headers: copy them.
    const copy = new Response(response.body, response);
    applySecurityHeaders(copy.headers, isSecure);
    return copy;
  }
});

/**
 * Keeps each rendered customer page (final headers included) for the HTTP front to serve again
 * without rendering: the page depends only on the invitation and its immutable version.
 */
const customerPageCapture = defineMiddleware(async (context, next) => {
  const response = await next();
  const match = context.request.method === 'GET' ? CUSTOMER_PAGE_PATH.exec(context.url.pathname + context.url.search) : null;
  const { participant, app } = context.locals;
  if (!match || response.status !== 200 || !participant || !app) return response;
  const versionId = await app.participants.getGrantedVersionId(participant.participantId, match[1]!);
  if (!versionId) return response;
  const body = new Uint8Array(await response.arrayBuffer());
  app.participants.pages.put(customerPageKey(match[1]!, versionId), { status: response.status, headers: response.headers, body });
  return new Response(body, { status: response.status, headers: response.headers });
});

const requestGuards = defineMiddleware(async (context, next) => {
  if (isBodyTooLarge(context.request)) {
    return tooLarge();
  }
  if (!context.url.pathname.startsWith('/api/webhooks/') && isCrossSiteWrite(context.request, context.url)) {
    return plain(403, 'Cross-site requests are not allowed.');
  }
  return next();
});

const staffSession = defineMiddleware(async (context, next) => {
  // Health checks answer for themselves, even when the database cannot be opened.
  if (context.url.pathname === '/healthz') return next();
  const app = await getApp();
  context.locals.app = app;
  context.locals.staff = null;
  context.locals.staffSessionId = null;
  const token = context.cookies.get(STAFF_SESSION_COOKIE)?.value;
  if (token) {
    const session = await app.auth.validateSessionToken(token);
    if (session) {
      context.locals.staff = session.member;
      context.locals.staffSessionId = session.sessionId;
      if (session.isExtended) setStaffSessionCookie(context.cookies, isSecureSite(context.url, app.config.publicUrl), token, session.expiresAt);
    } else {
      deleteStaffSessionCookie(context.cookies, isSecureSite(context.url, app.config.publicUrl));
    }
  }
  return next();
});

/** Invited customers: a separate cookie and session, checked against their invitation on every request. */
const participantSession = defineMiddleware(async (context, next) => {
  context.locals.participant = null;
  const token = context.cookies.get(PARTICIPANT_SESSION_COOKIE)?.value;
  if (!token || !context.locals.app) return next();
  const participant = await context.locals.app.participants.validateSession(token);
  if (participant) {
    context.locals.participant = participant;
    if (participant.isExtended) setSessionCookie(context.cookies, PARTICIPANT_SESSION_COOKIE, isSecureSite(context.url, context.locals.app.config.publicUrl), token, participant.expiresAt);
  } else {
    deleteSessionCookie(context.cookies, PARTICIPANT_SESSION_COOKIE, isSecureSite(context.url, context.locals.app.config.publicUrl));
  }
  return next();
});

/** Participant pages need a participant session, except the link pages that create one. */
// A live session's join page is public: people not signed in on this device ask for their link there.
const PUBLIC_PORTAL_PATHS = [/^\/m\/i\/[^/]+$/, /^\/m\/link$/, /^\/m\/signed-out$/, /^\/m\/live\/[^/]+$/];
const portalGuard = defineMiddleware(async (context, next) => {
  const { pathname } = context.url;
  if (!pathname.startsWith('/m/') && pathname !== '/m') return next();
  if (PUBLIC_PORTAL_PATHS.some((p) => p.test(pathname))) return next();
  // Staff open customer views of versions (/m/versions/...) to see what customers see.
  if (pathname.startsWith('/m/versions/') && context.locals.staff) return next();
  if (!context.locals.participant) return context.redirect('/m/link', 303);
  return next();
});

/** Every page under /app needs a signed-in staff member; admin pages need an admin. */
const staffGuard = defineMiddleware(async (context, next) => {
  const { pathname } = context.url;
  if (pathname !== '/app' && !pathname.startsWith('/app/')) return next();
  const staff = context.locals.staff;
  if (!staff) {
    const back = pathname + context.url.search;
    return context.redirect(`/sign-in?next=${encodeURIComponent(back)}`, 303);
  }
  if (pathname.startsWith('/app/admin') && staff.role !== 'admin') {
    // The refusal page in the staff frame, at the same address, with status 403.
    return next('/app/forbidden');
  }
  return next();
});

export const onRequest = sequence(customerPageCapture, securityHeaders, requestGuards, staffSession, participantSession, staffGuard, portalGuard);

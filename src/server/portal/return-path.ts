/**
 * Where a participant may be sent back to after following an emailed link. Only a live
 * session's join page: someone who scanned the session's code on a device where they were not
 * signed in asks for their link there, and should land in the session, not on the map. Nothing
 * else is accepted, so a link can never send anyone to another site or page (no open redirect).
 */
const LIVE_JOIN_PATH = /^\/m\/live\/[a-z0-9]{1,64}$/;

export function safeReturnPath(value: unknown): string | null {
  return typeof value === 'string' && LIVE_JOIN_PATH.test(value) ? value : null;
}

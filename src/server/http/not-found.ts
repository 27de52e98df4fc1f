/**
 * What "not found" looks like, in one place. A page or endpoint that finds nothing answers
 * `notFound()`: a 404 *without a body*, which Astro replaces with src/pages/404.astro (still 404,
 * same address). That page renders `describeMissingPage(...)` in the layout of the side it was
 * asked on — staff navigation under /app, the portal frame under /m — so nobody is left on a
 * bare line of text with no way back. Pure apart from building the Response: no I/O.
 *
 * The words depend on the address only, never on what exists: on the participant side the
 * same text answers "no such map" and "not yours", so a 404 tells nobody whether something
 * they may not see is there.
 */

/** A 404 that Astro turns into the site's own 404 page (src/pages/404.astro). */
export function notFound(): Response {
  return new Response(null, { status: 404 });
}

/** Who is looking: a signed-in staff member, an invited participant, or nobody signed in. */
export type MissingPageViewer = 'staff' | 'participant' | 'none';

export interface MissingPage {
  /** Which frame to draw it in: staff navigation, the portal's, or the plain one. */
  side: 'staff' | 'portal' | 'public';
  heading: string;
  sentence: string;
  back: { href: string; label: string };
}

const STAFF_HOME = { href: '/app', label: 'Go to the staff home page' };
const MAPS = { href: '/app/maps', label: 'Go to Maps' };

/** The heading, sentence and way back for an address that led nowhere. */
export function describeMissingPage(pathname: string, viewer: MissingPageViewer): MissingPage {
  if ((pathname === '/app' || pathname.startsWith('/app/')) && viewer === 'staff') {
    const live = /^\/app\/maps\/([^/]+)\/live\/[^/]+/.exec(pathname);
    if (live) {
      return {
        side: 'staff',
        heading: 'No such live session',
        sentence: 'There is no live session of this map at this address, or the link is incomplete.',
        back: { href: `/app/maps/${encodeURIComponent(decodeURIComponent(live[1]!))}/live`, label: 'Go to the live sessions of this map' },
      };
    }
    if (/^\/app\/maps\/[^/]+\/versions\/[^/]+/.test(pathname)) {
      return { side: 'staff', heading: 'No such version', sentence: 'This map has no version with that number, or the map was deleted.', back: MAPS };
    }
    if (/^\/app\/maps\/[^/]+/.test(pathname)) {
      return { side: 'staff', heading: 'No such map', sentence: 'There is no map at this address: it may have been deleted, or the link is incomplete.', back: MAPS };
    }
    if (/^\/app\/review\/[^/]+/.test(pathname)) {
      return {
        side: 'staff',
        heading: 'No such item in the review queue',
        sentence: 'There is no item at this address: the customer may have withdrawn it, or the link is incomplete.',
        back: { href: '/app/review', label: 'Go to the review queue' },
      };
    }
    if (/^\/app\/outbox\/[^/]+/.test(pathname)) {
      return { side: 'staff', heading: 'No such email', sentence: 'There is no email at this address in the outbox, or the link is incomplete.', back: { href: '/app/outbox', label: 'Go to the Outbox' } };
    }
    return { side: 'staff', heading: 'Page not found', sentence: 'There is nothing at this address.', back: STAFF_HOME };
  }
  if (pathname === '/m' || pathname.startsWith('/m/')) {
    const sentence = 'There is nothing here for you: it is not among the maps you are invited to review, or the link is incomplete.';
    if (viewer === 'participant') return { side: 'portal', heading: 'Not found', sentence, back: { href: '/m', label: 'Go to your reviews' } };
    // Staff reach /m/versions/… as the customer view of a version.
    if (viewer === 'staff') return { side: 'portal', heading: 'Not found', sentence: 'There is no published version at this address.', back: MAPS };
    return { side: 'portal', heading: 'Not found', sentence, back: { href: '/m/link', label: 'Ask for your personal link' } };
  }
  return { side: 'public', heading: 'Page not found', sentence: 'There is nothing at this address, or it is not yours to see.', back: { href: '/', label: 'Go to the start page' } };
}

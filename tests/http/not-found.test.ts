import { describe, expect, it } from 'vitest';
import { describeMissingPage, notFound } from '../../src/server/http/not-found.ts';

describe('a page that found nothing', () => {
  it('answers 404 without a body, so Astro renders the site’s 404 page in its place', () => {
    const response = notFound();
    expect(response.status).toBe(404);
    expect(response.body).toBeNull();
  });

  it('tells staff what is missing and links back to its list', () => {
    expect(describeMissingPage('/app/maps/x', 'staff')).toMatchObject({ side: 'staff', heading: 'No such map', back: { href: '/app/maps' } });
    expect(describeMissingPage('/app/maps/x/publish', 'staff')).toMatchObject({ heading: 'No such map' });
    expect(describeMissingPage('/app/maps/x/versions/9', 'staff')).toMatchObject({ heading: 'No such version', back: { href: '/app/maps' } });
    expect(describeMissingPage('/app/review/x', 'staff')).toMatchObject({ heading: 'No such item in the review queue', back: { href: '/app/review' } });
    expect(describeMissingPage('/app/outbox/x', 'staff')).toMatchObject({ heading: 'No such email', back: { href: '/app/outbox' } });
    expect(describeMissingPage('/app/elsewhere', 'staff')).toMatchObject({ heading: 'Page not found', back: { href: '/app' } });
    expect(describeMissingPage('/app/maps/m1/live/nope', 'staff')).toMatchObject({ heading: 'No such live session', back: { href: '/app/maps/m1/live' } });
    expect(describeMissingPage('/app/maps/m1/live/nope/screen', 'staff')).toMatchObject({ heading: 'No such live session' });
  });

  it('says the same to a customer whether the map does not exist or is not theirs, in the portal frame', () => {
    const theirs = describeMissingPage('/m/maps/someone-elses', 'participant');
    expect(theirs).toEqual(describeMissingPage('/m/maps/no-such-thing', 'participant'));
    expect(theirs).toMatchObject({ side: 'portal', heading: 'Not found', back: { href: '/m', label: 'Go to your reviews' } });
    expect(describeMissingPage('/m/versions/x', 'staff')).toMatchObject({ side: 'portal', back: { href: '/app/maps' } });
    expect(describeMissingPage('/m/maps/x', 'none')).toMatchObject({ side: 'portal', back: { href: '/m/link' } });
  });

  it('keeps the plain page elsewhere', () => {
    expect(describeMissingPage('/nowhere', 'none')).toMatchObject({ side: 'public', back: { href: '/' } });
    expect(describeMissingPage('/app/maps/x', 'none').side).toBe('public');
  });
});

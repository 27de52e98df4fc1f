import { describe, expect, it } from 'vitest';
import { safeReturnPath } from '../../src/server/portal/return-path.ts';

describe('where a link may lead after Continue', () => {
  it('accepts a live session’s join page', () => {
    expect(safeReturnPath('/m/live/abc234def5')).toBe('/m/live/abc234def5');
  });

  it.each([
    ['another site', 'https://evil.example/m/live/abc'],
    ['a protocol-relative URL', '//evil.example/m/live/abc'],
    ['a staff page', '/app/review'],
    ['the live events stream', '/m/live/abc/events'],
    ['a path with a query', '/m/live/abc?x=1'],
    ['a path climbing out', '/m/live/../../app'],
    ['an encoded slash', '/m/live/abc%2F..'],
    ['nothing', ''],
    ['not a string', 42],
  ])('refuses %s', (_label, value) => {
    expect(safeReturnPath(value)).toBeNull();
  });
});

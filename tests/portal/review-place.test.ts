import { describe, expect, it } from 'vitest';
import { describeReviewPlace, formatReviewPlace, parseReviewPlace, reviewPlacePath, withReviewPlace } from '../../src/server/portal/review-place.ts';

const MAP = '/m/maps/abc234';

describe('where in their review a participant came from', () => {
  it('reads the summary and a stage of the walk, and leads back there', () => {
    expect(reviewPlacePath(MAP, parseReviewPlace('summary'))).toBe(`${MAP}/summary`);
    expect(reviewPlacePath(MAP, parseReviewPlace('walk:3'))).toBe(`${MAP}/walk/3`);
    expect(describeReviewPlace(parseReviewPlace('walk:3'))).toBe('stage 3');
    expect(describeReviewPlace(parseReviewPlace('summary'))).toBe('everything you said');
  });

  it('round-trips through ?from=, and the map needs none', () => {
    for (const from of ['summary', 'walk:1', 'walk:12']) expect(formatReviewPlace(parseReviewPlace(from))).toBe(from);
    expect(formatReviewPlace({ kind: 'map' })).toBeNull();
    expect(withReviewPlace(`${MAP}/annotations/x`, { kind: 'map' })).toBe(`${MAP}/annotations/x`);
    expect(withReviewPlace(`${MAP}/annotations/x`, { kind: 'walk', step: 2 })).toBe(`${MAP}/annotations/x?from=walk%3A2`);
    expect(withReviewPlace(`${MAP}/annotations/x?withdraw=confirm#top`, { kind: 'summary' })).toBe(`${MAP}/annotations/x?withdraw=confirm&from=summary#top`);
    expect(new URL(`http://h${withReviewPlace('/p', { kind: 'walk', step: 2 })}`).searchParams.get('from')).toBe('walk:2');
  });

  it.each([
    ['another site', 'https://evil.example/'],
    ['a path', '/app/review'],
    ['a step that is not a number', 'walk:x'],
    ['step zero', 'walk:0'],
    ['a huge step', 'walk:99999'],
    ['a step with more after it', 'walk:2/../../app'],
    ['nothing', null],
    ['not a string', 42],
  ])('takes %s as the map, staying under the invitation', (_label, value) => {
    expect(parseReviewPlace(value)).toEqual({ kind: 'map' });
    expect(reviewPlacePath(MAP, parseReviewPlace(value))).toBe(MAP);
  });
});

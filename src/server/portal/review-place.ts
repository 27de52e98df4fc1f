/**
 * Where in their review a participant is: the map, a stage of the guided walk, or the summary.
 * Editing, withdrawing and +1 happen on other pages or endpoints; the place travels with them
 * (`?from=summary`, `?from=walk:3`, or nothing for the map) so the person lands back where they
 * were. Only these shapes are read, into a path under the same invitation, so the value can
 * never lead anywhere else (no open redirect).
 */
export type ReviewPlace = { kind: 'map' } | { kind: 'summary' } | { kind: 'walk'; step: number };

const MAX_STEP = 10_000;

export function parseReviewPlace(value: unknown): ReviewPlace {
  if (value === 'summary') return { kind: 'summary' };
  const walk = typeof value === 'string' ? /^walk:([1-9]\d{0,4})$/.exec(value) : null;
  if (walk && Number(walk[1]) <= MAX_STEP) return { kind: 'walk', step: Number(walk[1]) };
  return { kind: 'map' };
}

/** The `from` value for a place; null for the map, which needs none. */
export function formatReviewPlace(place: ReviewPlace): string | null {
  switch (place.kind) {
    case 'map':
      return null;
    case 'summary':
      return 'summary';
    case 'walk':
      return `walk:${place.step}`;
  }
}

/** The page of the place, under the invitation's map path (`/m/maps/<invitation>`). */
export function reviewPlacePath(mapPath: string, place: ReviewPlace): string {
  switch (place.kind) {
    case 'map':
      return mapPath;
    case 'summary':
      return `${mapPath}/summary`;
    case 'walk':
      return `${mapPath}/walk/${place.step}`;
  }
}

/** What a link back to the place says ("Back to the map"). */
export function describeReviewPlace(place: ReviewPlace): string {
  switch (place.kind) {
    case 'map':
      return 'the map';
    case 'summary':
      return 'everything you said';
    case 'walk':
      return `stage ${place.step}`;
  }
}

/** A path with `?from=` (or `&from=`) for the place added; unchanged for the map. */
export function withReviewPlace(path: string, place: ReviewPlace): string {
  const from = formatReviewPlace(place);
  if (!from) return path;
  const [beforeHash, hash] = path.split('#', 2) as [string, string | undefined];
  return `${beforeHash}${beforeHash.includes('?') ? '&' : '?'}from=${encodeURIComponent(from)}${hash === undefined ? '' : `#${hash}`}`;
}

/**
 * The queue's filter as it travels in a URL: the queue page, its export download and links from
 * emails all speak these parameter names, so a filtered view can be bookmarked, shared and
 * exported as it is. Pure: no I/O.
 */
import type { QueueFilter } from './review.service.ts';

/** Parameter name → filter field. Values longer than this are not ids or states: ignored. */
export const FILTER_PARAMS = {
  map: 'mapId',
  version: 'versionId',
  stage: 'stageKey',
  kind: 'kind',
  segment: 'segment',
  account: 'account',
  moderation: 'moderation',
  disposition: 'disposition',
  owner: 'ownerId',
  tag: 'tag',
} as const satisfies Record<string, keyof QueueFilter>;

export type FilterParam = keyof typeof FILTER_PARAMS;
const VALUE_MAX = 200;

export type QueueSort = 'newest' | 'priority';

export interface QueueView {
  filter: QueueFilter;
  sort: QueueSort;
  page: number;
}

/** Reads the filter, sort and page from a query string. Unknown or empty parameters are ignored. */
export function parseQueueView(params: URLSearchParams): QueueView {
  const filter: QueueFilter = {};
  for (const [param, field] of Object.entries(FILTER_PARAMS) as [FilterParam, keyof QueueFilter][]) {
    const value = params.get(param)?.trim();
    if (value && value.length <= VALUE_MAX) filter[field] = value;
  }
  const sort: QueueSort = params.get('sort') === 'priority' ? 'priority' : 'newest';
  const pageNumber = Number(params.get('page'));
  const page = Number.isInteger(pageNumber) && pageNumber >= 1 && pageNumber <= 100_000 ? pageNumber : 1;
  return { filter, sort, page };
}

/** The query string for a view (without "?"); defaults are left out so URLs stay short. */
export function queueViewQuery(view: Partial<QueueView>): string {
  const params = new URLSearchParams();
  for (const [param, field] of Object.entries(FILTER_PARAMS) as [FilterParam, keyof QueueFilter][]) {
    const value = view.filter?.[field];
    if (value) params.set(param, value);
  }
  if (view.sort && view.sort !== 'newest') params.set('sort', view.sort);
  if (view.page && view.page > 1) params.set('page', String(view.page));
  return params.toString();
}

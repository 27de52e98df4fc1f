/** One entry point for an uploaded or command-line map file: JSON v1 or CSV, told apart by name and content. */
import { parseMapCsv } from './map-csv.ts';
import { parseMapJson } from './map-format.ts';
import type { JourneyMapContent } from './maps.ts';

export type MapFileFormat = 'json' | 'csv';

export function detectMapFileFormat(name: string, text: string): MapFileFormat {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.json')) return 'json';
  return text.replace(/^\uFEFF/, '').trimStart().startsWith('{') ? 'json' : 'csv';
}

/** A CSV has no title of its own: it comes from the form, else from the file name. */
export function titleFromFileName(name: string): string {
  const base = name.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '').replace(/[-_]+/g, ' ').trim();
  return (base || 'Imported map').slice(0, 200);
}

export function parseMapFile(input: { name: string; text: string; title?: string | null }):
  | { ok: true; map: JourneyMapContent }
  | { ok: false; problems: string[] } {
  if (detectMapFileFormat(input.name, input.text) === 'json') return parseMapJson(input.text);
  return parseMapCsv(input.text, { title: input.title?.trim() || titleFromFileName(input.name) });
}

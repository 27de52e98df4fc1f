/**
 * Annotation exports: every annotation of a queue view with its triage data, as CSV for
 * spreadsheets and as W3C Web Annotation JSON-LD (https://www.w3.org/TR/annotation-model/) for
 * annotation tools. Pure: no I/O; review-export.service.ts reads the rows and streams these
 * pieces out.
 *
 * CSV: one row per annotation under a fixed header; every cell goes through the shared formula
 * neutralisation (src/server/csv/csv.ts), so a participant's "=HYPERLINK(…)" stays text in a
 * spreadsheet and `restoreFormula` gives it back byte for byte.
 *
 * W3C: an AnnotationCollection whose first (and only) AnnotationPage embeds every annotation, so
 * the file streams out in one pass. Each annotation:
 * - id: the item's page in the review queue (`/app/review/ID`), stable and staff-only;
 * - target: the staff customer view of its version (`/m/versions/VERSION`), which renders every
 *   stage, lane and card with the HTML id `stage-KEY`, `lane-KEY`, `card-KEY`
 *   (src/components/portal/PublishedMapView.astro). A stage, lane or card is a SpecificResource
 *   with an HTML FragmentSelector; a gap between two stages is a RangeSelector from one stage to
 *   the next; the whole journey is the page itself;
 * - body: the text (purpose commenting, or questioning for a question), the kind (classifying)
 *   and each tag (tagging);
 * - `groundtruth`: the triage data the W3C vocabulary has no terms for. It is plain JSON outside
 *   the anno.jsonld context, so JSON readers get it and JSON-LD processors skip it.
 */
import { formatAnchor, type Anchor } from '../annotations/annotations.ts';
import { neutraliseFormula, quoteCell } from '../csv/csv.ts';
import type { QueueItem } from './review.service.ts';

export const EXPORT_FORMATS = ['csv', 'w3c'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(value: unknown): value is ExportFormat {
  return typeof value === 'string' && (EXPORT_FORMATS as readonly string[]).includes(value);
}

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  // The media type the W3C Web Annotation Protocol gives annotation documents.
  w3c: 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
};

const FILE_EXTENSIONS: Record<ExportFormat, string> = { csv: 'csv', w3c: 'jsonld' };

/** An annotation as exported: what the queue shows, plus what only the export adds. */
export interface ExportItem extends QueueItem {
  /** When the participant last changed it (epoch ms). */
  updatedAt: number;
  /** Internal notes written on it (their text stays in the app). */
  notes: number;
  /** Distinct participants who raised it, +1'd it or raised a duplicate merged into it. */
  participants: number;
  /** Their distinct accounts. */
  accounts: number;
  /** The priority score (review.ts, PRIORITY_FORMULA). */
  priority: number;
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

function optionalNumber(value: number | null): string {
  return value === null ? '' : String(value);
}

/** `annotations-<map>-<date>.csv`: a name every browser and file system accepts. */
export function exportFileName(options: { mapTitle: string | null; now: number; format: ExportFormat }): string {
  const slug = (options.mapTitle ?? 'all-maps')
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 60);
  return `annotations-${slug || 'map'}-${isoTime(options.now).slice(0, 10)}.${FILE_EXTENSIONS[options.format]}`;
}

// ---------------------------------------------------------------------------------------------
// CSV

export const ANNOTATION_CSV_COLUMNS = [
  'id',
  'created_at',
  'map_id',
  'map_title',
  'version',
  'anchor',
  'anchor_label',
  'kind',
  'text',
  'felt',
  'importance',
  'author_name',
  'author_email',
  'author_company',
  'author_segment',
  'author_role',
  'moderation',
  'disposition',
  'decline_reason',
  'duplicate_of',
  'owner',
  'tags',
  'internal_notes',
  'plus_ones',
  'reporters',
  'participants',
  'accounts',
  'business_impact',
  'effort',
  'priority',
  'triaged_at',
] as const;
export type AnnotationCsvColumn = (typeof ANNOTATION_CSV_COLUMNS)[number];
export const ANNOTATION_CSV_HEADER = ANNOTATION_CSV_COLUMNS.join(',');
/** Tags cannot contain it (review.ts, normalizeTag), so a cell of tags splits back exactly. */
export const TAG_SEPARATOR = '; ';

/** The cells of one annotation, before neutralisation and quoting. Empty means "not set". */
export function annotationCsvCells(item: ExportItem): Record<AnnotationCsvColumn, string> {
  return {
    id: item.id,
    created_at: isoTime(item.createdAt),
    map_id: item.mapId,
    map_title: item.mapTitle,
    version: String(item.versionNumber),
    anchor: formatAnchor(item.anchor),
    anchor_label: item.anchorLabel,
    kind: item.kind,
    text: item.text,
    felt: optionalNumber(item.felt),
    importance: optionalNumber(item.importance),
    author_name: item.author.name ?? '',
    author_email: item.author.email,
    author_company: item.author.account ?? '',
    author_segment: item.author.segment ?? '',
    author_role: item.author.role ?? '',
    moderation: item.moderation,
    disposition: item.disposition,
    decline_reason: item.declineReason ?? '',
    duplicate_of: item.duplicateOf ?? '',
    owner: item.owner?.name ?? '',
    tags: item.tags.join(TAG_SEPARATOR),
    internal_notes: String(item.notes),
    plus_ones: String(item.votes),
    reporters: String(item.reporters),
    participants: String(item.participants),
    accounts: String(item.accounts),
    business_impact: optionalNumber(item.businessImpact),
    effort: optionalNumber(item.effort),
    priority: String(item.priority),
    triaged_at: item.triagedAt === null ? '' : isoTime(item.triagedAt),
  };
}

/** The header line, CRLF-terminated like every row (RFC 4180). */
export function annotationCsvHeaderLine(): string {
  return `${ANNOTATION_CSV_HEADER}\r\n`;
}

/** One CRLF-terminated row: every cell formula-neutralised, quoted when it needs to be. */
export function annotationCsvRow(item: ExportItem): string {
  const cells = annotationCsvCells(item);
  return `${ANNOTATION_CSV_COLUMNS.map((column) => quoteCell(neutraliseFormula(cells[column]))).join(',')}\r\n`;
}

export function serializeAnnotationsCsv(items: Iterable<ExportItem>): string {
  let out = annotationCsvHeaderLine();
  for (const item of items) out += annotationCsvRow(item);
  return out;
}

// ---------------------------------------------------------------------------------------------
// W3C Web Annotation

export const ANNO_CONTEXT = 'http://www.w3.org/ns/anno.jsonld';
/** The W3C model's fragment specification for HTML (Web Annotation Data Model, 4.2.1). */
const HTML_FRAGMENT_SPEC = 'http://tools.ietf.org/rfc/rfc3236';

function trimBase(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '');
}

/** The item's page in the review queue: the annotation's id. */
export function annotationUrl(publicUrl: string, annotationId: string): string {
  return `${trimBase(publicUrl)}/app/review/${encodeURIComponent(annotationId)}`;
}

/** The staff customer view of a published version: what annotations target. */
export function versionViewUrl(publicUrl: string, versionId: string): string {
  return `${trimBase(publicUrl)}/m/versions/${encodeURIComponent(versionId)}`;
}

/** The download URL of a filtered export: the collection's id. */
export function exportCollectionUrl(publicUrl: string, format: ExportFormat, filterQuery: string): string {
  return `${trimBase(publicUrl)}/app/review/export?format=${format}${filterQuery ? `&${filterQuery}` : ''}`;
}

/**
 * An email address as a mailto: URI (RFC 6068): invitations accept any non-space characters
 * around the @, so both parts are percent-encoded to stay a valid URI.
 */
export function mailtoUri(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return `mailto:${encodeURIComponent(email)}`;
  return `mailto:${encodeURIComponent(email.slice(0, at))}@${encodeURIComponent(email.slice(at + 1))}`;
}

interface FragmentSelector {
  type: 'FragmentSelector';
  conformsTo: string;
  value: string;
}

function fragment(id: string): FragmentSelector {
  return { type: 'FragmentSelector', conformsTo: HTML_FRAGMENT_SPEC, value: id };
}

export type WebAnnotationTarget =
  | string
  | { type: 'SpecificResource'; source: string; selector: FragmentSelector | { type: 'RangeSelector'; startSelector: FragmentSelector; endSelector: FragmentSelector } };

/** Where the annotation points, on the version's customer view. */
export function webAnnotationTarget(anchor: Anchor, source: string): WebAnnotationTarget {
  switch (anchor.kind) {
    case 'map':
      return source;
    case 'stage':
      return { type: 'SpecificResource', source, selector: fragment(`stage-${anchor.stage}`) };
    case 'lane':
      return { type: 'SpecificResource', source, selector: fragment(`lane-${anchor.lane}`) };
    case 'card':
      return { type: 'SpecificResource', source, selector: fragment(`card-${anchor.card}`) };
    case 'gap':
      return {
        type: 'SpecificResource',
        source,
        selector: { type: 'RangeSelector', startSelector: fragment(`stage-${anchor.stage}`), endSelector: fragment(`stage-${anchor.nextStage}`) },
      };
  }
}

export interface WebAnnotation {
  '@context': typeof ANNO_CONTEXT;
  id: string;
  type: 'Annotation';
  motivation: 'commenting' | 'questioning';
  created: string;
  modified?: string;
  creator: { type: 'Person'; name?: string; email: string };
  body: { type: 'TextualBody'; purpose: string; value: string; format?: 'text/plain' }[];
  target: WebAnnotationTarget;
  groundtruth: Record<string, unknown>;
}

export function toWebAnnotation(item: ExportItem, publicUrl: string): WebAnnotation {
  const motivation = item.kind === 'question' ? 'questioning' : 'commenting';
  return {
    '@context': ANNO_CONTEXT,
    id: annotationUrl(publicUrl, item.id),
    type: 'Annotation',
    motivation,
    created: isoTime(item.createdAt),
    ...(item.updatedAt > item.createdAt ? { modified: isoTime(item.updatedAt) } : {}),
    creator: { type: 'Person', ...(item.author.name ? { name: item.author.name } : {}), email: mailtoUri(item.author.email) },
    body: [
      { type: 'TextualBody', purpose: motivation, value: item.text, format: 'text/plain' },
      { type: 'TextualBody', purpose: 'classifying', value: item.kindLabel },
      ...item.tags.map((tag) => ({ type: 'TextualBody' as const, purpose: 'tagging', value: tag })),
    ],
    target: webAnnotationTarget(item.anchor, versionViewUrl(publicUrl, item.versionId)),
    groundtruth: {
      id: item.id,
      map: { id: item.mapId, title: item.mapTitle, version: item.versionNumber },
      anchor: formatAnchor(item.anchor),
      anchorLabel: item.anchorLabel,
      kind: item.kind,
      felt: item.felt,
      importance: item.importance,
      author: { company: item.author.account, segment: item.author.segment, role: item.author.role },
      moderation: item.moderation,
      disposition: item.disposition,
      declineReason: item.declineReason,
      duplicateOf: item.duplicateOf === null ? null : annotationUrl(publicUrl, item.duplicateOf),
      owner: item.owner?.name ?? null,
      internalNotes: item.notes,
      plusOnes: item.votes,
      reporters: item.reporters,
      participants: item.participants,
      accounts: item.accounts,
      businessImpact: item.businessImpact,
      effort: item.effort,
      priority: item.priority,
      triagedAt: item.triagedAt === null ? null : isoTime(item.triagedAt),
    },
  };
}

export interface CollectionMeta {
  /** The collection's IRI (exportCollectionUrl). */
  id: string;
  label: string;
  /** Annotations matching when the export started. */
  total: number;
}

/**
 * The collection up to the opening of its page's items array. What follows: annotations joined
 * by WEB_ANNOTATION_SEPARATOR, then WEB_ANNOTATION_COLLECTION_TAIL. Written by hand around
 * JSON.stringify so 100,000 annotations stream out without building one huge object.
 */
export function webAnnotationCollectionHead(meta: CollectionMeta): string {
  const collection = JSON.stringify({ '@context': ANNO_CONTEXT, id: meta.id, type: 'AnnotationCollection', label: meta.label, total: meta.total });
  const page = JSON.stringify({ id: `${meta.id}#page-1`, type: 'AnnotationPage', partOf: meta.id, startIndex: 0 });
  return `${collection.slice(0, -1)},"first":${page.slice(0, -1)},"items":[\n`;
}

export const WEB_ANNOTATION_SEPARATOR = ',\n';
export const WEB_ANNOTATION_COLLECTION_TAIL = '\n]}}\n';

export function serializeWebAnnotation(item: ExportItem, publicUrl: string): string {
  return JSON.stringify(toWebAnnotation(item, publicUrl));
}

export function serializeWebAnnotationCollection(meta: CollectionMeta, items: Iterable<ExportItem>, publicUrl: string): string {
  const annotations = [...items].map((item) => serializeWebAnnotation(item, publicUrl));
  return webAnnotationCollectionHead(meta) + annotations.join(WEB_ANNOTATION_SEPARATOR) + WEB_ANNOTATION_COLLECTION_TAIL;
}

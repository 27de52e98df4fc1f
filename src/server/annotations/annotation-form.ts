/**
 * Reading an annotation form as the browser posts it (plain HTML forms, no JavaScript needed).
 * Everything arrives as text; this turns it into what the service takes, and keeps the raw
 * values so a refused form can be shown again with the person's words in it.
 */
import { parseAnchor, type Anchor } from './annotations.ts';

export interface AnnotationFormValues {
  anchor: string;
  kind: string;
  text: string;
  felt: string;
  importance: string;
}

const FIELD_MAX = 20_000;

function field(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value.slice(0, FIELD_MAX) : '';
}

/** Browsers send line breaks in text areas as CRLF; the text is stored as the person saw it, with LF. */
function normaliseLineBreaks(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

export function readAnnotationForm(form: FormData): { values: AnnotationFormValues; anchor: Anchor | null; felt: number | null; importance: number | null } {
  const values = {
    anchor: field(form, 'anchor'),
    kind: field(form, 'kind'),
    text: normaliseLineBreaks(field(form, 'text')),
    felt: field(form, 'felt'),
    importance: field(form, 'importance'),
  };
  const number = (value: string) => (value === '' ? null : /^-?\d$/.test(value) ? Number(value) : NaN);
  return { values, anchor: parseAnchor(values.anchor), felt: number(values.felt), importance: number(values.importance) };
}

export function emptyAnnotationForm(anchor: string, kind = 'missing'): AnnotationFormValues {
  return { anchor, kind, text: '', felt: '', importance: '' };
}

/**
 * Reading an annotation form as the browser posts it (plain HTML forms, no JavaScript needed).
 * Everything arrives as text; this turns it into what the service takes, and keeps the raw
 * values so a refused form can be shown again with the person's words in it.
 */
import { describeKindProblem, describeTextProblem, parseAnchor, type Anchor } from './annotations.ts';

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

/**
 * The kind a new form starts with. The question decides: "Missing after this?" (a gap between
 * two stages) asks whether something is missing, so that is chosen already; a free Comment form
 * (the map, a stage, a row, a card) chooses nothing, so nobody's comment counts as "missing" —
 * the headline — only because they skipped the choice.
 */
export function defaultKindFor(anchor: string): string {
  return parseAnchor(anchor)?.kind === 'gap' ? 'missing' : '';
}

/** A new form. `kind`: preselect one where the question asks for it (the guided walk's "Is anything missing here?"). */
export function emptyAnnotationForm(anchor: string, kind = defaultKindFor(anchor)): AnnotationFormValues {
  return { anchor, kind, text: '', felt: '', importance: '' };
}

export interface AnnotationFieldProblems {
  kind: string | null;
  text: string | null;
}

/**
 * Which fields of a refused form are at fault, with the same words the service used, so the
 * form can mark them (aria-invalid, the message beside the field) and put the focus there.
 */
export function findFieldProblems(values: AnnotationFormValues): AnnotationFieldProblems {
  return { kind: describeKindProblem(values.kind), text: describeTextProblem(values.text) };
}

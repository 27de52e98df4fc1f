/**
 * Validation of single edits made in the map editor, and key generation. Pure: the service
 * applies what these accept. Text is kept as the editor typed it (no trimming inside), but
 * names must not be blank and every field has the interchange format's length limit.
 */
import { isLongerThan } from './map-format.ts';
import { EMOTION_MAX, EMOTION_MIN, isLaneKind, MAP_LIMITS, VISIBILITIES, type LaneKind, type Visibility } from './maps.ts';

export type EditProblem = { field: string; message: string };

export interface MapDetailsPatch {
  title?: string;
  customerTitle?: string | null;
  description?: string | null;
  segment?: string | null;
  persona?: string | null;
  lifecycle?: string | null;
  internalNotes?: string | null;
}

export interface StagePatch {
  name?: string;
  customerName?: string | null;
  description?: string | null;
  visibility?: Visibility;
  momentOfTruth?: boolean;
}

export interface LanePatch {
  name?: string;
  customerName?: string | null;
  kind?: LaneKind;
  visibility?: Visibility;
}

export interface CardPatch {
  text?: string;
  customerText?: string | null;
  visibility?: Visibility;
  emotion?: number | null;
  owner?: string | null;
  notes?: string | null;
}

function checkRequiredText(problems: EditProblem[], field: string, value: unknown, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.trim() === '') problems.push({ field, message: `${field} must not be empty.` });
  else if (isLongerThan(value, max)) problems.push({ field, message: `${field} must be at most ${max} characters.` });
}

function checkOptionalText(problems: EditProblem[], field: string, value: unknown, max: number): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string') problems.push({ field, message: `${field} must be text.` });
  else if (isLongerThan(value, max)) problems.push({ field, message: `${field} must be at most ${max} characters.` });
}

function checkVisibility(problems: EditProblem[], value: unknown): void {
  if (value !== undefined && !(VISIBILITIES as readonly unknown[]).includes(value)) {
    problems.push({ field: 'visibility', message: 'visibility must be public or internal.' });
  }
}

/** Empty optional text means "not set". */
export function emptyToNull(value: string | null | undefined): string | null | undefined {
  return typeof value === 'string' && value.trim() === '' ? null : value;
}

export function validateMapDetailsPatch(patch: MapDetailsPatch): EditProblem[] {
  const p: EditProblem[] = [];
  checkRequiredText(p, 'title', patch.title, MAP_LIMITS.titleLength);
  checkOptionalText(p, 'customerTitle', patch.customerTitle, MAP_LIMITS.titleLength);
  checkOptionalText(p, 'description', patch.description, MAP_LIMITS.descriptionLength);
  checkOptionalText(p, 'segment', patch.segment, MAP_LIMITS.segmentLength);
  checkOptionalText(p, 'persona', patch.persona, MAP_LIMITS.personaLength);
  checkOptionalText(p, 'lifecycle', patch.lifecycle, MAP_LIMITS.lifecycleLength);
  checkOptionalText(p, 'internalNotes', patch.internalNotes, MAP_LIMITS.internalNotesLength);
  return p;
}

export function validateStagePatch(patch: StagePatch): EditProblem[] {
  const p: EditProblem[] = [];
  checkRequiredText(p, 'name', patch.name, MAP_LIMITS.nameLength);
  checkOptionalText(p, 'customerName', patch.customerName, MAP_LIMITS.nameLength);
  checkOptionalText(p, 'description', patch.description, MAP_LIMITS.stageDescriptionLength);
  checkVisibility(p, patch.visibility);
  if (patch.momentOfTruth !== undefined && typeof patch.momentOfTruth !== 'boolean') p.push({ field: 'momentOfTruth', message: 'momentOfTruth must be true or false.' });
  return p;
}

export function validateLanePatch(patch: LanePatch): EditProblem[] {
  const p: EditProblem[] = [];
  checkRequiredText(p, 'name', patch.name, MAP_LIMITS.nameLength);
  checkOptionalText(p, 'customerName', patch.customerName, MAP_LIMITS.nameLength);
  if (patch.kind !== undefined && !isLaneKind(patch.kind)) p.push({ field: 'kind', message: `kind "${String(patch.kind)}" is not a lane kind.` });
  checkVisibility(p, patch.visibility);
  return p;
}

export function validateCardPatch(patch: CardPatch): EditProblem[] {
  const p: EditProblem[] = [];
  checkRequiredText(p, 'text', patch.text, MAP_LIMITS.cardTextLength);
  checkOptionalText(p, 'customerText', patch.customerText, MAP_LIMITS.cardTextLength);
  checkOptionalText(p, 'owner', patch.owner, MAP_LIMITS.ownerLength);
  checkOptionalText(p, 'notes', patch.notes, MAP_LIMITS.notesLength);
  checkVisibility(p, patch.visibility);
  if (patch.emotion !== undefined && patch.emotion !== null) {
    if (!Number.isInteger(patch.emotion) || patch.emotion < EMOTION_MIN || patch.emotion > EMOTION_MAX) {
      p.push({ field: 'emotion', message: `emotion must be a whole number from ${EMOTION_MIN} to ${EMOTION_MAX}.` });
    }
  }
  return p;
}

/**
 * A readable key from a name, unique among `taken` ("Technical setup" → "technical-setup",
 * then "technical-setup-2"). Names without Latin letters or digits fall back to the prefix.
 */
export function generateKey(name: string, taken: ReadonlySet<string>, fallbackPrefix: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56)
    .replace(/-+$/, '');
  const base = slug && /^[a-z0-9]/.test(slug) ? slug : fallbackPrefix;
  if (!taken.has(base) && !(base === fallbackPrefix)) return base;
  for (let n = base === fallbackPrefix ? 1 : 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** The order after moving `id` to `toIndex` (clamped), the others keeping theirs. */
export function moveIdTo(ids: readonly string[], id: string, toIndex: number): string[] {
  const order = ids.filter((other) => other !== id);
  order.splice(Math.max(0, Math.min(order.length, toIndex)), 0, id);
  return order;
}

/** The order with `id` inserted after `afterId`, or at the end when that is not found or not given. */
export function insertIdAfter(ids: readonly string[], id: string, afterId: string | null | undefined): string[] {
  const afterIndex = afterId ? ids.indexOf(afterId) : -1;
  const order = [...ids];
  order.splice(afterIndex < 0 ? order.length : afterIndex + 1, 0, id);
  return order;
}

/**
 * The map editor's state and its saving. Three ideas hold it together:
 *
 * 1. **Drafts over entities.** Stages, lanes, cards and the map details are kept exactly as the
 *    server last returned them (with their revisions). What the person types lives beside them in
 *    `drafts`, keyed `kind:id:field`; a field shows its draft when there is one. Saving sends the
 *    drafts that differ from the entity; a draft is dropped only once it is saved *and* the person
 *    has left the field (blur, Enter, a select's change), so text is never replaced under the
 *    cursor, not even by the server's trimmed copy of it.
 *
 * 2. **One queue.** Every request goes through a single promise chain. An edit therefore always
 *    names the revision the previous edit produced, and two quick edits by the same person never
 *    conflict with each other; adds and moves keep their order too.
 *
 * 3. **Three-way conflicts.** A stale edit comes back as `conflict` with the current row. Fields
 *    the other person changed while this person has a draft of them become conflicts: the draft
 *    stays in the field, unsaved, until the person chooses "Keep mine" or "Use theirs". Drafts of
 *    fields the other person did not touch are re-sent on top of the new revision, because
 *    nothing of theirs is lost by that.
 *
 * Lists are `$state.raw` and replaced on change: with 5,000 cards, deep proxies would cost more
 * than rebuilding the per-cell index, which is one pass over an array.
 */
import { actions } from 'astro:actions';
import { SvelteMap } from 'svelte/reactivity';
import {
  isLaneAlwaysInternal,
  MAP_LIMITS,
  type EditableCard,
  type EditableLane,
  type EditableMap,
  type EditableStage,
  type LaneKind,
} from '../../server/maps/maps.ts';

export type EntityKind = 'map' | 'stage' | 'lane' | 'card';
export type FieldValue = string | number | boolean | null;

export type MapDetails = Pick<EditableMap, 'id' | 'revision' | 'title' | 'customerTitle' | 'description' | 'segment' | 'persona' | 'lifecycle' | 'internalNotes'>;

interface EntityByKind {
  map: MapDetails;
  stage: EditableStage;
  lane: EditableLane;
  card: EditableCard;
}
type AnyEntity = EntityByKind[EntityKind];

export interface Selection {
  kind: EntityKind;
  id: string;
}

export interface Conflict {
  key: string;
  kind: EntityKind;
  id: string;
  field: string;
  /** The other person's value; undefined when the server did not say (map details other than the title). */
  theirs: FieldValue | undefined;
}

export interface EditorMessage {
  id: number;
  text: string;
  /** Set for messages that a person's choice resolves; they disappear with the conflict. */
  conflictKey?: string;
  /** Offer "Try again" (the server could not be reached). */
  canRetry?: boolean;
}

export type SaveState = 'saving' | 'unsaved' | 'conflict' | 'saved';

export interface ZoomLevel {
  label: string;
  /** Keep in step with .me-zoom-N in map-editor.css. */
  columnWidth: number;
  laneWidth: number;
  curveHeight: number;
}

/** From an overview of a 30-stage map on a 1280 px screen (level 0) to reading a cell. */
export const ZOOM_LEVELS: readonly ZoomLevel[] = [
  { label: '20%', columnWidth: 38, laneWidth: 96, curveHeight: 48 },
  { label: '40%', columnWidth: 80, laneWidth: 120, curveHeight: 64 },
  { label: '70%', columnWidth: 140, laneWidth: 150, curveHeight: 84 },
  { label: '100%', columnWidth: 200, laneWidth: 180, curveHeight: 104 },
  { label: '140%', columnWidth: 280, laneWidth: 200, curveHeight: 120 },
  { label: '180%', columnWidth: 360, laneWidth: 220, curveHeight: 136 },
];
export const DEFAULT_ZOOM_INDEX = 3;

export const LANE_KIND_LABELS: Record<LaneKind, string> = {
  actions: 'Actions',
  touchpoints: 'Touchpoints',
  channels: 'Channels',
  thoughts: 'Thoughts',
  emotions: 'Emotions',
  pain_points: 'Pain points',
  opportunities: 'Opportunities',
  backstage: 'Backstage',
  owners: 'Owners',
  metrics: 'Metrics',
  notes: 'Notes',
};

export const EMOTION_LABELS: Record<number, string> = { [-2]: 'very negative', [-1]: 'negative', 0: 'neutral', 1: 'positive', 2: 'very positive' };

/** Text fields that must not be blank. Names are trimmed by the server; card text is kept as typed. */
const REQUIRED_TEXT = new Set(['title', 'name', 'text']);
/** Text fields where empty means "not set" (the server stores null). */
const OPTIONAL_TEXT = new Set(['customerTitle', 'description', 'segment', 'persona', 'lifecycle', 'internalNotes', 'customerName', 'customerText', 'owner', 'notes']);

const DEBOUNCE_MS = 700;
const MAX_SAVE_ATTEMPTS = 3;

export function toFieldKey(kind: EntityKind, id: string, field: string): string {
  return `${kind}:${id}:${field}`;
}

export function toCellKey(stageId: string, laneId: string): string {
  return `${stageId}:${laneId}`;
}

export function formatEmotion(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return rounded > 0 ? `+${rounded}` : rounded < 0 ? `−${Math.abs(rounded)}` : '0';
}

/** A value as a person reads it, for conflict notices. */
export function formatFieldValue(field: string, value: FieldValue | undefined): string {
  if (value === undefined) return '';
  if (value === null || value === '') return '(empty)';
  if (field === 'visibility') return value === 'internal' ? 'Internal' : 'Public';
  if (field === 'kind') return LANE_KIND_LABELS[value as LaneKind] ?? String(value);
  if (field === 'emotion') return typeof value === 'number' ? `${formatEmotion(value)} (${EMOTION_LABELS[value]})` : String(value);
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return String(value);
}

function normalize(field: string, value: FieldValue | undefined): FieldValue | undefined {
  if (REQUIRED_TEXT.has(field) && typeof value === 'string') return field === 'text' ? value : value.trim();
  if (OPTIONAL_TEXT.has(field)) return typeof value !== 'string' || value.trim() === '' ? null : value;
  return value;
}

function isSame(field: string, a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  return normalize(field, a) === normalize(field, b);
}

function isBlankRequired(field: string, value: FieldValue | undefined): boolean {
  return REQUIRED_TEXT.has(field) && (typeof value !== 'string' || value.trim() === '');
}

function readField(entity: AnyEntity, field: string): FieldValue | undefined {
  return (entity as unknown as Record<string, FieldValue | undefined>)[field];
}

type UpdateReply =
  | { status: 'ok'; entity: AnyEntity }
  | { status: 'conflict'; message: string; current: AnyEntity; knownFields: Set<string> | null }
  | { status: 'error'; code: string; message: string };

const NO_DETAILS: MapDetails = { id: '', revision: 0, title: '', customerTitle: null, description: null, segment: null, persona: null, lifecycle: null, internalNotes: null };

const UNREACHABLE = 'Could not reach the server, so the change is not saved yet. Check the connection and try again.';

export class MapEditorState {
  readonly mapId: string;
  readonly canEdit: boolean;

  details = $state.raw<MapDetails>(NO_DETAILS);
  stages = $state.raw<EditableStage[]>([]);
  lanes = $state.raw<EditableLane[]>([]);
  cards = $state.raw<EditableCard[]>([]);

  /** What the person typed and the server has not confirmed (or the person has not left yet). */
  readonly drafts = new SvelteMap<string, FieldValue>();
  readonly conflicts = new SvelteMap<string, Conflict>();

  selection = $state<Selection | null>(null);
  /** The cell whose "new card" field is open. */
  addingCell = $state<string | null>(null);
  zoomIndex = $state(DEFAULT_ZOOM_INDEX);
  /** Requests queued or in flight. */
  busy = $state(0);
  messages = $state<EditorMessage[]>([]);
  /** Polite announcement of what just happened (added, moved, deleted). */
  announcement = $state('');

  readonly zoom = $derived(ZOOM_LEVELS[this.zoomIndex] ?? ZOOM_LEVELS[DEFAULT_ZOOM_INDEX]!);
  readonly stageById = $derived(new Map(this.stages.map((s) => [s.id, s])));
  readonly laneById = $derived(new Map(this.lanes.map((l) => [l.id, l])));
  readonly cardById = $derived(new Map(this.cards.map((c) => [c.id, c])));

  #previousCardsByCell = new Map<string, EditableCard[]>();

  /**
   * Cards of each cell in display order, built in one pass; cells read their list from here.
   * A cell whose cards are unchanged keeps its previous array, so after one card is saved only
   * that card's cell renders again, not all 1,800 of a large map.
   */
  readonly cardsByCell = $derived.by(() => {
    const byCell = new Map<string, EditableCard[]>();
    for (const card of this.cards) {
      const key = toCellKey(card.stageId, card.laneId);
      const list = byCell.get(key);
      if (list) list.push(card);
      else byCell.set(key, [card]);
    }
    const previous = this.#previousCardsByCell;
    for (const [key, list] of byCell) {
      const old = previous.get(key);
      if (old && old.length === list.length && old.every((card, i) => card === list[i])) byCell.set(key, old);
    }
    this.#previousCardsByCell = byCell;
    return byCell;
  });

  /** A boolean of its own, so that 1,800 cells are not told about every change of the card list. */
  readonly cardLimitReached = $derived(this.cards.length >= MAP_LIMITS.cards);
  readonly hasEmotionLane = $derived(this.lanes.some((l) => l.kind === 'emotions'));

  /** The assumed emotional curve: per stage, the average score of the cards in emotions lanes. */
  readonly curve = $derived.by(() => {
    const emotionLanes = this.lanes.filter((l) => l.kind === 'emotions');
    return this.stages.map((stage) => {
      let sum = 0;
      let count = 0;
      for (const lane of emotionLanes) {
        for (const card of this.cardsByCell.get(toCellKey(stage.id, lane.id)) ?? []) {
          if (card.emotion === null) continue;
          sum += card.emotion;
          count++;
        }
      }
      return { stage, average: count > 0 ? sum / count : null, count };
    });
  });

  readonly saveState: SaveState = $derived.by(() => {
    if (this.busy > 0) return 'saving';
    if (this.conflicts.size > 0) return 'conflict';
    for (const [key, value] of this.drafts) {
      if (!this.#isDraftSaved(key, value)) return 'unsaved';
    }
    return 'saved';
  });

  #queue: Promise<unknown> = Promise.resolve();
  #timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Entities with a save queued but not started: a later edit rides along with it. */
  #queuedSaves = new Set<string>();
  /** Draft keys whose field the person has left: drop the draft once it is saved. */
  #committed = new Set<string>();
  #nextMessageId = 1;

  constructor(map: EditableMap, canEdit: boolean) {
    this.mapId = map.id;
    this.canEdit = canEdit;
    this.details = {
      id: map.id,
      revision: map.revision,
      title: map.title,
      customerTitle: map.customerTitle,
      description: map.description,
      segment: map.segment,
      persona: map.persona,
      lifecycle: map.lifecycle,
      internalNotes: map.internalNotes,
    };
    this.stages = map.stages;
    this.lanes = map.lanes;
    this.cards = map.cards;
  }

  // ----- reading -----------------------------------------------------------------------------

  getEntity<K extends EntityKind>(kind: K, id: string): EntityByKind[K] | undefined {
    switch (kind) {
      case 'map':
        return (id === this.details.id ? this.details : undefined) as EntityByKind[K] | undefined;
      case 'stage':
        return this.stageById.get(id) as EntityByKind[K] | undefined;
      case 'lane':
        return this.laneById.get(id) as EntityByKind[K] | undefined;
      default:
        return this.cardById.get(id) as EntityByKind[K] | undefined;
    }
  }

  /** What a field shows: the person's draft if there is one, else the saved value. */
  getFieldValue(kind: EntityKind, id: string, field: string): FieldValue {
    const key = toFieldKey(kind, id, field);
    if (this.drafts.has(key)) return this.drafts.get(key) ?? null;
    const entity = this.getEntity(kind, id);
    return entity ? (readField(entity, field) ?? null) : null;
  }

  isStageInternal(stage: EditableStage): boolean {
    return stage.visibility === 'internal';
  }

  isLaneInternal(lane: EditableLane): boolean {
    return lane.visibility === 'internal' || isLaneAlwaysInternal(lane.kind);
  }

  getCellPosition(card: EditableCard): { index: number; count: number } {
    const list = this.cardsByCell.get(toCellKey(card.stageId, card.laneId)) ?? [];
    return { index: list.findIndex((c) => c.id === card.id), count: list.length };
  }

  // ----- selection and zoom ------------------------------------------------------------------

  /** Opens another entity's panel; whatever was typed in the previous one is saved first. */
  select(next: Selection | null): void {
    const previous = this.selection;
    if (previous && (previous.kind !== next?.kind || previous.id !== next?.id)) this.flushEntity(previous.kind, previous.id);
    this.selection = next;
  }

  zoomIn(): void {
    this.zoomIndex = Math.min(ZOOM_LEVELS.length - 1, this.zoomIndex + 1);
  }

  zoomOut(): void {
    this.zoomIndex = Math.max(0, this.zoomIndex - 1);
  }

  /** The largest level at which every stage fits into `width` pixels. */
  zoomToFit(width: number): void {
    let index = 0;
    for (const [i, level] of ZOOM_LEVELS.entries()) {
      if (level.laneWidth + this.stages.length * level.columnWidth <= width) index = i;
    }
    this.zoomIndex = index;
  }

  // ----- editing fields ----------------------------------------------------------------------

  /** The person typed: keep the draft and save after a pause. */
  edit(kind: EntityKind, id: string, field: string, value: FieldValue): void {
    if (!this.canEdit) return;
    const key = toFieldKey(kind, id, field);
    this.drafts.set(key, value);
    this.#committed.delete(key);
    const entityKey = `${kind}:${id}`;
    clearTimeout(this.#timers.get(entityKey));
    this.#timers.set(
      entityKey,
      setTimeout(() => {
        this.#timers.delete(entityKey);
        this.#requestSave(kind, id);
      }, DEBOUNCE_MS),
    );
  }

  /** The person left the field (or pressed Enter): save now and let the field show the saved value. */
  commit(kind: EntityKind, id: string, field: string): void {
    const key = toFieldKey(kind, id, field);
    if (!this.drafts.has(key)) return;
    this.#committed.add(key);
    this.#requestSave(kind, id);
  }

  /** A select, checkbox or radio: saved at once. */
  setField(kind: EntityKind, id: string, field: string, value: FieldValue): void {
    if (!this.canEdit) return;
    const key = toFieldKey(kind, id, field);
    this.drafts.set(key, value);
    this.#committed.add(key);
    this.#requestSave(kind, id);
  }

  /** Saves every draft of an entity, as when its panel closes. */
  flushEntity(kind: EntityKind, id: string): void {
    const prefix = `${kind}:${id}:`;
    let hasDrafts = false;
    for (const key of this.drafts.keys()) {
      if (!key.startsWith(prefix)) continue;
      this.#committed.add(key);
      hasDrafts = true;
    }
    if (hasDrafts) this.#requestSave(kind, id);
  }

  /** After a failed connection: try every unsaved draft again. */
  retryAll(): void {
    this.messages = this.messages.filter((m) => !m.canRetry);
    const entities = new Set<string>();
    for (const key of this.drafts.keys()) entities.add(key.slice(0, key.lastIndexOf(':')));
    for (const entity of entities) {
      const [kind, id] = entity.split(':') as [EntityKind, string];
      this.flushEntity(kind, id);
    }
  }

  keepMine(key: string): void {
    const conflict = this.conflicts.get(key);
    if (!conflict) return;
    this.conflicts.delete(key);
    this.#dismissConflictMessages(key);
    this.#committed.add(key);
    this.#requestSave(conflict.kind, conflict.id);
  }

  useTheirs(key: string): void {
    const conflict = this.conflicts.get(key);
    if (!conflict) return;
    this.conflicts.delete(key);
    this.#dismissConflictMessages(key);
    this.drafts.delete(key);
    this.#committed.delete(key);
    this.announce('Kept their version.');
  }

  /** Whether leaving the page now would lose something. */
  get hasUnsavedWork(): boolean {
    return this.saveState !== 'saved';
  }

  // ----- messages ----------------------------------------------------------------------------

  announce(text: string): void {
    // Repeating the same words would not be read again; a trailing no-break space makes it new.
    this.announcement = this.announcement === text ? `${text}\u00a0` : text;
  }

  reportError(text: string, extra: Omit<EditorMessage, 'id' | 'text'> = {}): void {
    this.messages = [...this.messages.slice(-4), { id: this.#nextMessageId++, text, ...extra }];
  }

  dismissMessage(id: number): void {
    this.messages = this.messages.filter((m) => m.id !== id);
  }

  #dismissConflictMessages(key: string): void {
    this.messages = this.messages.filter((m) => m.conflictKey !== key);
  }

  // ----- structure: stages, lanes, cards -----------------------------------------------------

  async addStage(name: string): Promise<EditableStage | null> {
    return this.#run(async () => {
      const { data, error } = await actions.maps.addStage({ mapId: this.mapId, name, afterStageId: null });
      if (error) return this.#fail(error.message);
      this.stages = [...this.stages, data];
      this.announce(`Added the stage ${data.name}.`);
      return data;
    });
  }

  async moveStage(stageId: string, toIndex: number): Promise<boolean> {
    return this.#runBoolean(async () => {
      const { data, error } = await actions.maps.moveStage({ stageId, toIndex });
      if (error) return this.#failStructure('stage', stageId, error);
      this.stages = this.#ordered(this.stages, data);
      const stage = this.stageById.get(stageId);
      if (stage) this.announce(`Moved ${stage.name} to position ${this.stages.indexOf(stage) + 1} of ${this.stages.length}.`);
      return true;
    });
  }

  async deleteStage(stageId: string): Promise<boolean> {
    const name = this.stageById.get(stageId)?.name ?? 'the stage';
    return this.#runBoolean(async () => {
      const { error } = await actions.maps.deleteStage({ stageId });
      if (error && error.code !== 'NOT_FOUND') return this.#fail(error.message) ?? false;
      this.#forget('stage', stageId);
      this.announce(`Deleted the stage ${name} and its cards.`);
      return true;
    });
  }

  async addLane(name: string, kind: LaneKind): Promise<EditableLane | null> {
    return this.#run(async () => {
      const { data, error } = await actions.maps.addLane({ mapId: this.mapId, name, kind, afterLaneId: null });
      if (error) return this.#fail(error.message);
      this.lanes = [...this.lanes, data];
      this.announce(`Added the lane ${data.name}.`);
      return data;
    });
  }

  async moveLane(laneId: string, toIndex: number): Promise<boolean> {
    return this.#runBoolean(async () => {
      const { data, error } = await actions.maps.moveLane({ laneId, toIndex });
      if (error) return this.#failStructure('lane', laneId, error);
      this.lanes = this.#ordered(this.lanes, data);
      const lane = this.laneById.get(laneId);
      if (lane) this.announce(`Moved ${lane.name} to position ${this.lanes.indexOf(lane) + 1} of ${this.lanes.length}.`);
      return true;
    });
  }

  async deleteLane(laneId: string): Promise<boolean> {
    const name = this.laneById.get(laneId)?.name ?? 'the lane';
    return this.#runBoolean(async () => {
      const { error } = await actions.maps.deleteLane({ laneId });
      if (error && error.code !== 'NOT_FOUND') return this.#fail(error.message) ?? false;
      this.#forget('lane', laneId);
      this.announce(`Deleted the lane ${name} and its cards.`);
      return true;
    });
  }

  async addCard(stageId: string, laneId: string, text: string): Promise<EditableCard | null> {
    return this.#run(async () => {
      const { data, error } = await actions.maps.addCard({ mapId: this.mapId, stageId, laneId, text });
      if (error) return this.#fail(error.message);
      this.cards = [...this.cards, data];
      this.announce('Added the card.');
      return data;
    });
  }

  /** Moves a card to a cell, at `index` within it (the end when absent). */
  async moveCard(cardId: string, stageId: string, laneId: string, index?: number): Promise<boolean> {
    return this.#runBoolean(async () => {
      const old = this.cardById.get(cardId);
      if (!old) return false;
      const { data, error } = await actions.maps.moveCard({ cardId, stageId, laneId, index });
      if (error) return this.#failStructure('card', cardId, error);
      this.cards = this.#placeCard(data, index);
      // Moving bumps the card's revision; take the server's row as it is now, and check it the
      // way a conflict is checked so that a draft never lands silently on someone else's text.
      this.#mergeCurrent('card', cardId, old, data, null);
      const stage = this.stageById.get(stageId);
      const lane = this.laneById.get(laneId);
      const { index: at, count } = this.getCellPosition(data);
      this.announce(`Moved the card to ${stage?.name ?? 'its stage'}, ${lane?.name ?? 'its lane'}, position ${at + 1} of ${count}.`);
      return true;
    });
  }

  async deleteCard(cardId: string): Promise<boolean> {
    return this.#runBoolean(async () => {
      const { error } = await actions.maps.deleteCard({ cardId });
      if (error && error.code !== 'NOT_FOUND') return this.#fail(error.message) ?? false;
      this.#forget('card', cardId);
      this.announce('Deleted the card.');
      return true;
    });
  }

  // ----- internals ---------------------------------------------------------------------------

  #isDraftSaved(key: string, value: FieldValue): boolean {
    const [kind, id, field] = key.split(':') as [EntityKind, string, string];
    const entity = this.getEntity(kind, id);
    if (!entity) return true;
    return isSame(field, value, readField(entity, field)) || isBlankRequired(field, value);
  }

  /** Runs `task` after every earlier request, counting it as "saving" until it ends. */
  async #enqueue<T>(task: () => Promise<T>): Promise<T> {
    this.busy++;
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    try {
      return await run;
    } finally {
      this.busy--;
    }
  }

  async #run<T>(task: () => Promise<T | null>): Promise<T | null> {
    if (!this.canEdit) return null;
    try {
      return await this.#enqueue(task);
    } catch {
      this.reportError(UNREACHABLE);
      return null;
    }
  }

  async #runBoolean(task: () => Promise<boolean>): Promise<boolean> {
    return (await this.#run<boolean>(task)) ?? false;
  }

  #fail(message: string): null {
    this.reportError(message);
    return null;
  }

  #failStructure(kind: EntityKind, id: string, error: { code: string; message: string }): false {
    if (error.code === 'NOT_FOUND') this.#forget(kind, id);
    this.reportError(error.message);
    return false;
  }

  #requestSave(kind: EntityKind, id: string): void {
    const entityKey = `${kind}:${id}`;
    clearTimeout(this.#timers.get(entityKey));
    this.#timers.delete(entityKey);
    if (this.#queuedSaves.has(entityKey)) return;
    this.#queuedSaves.add(entityKey);
    this.#enqueue(async () => {
      this.#queuedSaves.delete(entityKey);
      await this.#saveEntity(kind, id);
    }).catch(() => {
      this.reportError(UNREACHABLE, { canRetry: true });
    });
  }

  /** Sends an entity's unsaved drafts as one patch; on conflict, sorts out which ones truly clash. */
  async #saveEntity(kind: EntityKind, id: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_SAVE_ATTEMPTS; attempt++) {
      const entity = this.getEntity(kind, id);
      if (!entity) {
        this.#dropDrafts(`${kind}:${id}:`);
        return;
      }
      const patch: Record<string, FieldValue | undefined> = {};
      const sent = new Map<string, FieldValue>();
      for (const [key, value] of this.drafts) {
        if (!key.startsWith(`${kind}:${id}:`) || this.conflicts.has(key)) continue;
        const field = key.slice(key.lastIndexOf(':') + 1);
        if (isBlankRequired(field, value)) continue;
        if (isSame(field, value, readField(entity, field))) {
          this.#settle(key, value);
          continue;
        }
        patch[field] = normalize(field, value);
        sent.set(key, value);
      }
      if (sent.size === 0) return;

      const reply = await this.#sendUpdate(kind, entity, patch);
      if (reply.status === 'error') {
        if (reply.code === 'NOT_FOUND') this.#forget(kind, id);
        this.reportError(reply.message);
        return;
      }
      if (reply.status === 'ok') {
        this.#setEntity(kind, reply.entity);
        for (const [key, value] of sent) this.#settle(key, value);
        return;
      }
      const clashes = this.#mergeCurrent(kind, id, entity, reply.current, reply.knownFields);
      if (clashes.length > 0) {
        const names = clashes.map((c) => FIELD_LABELS[c.field] ?? c.field).join(', ');
        this.reportError(`Not saved: ${reply.message} Your text is kept in the field (${names}); choose “Keep mine” or “Use theirs” there.`, {
          conflictKey: clashes[0]!.key,
        });
      }
      // Loop: what does not clash is sent again on top of the new revision.
    }
  }

  /** Drops a draft once the server holds it and the person has left the field. */
  #settle(key: string, sentValue: FieldValue): void {
    if (this.#committed.has(key) && this.drafts.get(key) === sentValue) {
      this.drafts.delete(key);
      this.#committed.delete(key);
    }
  }

  /**
   * Takes the server's current row and turns each draft that the other person's change touches
   * into a conflict. `knownFields` null means every field of `current` is known.
   */
  #mergeCurrent(kind: EntityKind, id: string, base: AnyEntity, current: AnyEntity, knownFields: Set<string> | null): Conflict[] {
    this.#setEntity(kind, current);
    const clashes: Conflict[] = [];
    for (const [key, draft] of this.drafts) {
      if (!key.startsWith(`${kind}:${id}:`) || this.conflicts.has(key)) continue;
      const field = key.slice(key.lastIndexOf(':') + 1);
      const isKnown = knownFields === null || knownFields.has(field);
      const theirs = readField(current, field);
      if (isKnown && isSame(field, draft, theirs)) {
        this.#settle(key, draft);
        continue;
      }
      if (isKnown && isSame(field, theirs, readField(base, field))) continue;
      const conflict: Conflict = { key, kind, id, field, theirs: isKnown ? (theirs ?? null) : undefined };
      this.conflicts.set(key, conflict);
      clashes.push(conflict);
    }
    return clashes;
  }

  async #sendUpdate(kind: EntityKind, entity: AnyEntity, patch: Record<string, FieldValue | undefined>): Promise<UpdateReply> {
    const revision = entity.revision;
    switch (kind) {
      case 'map': {
        const { data, error } = await actions.maps.updateDetails({ mapId: entity.id, revision, patch: patch as never });
        if (error) return { status: 'error', code: error.code, message: error.message };
        if (data.status === 'ok') return { status: 'ok', entity: { ...(entity as MapDetails), ...(patch as Partial<MapDetails>), revision: data.value.revision } };
        const current = data.current as { revision: number; title: string };
        return {
          status: 'conflict',
          message: data.message,
          current: { ...(entity as MapDetails), revision: current.revision, title: current.title },
          knownFields: new Set(['title']),
        };
      }
      case 'stage': {
        const { data, error } = await actions.maps.updateStage({ stageId: entity.id, revision, patch: patch as never });
        if (error) return { status: 'error', code: error.code, message: error.message };
        if (data.status === 'ok') return { status: 'ok', entity: data.value };
        return { status: 'conflict', message: data.message, current: data.current as EditableStage, knownFields: null };
      }
      case 'lane': {
        const { data, error } = await actions.maps.updateLane({ laneId: entity.id, revision, patch: patch as never });
        if (error) return { status: 'error', code: error.code, message: error.message };
        if (data.status === 'ok') return { status: 'ok', entity: data.value };
        return { status: 'conflict', message: data.message, current: data.current as EditableLane, knownFields: null };
      }
      case 'card': {
        const { data, error } = await actions.maps.updateCard({ cardId: entity.id, revision, patch: patch as never });
        if (error) return { status: 'error', code: error.code, message: error.message };
        if (data.status === 'ok') return { status: 'ok', entity: data.value };
        return { status: 'conflict', message: data.message, current: data.current as EditableCard, knownFields: null };
      }
    }
  }

  #setEntity(kind: EntityKind, entity: AnyEntity): void {
    switch (kind) {
      case 'map':
        this.details = entity as MapDetails;
        break;
      case 'stage':
        this.stages = this.stages.map((s) => (s.id === entity.id ? (entity as EditableStage) : s));
        break;
      case 'lane':
        this.lanes = this.lanes.map((l) => (l.id === entity.id ? (entity as EditableLane) : l));
        break;
      case 'card':
        this.cards = this.cards.map((c) => (c.id === entity.id ? (entity as EditableCard) : c));
        break;
    }
  }

  /** Puts a moved card at `index` among the cards of its new cell (order within a cell is array order). */
  #placeCard(card: EditableCard, index: number | undefined): EditableCard[] {
    const rest = this.cards.filter((c) => c.id !== card.id);
    const inCell = rest.filter((c) => c.stageId === card.stageId && c.laneId === card.laneId);
    const before = index !== undefined ? inCell[index] : undefined;
    if (before) {
      const at = rest.indexOf(before);
      return [...rest.slice(0, at), card, ...rest.slice(at)];
    }
    const last = inCell.at(-1);
    if (!last) return [...rest, card];
    const at = rest.indexOf(last) + 1;
    return [...rest.slice(0, at), card, ...rest.slice(at)];
  }

  #ordered<T extends { id: string }>(items: T[], order: string[]): T[] {
    const position = new Map(order.map((id, i) => [id, i]));
    return [...items].sort((a, b) => (position.get(a.id) ?? Infinity) - (position.get(b.id) ?? Infinity));
  }

  /** Removes a deleted entity (and, for a stage or lane, its cards) with its drafts and conflicts. */
  #forget(kind: EntityKind, id: string): void {
    const gone = new Set([`${kind}:${id}:`]);
    if (kind === 'stage' || kind === 'lane') {
      for (const card of this.cards) if ((kind === 'stage' ? card.stageId : card.laneId) === id) gone.add(`card:${card.id}:`);
    }
    if (kind === 'stage') {
      this.stages = this.stages.filter((s) => s.id !== id);
      this.cards = this.cards.filter((c) => c.stageId !== id);
    } else if (kind === 'lane') {
      this.lanes = this.lanes.filter((l) => l.id !== id);
      this.cards = this.cards.filter((c) => c.laneId !== id);
    } else if (kind === 'card') {
      this.cards = this.cards.filter((c) => c.id !== id);
    }
    for (const prefix of gone) this.#dropDrafts(prefix);
    const selected = this.selection;
    if (selected && gone.has(`${selected.kind}:${selected.id}:`)) this.selection = null;
    if (this.addingCell && (kind === 'stage' || kind === 'lane') && this.addingCell.split(':').includes(id)) this.addingCell = null;
  }

  #dropDrafts(prefix: string): void {
    for (const key of [...this.drafts.keys()]) {
      if (!key.startsWith(prefix)) continue;
      this.drafts.delete(key);
      this.#committed.delete(key);
    }
    for (const key of [...this.conflicts.keys()]) {
      if (!key.startsWith(prefix)) continue;
      this.conflicts.delete(key);
      this.#dismissConflictMessages(key);
    }
  }
}

/** Field names as the panels label them, for messages. */
export const FIELD_LABELS: Record<string, string> = {
  title: 'Title',
  customerTitle: 'Customer title',
  description: 'Description',
  segment: 'Segment',
  persona: 'Persona',
  lifecycle: 'Lifecycle phase',
  internalNotes: 'Internal notes',
  name: 'Name',
  customerName: 'Customer name',
  visibility: 'Internal',
  momentOfTruth: 'Moment of truth',
  kind: 'Lane kind',
  text: 'Internal text',
  customerText: 'Customer wording',
  emotion: 'Emotion',
  owner: 'Owner',
  notes: 'Notes',
};

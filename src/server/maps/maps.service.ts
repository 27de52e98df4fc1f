/**
 * Authoring internal maps: create, import, duplicate, archive, delete, and the editor's single
 * edits. Every edit of an existing row names the revision the editor started from; when the
 * row changed since, the edit is refused with `conflict` and the current row, so the editor can
 * show the other person's change and keep the user's own text.
 */
import type { DB } from '../../../db/connection.ts';
import type { MapCardRow, MapLaneRow, MapStageRow } from '../../../db/schema.ts';
import { generateSecureRandomString } from '../auth/auth.ts';
import type { Clock } from '../clock.ts';
import { fail, ok, type Result } from '../result.ts';
import {
  emptyToNull,
  generateKey,
  insertIdAfter,
  moveIdTo,
  validateCardPatch,
  validateLanePatch,
  validateMapDetailsPatch,
  validateStagePatch,
  type CardPatch,
  type EditProblem,
  type LanePatch,
  type MapDetailsPatch,
  type StagePatch,
} from './map-edits.ts';
import { createMapsRepository, type MapListFilter } from './maps.repository.ts';
import {
  isLaneKind,
  MAP_LIMITS,
  type EditableCard,
  type EditableLane,
  type EditableMap,
  type EditableStage,
  type JourneyMapContent,
  type LaneKind,
  type MapSummary,
  type Visibility,
} from './maps.ts';

export type MapEditError = 'not_found' | 'invalid' | 'conflict' | 'limit';

export type EditResult<T> = Result<T, MapEditError> & { current?: unknown };

function newId(): string {
  return generateSecureRandomString();
}

export function toEditableStage(r: MapStageRow): EditableStage {
  return {
    id: r.id,
    revision: r.revision,
    key: r.key,
    name: r.name,
    customerName: r.customer_name,
    description: r.description,
    visibility: r.visibility,
    momentOfTruth: r.moment_of_truth === 1,
  };
}
export function toEditableLane(r: MapLaneRow): EditableLane {
  return {
    id: r.id,
    revision: r.revision,
    key: r.key,
    name: r.name,
    customerName: r.customer_name,
    kind: (isLaneKind(r.kind) ? r.kind : 'notes') as LaneKind,
    visibility: r.visibility,
  };
}
export function toEditableCard(r: MapCardRow): EditableCard {
  return {
    id: r.id,
    revision: r.revision,
    key: r.key,
    stageId: r.stage_id,
    laneId: r.lane_id,
    text: r.text,
    customerText: r.customer_text,
    visibility: r.visibility,
    emotion: r.emotion,
    owner: r.owner,
    notes: r.notes,
    sourceAnnotationId: r.source_annotation_id,
  };
}

function invalid(problems: EditProblem[]) {
  return fail('invalid' as const, problems.map((p) => p.message).join(' '));
}

export function createMapsService(deps: { db: DB; clock: Clock }) {
  const { db, clock } = deps;
  const maps = createMapsRepository(db);

  async function loadEditableMap(id: string): Promise<EditableMap | null> {
    const map = await maps.get(id);
    if (!map) return null;
    const [stages, lanes, cards] = await Promise.all([maps.listStages(id), maps.listLanes(id), maps.listCards(id)]);
    return {
      id: map.id,
      revision: map.revision,
      isArchived: map.is_archived === 1,
      updatedAt: map.updated_at,
      title: map.title,
      customerTitle: map.customer_title,
      description: map.description,
      segment: map.segment,
      persona: map.persona,
      lifecycle: map.lifecycle,
      internalNotes: map.internal_notes,
      stages: stages.map(toEditableStage),
      lanes: lanes.map(toEditableLane),
      cards: cards.map(toEditableCard),
    };
  }

  /** Writes a whole map in one transaction; used by create, import and duplicate. */
  async function insertMapContent(content: JourneyMapContent, createdBy: string | null): Promise<string> {
    const id = newId();
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      const repo = createMapsRepository(trx);
      await repo.create({
        id,
        title: content.title,
        customer_title: content.customerTitle,
        description: content.description,
        segment: content.segment,
        persona: content.persona,
        lifecycle: content.lifecycle,
        internal_notes: content.internalNotes,
        created_by: createdBy,
        created_at: now,
        updated_at: now,
      });
      const stageIds = new Map(content.stages.map((s) => [s.key, newId()]));
      const laneIds = new Map(content.lanes.map((l) => [l.key, newId()]));
      await repo.insertStages(
        content.stages.map((s, position) => ({
          id: stageIds.get(s.key)!,
          map_id: id,
          key: s.key,
          position,
          name: s.name,
          customer_name: s.customerName,
          description: s.description,
          visibility: s.visibility,
          moment_of_truth: s.momentOfTruth ? 1 : 0,
        })),
      );
      await repo.insertLanes(
        content.lanes.map((l, position) => ({
          id: laneIds.get(l.key)!,
          map_id: id,
          key: l.key,
          position,
          name: l.name,
          customer_name: l.customerName,
          kind: l.kind,
          visibility: l.visibility,
        })),
      );
      const positionInCell = new Map<string, number>();
      await repo.insertCards(
        content.cards.map((c) => {
          const cell = `${c.stage}\u0000${c.lane}`;
          const position = positionInCell.get(cell) ?? 0;
          positionInCell.set(cell, position + 1);
          return {
            id: newId(),
            map_id: id,
            key: c.key,
            stage_id: stageIds.get(c.stage)!,
            lane_id: laneIds.get(c.lane)!,
            position,
            text: c.text,
            customer_text: c.customerText,
            visibility: c.visibility,
            emotion: c.emotion,
            owner: c.owner,
            notes: c.notes,
          };
        }),
      );
    });
    return id;
  }

  async function touch(mapId: string): Promise<void> {
    await maps.touch(mapId, clock.now());
  }

  /**
   * Adds a stage through `trx`, the caller's transaction, so that a stage can come into being
   * together with something else (a draft card from customer feedback and its link).
   */
  async function addStageIn(trx: DB, mapId: string, input: { name: string; afterStageId?: string | null; visibility?: Visibility }): Promise<EditResult<EditableStage>> {
    const problems = validateStagePatch({ name: input.name, visibility: input.visibility });
    if (problems.length) return invalid(problems);
    const repo = createMapsRepository(trx);
    const map = await repo.get(mapId);
    if (!map) return fail('not_found', 'That map no longer exists.');
    const stages = await repo.listStages(mapId);
    if (stages.length >= MAP_LIMITS.stages) return fail('limit', `A map has at most ${MAP_LIMITS.stages} stages.`);
    const key = generateKey(input.name, await repo.listKeys(mapId), 'stage');
    const row = { id: newId(), map_id: mapId, key, position: stages.length, name: input.name.trim(), customer_name: null, description: null, visibility: input.visibility ?? 'public', moment_of_truth: 0, revision: 1 };
    const order = insertIdAfter(stages.map((s) => s.id), row.id, input.afterStageId);
    await repo.insertStages([row]);
    await repo.setStagePositions(order);
    await repo.touch(mapId, clock.now());
    return ok(toEditableStage({ ...row, position: order.indexOf(row.id) }));
  }

  /**
   * Adds a card through `trx`, the caller's transaction: at the end of its cell, or right after
   * `afterCardId` when that card is in the same cell. `sourceAnnotationId` links a draft card
   * to the customer annotation it came from (unique: one draft per annotation).
   */
  async function addCardIn(
    trx: DB,
    mapId: string,
    input: { stageId: string; laneId: string; afterCardId?: string | null; sourceAnnotationId?: string | null } & CardPatch & { text: string },
  ): Promise<EditResult<EditableCard>> {
    const patch = { ...input, customerText: emptyToNull(input.customerText), owner: emptyToNull(input.owner), notes: emptyToNull(input.notes) };
    const problems = validateCardPatch(patch);
    if (problems.length) return invalid(problems);
    const repo = createMapsRepository(trx);
    const [stage, lane] = await Promise.all([repo.getStage(input.stageId), repo.getLane(input.laneId)]);
    if (!stage || !lane || stage.map_id !== mapId || lane.map_id !== mapId) return fail('not_found', 'That stage or lane was deleted by someone else.');
    const count = await trx.selectFrom('map_cards').select((eb) => eb.fn.countAll<number>().as('n')).where('map_id', '=', mapId).executeTakeFirstOrThrow();
    if (Number(count.n) >= MAP_LIMITS.cards) return fail('limit', `A map has at most ${MAP_LIMITS.cards} cards.`);
    const inCell = (await repo.listCardsInCell(stage.id, lane.id)).map((c) => c.id);
    const row = {
      id: newId(),
      map_id: mapId,
      key: generateKey('', await repo.listKeys(mapId), 'card'),
      stage_id: stage.id,
      lane_id: lane.id,
      position: inCell.length,
      text: patch.text,
      customer_text: patch.customerText ?? null,
      visibility: patch.visibility ?? 'public',
      emotion: patch.emotion ?? null,
      owner: patch.owner ?? null,
      notes: patch.notes ?? null,
      revision: 1,
      source_annotation_id: input.sourceAnnotationId ?? null,
    };
    await repo.insertCards([row]);
    if (input.afterCardId && inCell.includes(input.afterCardId)) {
      const order = insertIdAfter(inCell, row.id, input.afterCardId);
      await repo.setCardPositions(order);
      row.position = order.indexOf(row.id);
    }
    await repo.touch(mapId, clock.now());
    return ok(toEditableCard(row));
  }

  return {
    getEditableMap: loadEditableMap,

    /** The map's whole content in map order, for export and publishing. */
    async getMapContent(id: string): Promise<JourneyMapContent | null> {
      const map = await loadEditableMap(id);
      return map ? toMapContent(map) : null;
    },

    async listMaps(filter: MapListFilter): Promise<MapSummary[]> {
      const rows = await maps.list(filter);
      return rows.map((r) => ({
        id: r.id,
        title: r.title,
        segment: r.segment,
        lifecycle: r.lifecycle,
        isArchived: r.is_archived === 1,
        updatedAt: r.updated_at,
        stageCount: r.stage_count,
        cardCount: r.card_count,
      }));
    },

    listFacets: () => maps.listFacets(),

    listRecentMaps: (limit: number) => maps.listRecent(limit),

    /** A new map with one stage and one lane to start from. */
    async createMap(input: { title: string; segment?: string | null; lifecycle?: string | null }, actorId: string | null): Promise<Result<string, MapEditError>> {
      const details = { title: input.title, segment: emptyToNull(input.segment), lifecycle: emptyToNull(input.lifecycle) };
      const problems = validateMapDetailsPatch(details);
      if (problems.length) return invalid(problems);
      const id = await insertMapContent(
        {
          title: details.title.trim(),
          customerTitle: null,
          description: null,
          segment: details.segment?.trim() ?? null,
          persona: null,
          lifecycle: details.lifecycle?.trim() ?? null,
          internalNotes: null,
          stages: [{ key: 'stage-1', name: 'Stage 1', customerName: null, description: null, visibility: 'public', momentOfTruth: false }],
          lanes: [{ key: 'actions', name: 'Customer actions', customerName: null, kind: 'actions', visibility: 'public' }],
          cards: [],
        },
        actorId,
      );
      return ok(id);
    },

    /** Content already validated by the importer (map-format.ts or map-csv.ts). */
    importMap: (content: JourneyMapContent, actorId: string | null) => insertMapContent(content, actorId),

    async duplicateMap(id: string, actorId: string | null): Promise<Result<string, MapEditError>> {
      const map = await loadEditableMap(id);
      if (!map) return fail('not_found', 'That map no longer exists.');
      const content = toMapContent(map);
      const title = `Copy of ${content.title}`.slice(0, MAP_LIMITS.titleLength);
      return ok(await insertMapContent({ ...content, title }, actorId));
    },

    async setArchived(id: string, isArchived: boolean): Promise<Result<true, MapEditError>> {
      const map = await maps.get(id);
      if (!map) return fail('not_found', 'That map no longer exists.');
      await maps.update(id, { is_archived: isArchived ? 1 : 0, updated_at: clock.now() });
      return ok(true);
    },

    async deleteMap(id: string): Promise<Result<true, MapEditError>> {
      const map = await maps.get(id);
      if (!map) return fail('not_found', 'That map no longer exists.');
      // Published versions are kept forever (customers' annotations point into them).
      if (await maps.hasPublishedVersions(id)) return fail('limit', 'This map has published versions, which are kept for good. Archive it instead.');
      await maps.delete(id);
      return ok(true);
    },

    async updateMapDetails(id: string, revision: number, patch: MapDetailsPatch): Promise<EditResult<{ revision: number }>> {
      const clean = { ...patch, customerTitle: emptyToNull(patch.customerTitle), description: emptyToNull(patch.description), segment: emptyToNull(patch.segment), persona: emptyToNull(patch.persona), lifecycle: emptyToNull(patch.lifecycle), internalNotes: emptyToNull(patch.internalNotes) };
      const problems = validateMapDetailsPatch(clean);
      if (problems.length) return invalid(problems);
      const changes = {
        ...(clean.title !== undefined && { title: clean.title }),
        ...(clean.customerTitle !== undefined && { customer_title: clean.customerTitle }),
        ...(clean.description !== undefined && { description: clean.description }),
        ...(clean.segment !== undefined && { segment: clean.segment }),
        ...(clean.persona !== undefined && { persona: clean.persona }),
        ...(clean.lifecycle !== undefined && { lifecycle: clean.lifecycle }),
        ...(clean.internalNotes !== undefined && { internal_notes: clean.internalNotes }),
        updated_at: clock.now(),
      };
      if (await maps.updateAtRevision(id, revision, changes)) return ok({ revision: revision + 1 });
      const current = await maps.get(id);
      if (!current) return fail('not_found', 'That map no longer exists.');
      const details = {
        revision: current.revision,
        title: current.title,
        customerTitle: current.customer_title,
        description: current.description,
        segment: current.segment,
        persona: current.persona,
        lifecycle: current.lifecycle,
        internalNotes: current.internal_notes,
      };
      return { ...fail('conflict', 'Someone else changed the map details since you opened them.'), current: details };
    },

    addStage: (mapId: string, input: { name: string; afterStageId?: string | null }): Promise<EditResult<EditableStage>> =>
      db.transaction().execute((trx) => addStageIn(trx, mapId, input)),

    async updateStage(stageId: string, revision: number, patch: StagePatch): Promise<EditResult<EditableStage>> {
      const clean = { ...patch, customerName: emptyToNull(patch.customerName), description: emptyToNull(patch.description) };
      const problems = validateStagePatch(clean);
      if (problems.length) return invalid(problems);
      const changes = {
        ...(clean.name !== undefined && { name: clean.name.trim() }),
        ...(clean.customerName !== undefined && { customer_name: clean.customerName }),
        ...(clean.description !== undefined && { description: clean.description }),
        ...(clean.visibility !== undefined && { visibility: clean.visibility }),
        ...(clean.momentOfTruth !== undefined && { moment_of_truth: clean.momentOfTruth ? 1 : 0 }),
      };
      const isUpdated = await maps.updateStageAtRevision(stageId, revision, changes);
      const current = await maps.getStage(stageId);
      if (!current) return fail('not_found', 'That stage was deleted by someone else.');
      if (!isUpdated) return { ...fail('conflict', `Someone else changed the stage "${current.name}" since you opened it.`), current: toEditableStage(current) };
      await touch(current.map_id);
      return ok(toEditableStage(current));
    },

    async moveStage(stageId: string, toIndex: number): Promise<EditResult<string[]>> {
      const stage = await maps.getStage(stageId);
      if (!stage) return fail('not_found', 'That stage was deleted by someone else.');
      const order = moveIdTo((await maps.listStages(stage.map_id)).map((s) => s.id), stageId, toIndex);
      await db.transaction().execute(async (trx) => {
        await createMapsRepository(trx).setStagePositions(order);
        await createMapsRepository(trx).touch(stage.map_id, clock.now());
      });
      return ok(order);
    },

    async deleteStage(stageId: string): Promise<EditResult<true>> {
      const stage = await maps.getStage(stageId);
      if (!stage) return fail('not_found', 'That stage was already deleted.');
      const stages = await maps.listStages(stage.map_id);
      if (stages.length <= 1) return fail('limit', 'A map needs at least one stage.');
      await maps.deleteStage(stageId);
      await touch(stage.map_id);
      return ok(true);
    },

    async addLane(mapId: string, input: { name: string; kind: string; afterLaneId?: string | null }): Promise<EditResult<EditableLane>> {
      const problems = validateLanePatch({ name: input.name, kind: input.kind as LaneKind });
      if (problems.length) return invalid(problems);
      const map = await maps.get(mapId);
      if (!map) return fail('not_found', 'That map no longer exists.');
      const lanes = await maps.listLanes(mapId);
      if (lanes.length >= MAP_LIMITS.lanes) return fail('limit', `A map has at most ${MAP_LIMITS.lanes} lanes.`);
      const key = generateKey(input.name, await maps.listKeys(mapId), 'lane');
      const row = { id: newId(), map_id: mapId, key, position: lanes.length, name: input.name.trim(), customer_name: null, kind: input.kind, visibility: 'public' as const, revision: 1 };
      const order = insertIdAfter(lanes.map((l) => l.id), row.id, input.afterLaneId);
      await db.transaction().execute(async (trx) => {
        const repo = createMapsRepository(trx);
        await repo.insertLanes([row]);
        await repo.setLanePositions(order);
        await repo.touch(mapId, clock.now());
      });
      return ok(toEditableLane({ ...row, position: order.indexOf(row.id) }));
    },

    async updateLane(laneId: string, revision: number, patch: LanePatch): Promise<EditResult<EditableLane>> {
      const clean = { ...patch, customerName: emptyToNull(patch.customerName) };
      const problems = validateLanePatch(clean);
      if (problems.length) return invalid(problems);
      const changes = {
        ...(clean.name !== undefined && { name: clean.name.trim() }),
        ...(clean.customerName !== undefined && { customer_name: clean.customerName }),
        ...(clean.kind !== undefined && { kind: clean.kind }),
        ...(clean.visibility !== undefined && { visibility: clean.visibility }),
      };
      const isUpdated = await maps.updateLaneAtRevision(laneId, revision, changes);
      const current = await maps.getLane(laneId);
      if (!current) return fail('not_found', 'That lane was deleted by someone else.');
      if (!isUpdated) return { ...fail('conflict', `Someone else changed the lane "${current.name}" since you opened it.`), current: toEditableLane(current) };
      await touch(current.map_id);
      return ok(toEditableLane(current));
    },

    async moveLane(laneId: string, toIndex: number): Promise<EditResult<string[]>> {
      const lane = await maps.getLane(laneId);
      if (!lane) return fail('not_found', 'That lane was deleted by someone else.');
      const order = moveIdTo((await maps.listLanes(lane.map_id)).map((l) => l.id), laneId, toIndex);
      await db.transaction().execute(async (trx) => {
        await createMapsRepository(trx).setLanePositions(order);
        await createMapsRepository(trx).touch(lane.map_id, clock.now());
      });
      return ok(order);
    },

    async deleteLane(laneId: string): Promise<EditResult<true>> {
      const lane = await maps.getLane(laneId);
      if (!lane) return fail('not_found', 'That lane was already deleted.');
      const lanes = await maps.listLanes(lane.map_id);
      if (lanes.length <= 1) return fail('limit', 'A map needs at least one lane.');
      await maps.deleteLane(laneId);
      await touch(lane.map_id);
      return ok(true);
    },

    addCard: (mapId: string, input: { stageId: string; laneId: string } & CardPatch & { text: string }): Promise<EditResult<EditableCard>> =>
      db.transaction().execute((trx) => addCardIn(trx, mapId, input)),

    addStageIn,
    addCardIn,

    async updateCard(cardId: string, revision: number, patch: CardPatch): Promise<EditResult<EditableCard>> {
      const clean = { ...patch, customerText: emptyToNull(patch.customerText), owner: emptyToNull(patch.owner), notes: emptyToNull(patch.notes) };
      const problems = validateCardPatch(clean);
      if (problems.length) return invalid(problems);
      const changes = {
        ...(clean.text !== undefined && { text: clean.text }),
        ...(clean.customerText !== undefined && { customer_text: clean.customerText }),
        ...(clean.visibility !== undefined && { visibility: clean.visibility }),
        ...(clean.emotion !== undefined && { emotion: clean.emotion }),
        ...(clean.owner !== undefined && { owner: clean.owner }),
        ...(clean.notes !== undefined && { notes: clean.notes }),
      };
      const isUpdated = await maps.updateCardAtRevision(cardId, revision, changes);
      const current = await maps.getCard(cardId);
      if (!current) return fail('not_found', 'That card was deleted by someone else.');
      if (!isUpdated) return { ...fail('conflict', 'Someone else changed this card since you opened it.'), current: toEditableCard(current) };
      await touch(current.map_id);
      return ok(toEditableCard(current));
    },

    /** Moves a card to a cell (and an index within it); the card keeps its revision check off: moves never lose text. */
    async moveCard(cardId: string, target: { stageId: string; laneId: string; index?: number }): Promise<EditResult<EditableCard>> {
      const card = await maps.getCard(cardId);
      if (!card) return fail('not_found', 'That card was deleted by someone else.');
      const [stage, lane] = await Promise.all([maps.getStage(target.stageId), maps.getLane(target.laneId)]);
      if (!stage || !lane || stage.map_id !== card.map_id || lane.map_id !== card.map_id) return fail('not_found', 'That stage or lane was deleted by someone else.');
      await db.transaction().execute(async (trx) => {
        const repo = createMapsRepository(trx);
        await repo.moveCard(cardId, stage.id, lane.id);
        const inCell = (await repo.listCardsInCell(stage.id, lane.id)).map((c) => c.id);
        const order = moveIdTo(inCell, cardId, target.index ?? inCell.length);
        await repo.setCardPositions(order);
        await repo.touch(card.map_id, clock.now());
      });
      return ok(toEditableCard((await maps.getCard(cardId))!));
    },

    async deleteCard(cardId: string): Promise<EditResult<true>> {
      const card = await maps.getCard(cardId);
      if (!card) return fail('not_found', 'That card was already deleted.');
      await maps.deleteCard(cardId);
      await touch(card.map_id);
      return ok(true);
    },
  };
}
export type MapsService = ReturnType<typeof createMapsService>;

/** Editor shape to content shape, cards in map order (stage, then lane, then position). */
export function toMapContent(map: EditableMap): JourneyMapContent {
  const stageKey = new Map(map.stages.map((s) => [s.id, s.key]));
  const laneKey = new Map(map.lanes.map((l) => [l.id, l.key]));
  const stageIndex = new Map(map.stages.map((s, i) => [s.id, i]));
  const laneIndex = new Map(map.lanes.map((l, i) => [l.id, i]));
  const cards = map.cards
    .map((c, i) => ({ c, i }))
    .sort((a, b) => stageIndex.get(a.c.stageId)! - stageIndex.get(b.c.stageId)! || laneIndex.get(a.c.laneId)! - laneIndex.get(b.c.laneId)! || a.i - b.i)
    .map(({ c }) => ({
      key: c.key,
      stage: stageKey.get(c.stageId)!,
      lane: laneKey.get(c.laneId)!,
      text: c.text,
      customerText: c.customerText,
      visibility: c.visibility,
      emotion: c.emotion,
      owner: c.owner,
      notes: c.notes,
    }));
  return {
    title: map.title,
    customerTitle: map.customerTitle,
    description: map.description,
    segment: map.segment,
    persona: map.persona,
    lifecycle: map.lifecycle,
    internalNotes: map.internalNotes,
    stages: map.stages.map(({ id: _id, revision: _r, ...s }) => s),
    lanes: map.lanes.map(({ id: _id, revision: _r, ...l }) => l),
    cards,
  };
}

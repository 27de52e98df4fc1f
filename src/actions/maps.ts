/**
 * Map authoring. Form actions (create, import, duplicate, archive, delete) work without
 * JavaScript; the editor island calls the JSON actions, which answer a stale edit with
 * `{ status: 'conflict' }` and the current row instead of an error, so the editor can show
 * both versions and keep what the person typed.
 */
import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import type { EditResult, MapEditError } from '../server/maps/maps.service.ts';
import { LANE_KINDS, MAP_LIMITS } from '../server/maps/maps.ts';
import { parseMapFile } from '../server/maps/map-import.ts';
import { requireStaff } from './guards.ts';

const EDITORS = ['admin', 'editor'] as const;
const id = z.string().min(1).max(64);
const revision = z.number().int().min(0);
const visibility = z.enum(['public', 'internal']);
/**
 * The schema's limits count characters (code points); a string's length counts UTF-16 units,
 * up to twice as many. The request schema allows the double, and the service checks exactly.
 */
const text = (max: number) => z.string().max(max * 2);
const optionalText = (max: number) => text(max).nullable().optional();

const CODE_BY_ERROR: Record<MapEditError, 'NOT_FOUND' | 'BAD_REQUEST' | 'CONFLICT'> = {
  not_found: 'NOT_FOUND',
  invalid: 'BAD_REQUEST',
  limit: 'BAD_REQUEST',
  conflict: 'CONFLICT',
};

type EditOutcome<T> = { status: 'ok'; value: T } | { status: 'conflict'; message: string; current: unknown };

function toOutcome<T>(result: EditResult<T>): EditOutcome<T> {
  if (result.ok) return { status: 'ok', value: result.value };
  if (result.error === 'conflict') return { status: 'conflict', message: result.message, current: result.current };
  throw new ActionError({ code: CODE_BY_ERROR[result.error], message: result.message });
}

function unwrap<T>(result: EditResult<T>): T {
  if (result.ok) return result.value;
  throw new ActionError({ code: CODE_BY_ERROR[result.error], message: result.message });
}

export const maps = {
  create: defineAction({
    accept: 'form',
    input: z.object({
      title: z.string().trim().min(1, 'Give the map a title.').max(MAP_LIMITS.titleLength),
      segment: z.string().trim().max(MAP_LIMITS.segmentLength).optional(),
      lifecycle: z.string().trim().max(MAP_LIMITS.lifecycleLength).optional(),
    }),
    handler: async (input, context) => {
      const staff = requireStaff(context, EDITORS);
      return { id: unwrap(await context.locals.app.maps.createMap(input, staff.id)) };
    },
  }),

  import: defineAction({
    accept: 'form',
    input: z.object({
      file: z.instanceof(File, { message: 'Choose a JSON or CSV file.' }),
      title: z.string().trim().max(MAP_LIMITS.titleLength).optional(),
    }),
    handler: async (input, context) => {
      const staff = requireStaff(context, EDITORS);
      if (input.file.size === 0) throw new ActionError({ code: 'BAD_REQUEST', message: 'Choose a JSON or CSV file.' });
      if (input.file.size > MAP_LIMITS.fileBytes) throw new ActionError({ code: 'CONTENT_TOO_LARGE', message: 'The file is larger than 5 MB.' });
      const parsed = parseMapFile({ name: input.file.name, text: await input.file.text(), title: input.title });
      if (!parsed.ok) {
        // Every problem, each with its place in the file; nothing was imported.
        throw new ActionError({ code: 'BAD_REQUEST', message: `The file has ${parsed.problems.length} problem(s) and nothing was imported:\n${parsed.problems.slice(0, 200).join('\n')}` });
      }
      return { id: await context.locals.app.maps.importMap(parsed.map, staff.id) };
    },
  }),

  duplicate: defineAction({
    accept: 'form',
    input: z.object({ mapId: id }),
    handler: async (input, context) => {
      const staff = requireStaff(context, EDITORS);
      return { id: unwrap(await context.locals.app.maps.duplicateMap(input.mapId, staff.id)) };
    },
  }),

  setArchived: defineAction({
    accept: 'form',
    input: z.object({ mapId: id, isArchived: z.enum(['true', 'false']) }),
    handler: async (input, context) => {
      requireStaff(context, EDITORS);
      unwrap(await context.locals.app.maps.setArchived(input.mapId, input.isArchived === 'true'));
      return { isArchived: input.isArchived === 'true' };
    },
  }),

  delete: defineAction({
    accept: 'form',
    input: z.object({ mapId: id, confirmTitle: text(MAP_LIMITS.titleLength) }),
    handler: async (input, context) => {
      requireStaff(context, EDITORS);
      const map = await context.locals.app.maps.getEditableMap(input.mapId);
      if (!map) throw new ActionError({ code: 'NOT_FOUND', message: 'That map no longer exists.' });
      if (input.confirmTitle.trim() !== map.title.trim()) {
        throw new ActionError({ code: 'BAD_REQUEST', message: 'Type the map title exactly to confirm deleting it.' });
      }
      unwrap(await context.locals.app.maps.deleteMap(input.mapId));
      return { title: map.title };
    },
  }),

  updateDetails: defineAction({
    input: z.object({
      mapId: id,
      revision,
      patch: z.object({
        title: text(MAP_LIMITS.titleLength).optional(),
        customerTitle: optionalText(MAP_LIMITS.titleLength),
        description: optionalText(MAP_LIMITS.descriptionLength),
        segment: optionalText(MAP_LIMITS.segmentLength),
        persona: optionalText(MAP_LIMITS.personaLength),
        lifecycle: optionalText(MAP_LIMITS.lifecycleLength),
        internalNotes: optionalText(MAP_LIMITS.internalNotesLength),
      }),
    }),
    handler: async (input, context) => {
      requireStaff(context, EDITORS);
      return toOutcome(await context.locals.app.maps.updateMapDetails(input.mapId, input.revision, input.patch));
    },
  }),

  addStage: defineAction({
    input: z.object({ mapId: id, name: text(MAP_LIMITS.nameLength), afterStageId: id.nullable().optional() }),
    handler: async (input, context) => {
      requireStaff(context, EDITORS);
      return unwrap(await context.locals.app.maps.addStage(input.mapId, input));
    },
  }),

  updateStage: defineAction({
    input: z.object({
      stageId: id,
      revision,
      patch: z.object({
        name: text(MAP_LIMITS.nameLength).optional(),
        customerName: optionalText(MAP_LIMITS.nameLength),
        description: optionalText(MAP_LIMITS.stageDescriptionLength),
        visibility: visibility.optional(),
        momentOfTruth: z.boolean().optional(),
      }),
    }),
    handler: async (input, context) => {
      requireStaff(context, EDITORS);
      return toOutcome(await context.locals.app.maps.updateStage(input.stageId, input.revision, input.patch));
    },
  }),

  moveStage: defineAction({
    input: z.object({ stageId: id, toIndex: z.number().int().min(0).max(MAP_LIMITS.stages) }),
    handler: async (input, context) => {
      requireStaff(context, EDITORS);
      return unwrap(await context.locals.app.maps.moveStage(input.stageId, input.toIndex));
    },
  }),

  deleteStage: defineAction({
    input: z.object({ stageId: id }),
    handler: async (input, context) => {
      requireStaff(context, EDITORS);
      return unwrap(await context.locals.app.maps.deleteStage(input.stageId));
    },
  }),

  addLane: defineAction({
    input: z.object({ mapId: id, name: text(MAP_LIMITS.nameLength), kind: z.enum(LANE_KINDS), afterLaneId: id.nullable().optional() }),
    handler: async (input, context) => {
      requireStaff(context, EDITORS);
      return unwrap(await context.locals.app.maps.addLane(input.mapId, input));
    },
  }),

  updateLane: defineAction({
    input: z.object({
      laneId: id,
      revision,
      patch: z.object({
        name: text(MAP_LIMITS.nameLength).optional(),
        customerName: optionalText(MAP_LIMITS.nameLength),
        kind: z.enum(LANE_KINDS).optional(),
        visibility: visibility.optional(),
      }),
    }),
    handler: async (input, context) => {
      requireStaff(context, EDITORS);
      return toOutcome(await context.locals.app.maps.updateLane(input.laneId, input.revision, input.patch));
    },
  }),

  moveLane: defineAction({
    input: z.object({ laneId: id, toIndex: z.number().int().min(0).max(MAP_LIMITS.lanes) }),
    handler: async (input, context) => {
      requireStaff(context, EDITORS);
      return unwrap(await context.locals.app.maps.moveLane(input.laneId, input.toIndex));
    },
  }),

  deleteLane: defineAction({
    input: z.object({ laneId: id }),
    handler: async (input, context) => {
      requireStaff(context, EDITORS);
      return unwrap(await context.locals.app.maps.deleteLane(input.laneId));
    },
  }),

  addCard: defineAction({
    input: z.object({
      mapId: id,
      stageId: id,
      laneId: id,
      text: text(MAP_LIMITS.cardTextLength),
      visibility: visibility.optional(),
    }),
    handler: async (input, context) => {
      requireStaff(context, EDITORS);
      return unwrap(await context.locals.app.maps.addCard(input.mapId, input));
    },
  }),

  updateCard: defineAction({
    input: z.object({
      cardId: id,
      revision,
      patch: z.object({
        text: text(MAP_LIMITS.cardTextLength).optional(),
        customerText: optionalText(MAP_LIMITS.cardTextLength),
        visibility: visibility.optional(),
        emotion: z.number().int().min(-2).max(2).nullable().optional(),
        owner: optionalText(MAP_LIMITS.ownerLength),
        notes: optionalText(MAP_LIMITS.notesLength),
      }),
    }),
    handler: async (input, context) => {
      requireStaff(context, EDITORS);
      return toOutcome(await context.locals.app.maps.updateCard(input.cardId, input.revision, input.patch));
    },
  }),

  moveCard: defineAction({
    input: z.object({ cardId: id, stageId: id, laneId: id, index: z.number().int().min(0).max(MAP_LIMITS.cards).optional() }),
    handler: async (input, context) => {
      requireStaff(context, EDITORS);
      return unwrap(await context.locals.app.maps.moveCard(input.cardId, input));
    },
  }),

  deleteCard: defineAction({
    input: z.object({ cardId: id }),
    handler: async (input, context) => {
      requireStaff(context, EDITORS);
      return unwrap(await context.locals.app.maps.deleteCard(input.cardId));
    },
  }),
};

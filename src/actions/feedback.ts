/** How customers give feedback on a map: private or shared, approval first, names shown or not. */
import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { requireStaff } from './guards.ts';

const EDITORS = ['admin', 'editor'] as const;

export const feedback = {
  saveSettings: defineAction({
    accept: 'form',
    input: z.object({
      mapId: z.string().min(1).max(64),
      mode: z.enum(['private', 'shared'], { message: 'Choose private or shared feedback.' }),
      // Checkboxes: present means on, absent means off.
      requiresApproval: z.boolean(),
      showsNames: z.boolean(),
    }),
    handler: async (input, context) => {
      requireStaff(context, EDITORS);
      const { annotations, maps, participants, publishing, liveRuntime } = context.locals.app;
      if (!(await maps.getEditableMap(input.mapId))) throw new ActionError({ code: 'NOT_FOUND', message: 'That map no longer exists.' });
      const settings = { mode: input.mode, requiresApproval: input.requiresApproval, showsNames: input.showsNames };
      await annotations.saveFeedbackSettings(input.mapId, settings);
      // Customer pages already rendered show (or hide) others' comments by the old settings.
      for (const version of await publishing.listVersions(input.mapId)) participants.forgetVersionPages(version.id);
      // A live session running on the map shows (or stops showing) comments and names at once.
      await liveRuntime.noticeSettingsChange(input.mapId);
      return settings;
    },
  }),
};

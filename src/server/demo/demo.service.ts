/**
 * The first-run demo workspace, so that `npm start` on a fresh machine shows a working product:
 * an admin account (its generated password is returned once, for the start script to print)
 * a realistic map, its first published version, and an invitation whose link the start
 * script prints, so the customer side can be tried at once.
 */
import type { DB } from '../../../db/connection.ts';
import type { InvitationsService } from '../invitations/invitations.service.ts';
import type { MapsService } from '../maps/maps.service.ts';
import type { PublishingService } from '../publishing/publishing.service.ts';
import { buildDemoMap } from './demo-map.ts';
import type { StaffService } from '../staff/staff.service.ts';

export const DEMO_ADMIN_EMAIL = 'admin@groundtruth.local';

export interface DemoWorkspace {
  adminEmail: string;
  adminPassword: string;
  mapId: string;
  invitationLink: string;
}

export function createDemoService(deps: { db: DB; staff: StaffService; maps: MapsService; publishing: PublishingService; invitations: InvitationsService }) {
  const { db, staff, maps, publishing, invitations } = deps;
  return {
    /** Creates the demo when the workspace has no staff yet; null when there was nothing to do. */
    async createDemoWorkspaceOnce(): Promise<DemoWorkspace | null> {
      const existing = await db.selectFrom('staff_users').select('id').limit(1).executeTakeFirst();
      if (existing) return null;
      const created = await staff.create({ email: DEMO_ADMIN_EMAIL, name: 'Demo Admin', role: 'admin' });
      if (!created.ok) throw new Error(`Could not create the demo admin: ${created.message}`);
      const mapId = await maps.importMap(buildDemoMap(), created.value.member.id);
      await publishing.addLeakTerm('HubSpot', created.value.member.id);
      const published = await publishing.publish(mapId, { actor: { id: created.value.member.id, name: 'Demo Admin' }, acknowledgeWarnings: false });
      if (!published.ok) throw new Error(`Could not publish the demo map: ${published.message}`);
      const invitation = await invitations.createInvitation(
        { mapId, versionNumber: null, email: 'sam@brightside-customer.example', name: 'Sam Okafor', account: 'Harbour Dental Group', segment: 'Mid-market', role: 'recently onboarded' },
        created.value.member.id,
      );
      if (!invitation.ok) throw new Error(`Could not create the demo invitation: ${invitation.message}`);
      await db
        .insertInto('app_settings')
        .values({ key: 'demo_created_at', value: new Date().toISOString() })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      return { adminEmail: DEMO_ADMIN_EMAIL, adminPassword: created.value.generatedPassword!, mapId, invitationLink: invitation.value.link };
    },
  };
}

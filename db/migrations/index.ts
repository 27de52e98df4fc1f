/**
 * Every migration, listed by hand. The bundled server cannot read a migrations folder at run
 * time, so a static provider hands kysely's Migrator this list. Add new files here in order.
 */
import type { Migration, MigrationProvider } from 'kysely/migration';
import * as m0001 from './0001-staff-accounts.ts';
import * as m0002 from './0002-journey-maps.ts';
import * as m0003 from './0003-published-versions.ts';
import * as m0004 from './0004-email-outbox.ts';
import * as m0005 from './0005-invitations.ts';
import * as m0006 from './0006-annotations.ts';
import * as m0007 from './0007-review-queue.ts';
import * as m0008 from './0008-follow-through.ts';
import * as m0009 from './0009-review-queue-indexes.ts';
import * as m0010 from './0010-live-sessions.ts';
import * as m0011 from './0011-email-outbox-recipient.ts';
import * as m0012 from './0012-live-timer-pause.ts';
import * as m0013 from './0013-invitation-history.ts';

const migrations: Record<string, Migration> = {
  '0001-staff-accounts': m0001,
  '0002-journey-maps': m0002,
  '0003-published-versions': m0003,
  '0004-email-outbox': m0004,
  '0005-invitations': m0005,
  '0006-annotations': m0006,
  '0007-review-queue': m0007,
  '0008-follow-through': m0008,
  '0009-review-queue-indexes': m0009,
  '0010-live-sessions': m0010,
  '0011-email-outbox-recipient': m0011,
  '0012-live-timer-pause': m0012,
  '0013-invitation-history': m0013,
};

export const staticMigrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

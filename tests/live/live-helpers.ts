import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../db/connection.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { createApp, type App } from '../../src/server/app.ts';
import type { LiveStreamOptions } from '../../src/server/live/live-stream.ts';
import type { LiveActor } from '../../src/server/live/live.service.ts';
import { TestClock } from '../helpers/database.ts';
import { publishSmallMap } from '../helpers/maps.ts';

/** Short timings, so tests see heartbeats and access checks quickly. */
export const FAST_STREAMS = { heartbeatMs: 200, recheckMs: 100, tickMs: 25 };

export interface LiveWorld {
  app: App;
  clock: TestClock;
  file: string;
  mapId: string;
  versionId: string;
  editor: LiveActor;
  reviewer: LiveActor;
  /** Their sign-ins (staff streams close when a sign-in ends). */
  editorSignIn: string;
  reviewerSignIn: string;
  /** Another App over the same database file: the server after a restart. */
  restart(): Promise<App>;
  cleanup(): Promise<void>;
}

export async function createLiveWorld(options: { stages?: number; stream?: Partial<LiveStreamOptions> } = {}): Promise<LiveWorld> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'groundtruth-live-'));
  const file = path.join(dir, 'test.sqlite');
  const clock = new TestClock();
  const db = openDatabase({ path: file });
  await migrateToLatest(db);
  const apps: App[] = [];
  const build = (database = db) => {
    const app = createApp({ db: database, clock, liveStream: { ...FAST_STREAMS, ...options.stream } });
    apps.push(app);
    return app;
  };
  const app = build();
  const { mapId, versionId } = await publishSmallMap(app, { stages: options.stages ?? 3 });
  const staff = async (email: string, role: string) => {
    const created = await app.staff.create({ email, name: email.split('@')[0]!, role, password: 'correct horse battery staple' });
    if (!created.ok) throw new Error(created.message);
    return created.value.member;
  };
  const editor = await staff('eddie@example.com', 'editor');
  const reviewer = await staff('rita@example.com', 'reviewer');
  const signIn = async (email: string) => {
    const signedIn = await app.auth.signIn({ email, password: 'correct horse battery staple', clientAddress: '127.0.0.1' });
    if (!signedIn.ok) throw new Error(signedIn.message);
    return (await app.auth.validateSessionToken(signedIn.value.token))!.sessionId;
  };
  const editorSignIn = await signIn('eddie@example.com');
  const reviewerSignIn = await signIn('rita@example.com');
  const extraDbs: ReturnType<typeof openDatabase>[] = [];
  return {
    app,
    clock,
    file,
    mapId,
    versionId,
    editor,
    reviewer,
    editorSignIn,
    reviewerSignIn,
    async restart() {
      const other = openDatabase({ path: file });
      extraDbs.push(other);
      return build(other);
    },
    async cleanup() {
      // Let every noticed change reach the events before the database goes away.
      for (const a of apps) await a.liveRuntime.whenIdle();
      for (const a of apps) a.liveRuntime.close();
      for (const other of extraDbs) await other.destroy();
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An invited participant with a session, as after pressing Continue on their link. */
export async function inviteParticipant(app: App, mapId: string, email: string, name = email.split('@')[0]!) {
  const invitation = await app.invitations.createInvitation({ mapId, versionNumber: null, email, name }, null);
  if (!invitation.ok) throw new Error(invitation.message);
  const session = await app.participants.continueWithLink(invitation.value.link.split('/m/i/')[1]!);
  if (!session.ok) throw new Error(session.message);
  const who = (await app.participants.validateSession(session.value.sessionToken))!;
  return { participantId: who.participantId, invitationId: invitation.value.id, sessionId: who.sessionId };
}

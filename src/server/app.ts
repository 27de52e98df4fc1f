/**
 * The composition root: every service, wired to one database and one clock. The web server
 * (src/server/runtime.ts), the command line and the tests all build the app through here, so
 * they run the same code.
 */
import { sql } from 'kysely';
import type { DB } from '../../db/connection.ts';
import { createAnnotationsService } from './annotations/annotations.service.ts';
import { createAuthService } from './auth/auth.service.ts';
import { systemClock, type Clock } from './clock.ts';
import { createDemoService } from './demo/demo.service.ts';
import type { LiveStreamOptions } from './live/live-stream.ts';
import { createLiveService } from './live/live.service.ts';
import { createMailService } from './mail/mail.service.ts';
import type { MailLogger, MailSender } from './mail/mail.ts';
import { createOutboxOnlySender, createResendSender } from './mail/senders.ts';
import { deriveInvitationToken, fillLinkPlaceholders, hideLinkPlaceholders } from './invitations/invitations.ts';
import { createInvitationsService } from './invitations/invitations.service.ts';
import { createMapsService } from './maps/maps.service.ts';
import { createParticipantsService } from './portal/participants.service.ts';
import { createPortalService } from './portal/portal.service.ts';
import { createPublishingService } from './publishing/publishing.service.ts';
import { createQueueOptionsService } from './review/queue-options.ts';
import { createReviewService } from './review/review.service.ts';
import { createReviewExportService } from './review/review-export.service.ts';
import { createFollowThroughService } from './review/follow-through.service.ts';
import { createDigestService } from './review/digest.service.ts';
import { RateLimiter } from './security/rate-limiter.ts';
import { createStaffService } from './staff/staff.service.ts';

const FIFTEEN_MINUTES = 15 * 60 * 1000;

export interface AppConfig {
  sessionDays: number;
  publicUrl: string;
  /** The sender of every email (EMAIL_FROM). */
  emailFrom: string;
  /** With a key, mail goes through Resend; without one it is kept in the outbox (development). */
  resendApiKey: string | null;
  /** Key from which invitation tokens are derived (src/config/link-secret.ts). */
  linkSecret: string;
  /** How many proxies of ours stand in front of the server (TRUST_PROXY; src/server/security/client-address.ts). */
  trustedProxies: number;
  /**
   * Who invites, as customers know them, in emails and on the invitation page; written as it
   * reads mid-sentence ("the Acme customer experience team"): emails capitalise it at the start
   * of a sentence.
   */
  teamName: string;
}

export const defaultAppConfig: AppConfig = {
  sessionDays: 14,
  publicUrl: 'http://localhost:4321',
  emailFrom: 'Groundtruth <groundtruth@localhost>',
  resendApiKey: null,
  linkSecret: 'test-link-secret-used-only-when-none-is-configured',
  trustedProxies: 0,
  teamName: 'the customer experience team',
};

export function createApp(options: {
  db: DB;
  clock?: Clock;
  config?: Partial<AppConfig>;
  /** Tests replace where mail goes; by default the API key decides (see src/server/mail/senders.ts). */
  mail?: { sender?: MailSender; logger?: MailLogger };
  /** Tests shorten the live streams' heartbeat and access re-check (src/server/live/live-stream.ts). */
  liveStream?: Partial<LiveStreamOptions>;
}) {
  const { db } = options;
  const clock = options.clock ?? systemClock;
  const config = { ...defaultAppConfig, ...options.config };
  const signInLimiters = {
    perAccount: new RateLimiter({ limit: 5, windowMs: FIFTEEN_MINUTES }),
    perClient: new RateLimiter({ limit: 30, windowMs: FIFTEEN_MINUTES }),
    passwordChange: new RateLimiter({ limit: 5, windowMs: FIFTEEN_MINUTES }),
  };
  const staff = createStaffService({ db, clock });
  const maps = createMapsService({ db, clock });
  const publishing = createPublishingService({ db, clock, maps });
  // Mail: written to the outbox by the caller's transaction, sent by the worker (runtime.ts).
  const mailLogger = options.mail?.logger ?? console;
  const mail = createMailService({
    db,
    clock,
    from: config.emailFrom,
    logger: mailLogger,
    sender: options.mail?.sender ?? (config.resendApiKey ? createResendSender({ apiKey: config.resendApiKey }) : createOutboxOnlySender(mailLogger)),
    fillContent: (body) => fillLinkPlaceholders(body, (id, version) => deriveInvitationToken(config.linkSecret, id, version)),
    hideContent: hideLinkPlaceholders,
  });
  const portal = createPortalService({ db });
  const invitations = createInvitationsService({ db, clock, mail, portal, publicUrl: config.publicUrl, linkSecret: config.linkSecret, teamName: config.teamName });
  const participants = createParticipantsService({ db, clock, portal, teamName: config.teamName, sendNewLink: (row, next) => invitations.sendNewLinkTo(row, next) });
  const annotations = createAnnotationsService({ db, clock, portal, resolveGrant: (participantId, invitationId) => participants.getGrantedVersionId(participantId, invitationId) });
  const review = createReviewService({ db, clock, portal });
  const followThrough = createFollowThroughService({ db, clock, maps, mail, portal, publicUrl: config.publicUrl, teamName: config.teamName });
  // A published draft card applies its annotation and tells its raisers, in the publish's own transaction.
  publishing.onPublishing(async (trx, version) => {
    await followThrough.markAppliedIn(trx, version);
  });
  // Moderation decides what others see; triage locks a participant's own annotation.
  review.onChanged(({ versionIds }) => {
    for (const versionId of versionIds) participants.forgetVersionPages(versionId);
  });
  invitations.onInvitationChanged((invitationId) => participants.forgetInvitation(invitationId));
  // Live sessions follow what is said, moderated and revoked (src/server/live/live.service.ts).
  const live = createLiveService({
    db,
    clock,
    portal,
    resolveGrant: (participantId, invitationId) => participants.getGrantedVersionId(participantId, invitationId),
    feedbackOf: (mapId) => annotations.getFeedbackSettings(mapId),
    moderateAnnotation: (actor, annotationId, revision, to) => review.moderate(actor, annotationId, revision, to, to === 'rejected' ? 'Hidden during a live session.' : null),
    tagAnnotation: (actor, annotationId, tag) => review.addTag(actor, annotationId, tag),
    stream: options.liveStream,
  });
  annotations.addNewAnnotationCheck((context) => live.forParticipants.refusalForNewAnnotation(context));
  annotations.onChanged((change) => live.noticeAnnotationChange(change));
  review.onChanged((change) => live.noticeReviewChange(change));
  invitations.onInvitationChanged((invitationId) => live.noticeInvitationChanged(invitationId));
  publishing.onPublished((mapId) => participants.forgetMap(mapId));
  // A rendered customer page shows its participant's annotations, and in shared mode others' too.
  annotations.onChanged(({ invitationId, versionId, isVisibleToOthers }) =>
    isVisibleToOthers ? participants.forgetVersionPages(versionId) : participants.forgetInvitationPages(invitationId),
  );
  return {
    db,
    clock,
    config,
    auth: createAuthService({ db, clock, sessionDays: config.sessionDays, limiters: signInLimiters }),
    staff,
    maps,
    publishing,
    mail,
    invitations,
    participants,
    portal,
    annotations,
    review,
    /** Live sessions, participant side: joining, the board, the stream (published data only). */
    live: live.forParticipants,
    /** Live sessions, staff side: open, run and moderate them. */
    liveSessions: live.forStaff,
    /** Live sessions' plumbing: waiting for pending updates, open streams, shutdown. */
    liveRuntime: { whenIdle: live.whenIdle, countStreams: live.countStreams, close: live.close, noticeSettingsChange: live.noticeSettingsChange },
    followThrough,
    /** The owners' digest; its scheduler runs in the server process (src/server/http/serve.ts). */
    digest: createDigestService({ db, clock, mail, publicUrl: config.publicUrl }),
    queueOptions: createQueueOptionsService({ db, portal }),
    /** Annotations with their triage data as CSV or W3C Web Annotation JSON-LD, streamed. */
    reviewExport: createReviewExportService({ db, clock, review, publicUrl: config.publicUrl }),
    demo: createDemoService({ db, staff, maps, publishing, invitations }),
    /** True when the database answers a query. */
    async isDatabaseHealthy(): Promise<boolean> {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
  };
}
export type App = ReturnType<typeof createApp>;

/**
 * Where the HTTP front (src/server/http/serve.ts) leaves the App it built, so the Astro bundle
 * it hosts uses the very same services, caches and database connection (src/server/runtime.ts).
 */
export const APP_GLOBAL_KEY = Symbol.for('groundtruth.app');

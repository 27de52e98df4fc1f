/**
 * The Database interface: one table type per table, as kysely wants it. Booleans are stored as
 * 0/1 integers and timestamps as epoch milliseconds (portable between SQLite and PostgreSQL).
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export type StaffRole = 'admin' | 'editor' | 'reviewer';

export interface StaffUsersTable {
  id: string;
  email: string;
  name: string;
  role: StaffRole;
  password_hash: string;
  is_active: Generated<number>;
  created_at: number;
  updated_at: number;
}
export type StaffUserRow = Selectable<StaffUsersTable>;
export type NewStaffUserRow = Insertable<StaffUsersTable>;
export type StaffUserUpdate = Updateable<StaffUsersTable>;

export interface StaffSessionsTable {
  id: string;
  secret_hash: Uint8Array;
  user_id: string;
  created_at: number;
  expires_at: number;
}
export type StaffSessionRow = Selectable<StaffSessionsTable>;

export interface AppSettingsTable {
  key: string;
  value: string;
}

export interface MapsTable {
  id: string;
  title: string;
  customer_title: string | null;
  description: string | null;
  segment: string | null;
  persona: string | null;
  lifecycle: string | null;
  internal_notes: string | null;
  is_archived: Generated<number>;
  revision: Generated<number>;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}
export type MapRow = Selectable<MapsTable>;

export type VisibilityValue = 'public' | 'internal';

export interface MapStagesTable {
  id: string;
  map_id: string;
  key: string;
  position: number;
  name: string;
  customer_name: string | null;
  description: string | null;
  visibility: VisibilityValue;
  moment_of_truth: Generated<number>;
  revision: Generated<number>;
}
export type MapStageRow = Selectable<MapStagesTable>;

export interface MapLanesTable {
  id: string;
  map_id: string;
  key: string;
  position: number;
  name: string;
  customer_name: string | null;
  kind: string;
  visibility: VisibilityValue;
  revision: Generated<number>;
}
export type MapLaneRow = Selectable<MapLanesTable>;

export interface MapCardsTable {
  id: string;
  map_id: string;
  key: string;
  stage_id: string;
  lane_id: string;
  position: number;
  text: string;
  customer_text: string | null;
  visibility: VisibilityValue;
  emotion: number | null;
  owner: string | null;
  notes: string | null;
  revision: Generated<number>;
  /** The customer annotation this card was drafted from (0008); null for every other card. */
  source_annotation_id: Generated<string | null>;
}
export type MapCardRow = Selectable<MapCardsTable>;

export interface MapVersionsTable {
  id: string;
  map_id: string;
  number: number;
  /** JSON of a PublishedSnapshot (src/server/portal/snapshot.ts). */
  snapshot: string;
  /** SHA-256 of the snapshot JSON, base64url: the version's ETag. */
  snapshot_hash: string;
  published_by: string | null;
  /** Kept as written: the version history outlives staff accounts. */
  published_by_name: string;
  published_at: number;
  /** JSON list of the leak warnings the publisher acknowledged, or null when there were none. */
  acknowledged_warnings: string | null;
  /** JSON of the version's counts and its changes since the previous version. */
  summary: string;
}
export type MapVersionRow = Selectable<MapVersionsTable>;

export interface LeakTermsTable {
  id: string;
  term: string;
  created_by: string | null;
  created_at: number;
}

export interface ParticipantsTable {
  id: string;
  email: string;
  created_at: number;
}

export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'bounced' | 'complained' | 'kept_in_outbox' | 'failed';

export interface InvitationsTable {
  id: string;
  map_id: string;
  /** null: the latest published version, whichever it is when the person looks. */
  version_number: number | null;
  participant_id: string;
  email: string;
  name: string | null;
  account: string | null;
  segment: string | null;
  role: string | null;
  /** SHA-256 (base64url) of the emailed token; the token itself is never stored. */
  token_hash: string;
  /** Bumped by every new link; the token is derived from (link secret, id, version). */
  token_version: Generated<number>;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  opened_at: number | null;
  responded_at: number | null;
  last_sent_at: number | null;
  send_count: Generated<number>;
  delivery_status: Generated<string>;
}
export type InvitationRow = Selectable<InvitationsTable>;

/** Each time an invitation was revoked or restored, and by whom (null: the command line, or a deleted account). */
export interface InvitationHistoryTable {
  id: string;
  invitation_id: string;
  action: 'revoked' | 'restored';
  actor_id: string | null;
  created_at: number;
}

export interface ParticipantSessionsTable {
  id: string;
  secret_hash: Uint8Array;
  participant_id: string;
  invitation_id: string;
  created_at: number;
  expires_at: number;
}

export type EmailOutboxStatus = 'pending' | 'sent' | 'kept' | 'failed';
export type EmailDeliveryStatus = 'delivered' | 'bounced' | 'complained';

/** The transactional outbox (src/server/mail/): one row per email, sent by the mail worker. */
export interface EmailOutboxTable {
  /** Also the idempotency key sent to the provider. */
  id: string;
  kind: string;
  to_email: string;
  subject: string;
  /** null once the provider accepted the message (bodies carry personal links). */
  html: string | null;
  text: string | null;
  /** What the email is about, such as an invitation id. */
  related_id: string | null;
  status: EmailOutboxStatus;
  attempts: Generated<number>;
  next_attempt_at: number;
  last_error: string | null;
  provider_message_id: string | null;
  delivery_status: EmailDeliveryStatus | null;
  delivery_status_at: number | null;
  created_at: number;
  sent_at: number | null;
}
export type EmailOutboxRow = Selectable<EmailOutboxTable>;
export type NewEmailOutboxRow = Insertable<EmailOutboxTable>;
export type EmailOutboxUpdate = Updateable<EmailOutboxTable>;

/** Verified provider webhooks; svix_id is unique, so a replayed webhook is recorded once. */
export interface EmailEventsTable {
  id: string;
  svix_id: string;
  outbox_id: string | null;
  provider_message_id: string | null;
  type: string;
  payload: string;
  received_at: number;
}
export type EmailEventRow = Selectable<EmailEventsTable>;

export interface MapFeedbackSettingsTable {
  map_id: string;
  mode: Generated<'private' | 'shared'>;
  requires_approval: Generated<number>;
  shows_names: Generated<number>;
}

export type AnnotationAnchorKind = 'map' | 'stage' | 'lane' | 'card' | 'gap';
export type AnnotationKind = 'missing' | 'inaccurate' | 'pain_point' | 'works_well' | 'question' | 'idea';
export type ModerationState = 'pending' | 'approved' | 'rejected' | 'spam';

export interface AnnotationsTable {
  id: string;
  map_id: string;
  version_id: string;
  invitation_id: string;
  participant_id: string;
  anchor_kind: AnnotationAnchorKind;
  /** Published keys of the version (never internal keys). */
  stage_key: string | null;
  lane_key: string | null;
  card_key: string | null;
  /** For a gap: the stage after it (stage_key is the one before). */
  next_stage_key: string | null;
  kind: AnnotationKind;
  text: string;
  felt: number | null;
  importance: number | null;
  is_withdrawn: Generated<number>;
  moderation: Generated<ModerationState>;
  disposition: Generated<string>;
  revision: Generated<number>;
  created_at: number;
  updated_at: number;
}
export type AnnotationRow = Selectable<AnnotationsTable>;

/**
 * The annotations table with the review queue's columns (0007). Kept apart from
 * AnnotationsTable so that code which builds an AnnotationRow by hand needs no review fields.
 */
export interface ReviewedAnnotationsTable extends AnnotationsTable {
  /** The staff member who owns it. */
  owner_id: Generated<string | null>;
  /** Why the team declined it (required for declined). */
  decline_reason: Generated<string | null>;
  /** The original this one duplicates; its +1s and reporters moved there. */
  duplicate_of: Generated<string | null>;
  /** 1-5, set by a reviewer for the priorities view. */
  business_impact: Generated<number | null>;
  effort: Generated<number | null>;
  /** When the team first changed its moderation or disposition. */
  triaged_at: Generated<number | null>;
}
export type ReviewedAnnotationRow = Selectable<ReviewedAnnotationsTable>;

export interface AnnotationVotesTable {
  annotation_id: string;
  participant_id: string;
  created_at: number;
}

export interface AnnotationTagsTable {
  annotation_id: string;
  tag: string;
  created_at: number;
}

/** Internal notes on an annotation, a thread; append-only. */
export interface AnnotationNotesTable {
  id: string;
  annotation_id: string;
  author_id: string | null;
  author_name: string;
  text: string;
  created_at: number;
}
export type AnnotationNoteRow = Selectable<AnnotationNotesTable>;

/** Every review change (who, when, from, to, why); append-only. */
export interface AnnotationHistoryTable {
  id: string;
  annotation_id: string;
  actor_id: string | null;
  actor_name: string;
  field: string;
  from_value: string | null;
  to_value: string | null;
  reason: string | null;
  created_at: number;
  sequence: number;
}
export type AnnotationHistoryRow = Selectable<AnnotationHistoryTable>;
export type NewAnnotationHistoryRow = Insertable<AnnotationHistoryTable>;

/** Participants who raised a duplicate merged into this annotation. */
export interface AnnotationReportersTable {
  annotation_id: string;
  participant_id: string;
  source_annotation_id: string;
  importance: number | null;
  created_at: number;
}

export interface ReviewClosingsTable {
  invitation_id: string;
  version_id: string;
  text: string;
  finished_at: number;
}

export type DigestFrequency = 'off' | 'daily' | 'weekly';

/** The digest schedule (one row, id 1; absent means off). Hour and weekday are UTC; weekday 1 = Monday … 7 = Sunday. */
export interface DigestSettingsTable {
  id: number;
  frequency: DigestFrequency;
  weekday: number;
  hour: number;
  updated_by: string | null;
  updated_at: number;
}

/** One digest per staff member per period; the primary key keeps it to one. */
export interface DigestSendsTable {
  period: string;
  staff_id: string;
  outbox_id: string;
  item_count: number;
  created_at: number;
}

export type LiveSessionState = 'open' | 'paused' | 'ended';

/** A live advisory board session on one published version (src/server/live/). */
export interface LiveSessionsTable {
  id: string;
  map_id: string;
  version_id: string;
  facilitator_id: string | null;
  facilitator_name: string;
  join_code: string;
  state: LiveSessionState;
  /** A published stage key of the version: where the facilitator brings everyone. */
  focus_stage_key: string | null;
  timer_stage_key: string | null;
  timer_ends_at: number | null;
  timer_duration_ms: number | null;
  /** While the session is paused, the time its timer had left (timer_ends_at is null then). */
  timer_remaining_ms: number | null;
  /** The sequence number of the session's newest event. */
  last_seq: Generated<number>;
  opened_at: number;
  updated_at: number;
  ended_at: number | null;
}
export type LiveSessionRow = Selectable<LiveSessionsTable>;

/** What travels on a session's stream, stored so a dropped connection resumes exactly. */
export interface LiveEventsTable {
  session_id: string;
  seq: number;
  type: string;
  audience: 'everyone' | 'staff';
  /** JSON of published data only (src/server/live/live.ts). */
  payload: string;
  created_at: number;
}
export type LiveEventRow = Selectable<LiveEventsTable>;

export interface LiveMembersTable {
  session_id: string;
  invitation_id: string;
  participant_id: string;
  joined_at: number;
}

/** Annotations said during a session. */
export interface LiveAnnotationsTable {
  session_id: string;
  annotation_id: string;
  linked_at: number;
}

export interface Database {
  staff_users: StaffUsersTable;
  staff_sessions: StaffSessionsTable;
  app_settings: AppSettingsTable;
  maps: MapsTable;
  map_stages: MapStagesTable;
  map_lanes: MapLanesTable;
  map_cards: MapCardsTable;
  map_versions: MapVersionsTable;
  leak_terms: LeakTermsTable;
  email_outbox: EmailOutboxTable;
  email_events: EmailEventsTable;
  participants: ParticipantsTable;
  invitations: InvitationsTable;
  invitation_history: InvitationHistoryTable;
  participant_sessions: ParticipantSessionsTable;
  map_feedback_settings: MapFeedbackSettingsTable;
  annotations: ReviewedAnnotationsTable;
  annotation_votes: AnnotationVotesTable;
  review_closings: ReviewClosingsTable;
  annotation_tags: AnnotationTagsTable;
  annotation_notes: AnnotationNotesTable;
  annotation_history: AnnotationHistoryTable;
  annotation_reporters: AnnotationReportersTable;
  digest_settings: DigestSettingsTable;
  digest_sends: DigestSendsTable;
  live_sessions: LiveSessionsTable;
  live_events: LiveEventsTable;
  live_members: LiveMembersTable;
  live_annotations: LiveAnnotationsTable;
}

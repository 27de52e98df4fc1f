/**
 * A published version as customers see it: the only map shape participant-side code knows.
 *
 * It is produced by the redaction in src/server/publishing/ and stored as an immutable document.
 * It holds customer wording only; there is no field here for anything internal, so nothing
 * internal can be rendered from it by mistake. Internal fields that have no customer-facing
 * variant (map and stage descriptions, persona, segment, lifecycle) are not published at all:
 * the team wrote them for itself.
 */

export const SNAPSHOT_FORMAT = 'groundtruth-snapshot/v1';

export interface PublishedStage {
  key: string;
  name: string;
  momentOfTruth: boolean;
}

export interface PublishedLane {
  key: string;
  name: string;
  /** Only customer-facing kinds appear here; always-internal kinds are removed. */
  kind: 'actions' | 'touchpoints' | 'channels' | 'thoughts' | 'emotions' | 'pain_points' | 'opportunities';
}

export interface PublishedCard {
  key: string;
  stage: string;
  lane: string;
  text: string;
  /** Published only for emotions lanes: the team's assumed curve, -2..+2. */
  emotion: number | null;
}

export interface PublishedSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  title: string;
  stages: PublishedStage[];
  lanes: PublishedLane[];
  cards: PublishedCard[];
}

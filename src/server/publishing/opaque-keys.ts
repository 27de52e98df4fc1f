/**
 * Keys customers see. Internal keys are often made from internal names ("renewal-risk",
 * "sales-handoff"), so a published snapshot never carries them: each stage, lane and card key is
 * replaced by a short digest of the map id and the internal key. The digest is stable, so the
 * same card has the same published key in every version (diffs and annotation anchors line up),
 * and staff can map a published key back by computing the digest of each internal key.
 */
import { createHash } from 'node:crypto';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import type { PublishedSnapshot } from '../portal/snapshot.ts';

export type KeyKind = 'stage' | 'lane' | 'card';

export function toPublishedKey(mapId: string, kind: KeyKind, internalKey: string): string {
  const digest = createHash('sha256').update(`${mapId}\u0000${kind}\u0000${internalKey}`).digest();
  return kind[0] + encodeBase32LowerCaseNoPadding(digest.subarray(0, 10));
}

/** The same snapshot with every key replaced; references from cards follow their stage and lane. */
export function withPublishedKeys(mapId: string, snapshot: PublishedSnapshot): PublishedSnapshot {
  // Thousands of cards point at a few dozen stages and lanes: digest each of those once.
  const stageKeys = new Map(snapshot.stages.map((s) => [s.key, toPublishedKey(mapId, 'stage', s.key)]));
  const laneKeys = new Map(snapshot.lanes.map((l) => [l.key, toPublishedKey(mapId, 'lane', l.key)]));
  const stage = (key: string) => stageKeys.get(key) ?? toPublishedKey(mapId, 'stage', key);
  const lane = (key: string) => laneKeys.get(key) ?? toPublishedKey(mapId, 'lane', key);
  return {
    format: snapshot.format,
    title: snapshot.title,
    stages: snapshot.stages.map((s) => ({ key: stage(s.key), name: s.name, momentOfTruth: s.momentOfTruth })),
    lanes: snapshot.lanes.map((l) => ({ key: lane(l.key), name: l.name, kind: l.kind })),
    cards: snapshot.cards.map((c) => ({
      key: toPublishedKey(mapId, 'card', c.key),
      stage: stage(c.stage),
      lane: lane(c.lane),
      text: c.text,
      emotion: c.emotion,
    })),
  };
}

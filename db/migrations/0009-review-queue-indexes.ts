import { sql, type Kysely } from 'kysely';

// The review queue at 100,000 annotations (issue 7: a filtered first page in under 50 ms). The
// queue asks two things: the newest (or highest-priority) 50 items that match, and how many
// match per moderation state and disposition. Every index here is partial on
// `is_withdrawn = 0`, as every queue query is (withdrawn items never show), which keeps them
// smaller and lets the planner know they hold exactly the rows the queue can see.
//
// - annotations_queue_order: the queue in newest-first order, carrying every filter column, so
//   a page is read in order from the index alone whatever the filter (no row lookups).
// - annotations_queue_states, _map, _owner, _kind, _invitation: the counts. One grouped query
//   counts both axes; these let it read only the matching range of one index (by map, owner,
//   kind, or invited person for segment and account filters) and never the rows.
// - annotations_queue_priority: items by their own ratings, for ranking the whole queue by
//   priority without computing it for every item (review.service.ts, rankPage).
// - annotations_queue_stage: a stage filter without a map (the keys are opaque and differ per
//   map, so a key alone is narrow). Only the key: triage never rewrites this index.
const QUEUE_INDEXES: Record<string, string[]> = {
  annotations_queue_order: ['created_at', 'id', 'map_id', 'version_id', 'kind', 'moderation', 'disposition', 'owner_id', 'invitation_id'],
  annotations_queue_states: ['moderation', 'disposition'],
  annotations_queue_map: ['map_id', 'moderation', 'disposition', 'version_id', 'kind', 'owner_id', 'invitation_id', 'stage_key', 'card_key'],
  annotations_queue_owner: ['owner_id', 'moderation', 'disposition', 'kind', 'invitation_id'],
  annotations_queue_kind: ['kind', 'moderation', 'disposition', 'owner_id', 'invitation_id'],
  annotations_queue_invitation: ['invitation_id', 'moderation', 'disposition', 'kind', 'owner_id'],
  annotations_queue_priority: ['importance', 'business_impact', 'effort', 'created_at', 'id', 'moderation', 'disposition', 'map_id', 'owner_id', 'kind', 'invitation_id'],
  annotations_queue_stage: ['stage_key'],
};

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, columns] of Object.entries(QUEUE_INDEXES)) {
    await db.schema.createIndex(name).on('annotations').columns(columns).where(sql.ref('is_withdrawn'), '=', 0).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of Object.keys(QUEUE_INDEXES)) await db.schema.dropIndex(name).execute();
}

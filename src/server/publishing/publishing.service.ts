/**
 * Publishing: from the internal map to an immutable customer version.
 *
 * `preparePublication` runs the whole pipeline without writing: redaction (pure), opaque keys,
 * the leak check over everything that would be published, and the diff against the latest
 * version. The preview page shows exactly this, and `publish` runs the same pipeline again
 * inside the write so that what is stored is what the checks saw at that moment.
 */
import { createHash } from 'node:crypto';
import type { DB } from '../../../db/connection.ts';
import { generateSecureRandomString } from '../auth/auth.ts';
import type { Clock } from '../clock.ts';
import type { MapsService } from '../maps/maps.service.ts';
import type { PublishedSnapshot } from '../portal/snapshot.ts';
import { fail, ok, type Result } from '../result.ts';
import { findLeakWarnings, type LeakTerm, type LeakWarning } from './leak-check.ts';
import { withPublishedKeys } from './opaque-keys.ts';
import { createPublishingRepository } from './publishing.repository.ts';
import { redactMap, type RedactionReport } from './redaction.ts';
import { diffSnapshots, isDiffEmpty, type SnapshotDiff } from './version-diff.ts';

export interface Publication {
  mapId: string;
  nextNumber: number;
  snapshot: PublishedSnapshot;
  report: RedactionReport;
  warnings: LeakWarning[];
  diff: SnapshotDiff;
  /** True when the customer view would be the same as the latest version's. */
  isUnchanged: boolean;
}

export interface VersionSummary {
  counts: RedactionReport['counts'];
  changes: { added: number; removed: number; reworded: number; moved: number };
}

export interface VersionInfo {
  id: string;
  mapId: string;
  number: number;
  publishedAt: number;
  publishedByName: string;
  acknowledgedWarnings: LeakWarning[] | null;
  summary: VersionSummary;
}

/** A version being published, as hooks that run inside its transaction see it. */
export interface PublishingVersion {
  mapId: string;
  versionId: string;
  number: number;
  snapshot: PublishedSnapshot;
  actor: { id: string | null; name: string };
}

/**
 * Runs inside the transaction that stores a new version, through `trx` only (the connection is
 * held by it): whatever it writes commits or rolls back with the version. If it throws, nothing
 * is published.
 */
export type PublishingHook = (trx: DB, version: PublishingVersion) => Promise<void>;

export const LEAK_TERM_MAX_LENGTH = 100;
export const LEAK_TERMS_MAX = 1000;

function countChanges(diff: SnapshotDiff): VersionSummary['changes'] {
  return {
    added: diff.stages.added.length + diff.lanes.added.length + diff.cards.added.length,
    removed: diff.stages.removed.length + diff.lanes.removed.length + diff.cards.removed.length,
    // A first version has no earlier title to reword: its title is new, like everything else.
    reworded: (diff.title && diff.title.from !== null ? 1 : 0) + diff.stages.reworded.length + diff.lanes.reworded.length + diff.cards.reworded.length,
    moved: diff.cards.moved.length,
  };
}

export function hashSnapshotJson(json: string): string {
  return createHash('sha256').update(json).digest('base64url');
}

export function createPublishingService(deps: { db: DB; clock: Clock; maps: MapsService }) {
  const { db, clock, maps } = deps;
  const repo = createPublishingRepository(db);
  const publishedListeners = new Set<(mapId: string) => void>();
  const publishingHooks = new Set<PublishingHook>();

  async function listLeakCheckTerms(): Promise<LeakTerm[]> {
    const [configured, staffNames] = await Promise.all([repo.listLeakTerms(), repo.listStaffNames()]);
    return [
      ...configured.map((t) => ({ term: t.term, kind: 'configured' as const })),
      ...staffNames.map((name) => ({ term: name, kind: 'staff_name' as const })),
    ];
  }

  async function preparePublication(mapId: string): Promise<Publication | null> {
    const content = await maps.getMapContent(mapId);
    if (!content) return null;
    const { snapshot: redacted, report } = redactMap(content);
    const snapshot = withPublishedKeys(mapId, redacted);
    const [warnings, latest] = await Promise.all([listLeakCheckTerms().then((terms) => findLeakWarnings(snapshot, terms)), repo.getLatest(mapId)]);
    const diff = diffSnapshots(latest ? (JSON.parse(latest.snapshot) as PublishedSnapshot) : null, snapshot);
    return {
      mapId,
      nextNumber: (latest?.number ?? 0) + 1,
      snapshot,
      report,
      warnings,
      diff,
      isUnchanged: latest !== undefined && isDiffEmpty(diff),
    };
  }

  function toVersionInfo(row: { id: string; map_id: string; number: number; published_at: number; published_by_name: string; acknowledged_warnings: string | null; summary: string }): VersionInfo {
    return {
      id: row.id,
      mapId: row.map_id,
      number: row.number,
      publishedAt: row.published_at,
      publishedByName: row.published_by_name,
      acknowledgedWarnings: row.acknowledged_warnings ? (JSON.parse(row.acknowledged_warnings) as LeakWarning[]) : null,
      summary: JSON.parse(row.summary) as VersionSummary,
    };
  }

  return {
    preparePublication,

    /**
     * Runs `hook` in the transaction of every publish (the review queue marks what a version
     * applied and writes its emails there), so publishing needs to know nothing about it.
     */
    onPublishing(hook: PublishingHook): void {
      publishingHooks.add(hook);
    },

    /** Calls `listener` after a version is published. */
    onPublished(listener: (mapId: string) => void): void {
      publishedListeners.add(listener);
    },

    /**
     * Publishes version N+1. With leak warnings, the publisher must acknowledge them; the
     * acknowledged warnings are stored with the version (who and when are the version's own).
     */
    async publish(
      mapId: string,
      input: { actor: { id: string | null; name: string }; acknowledgeWarnings: boolean },
    ): Promise<Result<{ version: number; versionId: string; warnings: LeakWarning[] }, 'not_found' | 'unacknowledged_warnings'>> {
      for (let attempt = 0; ; attempt++) {
        const publication = await preparePublication(mapId);
        if (!publication) return fail('not_found', 'That map no longer exists.');
        const { warnings } = publication;
        if (warnings.length > 0 && !input.acknowledgeWarnings) {
          return fail('unacknowledged_warnings', `The leak check found ${warnings.length} possible leak(s). Review them and acknowledge to publish.`);
        }
        const snapshotJson = JSON.stringify(publication.snapshot);
        const summary: VersionSummary = { counts: publication.report.counts, changes: countChanges(publication.diff) };
        const id = generateSecureRandomString();
        try {
          await db.transaction().execute(async (trx) => {
            await createPublishingRepository(trx).create({
              id,
              map_id: mapId,
              number: publication.nextNumber,
              snapshot: snapshotJson,
              snapshot_hash: hashSnapshotJson(snapshotJson),
              published_by: input.actor.id,
              published_by_name: input.actor.name,
              published_at: clock.now(),
              acknowledged_warnings: warnings.length > 0 ? JSON.stringify(warnings) : null,
              summary: JSON.stringify(summary),
            });
            const version = { mapId, versionId: id, number: publication.nextNumber, snapshot: publication.snapshot, actor: input.actor };
            for (const hook of publishingHooks) await hook(trx, version);
          });
          publishedListeners.forEach((listener) => listener(mapId));
          return ok({ version: publication.nextNumber, versionId: id, warnings });
        } catch (error) {
          // Someone published the same number a moment earlier: prepare again on top of theirs.
          if (attempt < 3 && String(error).includes('UNIQUE')) continue;
          throw error;
        }
      }
    },

    async listVersions(mapId: string): Promise<VersionInfo[]> {
      return (await repo.listForMap(mapId)).map(toVersionInfo);
    },

    async getVersion(mapId: string, number: number): Promise<(VersionInfo & { snapshot: PublishedSnapshot }) | null> {
      const row = await repo.getByNumber(mapId, number);
      return row ? { ...toVersionInfo(row), snapshot: JSON.parse(row.snapshot) as PublishedSnapshot } : null;
    },

    /** What changed in version N since version N-1 (everything, for version 1). */
    async diffVersion(mapId: string, number: number): Promise<SnapshotDiff | null> {
      const row = await repo.getByNumber(mapId, number);
      if (!row) return null;
      const previous = number > 1 ? await repo.getByNumber(mapId, number - 1) : undefined;
      return diffSnapshots(previous ? (JSON.parse(previous.snapshot) as PublishedSnapshot) : null, JSON.parse(row.snapshot) as PublishedSnapshot);
    },

    hasVersions: async (mapId: string) => (await repo.countForMap(mapId)) > 0,

    listLeakTerms: () => repo.listLeakTerms(),

    async addLeakTerm(term: string, actorId: string | null): Promise<Result<true, 'invalid' | 'duplicate' | 'limit'>> {
      const clean = term.trim();
      if (clean.length < 2 || clean.length > LEAK_TERM_MAX_LENGTH) return fail('invalid', `A term has 2 to ${LEAK_TERM_MAX_LENGTH} characters.`);
      if ((await repo.listLeakTerms()).length >= LEAK_TERMS_MAX) return fail('limit', `The list holds at most ${LEAK_TERMS_MAX} terms.`);
      const isAdded = await repo.addLeakTerm({ id: generateSecureRandomString(), term: clean, created_by: actorId, created_at: clock.now() });
      return isAdded ? ok(true) : fail('duplicate', `“${clean}” is already on the list.`);
    },

    removeLeakTerm: (id: string) => repo.deleteLeakTerm(id),
  };
}
export type PublishingService = ReturnType<typeof createPublishingService>;

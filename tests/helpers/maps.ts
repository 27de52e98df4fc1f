import type { App } from '../../src/server/app.ts';
import type { JourneyMapContent } from '../../src/server/maps/maps.ts';

/**
 * A small public map for tests that need one to publish and invite to: `stages` public stages
 * (keys s1, s2, …), one actions lane and one card in the first stage.
 */
export function buildSmallMap(options: { customerTitle?: string; stages?: number } = {}): JourneyMapContent {
  const customerTitle = options.customerTitle ?? 'Your journey';
  const stageCount = options.stages ?? 1;
  return {
    title: `Internal ${customerTitle}`,
    customerTitle,
    description: null,
    segment: null,
    persona: null,
    lifecycle: null,
    internalNotes: null,
    stages: Array.from({ length: stageCount }, (_, i) => ({ key: `s${i + 1}`, name: `Stage ${i + 1}`, customerName: null, description: null, visibility: 'public' as const, momentOfTruth: false })),
    lanes: [{ key: 'l', name: 'Lane', customerName: null, kind: 'actions', visibility: 'public' }],
    cards: [{ key: 'c', stage: 's1', lane: 'l', text: 'Card', customerText: null, visibility: 'public', emotion: null, owner: null, notes: null }],
  };
}

/** Imports and publishes a map; returns its id and the first version's id. */
export async function publishSmallMap(app: App, options: Parameters<typeof buildSmallMap>[0] = {}): Promise<{ mapId: string; versionId: string }> {
  const mapId = await app.maps.importMap(buildSmallMap(options), null);
  const published = await app.publishing.publish(mapId, { actor: { id: null, name: 'Test' }, acknowledgeWarnings: true });
  if (!published.ok) throw new Error(published.message);
  return { mapId, versionId: published.value.versionId };
}

/**
 * The redaction boundary is a folder boundary (docs/architecture.md). Participant-side code —
 * src/pages/m/, src/server/portal/, src/components/portal/ and the portal layout — may only
 * reach published snapshots. This test follows every relative import from those files,
 * transitively, and fails when one reaches the internal map modules, the publishing pipeline
 * or the internal tables; it also fails when participant code reaches an internal service
 * through `locals.app`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
// Live sessions put what participants say on every screen, the big one included: their whole
// module is held to the boundary too, so a live event can only be built from published data.
const PARTICIPANT_ROOTS = ['src/pages/m', 'src/server/portal', 'src/components/portal', 'src/layouts/PortalLayout.astro', 'src/server/live', 'src/components/live', 'src/islands/live'];
// The review queue's module is staff-only too: owners, tags, notes, decisions and who made them.
const FORBIDDEN_MODULES = ['src/server/maps/', 'src/server/publishing/', 'src/server/review/', 'src/islands/map-editor/', 'src/islands/review/', 'src/components/review/', 'src/server/app.ts'];
const INTERNAL_TABLES = ['maps', 'map_stages', 'map_lanes', 'map_cards', 'leak_terms', 'annotation_tags', 'annotation_notes', 'annotation_history', 'annotation_reporters', 'digest_settings', 'digest_sends'];
/**
 * Services participant pages may use through Astro.locals.app. `live` is the participant face of
 * live sessions (joining, the board, the stream); its staff face is `liveSessions`, not allowed here.
 */
const ALLOWED_APP_SERVICES = new Set(['portal', 'participants', 'annotations', 'live']);

function listFiles(relative: string): string[] {
  const full = path.join(root, relative);
  if (!fs.existsSync(full)) return [];
  if (fs.statSync(full).isFile()) return [full];
  return fs.readdirSync(full, { recursive: true, encoding: 'utf8' }).map((f) => path.join(full, f)).filter((f) => fs.statSync(f).isFile());
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]!).filter((s) => s.startsWith('.'));
}

function resolveImport(from: string, specifier: string): string | null {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  return null;
}

/** Every file reachable from the participant roots, with the import chain that reached it. */
function collectReachable(): Map<string, string[]> {
  const reached = new Map<string, string[]>();
  const queue = PARTICIPANT_ROOTS.flatMap(listFiles).map((f) => ({ file: f, chain: [path.relative(root, f)] }));
  while (queue.length) {
    const { file, chain } = queue.shift()!;
    if (reached.has(file)) continue;
    reached.set(file, chain);
    for (const specifier of importsOf(file)) {
      const target = resolveImport(file, specifier);
      if (target && !reached.has(target)) queue.push({ file: target, chain: [...chain, path.relative(root, target)] });
    }
  }
  return reached;
}

describe('the redaction boundary', () => {
  const reachable = collectReachable();

  it('has participant-side files to check', () => {
    expect([...reachable.keys()].some((f) => f.includes(path.join('src', 'pages', 'm')))).toBe(true);
    expect([...reachable.keys()].some((f) => f.includes(path.join('src', 'server', 'portal')))).toBe(true);
    expect([...reachable.keys()].some((f) => f.includes(path.join('src', 'server', 'live', 'live.service.ts')))).toBe(true);
  });

  it('keeps participant-side code away from internal map modules', () => {
    const violations = [...reachable.entries()]
      .filter(([file]) => FORBIDDEN_MODULES.some((m) => path.relative(root, file).startsWith(m)))
      .map(([, chain]) => chain.join(' → '));
    expect(violations).toEqual([]);
  });

  it('keeps participant-side code away from the internal tables', () => {
    const violations: string[] = [];
    for (const [file] of reachable) {
      const text = fs.readFileSync(file, 'utf8');
      for (const table of INTERNAL_TABLES) {
        if (new RegExp(`['"\`]${table}(\\s+as\\s+\\w+)?['"\`.]`).test(text)) violations.push(`${path.relative(root, file)} names table ${table}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('lets participant pages use only participant services through locals.app', () => {
    const violations: string[] = [];
    for (const [file] of reachable) {
      for (const match of fs.readFileSync(file, 'utf8').matchAll(/locals\.app\.(\w+)/g)) {
        if (!ALLOWED_APP_SERVICES.has(match[1]!)) violations.push(`${path.relative(root, file)} uses locals.app.${match[1]}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('would catch a violation (the checker itself works)', () => {
    const probe = path.join(root, 'src/server/portal/__probe__.ts');
    fs.writeFileSync(probe, "import { createMapsService } from '../maps/maps.service.ts';\nexport const x = createMapsService;\n");
    try {
      const target = resolveImport(probe, importsOf(probe)[0]!);
      expect(target && path.relative(root, target)).toBe('src/server/maps/maps.service.ts');
    } finally {
      fs.rmSync(probe);
    }
  });
});

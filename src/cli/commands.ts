import fs from 'node:fs';
import type { ParseArgsOptionsConfig } from 'node:util';
import { openDatabase } from '../../db/connection.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { createApp, type App } from '../server/app.ts';
import { serializeMapCsv } from '../server/maps/map-csv.ts';
import { serializeMapJson } from '../server/maps/map-format.ts';
import { parseMapFile } from '../server/maps/map-import.ts';
import { MAP_LIMITS } from '../server/maps/maps.ts';
import { describeLeakWarning } from '../server/publishing/leak-check.ts';
import { isExportFormat } from '../server/review/review-export.ts';
import { writeChunks } from './write-chunks.ts';
import { linkSecretFile, loadLinkSecret } from '../config/link-secret.ts';
import { BackupRefused, backupDatabase } from '../../db/backup.ts';
import { readEnvironment } from './environment.ts';
import { CliError, UsageError } from './errors.ts';

export interface CommandInput {
  values: Record<string, string | boolean | undefined | (string | boolean)[]>;
  positionals: string[];
}

export interface CommandOutput {
  text: string;
  json: unknown;
  /** The text is a file's content: written as it is, even with --json. */
  raw?: boolean;
}

export interface Command {
  summary: string;
  usage: string;
  options: ParseArgsOptionsConfig;
  run(input: CommandInput): Promise<CommandOutput>;
}

/** Opens the configured database, migrated, and closes it when the command is done. */
async function withApp<T>(work: (app: App) => Promise<T>): Promise<T> {
  const env = readEnvironment();
  const db = openDatabase({ path: env.databasePath });
  try {
    await migrateToLatest(db);
    const config = {
      sessionDays: env.sessionDays,
      publicUrl: env.publicUrl,
      emailFrom: env.emailFrom,
      linkSecret: loadLinkSecret({ configured: env.linkSecret, databasePath: env.databasePath }),
      ...(env.teamName ? { teamName: env.teamName } : {}),
    };
    return await work(createApp({ db, config }));
  } finally {
    await db.destroy();
  }
}

function requireString(input: CommandInput, name: string): string {
  const value = input.values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required.`);
  return value;
}

function optionalString(input: CommandInput, name: string): string | undefined {
  const value = input.values[name];
  return typeof value === 'string' ? value : undefined;
}

export const commands: Record<string, Command> = {
  'db:migrate': {
    summary: 'Apply every pending database migration.',
    usage: '[--json]',
    options: {},
    async run() {
      const env = readEnvironment();
      const db = openDatabase({ path: env.databasePath });
      try {
        const { applied } = await migrateToLatest(db);
        return {
          text: applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'The database is up to date.',
          json: { applied },
        };
      } finally {
        await db.destroy();
      }
    },
  },

  backup: {
    summary: 'Write a consistent copy of the database to FILE while the server keeps running (see the README for restoring).',
    usage: 'FILE [--force] [--json]',
    options: { force: { type: 'boolean' } },
    async run(input) {
      const [destination, ...extra] = input.positionals;
      if (!destination || extra.length > 0) throw new UsageError('Give one FILE to write the backup to.');
      const env = readEnvironment();
      let result;
      try {
        result = await backupDatabase({ databasePath: env.databasePath, destination, overwrite: input.values.force === true });
      } catch (error) {
        if (error instanceof BackupRefused) throw new CliError(error.message);
        throw error;
      }
      // The link secret is deliberately not in the copy (a database copy alone opens nobody's
      // map), but without it the links already emailed stop working after a restore.
      const secretFile = env.linkSecret ? null : linkSecretFile(env.databasePath);
      const keep = secretFile ? `Keep ${secretFile} safe with it` : 'Keep LINK_SECRET with it';
      return {
        text: `Backed up ${result.tables} tables (${result.bytes} bytes) to ${result.file}. ${keep}: invitation links need it.`,
        json: { ...result, linkSecretFile: secretFile },
      };
    },
  },

  'user:create': {
    summary: 'Create a staff account; prints a generated password when none is given.',
    usage: '--email E --name N --role admin|editor|reviewer [--password P] [--json]',
    options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' } },
    async run(input) {
      const email = requireString(input, 'email');
      const name = requireString(input, 'name');
      const role = requireString(input, 'role');
      return withApp(async (app) => {
        const result = await app.staff.create({ email, name, role, password: optionalString(input, 'password') ?? null });
        if (!result.ok) throw new CliError(result.message);
        const { member, generatedPassword } = result.value;
        const json = { id: member.id, email: member.email, name: member.name, role: member.role, password: generatedPassword };
        const text = generatedPassword
          ? `Created ${member.role} ${member.email}. Password (shown once): ${generatedPassword}`
          : `Created ${member.role} ${member.email}.`;
        return { text, json };
      });
    },
  },

  'user:list': {
    summary: 'List staff accounts.',
    usage: '[--json]',
    options: {},
    async run() {
      return withApp(async (app) => {
        const members = await app.staff.list();
        const text = members
          .map((m) => [m.email, m.role, m.isActive ? 'active' : 'deactivated', m.name].join('\t'))
          .join('\n');
        return { text, json: members.map((m) => ({ id: m.id, email: m.email, name: m.name, role: m.role, isActive: m.isActive })) };
      });
    },
  },

  'map:list': {
    summary: 'List maps (not archived unless --archived).',
    usage: '[--archived] [--segment S] [--lifecycle L] [--search TEXT] [--json]',
    options: { archived: { type: 'boolean' }, segment: { type: 'string' }, lifecycle: { type: 'string' }, search: { type: 'string' } },
    async run(input) {
      return withApp(async (app) => {
        const maps = await app.maps.listMaps({
          isArchived: input.values.archived === true,
          segment: optionalString(input, 'segment'),
          lifecycle: optionalString(input, 'lifecycle'),
          search: optionalString(input, 'search'),
        });
        return {
          text: maps.map((m) => [m.id, m.title, m.segment ?? '', m.lifecycle ?? '', `${m.cardCount} cards`].join('\t')).join('\n'),
          json: maps,
        };
      });
    },
  },

  'map:import': {
    summary: 'Import a map from a JSON (journey-map/v1) or CSV file; prints the new map id.',
    usage: 'FILE [--title T] [--json]',
    options: { title: { type: 'string' } },
    async run(input) {
      const file = input.positionals[0];
      if (!file) throw new UsageError('Name the file to import.');
      let stat;
      try {
        stat = fs.statSync(file);
      } catch {
        throw new CliError(`Cannot read ${file}.`);
      }
      if (stat.size > MAP_LIMITS.fileBytes) throw new CliError(`${file} is larger than 5 MB.`);
      const parsed = parseMapFile({ name: file, text: fs.readFileSync(file, 'utf8'), title: optionalString(input, 'title') });
      if (!parsed.ok) throw new CliError(`${file} has ${parsed.problems.length} problem(s); nothing was imported:\n${parsed.problems.join('\n')}`);
      return withApp(async (app) => {
        const id = await app.maps.importMap(parsed.map, null);
        return { text: id, json: { id } };
      });
    },
  },

  'map:export': {
    summary: 'Write a map to standard output as JSON (journey-map/v1, the default) or CSV.',
    usage: 'ID [--format json|csv]',
    options: { format: { type: 'string' } },
    async run(input) {
      const id = input.positionals[0];
      if (!id) throw new UsageError('Name the map id to export (see map:list).');
      const format = optionalString(input, 'format') ?? 'json';
      if (format !== 'json' && format !== 'csv') throw new UsageError('--format must be json or csv.');
      return withApp(async (app) => {
        const content = await app.maps.getMapContent(id);
        if (!content) throw new CliError(`No map with id ${id}.`);
        const text = format === 'json' ? serializeMapJson(content) : serializeMapCsv(content);
        // The file itself is the output, with or without --json.
        return { text, json: format === 'json' ? JSON.parse(text) : { csv: text }, raw: true };
      });
    },
  },

  'annotations:export': {
    summary: 'Write annotations with their triage data as CSV or W3C Web Annotation JSON-LD, to standard output or --out FILE.',
    usage: '--format csv|w3c [--map ID] [--out FILE] [--json]',
    options: { format: { type: 'string' }, map: { type: 'string' }, out: { type: 'string' } },
    async run(input) {
      const format = requireString(input, 'format');
      if (!isExportFormat(format)) throw new UsageError('--format must be csv or w3c.');
      const mapId = optionalString(input, 'map');
      const out = optionalString(input, 'out');
      if (out !== undefined && out.trim() === '') throw new UsageError('--out needs a file name.');
      return withApp(async (app) => {
        const result = await app.reviewExport.exportAnnotations({ mapId: mapId ?? null }, format);
        if (!result.ok) throw new CliError(result.message);
        const { total, chunks } = result.value;
        if (out === undefined) {
          // The file itself is the output, with or without --json, streamed as it is read.
          await writeChunks(process.stdout, chunks);
          return { text: '', json: null, raw: true };
        }
        await writeChunks(out, chunks);
        return { text: `Wrote ${total.toLocaleString('en')} annotation(s) to ${out}.`, json: { file: out, total } };
      });
    },
  },

  'map:publish': {
    summary: 'Publish the next version of a map; refuses when the leak check warns, unless acknowledged.',
    usage: 'ID [--acknowledge-warnings] [--json]',
    options: { 'acknowledge-warnings': { type: 'boolean' } },
    async run(input) {
      const id = input.positionals[0];
      if (!id) throw new UsageError('Name the map id to publish (see map:list).');
      return withApp(async (app) => {
        const acknowledgeWarnings = input.values['acknowledge-warnings'] === true;
        const prepared = await app.publishing.preparePublication(id);
        if (!prepared) throw new CliError(`No map with id ${id}.`);
        if (prepared.warnings.length > 0 && !acknowledgeWarnings) {
          throw new CliError(
            `Not published: the leak check found ${prepared.warnings.length} possible leak(s):\n` +
              prepared.warnings.map((w) => '  ' + describeLeakWarning(w)).join('\n') +
              '\nFix them, or run again with --acknowledge-warnings.',
          );
        }
        const result = await app.publishing.publish(id, { actor: { id: null, name: 'Command line' }, acknowledgeWarnings });
        if (!result.ok) throw new CliError(result.message);
        const { version, warnings } = result.value;
        return { text: String(version), json: { version, versionId: result.value.versionId, warnings: warnings.map(describeLeakWarning) } };
      });
    },
  },

  'invite:create': {
    summary: 'Invite a customer to a map; prints their personal link (the only place besides the email it appears).',
    usage: '--map ID --email E [--name N] [--account A] [--segment S] [--role R] [--expires-days D] [--version N] [--json]',
    options: {
      map: { type: 'string' },
      email: { type: 'string' },
      name: { type: 'string' },
      account: { type: 'string' },
      segment: { type: 'string' },
      role: { type: 'string' },
      'expires-days': { type: 'string' },
      version: { type: 'string' },
    },
    async run(input) {
      const mapId = requireString(input, 'map');
      const email = requireString(input, 'email');
      const days = optionalString(input, 'expires-days');
      const version = optionalString(input, 'version');
      if (days !== undefined && !/^\d+$/.test(days)) throw new UsageError('--expires-days must be a whole number of days.');
      if (version !== undefined && !/^\d+$/.test(version)) throw new UsageError('--version must be a version number (leave it out for the latest).');
      return withApp(async (app) => {
        const result = await app.invitations.createInvitation(
          {
            mapId,
            versionNumber: version === undefined ? null : Number(version),
            email,
            name: optionalString(input, 'name'),
            account: optionalString(input, 'account'),
            segment: optionalString(input, 'segment'),
            role: optionalString(input, 'role'),
            expiresDays: days === undefined ? null : Number(days),
          },
          null,
        );
        if (!result.ok) throw new CliError(result.message);
        return { text: result.value.link, json: { id: result.value.id, link: result.value.link } };
      });
    },
  },

  'invite:links': {
    summary: 'Print the current personal link of every invitation to a map that is not revoked (to send them another way).',
    usage: '--map ID [--json]',
    options: { map: { type: 'string' } },
    async run(input) {
      const mapId = requireString(input, 'map');
      return withApp(async (app) => {
        const links = await app.invitations.listLinks(mapId);
        return { text: links.map((l) => `${l.email}\t${l.link}`).join('\n'), json: links };
      });
    },
  },

  'digest:send': {
    summary: 'Send the owners\' digest now (to everyone who owns open review items, or one person); prints how many were written to the outbox.',
    usage: '[--staff EMAIL] [--json]',
    options: { staff: { type: 'string' } },
    async run(input) {
      const staffEmail = optionalString(input, 'staff');
      if (staffEmail !== undefined && staffEmail.trim() === '') throw new UsageError('--staff needs the staff member\'s email.');
      return withApp(async (app) => {
        const result = await app.digest.sendNow({ staffEmail: staffEmail ?? null });
        if (!result.ok) throw new CliError(result.message);
        const { sent } = result.value;
        // The outbox row is the email: the server's mail worker sends it (npm start), with retries.
        const text = `${sent} digest(s) written to the outbox; the server's mail worker sends them.`;
        return { text, json: { sent } };
      });
    },
  },

  'demo:init': {
    summary: 'Create the demo workspace when the database has no staff yet (npm start runs this).',
    usage: '[--json]',
    options: {},
    async run() {
      return withApp(async (app) => {
        const demo = await app.demo.createDemoWorkspaceOnce();
        if (!demo) return { text: '', json: { created: false } };
        const text = [
          '',
          'Groundtruth demo workspace created. Sign in at ' + app.config.publicUrl + '/sign-in with',
          `  email:    ${demo.adminEmail}`,
          `  password: ${demo.adminPassword}`,
          'This password is shown only once; change it under Account.',
          '',
          'To see what an invited customer sees, open the demo invitation link:',
          `  ${demo.invitationLink}`,
          '',
        ].join('\n');
        return { text, json: { created: true, ...demo } };
      });
    },
  },
};

import type { ParseArgsOptionsConfig } from 'node:util';
import { openDatabase } from '../../db/connection.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { createApp, type App } from '../server/app.ts';
import { readEnvironment } from './environment.ts';
import { CliError, UsageError } from './errors.ts';

export interface CommandInput {
  values: Record<string, string | boolean | undefined | (string | boolean)[]>;
  positionals: string[];
}

export interface CommandOutput {
  text: string;
  json: unknown;
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
    return await work(createApp({ db, config: { sessionDays: env.sessionDays, publicUrl: env.publicUrl } }));
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
        ].join('\n');
        return { text, json: { created: true, ...demo } };
      });
    },
  },
};

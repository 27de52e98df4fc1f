/**
 * The command line and the HTTP front (src/server/http/serve.ts) run outside Astro, where
 * `astro:env` does not exist. They read the same declarations (src/config/env-schema.ts) with
 * the same defaults, so a variable means the same thing everywhere.
 */
import { envSchema, type EnvName } from '../config/env-schema.ts';
import { publicUrlFor } from '../config/public-url.ts';
import { teamNameFor } from '../config/team-name.ts';

type Field = { type: string; default?: unknown; optional?: boolean; int?: boolean; min?: number; max?: number };

export function readEnvironment(source: Record<string, string | undefined> = process.env) {
  const read = (name: EnvName): string | number | undefined => {
    const field = envSchema[name] as Field;
    const raw = source[name];
    if (raw === undefined || raw === '') return field.default as string | number | undefined;
    if (field.type !== 'number') return raw;
    const value = Number(raw);
    const isBad =
      !Number.isFinite(value) ||
      (field.int && !Number.isInteger(value)) ||
      (field.min !== undefined && value < field.min) ||
      (field.max !== undefined && value > field.max);
    if (isBad) throw new Error(`${name} must be a number${field.int ? ' (whole)' : ''} from ${field.min} to ${field.max}; got "${raw}".`);
    return value;
  };
  const port = read('PORT') as number;
  return {
    host: read('HOST') as string,
    port,
    databasePath: read('DATABASE_PATH') as string,
    publicUrl: publicUrlFor(read('PUBLIC_URL') as string | undefined, port),
    trustedProxies: read('TRUST_PROXY') as number,
    teamName: teamNameFor(read('TEAM_NAME') as string | undefined),
    sessionDays: read('SESSION_DAYS') as number,
    emailFrom: read('EMAIL_FROM') as string,
    resendApiKey: read('RESEND_API_KEY') as string | undefined,
    linkSecret: read('LINK_SECRET') as string | undefined,
  };
}

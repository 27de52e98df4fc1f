/**
 * Every environment variable Groundtruth reads, declared once.
 *
 * astro.config.mjs hands this object to Astro's `astro:env` schema, which validates it for the
 * server; the command line (which runs outside Astro) reads the same declarations through
 * `readEnvironment` in src/cli/environment.ts. The objects have the shape Astro's `envField`
 * helpers return, written out so that this file imports nothing and loads fast in the CLI.
 */
export const envSchema = {
  DATABASE_PATH: {
    context: 'server',
    access: 'public',
    type: 'string',
    default: './data/groundtruth.sqlite',
  },
  PUBLIC_URL: {
    context: 'server',
    access: 'public',
    type: 'string',
    default: 'http://localhost:4321',
  },
  SESSION_DAYS: {
    context: 'server',
    access: 'public',
    type: 'number',
    int: true,
    min: 1,
    max: 90,
    default: 14,
  },
  EMAIL_FROM: {
    context: 'server',
    access: 'public',
    type: 'string',
    default: 'Groundtruth <groundtruth@localhost>',
  },
  RESEND_API_KEY: {
    context: 'server',
    access: 'secret',
    type: 'string',
    optional: true,
  },
  RESEND_WEBHOOK_SECRET: {
    context: 'server',
    access: 'secret',
    type: 'string',
    optional: true,
  },
} as const;

export type EnvName = keyof typeof envSchema;

/**
 * Every environment variable Groundtruth reads, declared once.
 *
 * astro.config.mjs hands this object to Astro's `astro:env` schema, which validates it for the
 * server; the command line (which runs outside Astro) reads the same declarations through
 * `readEnvironment` in src/cli/environment.ts. The objects have the shape Astro's `envField`
 * helpers return, written out so that this file imports nothing and loads fast in the CLI.
 *
 * Every variable is `access: 'secret'`, even those that are not secret: Astro writes `public`
 * server variables into the build, while `secret` ones are read when the server starts. A
 * build must work with the configuration of wherever it runs (the CLI reads them at run time
 * too, so both always agree on, for one, which database to open).
 */
export const envSchema = {
  HOST: {
    context: 'server',
    access: 'secret',
    type: 'string',
    default: 'localhost',
  },
  PORT: {
    context: 'server',
    access: 'secret',
    type: 'number',
    int: true,
    min: 1,
    max: 65535,
    default: 4321,
  },
  DATABASE_PATH: {
    context: 'server',
    access: 'secret',
    type: 'string',
    default: './data/groundtruth.sqlite',
  },
  // Without it: http://localhost:<PORT> (src/config/public-url.ts).
  PUBLIC_URL: {
    context: 'server',
    access: 'secret',
    type: 'string',
    optional: true,
  },
  TRUST_PROXY: {
    context: 'server',
    access: 'secret',
    type: 'number',
    int: true,
    min: 0,
    max: 5,
    default: 0,
  },
  SESSION_DAYS: {
    context: 'server',
    access: 'secret',
    type: 'number',
    int: true,
    min: 1,
    max: 90,
    default: 14,
  },
  EMAIL_FROM: {
    context: 'server',
    access: 'secret',
    type: 'string',
    default: 'Groundtruth <groundtruth@localhost>',
  },
  // As it reads mid-sentence ("You told the Acme customer experience team that…").
  TEAM_NAME: {
    context: 'server',
    access: 'secret',
    type: 'string',
    optional: true,
  },
  LINK_SECRET: {
    context: 'server',
    access: 'secret',
    type: 'string',
    optional: true,
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

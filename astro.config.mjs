// @ts-check
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';
import svelte from '@astrojs/svelte';
import { envSchema } from './src/config/env-schema.ts';

/** Largest request body any endpoint or action accepts; imports and uploads say so in the UI. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;

export default defineConfig({
  output: 'server',
  // The adapter stops reading a body past the limit even when it has no Content-Length
  // (chunked), which the request guard in src/middleware.ts cannot see coming.
  adapter: node({ mode: 'standalone', bodySizeLimit: MAX_BODY_BYTES }),
  integrations: [svelte()],
  // Source maps of the server bundle never reach the browser; client maps are off so that no
  // bundle can carry source text that a participant could read.
  vite: { build: { sourcemap: false } },
  devToolbar: { enabled: false },
  // Shiki's inline styles would break the CSP, and no page renders Markdown code.
  markdown: { syntaxHighlight: false },
  security: {
    // Replaced by the request guard in src/middleware.ts (src/server/security/headers.ts), which
    // refuses every cross-site write whatever its content type. Astro's own check must be off:
    // it reads `Origin: null` as cross-site, and browsers send exactly that when a page with
    // `Referrer-Policy: no-referrer` (the invitation link page) posts a form to its own site.
    checkOrigin: false,
    actionBodySizeLimit: MAX_BODY_BYTES,
    csp: {
      algorithm: 'SHA-256',
      directives: [
        "default-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ],
    },
  },
  env: {
    schema: envSchema,
    validateSecrets: true,
  },
});

/// <reference types="vitest/config" />
import { getViteConfig } from 'astro/config';

// Unit and integration tests (tests/**/*.test.ts). End-to-end tests live in tests/e2e and run
// under Playwright against the built server.
export default getViteConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/e2e/**', 'node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});

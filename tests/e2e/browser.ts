/**
 * Where the end-to-end tests find Chromium, in this order:
 *   1. the CHROMIUM_PATH or PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH environment variable;
 *   2. a browser that `playwright install chromium` downloaded for this Playwright version;
 *   3. Debian's `chromium` package (/usr/bin/chromium).
 *
 * This module only looks; scripts/ensure-browser.mjs (run before `playwright test`) installs one
 * when none is found. Playwright's own download needs its CDN, which some machines cannot reach,
 * so Debian's package is a first-class choice, launched with the flags below.
 */
import fs from 'node:fs';
import { chromium } from 'playwright-core';

export const DEBIAN_CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_PATH_VARIABLES = ['CHROMIUM_PATH', 'PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH'] as const;

/** Flags for a distribution Chromium in a container: no sandbox, no GPU, nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export interface FoundBrowser {
  executablePath: string;
  /** Which rule found it, for the log. */
  source: string;
}

export interface BrowserSearch {
  found: FoundBrowser | null;
  /** Misconfigurations worth telling the person about (a variable naming a missing file). */
  problems: string[];
}

function isExecutableFile(filePath: string): boolean {
  try {
    fs.accessSync(filePath, fs.constants.X_OK);
    return fs.statSync(filePath).isFile();
  } catch {
    return false;
  }
}

function playwrightChromiumPath(): string | null {
  try {
    return chromium.executablePath();
  } catch {
    // Thrown when this platform has no Playwright build of Chromium.
    return null;
  }
}

export function findChromium(env: Record<string, string | undefined> = process.env): BrowserSearch {
  const problems: string[] = [];
  for (const name of CHROMIUM_PATH_VARIABLES) {
    const value = env[name];
    if (!value) continue;
    if (isExecutableFile(value)) return { found: { executablePath: value, source: `$${name}` }, problems };
    problems.push(`${name} is set to ${value}, which is not an executable file.`);
  }
  const downloaded = playwrightChromiumPath();
  if (downloaded && isExecutableFile(downloaded)) {
    return { found: { executablePath: downloaded, source: "Playwright's downloaded browsers" }, problems };
  }
  if (isExecutableFile(DEBIAN_CHROMIUM_PATH)) {
    return { found: { executablePath: DEBIAN_CHROMIUM_PATH, source: "Debian's chromium package" }, problems };
  }
  return { found: null, problems };
}

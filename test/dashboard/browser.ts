import { existsSync } from 'node:fs';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { makeTempDir } from '../support/tempDir.ts';

/** Debian's Chromium (DESIGN: never download a browser). CI installs it with apt-get. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH);
export const NO_CHROMIUM_MESSAGE = `dashboard browser tests skipped: ${CHROMIUM_PATH} is absent (apt-get install -y chromium)`;

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface HeadlessBrowser {
  context: BrowserContext;
  /** A new tab that records console errors and uncaught page errors. */
  newPage(): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile of its own, removed on close. */
export async function launchChromium(): Promise<HeadlessBrowser> {
  const profile = makeTempDir('phoenix-chromium');
  const context = await chromium.launchPersistentContext(profile.dir, {
    executablePath: CHROMIUM_PATH,
    args: ARGS,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    timeout: 20_000,
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      return { page, errors };
    },
    async close() {
      await context.close();
      profile.remove();
    },
  };
}

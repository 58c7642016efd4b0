import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

/**
 * Where the dashboard tests leave their screenshots for a person to look at:
 * PHOENIX_SCREENSHOT_DIR, else tmp/screenshots/ in the working tree (the
 * tree's /tmp/ is gitignored). Kept after the run, unlike the tests' temp dirs.
 */
export const SCREENSHOT_DIR = process.env.PHOENIX_SCREENSHOT_DIR ?? fileURLToPath(new URL('../../tmp/screenshots', import.meta.url));

/** A full-page PNG named `name`; returns its path and size. */
export async function screenshot(page: Page, name: string): Promise<{ path: string; bytes: number }> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  const png = readFileSync(path);
  if (png.subarray(1, 4).toString() !== 'PNG') throw new Error(`${path} is not a PNG`);
  return { path, bytes: png.length };
}

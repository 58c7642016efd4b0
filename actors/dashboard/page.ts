import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The dashboard page: one self-contained HTML document (no build step, no
 * external URL: the desk's network is closed). The parts live as plain
 * .html/.css/.js files so an editor and the linter see them as what they are.
 */
export interface DashboardPage {
  html: string;
  /** Allows exactly the inline style and script below and nothing else, so even a bead that slipped past escaping could not run code. */
  contentSecurityPolicy: string;
}

function part(name: string): string {
  return readFileSync(new URL(`./page/${name}`, import.meta.url), 'utf8');
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export function buildDashboardPage(): DashboardPage {
  const style = part('style.css');
  const script = part('client.js');
  // A replacer function, so `$` sequences in the inlined text are taken literally.
  const html = part('index.html')
    .replace('/* page style */', () => style)
    .replace('/* page script */', () => script);
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    "connect-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, contentSecurityPolicy };
}

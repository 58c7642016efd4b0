import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { PageView } from './liveView.ts';

/**
 * The dashboard page: one HTML document (no build step, no external URL: the
 * desk's network is closed). The parts live as plain .html/.css/.js files so
 * an editor and the linter see them as what they are; the chart library
 * (uPlot) is served from node_modules by the dashboard itself, never a CDN.
 *
 * The first paint carries the data: each page is rendered with the view of
 * the moment it is asked for, the banner, mode, host and kill flag as text
 * and the whole view as a JSON data block the script draws from before the
 * live stream has said anything.
 */
export interface DashboardPage {
  /** The page for this view. */
  render(view: PageView): string;
  /** Allows exactly the inline style below and the dashboard's own scripts and styles: even a bead that slipped past escaping could not run code. */
  contentSecurityPolicy: string;
}

/** Files served under /assets/, by name: nothing else under that path exists. */
export interface DashboardAsset {
  type: string;
  body: Buffer;
}

function part(name: string): string {
  return readFileSync(new URL(`./page/${name}`, import.meta.url), 'utf8');
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
/** JSON inside a script element: nothing in it may close the element or open a comment. */
const jsonForScript = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

function hhmmss(ts: string | undefined): string {
  return ts ? `${ts.slice(11, 19)}Z` : '';
}

/** The parts of the page drawn before any script runs. */
function firstPaint(v: PageView): Record<string, string> {
  const host = v.host;
  const kill = v.kill_flag;
  const set = kill.state === 'SET';
  const beat = v.health ? `last beat ${v.health.status}, ${v.health.age_s} s ago` : '';
  return {
    mode: v.mode ?? 'MODE ?',
    mode_class: `mode-${v.mode ?? 'unknown'}`,
    host: host ? `${host.host_id} · pid ${host.pid} · v${host.version} · ${host.state === 'RUNNING' ? `up since ${hhmmss(host.started_at)}` : `stopped ${hhmmss(host.stopped_at)}`}` : 'no host yet',
    banner_level: v.banner.level,
    banner_detail: [beat, ...v.banner.reasons].filter(Boolean).join(' · ') || 'all checks pass',
    kill_class: set ? 'set' : 'armed',
    kill_state: set ? 'KILL FLAG SET — new entries refused' : 'Kill flag ARMED',
    kill_detail: kill.who ? `${set ? 'set' : 'cleared'} by ${kill.who} at ${hhmmss(kill.ts)}: ${kill.reason ?? ''}` : 'trading allowed',
  };
}

export function buildDashboardPage(): DashboardPage {
  const style = part('style.css');
  // A replacer function, so `$` sequences in the inlined text are taken literally.
  const template = part('index.html').replace('/* page style */', () => style);
  const contentSecurityPolicy = [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' ${sha256(style)}`,
    "connect-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    contentSecurityPolicy,
    render(view) {
      const fields = firstPaint(view);
      return template
        .replace(/\{\{(\w+)\}\}/g, (_, key: string) => escapeHtml(fields[key] ?? ''))
        .replace('<!-- initial view -->', () => `<script type="application/json" id="initial-view">${jsonForScript(view)}</script>`);
    },
  };
}

/** The page's scripts are ES modules served as they are; the data they draw comes from the view, never from these files. */
export const PAGE_SCRIPTS = ['client.js', 'format.js', 'charts.js', 'panels.js', 'trade.js', 'activity.js'] as const;

/** The page's modules, and uPlot from the installed package. */
export function dashboardAssets(): Record<string, DashboardAsset> {
  const require = createRequire(import.meta.url);
  const uplot = (name: string) => readFileSync(require.resolve(`uplot/dist/${name}`));
  const assets: Record<string, DashboardAsset> = {
    'uPlot.iife.min.js': { type: 'text/javascript; charset=utf-8', body: uplot('uPlot.iife.min.js') },
    'uPlot.min.css': { type: 'text/css; charset=utf-8', body: uplot('uPlot.min.css') },
  };
  for (const name of PAGE_SCRIPTS) assets[name] = { type: 'text/javascript; charset=utf-8', body: Buffer.from(part(name), 'utf8') };
  return assets;
}

import type { NotificationKind, QueuedAlert } from './alertModel.ts';
import { runbookLabel } from './alertTypes.ts';

/** Telegram refuses a text longer than this (S7.1: longer messages are split). */
export const TELEGRAM_MAX_CHARS = 4096;

/** A grouped line is cut here so one chatty alert cannot crowd out the others. */
const GROUP_LINE_MAX = 300;

export interface RenderInput {
  kind: NotificationKind;
  detailed: readonly QueuedAlert[];
  summarised: readonly QueuedAlert[];
  /** Which host and mode speaks, e.g. "phoenix-1 PAPER"; an operator may run more than one. */
  origin?: string;
  /** When it goes out: an alert held up (an outage, a restart) says when it was raised. */
  sentAt?: number;
}

/** Older than this when sent, an alert carries its raise time so nobody mistakes it for news. */
const LATE_AFTER_MS = 60_000;

/** The callback action of the label buttons (actors/telegram/alertLabelCallbacks.ts answers it). */
export const LABEL_ACTION = 'LABEL';

/**
 * Buttons for the operator's word on an alert (issue 14: ground truth for
 * alert precision): 👍 useful / 👎 noise, on a message that is about one
 * firing alert. A grouped message or a RESOLVED notice carries none: a label
 * there would not say which alert it meant.
 */
export function labelButtons(input: Pick<RenderInput, 'detailed' | 'summarised'>): { text: string; data: string }[][] | undefined {
  const [only, ...more] = [...input.detailed, ...input.summarised];
  if (only === undefined || more.length > 0 || only.resolved) return undefined;
  // Telegram takes 64 bytes of callback data: an id that would not fit gets no buttons, never a refused message.
  if (new TextEncoder().encode(`${LABEL_ACTION}:${only.alertId}:u`).length > 64) return undefined;
  return [[{ text: '👍 useful', data: `${LABEL_ACTION}:${only.alertId}:u` }, { text: '👎 noise', data: `${LABEL_ACTION}:${only.alertId}:n` }]];
}

/** Renders a notification and splits it into Telegram-sized messages, each naming its runbooks. */
export function renderNotification(input: RenderInput, limit = TELEGRAM_MAX_CHARS): string[] {
  const all = [...input.detailed, ...input.summarised];
  const runbooks = [...new Set(all.map((a) => runbookLabel(a.runbookId)))];
  const runbookLine = `${runbooks.length === 1 ? 'Runbook' : 'Runbooks'}: ${runbooks.join(', ')}`;
  const body = renderBody(input, runbookLine);
  return splitMessage(body, `${badge(input.kind, all)} · ${runbookLine}`, limit);
}

function badge(kind: NotificationKind, alerts: readonly QueuedAlert[]): string {
  if (kind === 'critical') return '🔴 CRITICAL';
  if (alerts.every((a) => a.resolved)) return '✅ RESOLVED';
  return alerts.some((a) => a.severity === 'CRITICAL') ? '🟠 ALERTS' : '🟡 WARNING';
}

function headline(alert: QueuedAlert): string {
  return alert.resolved ? `RESOLVED: ${alert.title}` : alert.title;
}

function renderBody(input: RenderInput, runbookLine: string): string {
  const all = [...input.detailed, ...input.summarised];
  const origin = input.origin ? ` · ${input.origin}` : '';
  const first = input.detailed[0];
  if (all.length === 1 && first) {
    const title = first.resolved ? `✅ ${headline(first)}` : `${badge(input.kind, all)} · ${first.title}`;
    return `${title}${origin}\n${first.message}${lateNote(first, input.sentAt)}\n${runbookLine}`;
  }
  const lines = [`${badge(input.kind, all)} · ${all.length} alerts${origin}`];
  for (const alert of input.detailed) {
    // Criticals are never shortened: each may be the one that matters.
    const text = input.kind === 'critical' ? alert.message : truncate(alert.message, GROUP_LINE_MAX);
    lines.push(`• ${alert.resolved ? '✅ ' : ''}${headline(alert)}: ${text}${lateNote(alert, input.sentAt)}`);
    lines.push(`  Runbook: ${runbookLabel(alert.runbookId)}`);
  }
  if (input.summarised.length > 0) lines.push(summaryLine(input.summarised));
  if (input.summarised.length > 0 || input.detailed.length === 0) lines.push(runbookLine);
  return lines.join('\n');
}

function lateNote(alert: QueuedAlert, sentAt: number | undefined): string {
  if (sentAt === undefined || sentAt - alert.raisedAt < LATE_AFTER_MS) return '';
  return ` (raised ${new Date(alert.raisedAt).toISOString().slice(11, 19)} UTC)`;
}

/** "+37 more: 20× Position stalled, 17× Order rejected": the excess, counted per type, never dropped. */
export function summaryLine(alerts: readonly QueuedAlert[]): string {
  const counts = new Map<string, number>();
  for (const alert of alerts) counts.set(headline(alert), (counts.get(headline(alert)) ?? 0) + 1);
  const parts = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t, n]) => `${n}× ${t}`);
  return `+${alerts.length} more: ${parts.join(', ')}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${safeSlice(text, max - 1)}…`;
}

/** Cuts at `end` without splitting a surrogate pair. */
function safeSlice(text: string, end: number): string {
  const code = text.charCodeAt(end - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? end - 1 : end);
}

/**
 * Splits a long text into parts of at most `limit` UTF-16 units (Telegram's
 * count never exceeds that). Each part starts "[i/n] <tag>" so every message on
 * its own still says what it is and which runbook to open. Cuts prefer a line
 * break, then a space.
 */
export function splitMessage(text: string, tag: string, limit = TELEGRAM_MAX_CHARS): string[] {
  if (text.length <= limit) return [text];
  // "[99/99] " is the widest prefix we plan for; a message that needs more parts is absurd.
  const budget = limit - `[99/99] ${tag}\n`.length;
  if (budget < 100) throw new Error(`split tag too long for a ${limit}-character message`);
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > budget) {
    let cut = rest.lastIndexOf('\n', budget);
    if (cut < budget / 2) cut = rest.lastIndexOf(' ', budget);
    if (cut < budget / 2) cut = safeSlice(rest, budget).length;
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks.map((chunk, i) => `[${i + 1}/${chunks.length}] ${tag}\n${chunk}`);
}

import type { ConnectionGap, HeartbeatGapReport } from './gaps.ts';
import type { AlertRecord, DriftRecord, PositionRecord, ScarRecord } from './healthAudit.ts';
import { ageText } from './healthTicks.ts';

/**
 * The audit answers (S6.4) as text for people: a headline that answers the
 * question, then one aligned row per item. Pure; `phoenix query` prints it.
 */

export interface ReportWindow {
  from: number;
  to: number;
  /** "24 h", "7 days": how the question was asked. */
  label: string;
}

function time(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

function table(header: string[], rows: string[][]): string[] {
  if (rows.length === 0) return [];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

const oneLine = (text: string, max = 90) => {
  const first = text.split('\n')[0]!;
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
};

export function heartbeatGapsText(report: HeartbeatGapReport, window: ReportWindow): string[] {
  const blind = report.gaps.reduce((sum, g) => sum + g.durationMs, 0);
  const head =
    report.gaps.length === 0
      ? `No heartbeat gaps for ${report.host} in the last ${window.label}`
      : `${report.gaps.length} heartbeat gap${report.gaps.length === 1 ? '' : 's'} for ${report.host} in the last ${window.label}, ${ageText(blind)} without a heartbeat in all`;
  const longest = report.beats > 1 ? `; longest interval ${(report.longestIntervalMs / 1000).toFixed(1)} s` : '';
  return [
    `${head} (${report.beats} heartbeats${longest})`,
    ...table(
      ['from', 'to', 'length', 'misses', 'cause'],
      report.gaps.map((g) => [time(g.from), g.to ? time(g.to) : '(still silent)', ageText(g.durationMs), g.misses ? String(g.misses) : '—', g.cause]),
    ),
  ];
}

export function connectionGapsText(report: { host: string; sessions: number; gaps: ConnectionGap[] }, window: ReportWindow): string[] {
  const down = report.gaps.reduce((sum, g) => sum + g.durationMs, 0);
  const head =
    report.gaps.length === 0
      ? `No connection gaps for ${report.host} in the last ${window.label}`
      : `${report.gaps.length} connection gap${report.gaps.length === 1 ? '' : 's'} for ${report.host} in the last ${window.label}, ${ageText(down)} disconnected in all`;
  return [
    `${head} (${report.sessions} connect${report.sessions === 1 ? '' : 's'})`,
    ...table(
      ['from', 'to', 'length', 'attempts', 'reason'],
      report.gaps.map((g) => [
        time(g.from),
        g.to ? time(g.to) : '(still down)',
        ageText(g.durationMs),
        `${g.attempts}${g.escalated ? ' ESCALATED' : ''}`,
        oneLine(g.reason || '—', 60),
      ]),
    ),
  ];
}

export function alertsText(alerts: readonly AlertRecord[], window: ReportWindow): string[] {
  const critical = alerts.filter((a) => a.severity === 'CRITICAL' && a.event === 'RAISED').length;
  const head =
    alerts.length === 0
      ? `No alerts in the last ${window.label}`
      : `${alerts.length} alert${alerts.length === 1 ? '' : 's'} in the last ${window.label} (${critical} CRITICAL)`;
  return [
    head,
    ...table(
      ['time', 'severity', 'type', 'event', 'delivery', 'runbook', 'message'],
      alerts.map((a) => [time(a.at), a.severity, a.type, a.event, a.delivery, a.runbook ?? '—', oneLine(a.message)]),
    ),
  ];
}

export function driftText(records: readonly DriftRecord[], window: ReportWindow): string[] {
  const drifts = records.filter((r) => r.result === 'DRIFT').length;
  const last = records.at(-1);
  const head =
    records.length === 0
      ? `No reconciliation in the last ${window.label}`
      : `${records.length} reconciliation${records.length === 1 ? '' : 's'} in the last ${window.label}, ${drifts} with drift; the last was ${last!.result} at ${time(last!.at)}`;
  return [head, ...table(['time', 'result', 'trigger', 'drift'], records.map((r) => [time(r.at), r.result, r.trigger ?? '—', r.items.join('; ') || '—']))];
}

export function positionsText(records: readonly PositionRecord[], window: ReportWindow): string[] {
  const head = records.length === 0 ? `No positions in the last ${window.label}` : `${records.length} position${records.length === 1 ? '' : 's'} in the last ${window.label}`;
  return [
    head,
    ...table(
      ['position', 'pair', 'side', 'quantity', 'opened', 'last change', 'realised P&L', 'states'],
      records.map((r) => [
        r.positionId,
        r.pair,
        r.side,
        String(r.quantity),
        time(r.openedAt),
        time(r.lastAt),
        r.realisedPnl === undefined ? '—' : r.realisedPnl.toFixed(2),
        r.states.join(' → '),
      ]),
    ),
  ];
}

export function scarsText(scars: readonly ScarRecord[], window: ReportWindow): string[] {
  const head = scars.length === 0 ? `No bunny scars in the last ${window.label}` : `${scars.length} bunny scar${scars.length === 1 ? '' : 's'} in the last ${window.label}`;
  const sweeps = scars.filter((s) => s.scope === 'SWEEP').length;
  const also = sweeps > 0 ? ` (${sweeps} in revalidation sweeps)` : '';
  return [`${head}${also}`, ...table(['time', 'run', 'scope', 'vector', 'evidence'], scars.map((s) => [time(s.at), s.runId, scopeOf(s), s.vectorId, oneLine(s.evidence)]))];
}

/** "SWEEP ORDER_UNITS=30000": a sweep's scar says which change it was validating. */
function scopeOf(s: ScarRecord): string {
  const settings = Object.entries(s.settings ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
  return [s.scope ?? '—', s.triggeredBy ? 'triggered' : '', settings].filter(Boolean).join(' ');
}

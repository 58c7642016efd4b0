import type { DashboardView } from './dashboardView.ts';

/**
 * The dashboard in plain text: `phoenix status` prints it, and the Telegram
 * /status, /health and /positions send parts of it. The same view the web
 * page shows, so the three never disagree. Pure.
 */

const money = (n: number | undefined) => (n === undefined ? '—' : `${n >= 0 ? '+' : ''}${n.toFixed(2)}`);

/** "09:01:02Z" for today's events, the date too for older ones, relative to the view's time. */
function when(ts: string | undefined, view: DashboardView): string {
  if (!ts) return '—';
  const time = `${ts.slice(11, 19)}Z`;
  return ts.slice(0, 10) === view.generated_at.slice(0, 10) ? time : `${ts.slice(0, 10)} ${time}`;
}

export function healthLines(view: DashboardView): string[] {
  const { banner, health } = view;
  const lines = [`Health: ${banner.level}${banner.reasons.length ? ` — ${banner.reasons.join('; ')}` : ''}`];
  if (health) {
    const checks = Object.entries(health.checks).map(([name, ok]) => `${name} ${ok ? 'ok' : 'FAILING'}`);
    lines.push(`  last heartbeat ${health.status} ${health.age_s} s ago (${when(health.ts, view)}): ${checks.join(', ')}`);
    for (const d of health.details) lines.push(`  - ${d.check}: ${d.message}`);
  }
  const beats = view.heartbeats;
  lines.push(`  heartbeat gaps: ${beats.gaps_total} longer than ${beats.gap_threshold_s} s`);
  return lines;
}

export function killFlagLines(view: DashboardView): string[] {
  const k = view.kill_flag;
  if (k.state === 'ARMED') {
    return [`Kill flag: ARMED (trading allowed)${k.who ? `; last cleared by ${k.who} at ${when(k.ts, view)}: ${k.reason}` : ''}`];
  }
  return [
    `Kill flag: SET by ${k.who ?? 'unknown'} at ${when(k.ts, view)}: ${k.reason ?? ''}`,
    '  new entries are refused; clear it when the cause is fixed: phoenix resume --reason "…" (RB-005)',
  ];
}

export function positionLines(view: DashboardView): string[] {
  const p = view.positions;
  const lines = [`Positions: ${p.open.length} open, unrealised ${money(p.unrealised_total)}, realised ${money(p.realised_total)}`];
  for (const row of p.open) {
    const price = row.avg_price === undefined ? '' : ` @ ${row.avg_price}`;
    lines.push(`  ${row.position_id} ${row.pair} ${row.side} ${row.quantity}${price} ${row.state}, stop ${row.stop} target ${row.target}, unrealised ${money(row.unrealised_pnl)}`);
  }
  if (p.not_shown > 0) lines.push(`  (${p.not_shown} older open positions not shown)`);
  return lines;
}

function hostLine(view: DashboardView, lease: string | undefined): string {
  const h = view.host;
  const leased = lease ? ` — ${lease}` : '';
  if (!h) return `Host: none has started on this log${leased}`;
  const since = h.state === 'RUNNING' ? `since ${when(h.started_at, view)}` : `stopped ${when(h.stopped_at, view)}${h.reason ? ` (${h.reason})` : ''}`;
  return `Host: ${h.host_id} ${h.state} pid ${h.pid} ${since}, version ${h.version}${leased}`;
}

function connectionLine(view: DashboardView): string {
  const c = view.connection;
  if (c.state === 'UNKNOWN') return 'Connection: unknown (no IBKR_SESSION bead since the host started)';
  const where = c.account ? ` to ${c.account} on port ${c.port}` : '';
  const attempt = c.state === 'RECONNECTING' ? ` (attempt ${c.attempt})` : '';
  return `Connection: ${c.state}${attempt}${where} since ${when(c.since, view)}${c.reason && c.state !== 'CONNECTED' ? ` — ${c.reason}` : ''}`;
}

function approvalLines(view: DashboardView): string[] {
  const a = view.approvals;
  const lines = [`Pending approvals: ${a.pending.length}`];
  for (const row of a.pending) {
    const age = row.anchor_age_s === undefined ? '' : `, anchor ${Math.round(row.anchor_age_s)} s old`;
    lines.push(`  ${row.intent_id} ${row.event}${row.verdict ? ` ${row.verdict}` : ''}${age} (phoenix approve ${row.intent_id})`);
  }
  return lines;
}

function alertLines(view: DashboardView, limit: number): string[] {
  const { recent, raised } = view.alerts;
  const lines = [`Alerts: ${raised.CRITICAL} CRITICAL and ${raised.WARNING} WARNING raised; latest:`];
  if (recent.length === 0) lines[0] = 'Alerts: none raised';
  for (const a of recent.slice(0, limit)) {
    const runbook = a.runbook_id ? ` (${a.runbook_id})` : '';
    lines.push(`  ${when(a.raised_at, view)} ${a.severity} ${a.alert_type}${runbook} ${a.resolved ? 'RESOLVED' : a.status}: ${a.message.split('\n')[0]}`);
  }
  return lines;
}

function driftLine(view: DashboardView): string {
  const d = view.drift;
  if (!d.last) return 'Drift: no reconciliation recorded yet';
  const items = d.last.result === 'DRIFT' ? ` (${d.last.drift.length} item(s); RB-002)` : '';
  return `Drift: last reconciliation ${d.last.result}${items} at ${when(d.last.ts, view)}; ${d.drifts} drift(s) in ${d.runs} run(s)`;
}

function gateLines(view: DashboardView): string[] {
  return ['Gates:', ...view.gates.map((g) => `  ${g.id} ${g.name}: ${g.status}${g.detail ? ` — ${g.detail}` : ''}`)];
}

export interface StatusTextOptions {
  /** Who holds the log's lease, said by the caller (it is read from the lease stream, not folded). */
  lease?: string;
  /** How many recent alerts to list. */
  alerts?: number;
}

/** Everything, in the dashboard's order: what `phoenix status` prints. */
export function statusLines(view: DashboardView, options: StatusTextOptions = {}): string[] {
  const log = view.log_position === null ? 'empty log' : `log position ${view.log_position}, ${view.counts.beads_total} beads`;
  return [
    `Phoenix status at ${view.generated_at} (${log}${view.counts.corrupt ? `, ${view.counts.corrupt} unreadable` : ''})`,
    ...healthLines(view),
    `Mode: ${view.mode ?? 'unknown'}`,
    hostLine(view, options.lease),
    connectionLine(view),
    ...killFlagLines(view),
    ...positionLines(view),
    ...approvalLines(view),
    ...alertLines(view, options.alerts ?? 5),
    driftLine(view),
    ...gateLines(view),
  ];
}

/** The phone-sized summary for Telegram /status. */
export function briefStatusLines(view: DashboardView): string[] {
  return [
    `Health: ${view.banner.level}${view.banner.reasons.length ? ` — ${view.banner.reasons.slice(0, 3).join('; ')}` : ''}`,
    `Mode: ${view.mode ?? 'unknown'}`,
    hostLine(view, undefined),
    connectionLine(view),
    ...killFlagLines(view).slice(0, 1),
    `Positions: ${view.positions.open.length} open, unrealised ${money(view.positions.unrealised_total)}`,
    `Pending approvals: ${view.approvals.pending.length}`,
    driftLine(view),
  ];
}

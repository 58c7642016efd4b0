import type { DashboardView, MoneyTotal, PositionView } from './dashboardView.ts';

/**
 * The dashboard in plain text: `phoenix status` prints it, and the Telegram
 * /status, /health and /positions send parts of it. The same view the web
 * page shows, so the three never disagree. Pure.
 */

const money = (n: number | undefined) => (n === undefined ? '—' : `${n >= 0 ? '+' : ''}${n.toFixed(2)}`);
const signed = (n: number, ccy: string) => `${money(n)} ${ccy}`;

/** The account's currency first, then the others alphabetically: the same order wherever a total is shown. */
export function currencyOrder(total: MoneyTotal): [string, number][] {
  const first = total.account?.currency;
  return Object.entries(total.by_currency).sort(([a], [b]) => (a === first ? -1 : b === first ? 1 : a.localeCompare(b)));
}

/** "+12.50 USD, -3000.00 JPY (= -7.49 USD at current rates: USDJPY 150.1)": per currency, then the account's total, never a sum across currencies. */
export function moneyTotalText(total: MoneyTotal): string {
  const parts = currencyOrder(total).map(([ccy, n]) => signed(n, ccy));
  if (parts.length === 0) return total.account ? signed(0, total.account.currency) : '0.00';
  const a = total.account;
  const single = parts.length === 1 && a !== null && total.by_currency[a.currency] !== undefined;
  if (!a || single) return parts.join(', ');
  const rates = a.rates.length ? `: ${a.rates.join(', ')}` : '';
  const missing = a.missing.length ? `; ${a.missing.join(', ')} left out: no rate yet` : '';
  return `${parts.join(', ')} (= ${signed(a.amount, a.currency)} at current rates${rates}${missing})`;
}

/** One amount in its quote currency, and in the account's when converted. */
function amountText(n: number | undefined, row: PositionView, converted: PositionView['unrealised_account']): string {
  if (n === undefined) return '—';
  const own = signed(n, row.currency);
  return converted && converted.currency !== row.currency ? `${own} (${signed(converted.amount, converted.currency)} at ${converted.pair} ${converted.rate})` : own;
}

function positionLine(row: PositionView, view: DashboardView): string {
  const price = row.avg_price === undefined ? '' : ` @ ${row.avg_price}`;
  const head = `  ${row.position_id} ${row.pair} ${row.side} ${row.quantity}${price} ${row.state}`;
  const m = row.mark;
  if (!m) return `${head}, stop ${row.stop} target ${row.target}, unrealised ${amountText(row.unrealised_pnl, row, row.unrealised_account)} (as of its last bead)`;
  return `${head}: now ${m.price} (${when(m.at, view)}), unrealised ${amountText(row.unrealised_pnl, row, row.unrealised_account)}, ${m.pips_to_stop} pips to stop ${row.stop}, ${m.pips_to_target} pips to target ${row.target}`;
}

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
  const lines = [`Positions: ${p.open.length} open, unrealised ${moneyTotalText(p.unrealised)}, realised ${moneyTotalText(p.realised)}`];
  if (p.open.length > 0) lines.push(p.marks_at ? `  live marks from the host's prices, newest ${when(p.marks_at, view)}` : '  no live prices in this view: P&L as of each position\'s last bead');
  for (const row of p.open) lines.push(positionLine(row, view));
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
    `Positions: ${view.positions.open.length} open, unrealised ${moneyTotalText(view.positions.unrealised)}`,
    `Pending approvals: ${view.approvals.pending.length}`,
    driftLine(view),
  ];
}

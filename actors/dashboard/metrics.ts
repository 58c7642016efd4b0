import { BEAD_TYPES } from '../../beads/index.ts';
import type { BannerLevel, DashboardView } from '../../projections/dashboardView.ts';

/**
 * GET /metrics: the Prometheus text exposition format (0.0.4), rendered from
 * the same view the page shows, so a scrape and a glance never disagree.
 */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;
interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: { labels?: Labels; value: number }[];
}

const HEALTH_LEVELS: BannerLevel[] = ['HEALTHY', 'DEGRADED', 'CRITICAL', 'UNKNOWN'];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function renderFamily(f: Family): string {
  const lines = [`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${f.name} ${f.type}`];
  for (const s of f.samples) {
    const labels = s.labels ? Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`) : [];
    lines.push(`${f.name}${labels.length ? `{${labels.join(',')}}` : ''} ${formatValue(s.value)}`);
  }
  return lines.join('\n');
}

const one = (value: number | boolean) => [{ value: typeof value === 'boolean' ? Number(value) : value }];

export function renderMetrics(view: DashboardView, extra: { sseClients: number }): string {
  const families: Family[] = [
    {
      name: 'phoenix_beads_total',
      help: 'Beads read from the event log, by bead type.',
      type: 'counter',
      samples: BEAD_TYPES.map((type) => ({ labels: { type }, value: view.counts.by_type[type] ?? 0 })),
    },
    { name: 'phoenix_corrupt_records_total', help: 'Stored records that could not be decoded.', type: 'counter', samples: one(view.counts.corrupt) },
    { name: 'phoenix_log_position', help: 'Global position of the last record the dashboard folded.', type: 'gauge', samples: one(view.log_position ?? -1) },
    { name: 'phoenix_dashboard_caught_up', help: '1 once the dashboard has read the whole log and follows it live.', type: 'gauge', samples: one(view.caught_up) },
    {
      name: 'phoenix_health_status',
      help: 'Health now: 1 for the current status (heartbeat, made worse by silence, a lost link or drift), 0 for the others.',
      type: 'gauge',
      samples: HEALTH_LEVELS.map((status) => ({ labels: { status }, value: Number(view.banner.level === status) })),
    },
    {
      name: 'phoenix_last_heartbeat_age_seconds',
      help: 'Seconds since the last live heartbeat; absent before the first.',
      type: 'gauge',
      samples: view.heartbeats.last_live_age_s === null ? [] : one(view.heartbeats.last_live_age_s),
    },
    { name: 'phoenix_heartbeat_gaps_total', help: 'Heartbeats that came later than the gap threshold.', type: 'counter', samples: one(view.heartbeats.gaps_total) },
    { name: 'phoenix_connection_up', help: '1 while the broker connection is CONNECTED.', type: 'gauge', samples: one(view.connection.state === 'CONNECTED') },
    { name: 'phoenix_reconnect_attempt', help: 'The reconnect attempt in progress, 0 when none.', type: 'gauge', samples: one(view.connection.attempt) },
    { name: 'phoenix_positions_open', help: 'Positions not yet CLOSED, REJECTED or CANCELLED.', type: 'gauge', samples: one(view.positions.open.length + view.positions.not_shown) },
    { name: 'phoenix_unrealised_pnl', help: 'Sum of the open positions\' unrealised P&L.', type: 'gauge', samples: one(view.positions.unrealised_total) },
    { name: 'phoenix_realised_pnl', help: 'Sum of the realised P&L of every CLOSED position.', type: 'gauge', samples: one(view.positions.realised_total) },
    { name: 'phoenix_approvals_pending', help: 'Approvals not yet consumed, expired, conflicted or rejected.', type: 'gauge', samples: one(view.approvals.pending.length + view.approvals.not_shown) },
    {
      name: 'phoenix_alerts_total',
      help: 'Alerts raised, by severity.',
      type: 'counter',
      samples: (['WARNING', 'CRITICAL'] as const).map((severity) => ({ labels: { severity }, value: view.alerts.raised[severity] })),
    },
    { name: 'phoenix_reconciliation_drift', help: '1 while the last reconciliation found drift.', type: 'gauge', samples: one(view.drift.last?.result === 'DRIFT') },
    { name: 'phoenix_reconciliation_drifts_total', help: 'Reconciliations that found drift.', type: 'counter', samples: one(view.drift.drifts) },
    { name: 'phoenix_kill_flag_set', help: '1 while the kill flag is SET and new entries are refused.', type: 'gauge', samples: one(view.kill_flag.state === 'SET') },
    {
      name: 'phoenix_host_info',
      help: 'The host the log last announced; always 1.',
      type: 'gauge',
      samples: view.host ? [{ labels: { host_id: view.host.host_id, mode: view.host.mode, version: view.host.version, state: view.host.state }, value: 1 }] : [],
    },
    { name: 'phoenix_dashboard_clients', help: 'Browsers following the live update stream.', type: 'gauge', samples: one(extra.sseClients) },
  ];
  return `${families.map(renderFamily).join('\n')}\n`;
}

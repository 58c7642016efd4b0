import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { BEAD_TYPES, type Bead } from '../../beads/index.ts';
import type { BannerLevel, DashboardView } from '../../projections/dashboardView.ts';
import { emptyLatencyFold, foldLatency } from '../../projections/opsLatency.ts';
import { scrape } from './hostTelemetry.ts';

/**
 * GET /metrics (S9), through prom-client: counters and latency histograms
 * folded from the beads the dashboard follows (one source of truth: the log),
 * gauges read at scrape time from the same view the page shows (with the
 * host's live marks), and, on the same registry, the host's own timings and
 * Node's process metrics (hostTelemetry.ts). Label values come from beads'
 * enumerated fields and ids, never from free text, so no secret can reach a
 * scrape and no label grows without bound but the open positions'.
 */

const HEALTH_LEVELS: BannerLevel[] = ['HEALTHY', 'DEGRADED', 'CRITICAL', 'UNKNOWN'];
const CONNECTION_STATES = ['UNKNOWN', 'CONNECTED', 'DISCONNECTED', 'RECONNECTING', 'ESCALATED'] as const;

type ViewSource = () => DashboardView;

/**
 * Counts kept in a plain map and handed to their counter when it is scraped
 * (its collect): the dashboard hears every bead of the log, a million at a
 * cold start, and prom-client's inc works its labels out anew each time.
 */
class Tally<L extends string> {
  private readonly counts = new Map<string, { labels: Partial<Record<L, string>>; n: number }>();

  constructor(private readonly counter: Counter<L>) {}

  /** One more under `key`, which stands for these label values. */
  add(key: string, labels: Partial<Record<L, string>>): void {
    const tally = this.counts.get(key);
    if (tally !== undefined) tally.n += 1;
    else this.counts.set(key, { labels, n: 1 });
  }

  flush(): void {
    for (const tally of this.counts.values()) {
      if (tally.n === 0) continue;
      this.counter.inc(tally.labels, tally.n);
      tally.n = 0;
    }
  }
}

export class DashboardMetrics {
  private readonly beads: Counter<'type'>;
  private readonly corrupt: Counter;
  private readonly orders: Counter<'role'>;
  private readonly orderEnds: Counter<'event'>;
  private readonly fills: Counter<'pair' | 'side'>;
  private readonly alerts: Counter<'type' | 'severity'>;
  private readonly security: Counter<'channel'>;
  private readonly decisionToOrder: Histogram;
  private readonly alertDelivery: Histogram<'severity'>;
  private readonly latency = emptyLatencyFold();
  private readonly beadsByType: Tally<'type'>;
  private readonly fillsBy: Tally<'pair' | 'side'>;

  constructor(
    readonly registry: Registry,
    view: ViewSource,
    sseClients: () => number,
  ) {
    const registers = [registry];
    this.beads = new Counter({ name: 'phoenix_beads_total', help: 'Beads read from the event log, by bead type.', labelNames: ['type'], registers, collect: () => this.beadsByType.flush() });
    this.beadsByType = new Tally(this.beads);
    for (const type of BEAD_TYPES) this.beads.inc({ type }, 0);
    this.corrupt = new Counter({ name: 'phoenix_corrupt_records_total', help: 'Stored records that could not be decoded.', registers });
    this.orders = new Counter({ name: 'phoenix_orders_total', help: 'Orders written ahead (ORDER SUBMIT_REQUESTED), by role.', labelNames: ['role'], registers });
    this.orderEnds = new Counter({ name: 'phoenix_order_refusals_total', help: 'Orders the broker rejected or that were cancelled, by ORDER event.', labelNames: ['event'], registers });
    this.fills = new Counter({ name: 'phoenix_fills_total', help: 'Executions recorded as FILL beads, by pair and side.', labelNames: ['pair', 'side'], registers, collect: () => this.fillsBy.flush() });
    this.fillsBy = new Tally(this.fills);
    this.alerts = new Counter({ name: 'phoenix_alerts_total', help: 'Alerts raised, by alert type and severity.', labelNames: ['type', 'severity'], registers });
    this.security = new Counter({ name: 'phoenix_security_refusals_total', help: 'Refusals recorded as SECURITY beads (unauthorised chat or user, bad token), by channel.', labelNames: ['channel'], registers });
    this.decisionToOrder = new Histogram({
      name: 'phoenix_decision_to_order_seconds',
      help: "A person's APPROVE decision bead to the entry's write-ahead ORDER bead, written just before the order goes on the wire.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.alertDelivery = new Histogram({
      name: 'phoenix_alert_delivery_seconds',
      help: 'An alert RAISED bead to its SENT bead (the Bot API or the log took it), by severity.',
      labelNames: ['severity'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    registerViewGauges(registry, view, sseClients);
  }

  /** One bead of the log, in order, as the dashboard folds it. */
  apply(bead: Bead): void {
    this.beadsByType.add(bead.bead_type, { type: bead.bead_type });
    switch (bead.bead_type) {
      case 'ORDER':
        if (bead.data.event === 'SUBMIT_REQUESTED') this.orders.inc({ role: bead.data.role ?? 'UNKNOWN' });
        else if (bead.data.event === 'REJECTED' || bead.data.event === 'CANCELLED') this.orderEnds.inc({ event: bead.data.event });
        break;
      case 'FILL':
        this.fillsBy.add(`${bead.data.pair} ${bead.data.side}`, { pair: bead.data.pair, side: bead.data.side });
        break;
      case 'ALERT':
        if (bead.data.event === 'RAISED') this.alerts.inc({ type: bead.data.alert_type, severity: bead.data.severity });
        break;
      case 'SECURITY':
        this.security.inc({ channel: bead.data.channel });
        break;
    }
    for (const o of foldLatency(this.latency, bead)) {
      if (o.kind === 'decision_to_order') this.decisionToOrder.observe(o.seconds);
      else this.alertDelivery.observe({ severity: o.severity }, o.seconds);
    }
  }

  noteCorrupt(): void {
    this.corrupt.inc();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return scrape(this.registry);
  }
}

/** A gauge whose value is read from the view at scrape time. */
function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], read: (g: Gauge<L>) => void): void {
  new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      read(this);
    },
  });
}

function registerViewGauges(registry: Registry, view: ViewSource, sseClients: () => number): void {
  // One view per scrape: every gauge of one scrape reads the same instant.
  let cached: { at: number; view: DashboardView } | undefined;
  const v = () => {
    const now = Date.now();
    if (!cached || now - cached.at > 50) cached = { at: now, view: view() };
    return cached.view;
  };
  const one = (g: Gauge, value: number | boolean) => g.set(Number(value));
  gauge(registry, 'phoenix_log_position', 'Global position of the last record the dashboard folded (-1: empty log).', [], (g) => one(g, v().log_position ?? -1));
  gauge(registry, 'phoenix_dashboard_caught_up', '1 once the dashboard has read the whole log and follows it live.', [], (g) => one(g, v().caught_up));
  gauge(registry, 'phoenix_health_status', 'Health now: 1 for the current status (heartbeat, made worse by silence, a lost link or drift), 0 for the others.', ['status'], (g) => {
    for (const status of HEALTH_LEVELS) g.set({ status }, Number(v().banner.level === status));
  });
  gauge(registry, 'phoenix_last_heartbeat_age_seconds', 'Seconds since the last live heartbeat; absent before the first.', [], (g) => {
    const age = v().heartbeats.last_live_age_s;
    if (age !== null) g.set(age);
  });
  gauge(registry, 'phoenix_heartbeat_gaps', 'Heartbeats that came later than the gap threshold, in the log so far.', [], (g) => one(g, v().heartbeats.gaps_total));
  gauge(registry, 'phoenix_connection_state', 'The broker connection: 1 for its current state, 0 for the others.', ['state'], (g) => {
    for (const state of CONNECTION_STATES) g.set({ state }, Number(v().connection.state === state));
  });
  gauge(registry, 'phoenix_connection_up', '1 while the broker connection is CONNECTED.', [], (g) => one(g, v().connection.state === 'CONNECTED'));
  gauge(registry, 'phoenix_reconnect_attempt', 'The reconnect attempt in progress, 0 when none.', [], (g) => one(g, v().connection.attempt));
  gauge(registry, 'phoenix_kill_flag_set', '1 while the kill flag is SET and new entries are refused.', [], (g) => one(g, v().kill_flag.state === 'SET'));
  gauge(registry, 'phoenix_positions_open', 'Positions not yet CLOSED, REJECTED or CANCELLED.', [], (g) => one(g, v().positions.open.length + v().positions.not_shown));
  gauge(registry, 'phoenix_unrealised_pnl', "Open positions' unrealised P&L, per quote currency (live marks when the host has prices).", ['currency'], (g) => {
    for (const [currency, amount] of Object.entries(v().positions.unrealised.by_currency)) g.set({ currency }, amount);
  });
  gauge(registry, 'phoenix_unrealised_pnl_account', "Open positions' unrealised P&L in the account's currency at current rates; currencies without a rate are left out (see phoenix_pnl_unconverted_currencies).", ['currency'], (g) => {
    const a = v().positions.unrealised.account;
    if (a) g.set({ currency: a.currency }, a.amount);
  });
  gauge(registry, 'phoenix_pnl_unconverted_currencies', 'Quote currencies of open P&L with no rate to the account currency yet.', [], (g) => one(g, v().positions.unrealised.account?.missing.length ?? 0));
  gauge(registry, 'phoenix_realised_pnl', 'Realised P&L of every CLOSED position, per quote currency.', ['currency'], (g) => {
    for (const [currency, amount] of Object.entries(v().positions.realised.by_currency)) g.set({ currency }, amount);
  });
  gauge(registry, 'phoenix_position_unrealised_pnl', 'Each open position: unrealised P&L in its quote currency.', ['position_id', 'pair', 'currency'], (g) => {
    for (const p of v().positions.open) if (p.unrealised_pnl !== undefined) g.set({ position_id: p.position_id, pair: p.pair, currency: p.currency }, p.unrealised_pnl);
  });
  gauge(registry, 'phoenix_position_mark_price', "Each open position: its pair's current mid from the broker's ticks.", ['position_id', 'pair'], (g) => {
    for (const p of v().positions.open) if (p.mark) g.set({ position_id: p.position_id, pair: p.pair }, p.mark.price);
  });
  gauge(registry, 'phoenix_position_pips_to_stop', 'Each open position: pips from the current price to its stop (negative: through it).', ['position_id', 'pair'], (g) => {
    for (const p of v().positions.open) if (p.mark) g.set({ position_id: p.position_id, pair: p.pair }, p.mark.pips_to_stop);
  });
  gauge(registry, 'phoenix_position_pips_to_target', 'Each open position: pips from the current price to its target.', ['position_id', 'pair'], (g) => {
    for (const p of v().positions.open) if (p.mark) g.set({ position_id: p.position_id, pair: p.pair }, p.mark.pips_to_target);
  });
  gauge(registry, 'phoenix_approvals_pending', 'Approvals not yet consumed, expired, conflicted or rejected.', [], (g) => one(g, v().approvals.pending.length + v().approvals.not_shown));
  gauge(registry, 'phoenix_reconciliation_drift', '1 while the last reconciliation found drift.', [], (g) => one(g, v().drift.last?.result === 'DRIFT'));
  gauge(registry, 'phoenix_reconciliation_drifts', 'Reconciliations that found drift, in the log so far.', [], (g) => one(g, v().drift.drifts));
  gauge(registry, 'phoenix_host_info', 'The host the log last announced; always 1.', ['host_id', 'mode', 'version', 'state'], (g) => {
    const h = v().host;
    if (h) g.set({ host_id: h.host_id, mode: h.mode, version: h.version, state: h.state }, 1);
  });
  gauge(registry, 'phoenix_dashboard_clients', 'Browsers following the live update stream.', [], (g) => one(g, sseClients()));
}

/** What the Phase-2 gauges read: the desk's standing as the promotion actor keeps it (issue 14). */
export interface Phase2Source {
  promotion: string;
  liveGateOpen: boolean;
  gates: readonly { id: string; name: string; status: string; value: number | null }[];
}

const PROMOTION_STATES = ['SHADOW', 'PAPER_VALIDATED', 'LIVE_ELIGIBLE', 'LIVE_ACTIVE'] as const;

/**
 * The Phase-2 ops quality over the validation window, the promotion state
 * and the live gate, read at scrape time (issue 14). A figure with nothing
 * to measure yet is left out rather than scraped as 0.
 */
export function registerPhase2Gauges(registry: Registry, read: () => Phase2Source | undefined): void {
  const figure = (id: string) => read()?.gates.find((g) => g.id === id)?.value ?? null;
  // Labelled by its gate so that a figure with nothing to measure has no series at all (a labelless gauge would read 0).
  const one = (name: string, help: string, id: string, scale = 1) =>
    gauge(registry, name, help, ['gate'], (g) => {
      const v = figure(id);
      if (v !== null) g.set({ gate: id }, v * scale);
    });
  one('phoenix_phase2_drift_events', 'Reconciliation DRIFT events in the validation window (P2-1 needs 0).', 'P2-1');
  one('phoenix_phase2_alert_precision_ratio', 'Alert precision over the validation window, 0…1 (P2-2 needs > 0.8): bunny ground truth and operator labels.', 'P2-2');
  one('phoenix_phase2_alert_recall_ratio', 'Alert recall over the validation window, 0…1 (P2-3 needs > 0.9).', 'P2-3');
  one('phoenix_phase2_e2e_latency_median_seconds', 'Median intent file seen → entry acknowledged by the broker, human time included, over the window (P2-4 needs < 30 s).', 'P2-4', 1 / 1000);
  one('phoenix_phase2_uptime_ratio', "Share of the validation window covered by a live host's heartbeats, 0…1 (P2-5 needs > 0.99).", 'P2-5');
  gauge(registry, 'phoenix_phase2_gate_met', 'Each Phase-2 gate: 1 MET, 0 NOT_MET.', ['gate'], (g) => {
    for (const r of read()?.gates ?? []) g.set({ gate: r.id }, Number(r.status === 'MET'));
  });
  gauge(registry, 'phoenix_promotion_state', 'Promotion (S3.6): 1 for the current state, 0 for the others.', ['state'], (g) => {
    const s = read();
    if (s) for (const state of PROMOTION_STATES) g.set({ state }, Number(s.promotion === state));
  });
  gauge(registry, 'phoenix_live_gate_open', '1 when the phase-1 gates hold and promotion is LIVE_ACTIVE: live may start.', [], (g) => {
    const s = read();
    if (s) g.set(Number(s.liveGateOpen));
  });
}
